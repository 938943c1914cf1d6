"""MCMC settings for the demo's dyad-dependent stage models: time against MC error.

The model: the study terms + gwesp(0.5, fixed) + gwdegree(0.5, fixed), plus, from the second
stage on, ``edgecov('memory')`` (the previous stage's tie), on each of the demo's three stage
networks (92, 160, 259 cities).  Each MCMC profile (a ``control.ergm`` dict) is fitted in a
plain Rscript (benchmarks/ergm_tuning.R) with seeds 1..R; per stage it reports the wall and CPU
time of the fit and of bridge sampling, the iterations, and how far the estimates lie from the
default-settings fit with the same seed, in MCMC standard errors (``|b - b_default| /
sqrt(mcse^2 + mcse_default^2)``, mcse from ``vcov(fit, sources = "estimation")``: the largest,
the root mean square and the count beyond 2) and in standard errors, next to the
log-likelihood's MC standard error, and jointly: a Wald test of all the differences against
both fits' whole MCMC covariance (:func:`joint_wald`).  The default fit with another seed gives
the yardstick: how far two default fits lie apart.  Further measurements: starting values from
the previous stage's fit, fitting the stages on both cores at once (two Rscript processes), the
cost of GOF (nsim 50 and 100) and bridge sampling per profile, and the same fits through
pyreslib.

The machine may be shared: numbers are medians over seeds or repeats with their range, and
CPU seconds (less sensitive to other load than wall seconds) stand next to wall seconds.

Usage: ``python benchmarks/bench_ergm_tuning.py [--quick] [--seeds 1,2,3] [--profiles a,b]``
prints the tables; ``benchmarks/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _demo_stages import demo_stage_models, r_formula, save_rds
from _harness import Measurement

from pyreslib.ergm.distributions import chi2_sf, normal_two_sided_p

WORKER = HERE / "ergm_tuning.R"

# The profiles are pyreslib's own (pyreslib.ergm.control.profile_control): "default" (statnet's),
# "hummel" (Hummel stopping rule, adaptive sample size), "fast" (Hummel, fixed sample of 1024
# at interval 1024) and "sized" (Hummel, fixed sample, interval scaled to the dyads).
PROFILES = ("default", "sized", "fast", "hummel")
_MODIFIERS = {"ss": "MCMC.samplesize", "int": "MCMC.interval", "lb": "MCMLE.last.boost"}

# gof() with a fixed MCMC interval between its draws: the largest interval the "sized"
# profile sets on these networks (8192, stage 2018-2021).
GOF_INTERVAL = 8192

# Seeds: four per profile and stage by default (about 100 minutes in all), so the statistical
# comparison of tuned and default fits rests on 4 x 3 fits per profile; ``--seeds 1,2`` halves
# it (about 65 minutes).  With seed 3 the 'fast' profile's fit of stage 2018-2021 ends in
# ergm's "Unconstrained MCMC sampling did not mix at all": such a fit is counted in the tables
# ("fits ergm gave up on"), not fatal (a run with seeds 1-4 on 2026-12-01 stopped there before
# that was so).  The both-cores timing is a wall-time ratio, not a comparison of estimates: 2
# runs of it suffice.
CONCURRENT_REPEATS = 2


def profile_control(profile: str, n_nodes: int) -> dict[str, Any]:
    """The ``control.ergm`` settings of a pyreslib profile for a network of ``n_nodes``
    (:func:`pyreslib.ergm.control.profile_control`); or a profile name with modifiers, for
    exploration: ``fast+ss=4096+int=2048+lb=1`` (sample size, interval, last boost)."""
    from pyreslib.ergm.control import profile_control as pyreslib_profile

    base, *mods = profile.split("+")
    control = dict(pyreslib_profile(base, n_nodes))
    for mod in mods:
        key, value = mod.split("=")
        control[_MODIFIERS[key]] = int(value)
    return control


# ---- running fits in plain Rscript processes ------------------------------------------------

def _r_env() -> dict[str, str]:
    from pyreslib.ergm import bridge

    return {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}


def _write_job(path: Path, stages: Sequence[str], models, profile: str, seed: int,
               inits: Mapping[str, Mapping[str, float]] | None = None,
               gof_nsim: Sequence[int] = (), gof_interval: int | None = None) -> None:
    from pyreslib.ergm import bridge

    controls = {s: profile_control(profile, len(models[s].vertex_names)) for s in stages}
    job = bridge.named_list({
        "stages": list(stages),
        "formulas": {s: r_formula(str(models[s].formula)) for s in stages},
        "controls": {s: bridge.named_list(list(c.items())) for s, c in controls.items()},
        "inits": {s: dict(v) for s, v in (inits or {}).items()} or None,
        "seed": int(seed),
        "gof_nsim": [int(n) for n in gof_nsim] or None,
        "gof_interval": gof_interval,
    })
    bridge.session().ro.r["saveRDS"](job, str(path))


def _parse(path: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        key, value = line.rsplit(",", 1)
        stage, name = key.split("|", 1)
        out.setdefault(stage, {})[name] = float(value)
    return out


def start_r(workdir: Path, tag: str, stages: Sequence[str], models, profile: str, seed: int,
            **job):
    """Start a worker Rscript fitting ``stages`` one after the other; (process, output)."""
    job_path, out = workdir / f"{tag}.job.rds", workdir / f"{tag}.csv"
    _write_job(job_path, stages, models, profile, seed, **job)
    # ergm's progress goes to a file: a pipe nobody reads would fill up and stall the worker
    with open(workdir / f"{tag}.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(["Rscript", str(WORKER), str(workdir / "stages.rds"),
                                    str(job_path), str(out)], env=_r_env(),
                                   stdout=subprocess.DEVNULL, stderr=log)
    return process, out


def finish_r(process, out: Path) -> dict[str, dict[str, float]]:
    if process.wait() != 0:
        log = out.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"ergm_tuning.R failed:\n{log[-3000:]}")
    return _parse(out)


def fit_in_r(workdir: Path, tag: str, stages, models, profile: str, seed: int, **job):
    return finish_r(*start_r(workdir, tag, stages, models, profile, seed, **job))


# ---- comparing fits ---------------------------------------------------------------------------

def coefficients(record: Mapping[str, float], kind: str = "coef") -> dict[str, float]:
    prefix = f"{kind}:"
    return {k[len(prefix):]: v for k, v in record.items() if k.startswith(prefix)}


def difference(record: Mapping[str, float], reference: Mapping[str, float]
               ) -> tuple[list[str], np.ndarray]:
    """The reference's coefficient names and ``record``'s estimates minus the reference's."""
    b, b0 = coefficients(record), coefficients(reference)
    names = list(b0)
    return names, np.array([b[k] - b0[k] for k in names])


