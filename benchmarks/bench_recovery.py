"""Recovery study: do the MCMC profiles' estimates and 95% intervals recover a planted truth?

Issue 28, item 2.  For each cell (model, stage) the coefficients are *planted* at the values
of a seeded fit of the demo's own stage network at statnet's default settings
(``profile_control("default", n)``; the study model is dyad-independent, so its fit is the
exact MLE whatever the profile), on the real geography with the study's covariates (the
stage models of the main job, :func:`_demo_stages.demo_stage_models`).  Networks are drawn
from that fit with ergm's ``simulate`` and each is fitted again, on the
:class:`pyreslib.ergm.workers.FitPool` (2 R workers):

- the study model on the 257-city stage (2018-2021), 200 networks;
- the extended model on the 158-city stage (2015-2017), 50 networks, fitted with every MCMC profile
  (:data:`pyreslib.ergm.control.MCMC_PROFILES`, statnet's defaults included), the same
  networks for every profile (a paired comparison);
- the extended model on the 257-city stage, 20 networks, with the demo's profile ("sized").

The extended model's ``edgecov('memory')`` (the previous stage's tie) is an exogenous
covariate: every simulated network keeps the previous stage's *observed* network as its
memory, as do the node covariates, proximity and shared borders.  Only the response is drawn.

Simulation: replicate ``r`` of a cell gets its own seed (and its fit another) from
``numpy.random.SeedSequence(seed, spawn_key=(cell, r))``; ergm's ``simulate(fit, nsim = 1,
seed = s)`` starts from the planted fit's last MCMC network (``newnetwork``, a draw near the
model's equilibrium) and runs a burn-in of :data:`BURNIN_PER_DYAD` proposals per dyad
(statnet's default, 16 x 1,024 proposals, is less than one proposal per dyad on 257 cities
and would leave the replicates close copies of one network).  Refits skip the bridge-sampled
log-likelihood (``eval_loglik=False``): it does not change estimates or standard errors.

Reported per profile, stage and coefficient: coverage of the nominal 95% Wald interval
(``coef +- 1.96 se``, statnet's standard error with its MCMC part) with its Wilson 95%
interval; the mean bias and the RMSE, both divided by **the mean of the fits' standard
errors** (what a user reads), with the bias over the standard deviation of the estimates in
brackets and the bias's own Monte Carlo standard error (SD / sqrt(R), in the same unit); the
ratio mean SE / SD; seconds per fit (worker wall time, median); fits that failed (R errors,
with R's message; not counted in the statistics) and fits that did not converge (counted, as
a user would get them, with a warning).  A profile is **fit for the demo** when every
coefficient's coverage lies within 0.90-0.99 and its bias within 0.2 standard errors (issue
28).  With R networks the bias's Monte Carlo s.e. is about 1/sqrt(R) SE (0.22 at R = 20) and
coverage moves in steps of 1/R (20/20 = 1.00 fails the rule), so a second line says whether
the rule's bounds lie inside the Monte Carlo intervals.

Finished fits are written, as they arrive, to ``/tmp/pyreslib-bench-recovery-<seed>.json``
keyed by model, stage, profile, planting and replicate; a rerun with the same seed reuses them
(an interrupted full run resumes).  Delete the file to start afresh.

Running it.  The full study takes hours (about 1.5-2 h on an idle 2-core machine), so
``make bench`` (``benchmarks/run.py`` without ``--quick``) does not run it unless asked:
``PYRESLIB_BENCH_RECOVERY=1 make bench`` or ``benchmarks/run.py --only bench_recovery
--merge`` runs it; otherwise the module keeps the table of its last run from BENCHMARKS.md.
``--quick`` (and ``run(quick=True)``) runs a few networks per cell (4 study, 3 extended-158
with two profiles, 2 extended-257; the 257-city extended model then planted at a 'sized'
fit, to spare the 10-minute default fit) to check the pipeline in minutes.  Standalone:
``python benchmarks/bench_recovery.py [--quick] [--seed 2023]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _demo_stages import demo_stage_models
from _harness import Measurement

SEED = 2023
ENV = "PYRESLIB_BENCH_RECOVERY"
WORKERS = 2
BURNIN_PER_DYAD = 32
Z95 = 1.959963984540054
COVERAGE_RANGE = (0.90, 0.99)
MAX_BIAS = 0.2
DEMO_PROFILE = "sized"


@dataclass(frozen=True)
class Cell:
    """One design cell: ``model`` on the stage at ``stage_index``, ``replicates`` networks,
    each fitted with every profile of ``profiles``; the truth planted by a fit with
    ``planted_by``."""

    index: int
    model: str
    stage_index: int
    replicates: int
    profiles: tuple[str, ...]
    planted_by: str = "default"


def design(quick: bool) -> list[Cell]:
    from pyreslib.ergm.control import MCMC_PROFILES

    every = tuple(dict.fromkeys(("default", *MCMC_PROFILES)))  # statnet's defaults first
    if quick:
        return [Cell(0, "study", 2, 4, ("exact",)),
                Cell(1, "extended", 1, 3, ("sized", "fast")),
                Cell(2, "extended", 2, 2, (DEMO_PROFILE,), planted_by=DEMO_PROFILE)]
    return [Cell(0, "study", 2, 200, ("exact",)),
            Cell(1, "extended", 1, 50, every),
            Cell(2, "extended", 2, 20, (DEMO_PROFILE,))]


def replicate_seeds(seed: int, cell: int, replicate: int) -> tuple[int, int]:
    """(simulation seed, fit seed) of one replicate: independent streams per (cell, r)."""
    state = np.random.SeedSequence(seed, spawn_key=(cell, replicate)).generate_state(2)
    return int(state[0] % 2**31), int(state[1] % 2**31)


# ---- the cache of finished fits ---------------------------------------------------------------

def cache_path(seed: int) -> Path:
    return Path("/tmp") / f"pyreslib-bench-recovery-{seed}.json"


def cache_key(cell: Cell, stage: str, profile: str, replicate: int) -> str:
    return f"{cell.model}|{stage}|{profile}|planted={cell.planted_by}|{replicate}"


def load_cache(seed: int) -> dict[str, dict]:
    path = cache_path(seed)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_cache(seed: int, records: dict[str, dict]) -> None:
    path = cache_path(seed)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records), encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted write never leaves half a file


# ---- planting, simulating, fitting ------------------------------------------------------------

_R_SIMULATE = """
function(fit, seeds, burnin) {
  lapply(seeds, function(s) {
    nw <- stats::simulate(fit, nsim = 1, seed = s,
                          control = ergm::control.simulate.ergm(MCMC.burnin = burnin,
                                                                MCMC.interval = 1))
    network::as.matrix.network(nw, matrix.type = "adjacency")
  })
}
"""


def simulate_networks(results, seeds: list[int]) -> list[np.ndarray]:
    """One network per seed from the planted fit (ergm's simulate; module docstring)."""
    from pyreslib.ergm import bridge

    n = len(results.model.vertex_names)
    burnin = BURNIN_PER_DYAD * n * (n - 1) // 2
    if not seeds:
        return []
    fun = bridge.session().ro.r(_R_SIMULATE)
    out = fun(results._r_fit, [float(s) for s in seeds], float(burnin))
    return [bridge.as_matrix(m) for m in out]


def start_network(results) -> np.ndarray:
    """The network the draws start from (``newnetwork``, else the observed one)."""
    from pyreslib.ergm import bridge

    fun = bridge.session().ro.r(
        "function(fit) network::as.matrix.network(if (is.null(fit$newnetwork)) fit$network "
        "else fit$newnetwork, matrix.type = 'adjacency')")
    return bridge.as_matrix(fun(results._r_fit))


def decorrelation(start: np.ndarray, sims: list[np.ndarray]) -> dict[str, float]:
    """Mean edges of the draws, and the share of ties a draw shares with the start network
    against the share two consecutive draws share: equal when the burn-in has forgotten the
    start (each draw then as independent of the start as of another draw)."""
    def shared(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(a * b) / max(np.sum(b), 1))

    return {"edges": float(np.mean([m.sum() / 2 for m in sims])),
            "start_edges": float(start.sum() / 2),
            "with_start": float(np.mean([shared(m, start) for m in sims])),
            "between_draws": float(np.mean([shared(a, b) for a, b in itertools.pairwise(sims)]))
            if len(sims) > 1 else float("nan")}


def refit_model(model, adjacency: np.ndarray):
    """The stage model with the simulated network as response; every covariate (memory
    included) as observed."""
    from pyreslib.ergm import ERGM

    names = list(model.vertex_names)
    frame = pd.DataFrame(adjacency, index=names, columns=names)
    return ERGM(frame, model.formula_text, node_covariates=model.node_covariates,
                edge_covariates=dict(model.edge_covariates))


def control_of(profile: str, model) -> dict | None:
    from pyreslib.ergm.control import profile_control

    if profile == "exact" or not model.mcmc:
        return None
    return profile_control(profile, len(model.vertex_names)) or None


def record_of(done) -> dict:
    if done.results is None:
        return {"error": done.error or "unknown error", "seconds": done.seconds}
    res = done.results
    return {"params": {k: float(v) for k, v in res.params.items()},
            "bse": {k: float(v) for k, v in res.bse.items()},
            "converged": bool(res.converged), "seconds": float(done.seconds)}


def plant(cells: list[Cell], models: dict[str, dict], seed: int, log) -> dict[int, object]:
    """The planted fit of every cell (on the pool, both at once)."""
    from pyreslib.ergm.workers import FitPool, Job

    out = {}
    with FitPool(WORKERS) as pool:
        for cell in sorted(cells, key=lambda c: -c.stage_index):
            model = models[cell.model][cell.stage_index]
            control = control_of(cell.planted_by, model)
            pool.submit(Job(cell.index, model.prepare_fit(seed=seed, control=control,
                                                          eval_loglik=False, verbose=False),
                            label=f"planted {cell.model} {cell.stage_index}"))
        for done in pool.completed():
            if done.results is None:
                raise RuntimeError(f"the planted fit of cell {done.key} failed: {done.error}")
            log(f"planted cell {done.key}: {done.seconds:.0f} s")
            out[done.key] = done.results
    return out


def run_study(quick: bool, seed: int = SEED, log=print) -> tuple[list[dict], dict]:
    """Every fit of the design: ``(rows, info)``; rows carry the cell, profile, replicate,
    truth and record."""
    from pyreslib.ergm.workers import FitPool, Job

    cells = design(quick)
    models, stages = {}, []
    for name in sorted({c.model for c in cells}):
        by_stage = demo_stage_models(name)
        models[name], stages = list(by_stage.values()), list(by_stage)
    t0 = time.perf_counter()
    planted = plant(cells, models, seed, log)
    plant_seconds = time.perf_counter() - t0
    cache = load_cache(seed)
    rows: list[dict] = []
    sim_seconds = 0.0
    checks: dict[int, dict[str, float]] = {}
    todo: list[tuple[Cell, str, int, object, np.ndarray]] = []
    for cell in cells:
        stage = stages[cell.stage_index]
        model = models[cell.model][cell.stage_index]
        truth = planted[cell.index].params.to_dict()
        missing = [r for r in range(cell.replicates)
                   if any(cache_key(cell, stage, p, r) not in cache for p in cell.profiles)]
        t1 = time.perf_counter()
        sims = dict(zip(missing, simulate_networks(
            planted[cell.index], [replicate_seeds(seed, cell.index, r)[0] for r in missing])))
        sim_seconds += time.perf_counter() - t1
        check_key = f"checks|{cache_key(cell, stage, '-', -1)}"
        if len(sims) > 1:  # kept with the fits: a resumed run reports them too
            cache[check_key] = decorrelation(start_network(planted[cell.index]),
                                             list(sims.values()))
        if check_key in cache:
            checks[cell.index] = cache[check_key]
        for r in range(cell.replicates):
            for profile in cell.profiles:
                key = cache_key(cell, stage, profile, r)
                row = {"cell": cell, "stage": stage, "profile": profile, "replicate": r,
                       "truth": truth, "n": len(model.vertex_names), "key": key}
                rows.append(row)
                if key not in cache:
                    todo.append((cell, profile, r, model, sims[r]))
    log(f"{len(rows) - len(todo)} fits from {cache_path(seed)}, {len(todo)} to run")
    # the longest fits first, so that the last to finish is short
    order = {"default": 0, "hummel": 1, "sized": 2, "fast": 3, "exact": 4}
    todo.sort(key=lambda t: (-t[3].adjacency.shape[0] * t[3].mcmc, order[t[1]]))
    with FitPool(WORKERS) as pool:
        for cell, profile, r, model, draw in todo:
            fit_seed = replicate_seeds(seed, cell.index, r)[1]
            key = cache_key(cell, stages[cell.stage_index], profile, r)
            try:
                refit = refit_model(model, draw)
                call = refit.prepare_fit(seed=fit_seed, control=control_of(profile, refit),
                                         eval_loglik=False, verbose=False)
            except Exception as exc:  # noqa: BLE001 - a bad draw is a counted failure
                cache[key] = {"error": str(exc), "seconds": 0.0}
                continue
            pool.submit(Job(key, call, label=key))
        for done in pool.completed():
            cache[done.key] = record_of(done)
            save_cache(seed, cache)
            rec = cache[done.key]
            log(f"  {done.key}: " + (f"failed: {rec['error'][:200]}" if "error" in rec
                                     else f"{rec['seconds']:.1f} s"))
    save_cache(seed, cache)
    for row in rows:
        row["record"] = cache[row["key"]]
    info = {"plant_seconds": plant_seconds, "simulate_seconds": sim_seconds, "cells": cells,
            "stages": stages, "planted": {c.index: planted[c.index].params for c in cells},
            "checks": checks}
    return rows, info


# ---- statistics -------------------------------------------------------------------------------

def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    r"""Wilson score interval of a binomial proportion ``k / n``:

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}.

    (Wilson 1927, *JASA* 22(158), doi:10.1080/01621459.1927.10502953.)
    """
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def summarise(rows: list[dict]) -> pd.DataFrame:
    """One row per (profile, stage, coefficient) of the recovery statistics."""
    out = []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["cell"].index, row["profile"]), []).append(row)
    for (_, profile), group in groups.items():
        cell, stage = group[0]["cell"], group[0]["stage"]
        errors = [g["record"]["error"] for g in group if "error" in g["record"]]
        fitted = [g["record"] for g in group if "error" not in g["record"]]
        finite = [f for f in fitted if all(math.isfinite(v) for v in f["params"].values())
                  and all(math.isfinite(v) for v in f["bse"].values())]
        not_converged = sum(not f["converged"] for f in finite)
        seconds = [f["seconds"] for f in fitted]
        for term, true in group[0]["truth"].items():
            est = np.array([f["params"][term] for f in finite])
            se = np.array([f["bse"][term] for f in finite])
            m = len(est)
            covered = int(np.sum(np.abs(est - true) <= Z95 * se)) if m else 0
            mean_se = float(np.mean(se)) if m else float("nan")
            sd = float(np.std(est, ddof=1)) if m > 1 else float("nan")
            bias = float(np.mean(est - true)) if m else float("nan")
            rmse = float(np.sqrt(np.mean((est - true) ** 2))) if m else float("nan")
            lo, hi = wilson(covered, m)
            out.append({
                "model": cell.model, "profile": profile, "stage": stage,
                "cities": group[0]["n"], "term": term, "truth": true, "networks": len(group),
                "fitted": m, "coverage": covered / m if m else float("nan"),
                "cov_lo": lo, "cov_hi": hi, "bias_se": bias / mean_se,
                "bias_sd": bias / sd if sd else float("nan"),
                "bias_mcse": (sd / math.sqrt(m)) / mean_se if m > 1 else float("nan"),
                "rmse_se": rmse / mean_se, "se_ratio": mean_se / sd if sd else float("nan"),
                "seconds": statistics.median(seconds) if seconds else float("nan"),
                "failed": len(errors) + (len(fitted) - len(finite)),
                "not_converged": not_converged,
                "errors": errors + ["non-finite estimate or standard error"]
                * (len(fitted) - len(finite))})
    return pd.DataFrame(out)


def verdicts(table: pd.DataFrame) -> dict[tuple[str, str], tuple[bool, bool]]:
    """Per (profile, stage and model): (the rule holds on the point estimates, the rule's
    bounds lie within the Monte Carlo intervals of coverage and bias)."""
    out = {}
    for (model, profile, stage), g in table.groupby(["model", "profile", "stage"], sort=False):
        lo, hi = COVERAGE_RANGE
        strict = bool(((g.coverage >= lo) & (g.coverage <= hi)
                       & (g.bias_se.abs() <= MAX_BIAS)).all())
        # consistent with the rule given the Monte Carlo error: the coverage's Wilson interval
        # meets [0.90, 0.99] and bias +- 1.96 MC s.e. meets [-0.2, 0.2]
        loose = bool(((g.cov_hi >= lo) & (g.cov_lo <= hi)
                      & (g.bias_se.abs() - Z95 * g.bias_mcse <= MAX_BIAS)).all())
        out[(model, profile, stage)] = (strict, loose)
    return out


def markdown_table(table: pd.DataFrame) -> str:
    head = [("| model | profile | stage | coefficient | planted | coverage (Wilson 95%) | "
            "bias / SE (/ SD) +- MC s.e. | RMSE / SE | mean SE / SD | s per fit | "
            "fits failed | not converged |"),
            "|" + "---|" * 12]
    rows = []
    for r in table.itertuples():
        rows.append(
            f"| {r.model} | {r.profile} | {r.stage} ({r.cities}) | {r.term} | {r.truth:.3f} | "
            f"{r.coverage:.2f} ({r.cov_lo:.2f}-{r.cov_hi:.2f}), {r.fitted} fits | "
            f"{r.bias_se:+.2f} ({r.bias_sd:+.2f}) +- {r.bias_mcse:.2f} | {r.rmse_se:.2f} | "
            f"{r.se_ratio:.2f} | {r.seconds:.1f} | {r.failed} of {r.networks} | "
            f"{r.not_converged} |")
    return "\n".join(head + rows)