def deviations(record: Mapping[str, float], reference: Mapping[str, float]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per coefficient, the difference from ``reference`` in combined MCMC SEs and in SEs.

    The MCMC standard error of the difference of two independent fits is
    ``sqrt(mcse^2 + mcse_ref^2)``.
    """
    names, diff = difference(record, reference)
    mc, mc0 = coefficients(record, "mcse"), coefficients(reference, "mcse")
    se0 = coefficients(reference, "se")
    return (diff / np.hypot([mc[k] for k in names], [mc0[k] for k in names]),
            diff / np.array([se0[k] for k in names]))


def mc_covariance(record: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    """The MCMC covariance matrix of the estimates (``vcov(fit, sources = "estimation")``),
    rows and columns in the order of ``names``."""
    index = {name: i for i, name in enumerate(names)}
    cov = np.zeros((len(names), len(names)))
    for key, value in coefficients(record, "mccov").items():
        a, b = key.split("~")
        cov[index[a], index[b]] = cov[index[b], index[a]] = value
    return cov


def joint_wald(pairs: Sequence[tuple[Mapping[str, float], Mapping[str, float]]]
               ) -> tuple[float, int, float]:
    r"""Joint test that two fits of the same model on the same network differ by Monte Carlo
    error alone, summed over independent pairs.

    For one pair with estimates :math:`\hat\theta_1, \hat\theta_2` and MCMC covariances
    :math:`V_1, V_2` (the estimation part of ``vcov``), :math:`d = \hat\theta_1 -
    \hat\theta_2` and :math:`W = d^\top (V_1 + V_2)^{-1} d \sim \chi^2_p` when both fits
    estimate the same MLE; independent pairs add their :math:`W` and degrees of freedom.
    Unlike counting terms beyond 2 MC s.e. (about 1 in 22 is, by chance), this asks one
    question of all the differences at once and uses their correlation.  Returns
    ``(W, df, p)``.
    """
    wald, df = 0.0, 0
    for record, reference in pairs:
        names, d = difference(record, reference)
        cov = mc_covariance(record, names) + mc_covariance(reference, names)
        wald += float(d @ np.linalg.solve(cov, d))
        df += len(names)
    return wald, df, chi2_sf(wald, df)


def _median_range(values: Sequence[float], fmt: str = ".1f") -> str:
    if len(values) == 1:
        return f"{values[0]:{fmt}}"
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def _over(records: Sequence[Mapping[str, float]], key: str, fmt: str = ".1f") -> str:
    """Median and range of ``key`` over the fitted records; "-" if none fitted."""
    return _median_range([r[key] for r in records], fmt) if records else "-"


def compare_profiles(workdir: Path, models, profiles: Sequence[str], seeds: Sequence[int]):
    """Every profile on every stage with every seed: {profile: {seed: {stage: record}}}.

    A tuned profile's fit that ergm gives up on (e.g. "did not mix at all") is an outcome of
    that profile, not a failure of the benchmark: its record is ``{"error": <R's message>}``
    and the tables count it.  A default fit that fails stops the run: it is the anchor.
    """
    results: dict[str, dict[int, dict[str, dict[str, Any]]]] = {}
    for profile in profiles:
        for seed in seeds:
            for stage in models:
                try:
                    record = fit_in_r(workdir, f"{profile}-{seed}-{stage}", [stage], models,
                                      profile, seed)
                except RuntimeError as err:
                    if profile == "default":
                        raise
                    record = {stage: {"error": r_error_message(str(err))}}
                results.setdefault(profile, {}).setdefault(seed, {}).update(record)
                done = record[stage]
                print(f"    {profile} seed {seed} {stage}: "
                      + (f"failed: {done['error']}" if failed(done)
                         else f"fit {done['fit.elapsed']:.1f} s"), flush=True)
    return results


def failed(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` is a fit ergm gave up on (see :func:`compare_profiles`)."""
    return "error" in record


def r_error_message(text: str) -> str:
    """R's error message from a worker's log: the text after the last ``Error in ...:``."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Error")]
    if not starts:
        return lines[-1].strip() if lines else "unknown error"
    first = lines[starts[-1]]
    head = first.split(" : ", 1)[1].strip() if " : " in first else ""
    follow = [line.strip() for line in lines[starts[-1] + 1:] if line.startswith("  ")]
    return " ".join([head, *follow]).strip() or first.strip()


def table_header(*columns: str) -> list[str]:
    """The first two lines of a markdown table."""
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def table_only(name: str, what: str, rows: Sequence[str], anchor: str = "none") -> Measurement:
    """A measurement whose result is a table rather than one time and ratio."""
    return Measurement(name=name, what=what, anchor=anchor, seconds=float("nan"),
                       table="\n".join(rows))


PROFILE_HEADER = table_header(
    "profile", "stage", "fit wall s", "fit CPU s", "loglik wall s", "iterations",
    "max (RMS) abs(diff)/MCMC SE", "beyond 2 MCMC SE", "max abs(diff)/SE", "loglik MC s.e.",
    "fits ergm gave up on")


def profile_rows(results, stages: Sequence[str]) -> tuple[list[str], dict[str, float]]:
    """Table rows per profile and stage (medians over seeds, range in brackets) and each
    profile's median total wall seconds (fits + bridge sampling, all stages in turn).

    Tuned profiles are compared with the default fit of the same seed; the default rows
    compare each default fit with the default fit of the next seed: the yardstick.
    """
    seeds = sorted(results["default"])
    rows, totals = [], {}
    for profile, by_seed in results.items():
        # totals over the seeds whose every stage fitted (nan if none did)
        complete = [seed for seed in seeds
                    if not any(failed(by_seed[seed][s]) for s in stages)]
        totals[profile] = statistics.median(
            sum(by_seed[seed][s]["fit.elapsed"] + by_seed[seed][s]["loglik.elapsed"]
                for s in stages) for seed in complete) if complete else float("nan")
        for stage in stages:
            recs = [by_seed[seed][stage] for seed in seeds if not failed(by_seed[seed][stage])]
            if profile == "default":
                pairs = [(by_seed[a][stage], by_seed[b][stage])
                         for a, b in zip(seeds, seeds[1:] + seeds[:1]) if a != b]
                pairs = pairs[:1] if len(seeds) == 2 else pairs
            else:
                pairs = [(by_seed[seed][stage], results["default"][seed][stage])
                         for seed in seeds if not failed(by_seed[seed][stage])]
            devs = [deviations(a, b) for a, b in pairs]
            if devs:
                mcse = np.concatenate([d[0] for d in devs])
                in_se = np.concatenate([d[1] for d in devs])
                compared = (f"{np.max(np.abs(mcse)):.2f} ({np.sqrt(np.mean(mcse ** 2)):.2f}) | "
                            f"{int(np.sum(np.abs(mcse) > 2))} of {mcse.size} | "
                            f"{np.max(np.abs(in_se)):.2f} | ")
            else:
                compared = "- | - | - | "
            rows.append(
                f"| {profile} | {stage} | {_over(recs, 'fit.elapsed')} | "
                f"{_over(recs, 'fit.cpu')} | {_over(recs, 'loglik.elapsed')} | "
                f"{_over(recs, 'iterations', '.0f')} | {compared}"
                f"{_over(recs, 'llf_mcse', '.2f')} | {len(seeds) - len(recs)} of {len(seeds)} |")
    return rows, totals


def _verdict(results, profile: str, stages: Sequence[str]) -> dict[str, str]:
    """Whether ``profile``'s estimates meet the target on every stage and seed, next to the
    yardstick: how far two default fits with different seeds lie apart."""
    seeds = sorted(results["default"])

    def spread(pairs):
        values = [deviations(a, b) for a, b in pairs]
        mcse = np.concatenate([v[0] for v in values])
        in_se = np.concatenate([v[1] for v in values])
        return mcse, in_se

    gave_up = [(seed, s, results[profile][seed][s]["error"]) for seed in seeds for s in stages
               if failed(results[profile][seed][s])]
    tuned_pairs = [(results[profile][seed][s], results["default"][seed][s])
                   for seed in seeds for s in stages if not failed(results[profile][seed][s])]
    fits_failed = {"fits ergm gave up on": f"{len(gave_up)} of {len(seeds) * len(stages)}"
                   + "".join(f"; seed {seed}, {s}: {message}" for seed, s, message in gave_up)}
    if not tuned_pairs:
        return {"meets the target": "NO: no fit to compare", **fits_failed}
    tuned, tuned_se = spread(tuned_pairs)
    beyond = int(np.sum(np.abs(tuned) > 2))
    out = {"meets the target": ("yes" if beyond == 0 and not gave_up else "NO")
           + f": {_beyond_text(tuned, tuned_se, 'estimates ')}",
           "chance": chance_beyond(beyond, tuned.size),
           "RMS of abs(diff)/MCMC SE": f"{np.sqrt(np.mean(tuned ** 2)):.2f} "
                                       "(Monte Carlo error alone: 1)",
           "joint test, difference = MC error alone": _wald_text(joint_wald(tuned_pairs)),
           **fits_failed}
    if len(seeds) > 1:
        base_pairs = [(results["default"][a][s], results["default"][b][s])
                      for a, b in itertools.pairwise(seeds) for s in stages]
        base, base_se = spread(base_pairs)
        out["yardstick: default fits with consecutive seeds " + ", ".join(map(str, seeds))] = (
            f"{_beyond_text(base, base_se)}; RMS {np.sqrt(np.mean(base ** 2)):.2f}; joint test "
            + _wald_text(joint_wald(base_pairs)))
    out["repeats"] = f"{len(seeds)} seeds per stage; times are medians with the range"
    return out


def _beyond_text(in_mcse: np.ndarray, in_se: np.ndarray, what: str = "") -> str:
    """How many differences lie beyond 2 MCMC SE, and the largest in MCMC SEs and in SEs."""
    return (f"{int(np.sum(np.abs(in_mcse) > 2))} of {in_mcse.size} {what}beyond 2 MCMC SE "
            f"(largest {np.max(np.abs(in_mcse)):.2f}; largest in SEs "
            f"{np.max(np.abs(in_se)):.2f})")


def _wald_text(test: tuple[float, int, float]) -> str:
    wald, df, p = test
    return f"chi-square {wald:.1f} on {df} df, p = {p:.2f}"


def chance_beyond(beyond: int, total: int) -> str:
    """How many of ``total`` differences would lie beyond 2 MCMC SE by chance alone, were the
    two fits' Monte Carlo standard errors exact and the differences normal (P(|Z| > 2) =
    0.0455 each, taken as independent), and the binomial probability of ``beyond`` or more."""
    p = normal_two_sided_p(2)
    tail = sum(math.comb(total, k) * p**k * (1 - p) ** (total - k)
               for k in range(beyond, total + 1))
    return (f"{total * p:.1f} of {total} expected beyond 2 MCMC SE by chance alone; "
            f"P({beyond} or more) = {tail:.2f}")


def init_from_previous(workdir: Path, models, results, profile: str, seed: int) -> list[str]:
    """Stages 2.. started from the previous stage's default-settings estimates (the memory
    term, new in stage 2, from ergm's MPLE with the others fixed), against a cold start."""
    rows = []
    for prev, stage in itertools.pairwise(models):
        init = coefficients(results["default"][seed][prev])
        warm = fit_in_r(workdir, f"init-{profile}-{seed}-{stage}", [stage], models, profile,
                        seed, inits={stage: init})[stage]
        cold = results[profile][seed][stage]
        mcse, _ = deviations(warm, results["default"][seed][stage])
        rows.append(f"| {profile} | {stage} | {warm['fit.elapsed']:.1f} | "
                    f"{cold['fit.elapsed']:.1f} | {warm['fit.cpu']:.1f} | {cold['fit.cpu']:.1f} | "
                    f"{warm['iterations']:.0f} | {cold['iterations']:.0f} | "
                    f"{np.max(np.abs(mcse)):.2f} |")
    return rows


def concurrent_stages(workdir: Path, models, profile: str, seed: int,
                      repeats: int) -> tuple[list[float], list[float]]:
    """Wall seconds of all stage fits in one Rscript, one after the other, and on two cores:
    the largest stage in one process while a second process fits the others in turn
    (alternating, ``repeats`` times each)."""
    stages = list(models)
    largest = max(stages, key=lambda s: len(models[s].vertex_names))
    serial, parallel = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit_in_r(workdir, "serial", stages, models, profile, seed)
        serial.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        first = start_r(workdir, "core1", [largest], models, profile, seed)
        second = start_r(workdir, "core2", [s for s in stages if s != largest], models, profile,
                         seed)
        finish_r(*first)
        finish_r(*second)
        parallel.append(time.perf_counter() - t0)
    return serial, parallel


def gof_rows(workdir: Path, models, profile: str, seed: int, nsims=(50, 100)) -> list[str]:
    """Fit, bridge-sampling and GOF seconds per stage.  ergm's gof() scales its MCMC interval
    so that the nsim draws span the fit's last MCMC sample (samplesize x interval): its cost
    follows the profile, hardly nsim.  Also timed: gof() with MCMC.interval fixed at
    :data:`GOF_INTERVAL`."""
    rows = []
    for stage in models:
        rec = fit_in_r(workdir, f"gof-{profile}-{stage}", [stage], models, profile, seed,
                       gof_nsim=nsims, gof_interval=GOF_INTERVAL)[stage]
        rows.append(f"| {profile} | {stage} | {rec['samplesize']:.0f} x {rec['interval']:.0f} | "
                    f"{rec['fit.elapsed']:.1f} | {rec['loglik.elapsed']:.1f} | "
                    + " | ".join(f"{rec[f'gof{n}.elapsed']:.1f} | {rec[f'gof{n}i.elapsed']:.1f}"
                                 for n in nsims) + " |")
    return rows


def pyreslib_rows(workdir: Path, models, profile: str, seed: int, repeats: int) -> list[str]:
    """The same fits through pyreslib and in a plain Rscript, back to back: wall seconds of
    fit + bridge sampling (pyreslib: also building the network and the result tables; the
    Rscript: timed inside R) and whether the estimates are identical."""
    from pyreslib.ergm import ERGM

    first = next(iter(models.values()))
    ERGM(first.adjacency, "edges").fit(seed=1)  # load ergm's code before timing
    rows = []
    for stage, model in models.items():
        control = profile_control(profile, len(model.vertex_names))
        ours, plain_r, diff = [], [], 0.0
        for _ in range(repeats):
            r = fit_in_r(workdir, f"plain-{stage}", [stage], models, profile, seed)[stage]
            plain_r.append(r["fit.elapsed"] + r["loglik.elapsed"])
            t0 = time.perf_counter()
            res = model.fit(seed=seed, control=control or None)
            ours.append(time.perf_counter() - t0)
            plain = np.array(list(coefficients(r).values()))
            diff = max(diff, float(np.max(np.abs(res.params.to_numpy() - plain))))
        rows.append(f"| {stage} | {_median_range(ours)} | {_median_range(plain_r)} | "
                    f"{statistics.median(ours) / statistics.median(plain_r):.2f} | "
                    + ("identical |" if diff == 0 else f"max difference {diff:.2g} |"))
    return rows


def run(quick: bool = False, seeds: Sequence[int] = (1, 2, 3, 4),
        profiles: Sequence[str] = ("default", "sized", "fast"), recommended: str = "sized") -> list[Measurement]:
    models = demo_stage_models("extended")
    if quick:  # the first stage only, two seeds
        models = dict(list(models.items())[:1])
        seeds = tuple(seeds)[:2]
    seeds = list(seeds)
    stages = list(models)
    sizes = ", ".join(f"{s}: {len(m.vertex_names)} cities" for s, m in models.items())
    out: list[Measurement] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        save_rds(models, workdir / "stages.rds")
        results = compare_profiles(workdir, models, profiles, seeds)
        rows, totals = profile_rows(results, stages)
        for profile in profiles[1:]:
            control = {s: profile_control(profile, len(models[s].vertex_names)) for s in stages}
            same = len({repr(c) for c in control.values()}) == 1
            out.append(Measurement(
                name=f"Extended stage models: MCMC profile '{profile}' vs ergm's defaults",
                what=f"median over seeds {seeds} of the wall time to fit and bridge-sample the "
                     f"extended model on the demo's stages ({sizes}), one after the other, "
                     "each in a plain Rscript; control = "
                     + (f"{control[stages[0]]}" if same else f"{control}"),
                anchor="the same fits at ergm's default control.ergm() (same seeds)",
                seconds=totals[profile], anchor_seconds=totals["default"],
                target="estimates within 2 MCMC standard errors of the default fit (table)",
                extra=_verdict(results, profile, stages)))
        if out:
            out[0].table = "\n".join(PROFILE_HEADER + rows)

        if len(stages) > 1:
            rows = table_header("profile", "stage", "warm fit wall s", "cold fit wall s",
                                "warm CPU s", "cold CPU s", "warm iterations", "cold iterations",
                                "max abs(diff)/MCMC SE vs default")
            # the recommended profile only: a warm default fit costs as much as a cold one
            rows += [row for profile in (recommended,)
                     for row in init_from_previous(workdir, models, results, profile, seeds[0])]
            out.append(table_only(
                "Starting values from the previous stage's fit (init=)",
                "stages 2 and 3 started from the previous stage's default-settings estimates "
                "('warm'; the memory term from the MPLE with the others fixed) vs ergm's default "
                f"start, the MPLE ('cold'); seed {seeds[0]}", rows, anchor="the cold start"))

            serial, parallel = concurrent_stages(workdir, models, recommended, seeds[0],
                                                 CONCURRENT_REPEATS)
            out.append(Measurement(
                name=f"Extended stage models on both cores ('{recommended}' profile)",
                what=f"median wall time of {CONCURRENT_REPEATS} runs of the stage fits (with bridge "
                     "sampling) in two Rscript processes at once: the largest stage in one, "
                     "the others in turn in the other",
                anchor="the same fits one after the other in one Rscript (alternating)",
                seconds=statistics.median(parallel), anchor_seconds=statistics.median(serial),
                extra={"two processes": _median_range(parallel) + " s",
                       "one process": _median_range(serial) + " s"}))

        rows = table_header("profile", "stage", "last MCMC sample x interval", "fit wall s",
                            "bridge sampling wall s", "GOF nsim=50 wall s",
                            f"... interval {GOF_INTERVAL}", "GOF nsim=100 wall s",
                            f"... interval {GOF_INTERVAL}")
        rows += gof_rows(workdir, models, recommended, seeds[0])
        out.append(table_only(
            f"GOF and bridge-sampling costs ('{recommended}' profile)",
            "ergm::gof(fit) with its default statistics (degree, edgewise shared partners, "
            "distance, model statistics), at statnet's default interval and at MCMC.interval = "
            f"{GOF_INTERVAL}, and logLik(fit, add = TRUE), per stage", rows))

        rows = table_header("stage", "pyreslib wall s", "plain Rscript wall s", "ratio",
                            "estimates")
        rows += pyreslib_rows(workdir, models, recommended, seeds[0], 2)
        out.append(table_only(
            f"The '{recommended}' profile through pyreslib",
            f"ERGM(...).fit(seed={seeds[0]}, control=profile) in this process (network, fit, "
            "bridge sampling, result tables), median of 2, back to back with the plain Rscript "
            "fit", rows, anchor="the same fit and logLik() in a plain Rscript, timed inside R"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--profiles", default="default,sized,fast")
    parser.add_argument("--recommended", default="sized")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    for m in run(args.quick, seeds, args.profiles.split(","), args.recommended):
        print("\n".join(m.to_markdown()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