def measurement(rows: list[dict], info: dict, quick: bool, seed: int,
                wall: float) -> Measurement:
    table = summarise(rows)
    judged = verdicts(table)
    extra = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
             "repeats (networks per cell)": ", ".join(
                 f"{c.model} on {info['stages'][c.stage_index]}: {c.replicates}"
                 for c in info["cells"]) + (" (--quick)" if quick else ""),
             "seeds": f"SeedSequence({seed}, spawn_key=(cell, replicate)): a simulation seed "
                      "and a fit seed per replicate; planted fits seeded with "
                      f"{seed}",
             "planted": "; ".join(f"{c.model} on {info['stages'][c.stage_index]} by a "
                                  f"'{c.planted_by}' fit: " + ", ".join(
                                      f"{k} {v:.3f}" for k, v in info["planted"][c.index].items())
                                  for c in info["cells"]),
             "memory": "the extended model's edgecov('memory') is the previous stage's observed "
                       "network in every simulated network and fit (an exogenous covariate)",
             "simulation": f"ergm simulate(fit, nsim = 1, seed) from the planted fit's last MCMC "
                           f"network, burn-in {BURNIN_PER_DYAD} proposals per dyad; "
                           f"{info['simulate_seconds']:.0f} s in all",
             "time": f"{wall:.0f} s wall in all (planted fits {info['plant_seconds']:.0f} s) on "
                     f"{WORKERS} R workers"}
    for c in info["cells"]:
        if c.index in info["checks"]:
            k = info["checks"][c.index]
            extra[f"draws, {c.model} on {info['stages'][c.stage_index]}"] = (
                f"{k['edges']:.0f} edges on average (start network {k['start_edges']:.0f}); "
                f"share of a draw's ties in the start network {k['with_start']:.3f}, in the "
                f"previous draw {k['between_draws']:.3f} (equal: the burn-in forgot the start)")
    if quick:
        extra["verdicts"] = ("a --quick run has too few networks to judge anything; the lines "
                             "below only show that the verdicts are computed")
    for (model, profile, stage), (strict, loose) in judged.items():
        label = f"verdict: {model}, '{profile}', {stage}"
        g = table[(table.model == model) & (table.profile == profile) & (table.stage == stage)]
        extra[label] = (("fit for the demo" if strict else "NOT fit for the demo")
                        + " (every coefficient's coverage within 0.90-0.99 and |bias| within "
                        "0.2 SE); " + ("consistent" if loose else "inconsistent")
                        + " with the rule given the Monte Carlo intervals; "
                        f"{int(g.failed.iloc[0])} of {int(g.networks.iloc[0])} fits failed, "
                        f"{int(g.not_converged.iloc[0])} did not converge")
    for profile in dict.fromkeys(p for (m, p, _) in judged if m == "extended"):
        cells = [(s, v) for (m, p, s), v in judged.items() if m == "extended" and p == profile]
        extra[f"verdict for the profile '{profile}'"] = (
            ("fit for the demo" if all(v[0] for _, v in cells) else "NOT fit for the demo")
            + " on " + ", ".join(s for s, _ in cells))
    failures = table[table.failed > 0]
    for r in failures.drop_duplicates(["model", "profile", "stage"]).itertuples():
        extra[f"failed fits: {r.model}, '{r.profile}', {r.stage}"] = "; ".join(
            sorted({e[:800] for e in r.errors}))
    return Measurement(
        name="Recovery of planted coefficients: coverage, bias and RMSE per MCMC profile",
        what="networks simulated from fits of the demo's stages (planted truth), each fitted "
             "again on the FitPool; coverage of the nominal 95% Wald intervals, bias and RMSE "
             "in the mean of the fits' standard errors (in brackets: in the SD of the "
             "estimates), seconds per fit (worker wall, median)",
        anchor="the planted coefficients", seconds=float("nan"), extra=extra,
        table=markdown_table(table), target_met=None if quick else all(
            strict for (m, p, _), (strict, _) in judged.items() if p == DEMO_PROFILE))


# `make bench` runs this module only when it is named alone (`benchmarks/run.py --only
# bench_recovery --merge`) or with PYRESLIB_BENCH_RECOVERY=1; otherwise it keeps its last section.
SKIP_UNLESS_NAMED = ENV


def run(quick: bool = False, seed: int = SEED) -> list[Measurement]:
    t0 = time.perf_counter()
    rows, info = run_study(quick, seed, log=lambda line: print("   ", line, flush=True))
    return [measurement(rows, info, quick, seed, time.perf_counter() - t0)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for m in run(args.quick, args.seed):
        print("\n".join(m.to_markdown()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
