"""MCMC settings for the demo's dyad-dependent stage models: time against MC error.

The model: the study terms + gwesp(0.5, fixed) + gwdegree(0.5, fixed), plus, from the second
stage on, ``edgecov('memory')`` (the previous stage's tie), on each of the demo's three stage
networks (92, 160, 259 cities).  Each MCMC profile (a ``control.ergm`` dict) is fitted in a
plain Rscript (benchmarks/ergm_tuning.R) with seeds 1..R; per stage it reports the wall and CPU
time of the fit and of bridge sampling, the iterations, and the largest difference from the
default-settings fit with the same seed, in MCMC standard errors (``|b - b_default| /
sqrt(mcse^2 + mcse_default^2)``, mcse from ``vcov(fit, sources = "estimation")``) and in
standard errors, next to the log-likelihood's MC standard error.  The default fit with another
seed gives the yardstick: how far two default fits lie apart.  Further measurements: starting
values from the previous stage's fit, fitting the stages on both cores at once (two Rscript
processes), the cost of GOF (nsim 50 and 100), and the same fits through pyreslib.

The machine may be shared: every number is a median over seeds with its range, and CPU
seconds (less sensitive to other load than wall seconds) are shown next to wall seconds.

Usage: ``python benchmarks/bench_ergm_tuning.py [--quick] [--seeds 1,2,3] [--profiles a,b]``
prints the tables; ``benchmarks/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
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

from _demo_stages import demo_stage_models, r_formula, save_rds  # noqa: E402
from _harness import Measurement  # noqa: E402

WORKER = HERE / "ergm_tuning.R"


def sized_interval(n_nodes: int) -> int:
    """MCMC interval for an undirected network of ``n_nodes``: about dyads / 16, a power of
    2 between 1024 (ergm's default) and 8192."""
    dyads = n_nodes * (n_nodes - 1) / 2
    return int(2 ** np.clip(np.round(np.log2(dyads / 16)), 10, 13))


HUMMEL = {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None}


def profile_control(profile: str, n_nodes: int) -> dict[str, Any]:
    """The ``control.ergm`` settings of a named profile for a network of ``n_nodes``."""
    if profile == "default":
        return {}
    if profile == "hummel":
        return dict(HUMMEL)
    if profile == "hummel_4k":
        return {**HUMMEL, "MCMC.samplesize": 4096}
    if profile == "sized":
        interval = sized_interval(n_nodes)
        return {**HUMMEL, "MCMC.samplesize": 4096, "MCMC.interval": interval,
                "MCMC.burnin": 16 * interval}
    raise ValueError(f"unknown profile {profile!r}")


PROFILES = ("default", "hummel", "hummel_4k", "sized")


# ---- running fits ----------------------------------------------------------------------------

def _r_env() -> dict[str, str]:
    from pyreslib.ergm import bridge

    return {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}


def _write_job(path: Path, stages: Sequence[str], models, control: Mapping[str, Any], seed: int,
               inits: Mapping[str, Mapping[str, float]] | None = None,
               gof_nsim: Sequence[int] = ()) -> None:
    from pyreslib.ergm import bridge

    job = bridge.named_list({
        "stages": list(stages),
        "formulas": {s: r_formula(str(models[s].formula)) for s in stages},
        "control": bridge.named_list(list(control.items())),
        "inits": {s: dict(v) for s, v in (inits or {}).items()} or None,
        "seed": int(seed),
        "gof_nsim": [int(n) for n in gof_nsim] or None,
    })
    bridge.session().ro.r["saveRDS"](job, str(path))


def _parse(path: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        key, value = line.rsplit(",", 1)
        stage, name = key.split("|", 1)
        out.setdefault(stage, {})[name] = float(value)
    return out


def start_r(workdir: Path, tag: str, stages: Sequence[str], models, control, seed: int, **kw):
    """Start one worker Rscript fitting ``stages`` in turn; returns (process, output path)."""
    job, out = workdir / f"{tag}.job.rds", workdir / f"{tag}.csv"
    _write_job(job, stages, models, control, seed, **kw)
    process = subprocess.Popen(["Rscript", str(WORKER), str(workdir / "stages.rds"), str(job),
                                str(out)], env=_r_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, errors="replace")
    return process, out


def finish_r(process, out: Path) -> dict[str, dict[str, float]]:
    _, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"ergm_tuning.R failed:\n{err[-3000:]}")
    return _parse(out)


def fit_in_r(workdir: Path, tag: str, stages, models, control, seed: int, **kw):
    return finish_r(*start_r(workdir, tag, stages, models, control, seed, **kw))


def coefficients(record: Mapping[str, float], kind: str = "coef") -> dict[str, float]:
    prefix = f"{kind}:"
    return {k[len(prefix):]: v for k, v in record.items() if k.startswith(prefix)}


def deviation(record: Mapping[str, float], reference: Mapping[str, float]) -> tuple[float, float]:
    """Largest |difference| of estimates, in combined MCMC standard errors and in SEs."""
    b, b0 = coefficients(record), coefficients(reference)
    mc, mc0 = coefficients(record, "mcse"), coefficients(reference, "mcse")
    se0 = coefficients(reference, "se")
    in_mcse = max(abs(b[k] - b0[k]) / np.hypot(mc[k], mc0[k]) for k in b0)
    in_se = max(abs(b[k] - b0[k]) / se0[k] for k in b0)
    return float(in_mcse), float(in_se)


# ---- the comparison ---------------------------------------------------------------------------

def _median_range(values: Sequence[float], fmt: str = ".1f") -> str:
    if len(values) == 1:
        return f"{values[0]:{fmt}}"
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def compare_profiles(workdir: Path, models, profiles: Sequence[str], seeds: Sequence[int]):
    """Every profile on every stage with every seed: {profile: {seed: {stage: record}}}."""
    sizes = {s: len(m.vertex_names) for s, m in models.items()}
    results: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
    for profile in profiles:
        for seed in seeds:
            for stage in models:
                record = fit_in_r(workdir, f"{profile}-{seed}-{stage}", [stage], models,
                                  profile_control(profile, sizes[stage]), seed)
                results.setdefault(profile, {}).setdefault(seed, {}).update(record)
                print(f"    {profile} seed {seed} {stage}: fit "
                      f"{record[stage]['fit.elapsed']:.1f} s", flush=True)
    return results


def profile_table(results, stages: Sequence[str]) -> tuple[str, dict[str, float]]:
    """Markdown rows per profile and stage; returns the table and each profile's total."""
    seeds = sorted(results["default"])
    lines = [
        "| profile | stage | fit wall s | fit CPU s | loglik wall s | iterations | "
        "max abs(diff)/MCMC SE | max abs(diff)/SE | loglik MC s.e. |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {}
    for profile, by_seed in results.items():
        total = []
        for seed in seeds:
            total.append(sum(by_seed[seed][s]["fit.elapsed"] + by_seed[seed][s]["loglik.elapsed"]
                             for s in stages))
        totals[profile] = statistics.median(total)
        for stage in stages:
            recs = [by_seed[seed][stage] for seed in seeds]
            if profile == "default":
                # the yardstick: each default fit against the default fit of the next seed
                devs = [deviation(by_seed[a][stage], by_seed[b][stage])
                        for a, b in zip(seeds, seeds[1:] + seeds[:1]) if a != b]
            else:
                devs = [deviation(by_seed[seed][stage], results["default"][seed][stage])
                        for seed in seeds]
            lines.append(
                f"| {profile} | {stage} | {_median_range([r['fit.elapsed'] for r in recs])} | "
                f"{_median_range([r['fit.cpu'] for r in recs])} | "
                f"{_median_range([r['loglik.elapsed'] for r in recs])} | "
                f"{_median_range([r['iterations'] for r in recs], '.0f')} | "
                + (f"{_median_range([d[0] for d in devs], '.2f')} | "
                   f"{_median_range([d[1] for d in devs], '.2f')} | " if devs else "- | - | ")
                + f"{_median_range([r['llf_mcse'] for r in recs], '.2f')} |")
    return "\n".join(lines), totals


def init_from_previous(workdir: Path, models, default_runs, profile: str, seed: int):
    """Stages 2.. started from the previous stage's estimates (memory: ergm's MPLE)."""
    stages = list(models)
    sizes = {s: len(m.vertex_names) for s, m in models.items()}
    out = {}
    for prev, stage in zip(stages, stages[1:]):
        init = coefficients(default_runs[seed][prev])
        out.update(fit_in_r(workdir, f"init-{profile}-{seed}-{stage}", [stage], models,
                            profile_control(profile, sizes[stage]), seed,
                            inits={stage: init}))
    return out


def concurrent_stages(workdir: Path, models, profile: str, seed: int) -> tuple[float, float]:
    """Wall seconds of all stages in one Rscript vs split over two at once (largest alone)."""
    stages = list(models)
    sizes = {s: len(m.vertex_names) for s, m in models.items()}
    control = profile_control(profile, max(sizes.values()))
    # One process, every stage in turn (control sized for each stage separately below).
    t0 = time.perf_counter()
    for stage in stages:
        fit_in_r(workdir, f"serial-{stage}", [stage], models,
                 profile_control(profile, sizes[stage]), seed)
    serial = time.perf_counter() - t0
    largest = max(stages, key=sizes.get)
    rest = [s for s in stages if s != largest]
    del control
    t0 = time.perf_counter()
    started = [start_r(workdir, "conc-a", [largest], models,
                       profile_control(profile, sizes[largest]), seed)]
    started += [start_r(workdir, f"conc-{s}", [s], models, profile_control(profile, sizes[s]),
                        seed) for s in rest[:1]]
    for s in rest[1:]:  # the second core takes the smaller stages one after the other
        finish_r(*started.pop())
        started.append(start_r(workdir, f"conc-{s}", [s], models,
                               profile_control(profile, sizes[s]), seed))
    for process, out in started:
        finish_r(process, out)
    return serial, time.perf_counter() - t0


def pyreslib_vs_r(models, profile: str, seed: int, r_records) -> list[str]:
    """The same fits through pyreslib: wall seconds and equality with the plain R fit."""
    rows = []
    for stage, model in models.items():
        control = profile_control(profile, len(model.vertex_names))
        t0 = time.perf_counter()
        res = model.fit(seed=seed, control=control or None)
        wall = time.perf_counter() - t0
        r = r_records[stage]
        plain = np.array(list(coefficients(r).values()))
        same = np.array_equal(res.params.to_numpy(), plain)
        rows.append(f"| {profile} | {stage} | {wall:.1f} | "
                    f"{r['fit.elapsed'] + r['loglik.elapsed']:.1f} | "
                    f"{'identical' if same else f'max diff {np.max(np.abs(res.params - plain)):.2g}'} |")
    return rows


def gof_costs(workdir: Path, models, profile: str, seed: int, nsims=(50, 100)) -> list[str]:
    sizes = {s: len(m.vertex_names) for s, m in models.items()}
    rows = []
    for stage in models:
        rec = fit_in_r(workdir, f"gof-{stage}", [stage], models,
                       profile_control(profile, sizes[stage]), seed, gof_nsim=nsims)[stage]
        rows.append(f"| {stage} | " + " | ".join(
            f"{rec[f'gof{n}.elapsed']:.1f} ({rec[f'gof{n}.cpu']:.1f} CPU)" for n in nsims)
            + f" | {rec['loglik.elapsed']:.1f} |")
    return rows


def run(quick: bool = False, seeds: Sequence[int] = (1, 2, 3),
        profiles: Sequence[str] = PROFILES, recommended: str = "sized") -> list[Measurement]:
    models = demo_stage_models("extended")
    if quick:
        models = dict(list(models.items())[:1])
        seeds = seeds[:2]
    stages = list(models)
    out: list[Measurement] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        save_rds(models, workdir / "stages.rds")
        results = compare_profiles(workdir, models, profiles, seeds)
        table, totals = profile_table(results, stages)
        for profile in profiles:
            if profile == "default":
                continue
            out.append(Measurement(
                name=f"Extended stage models, MCMC profile '{profile}' vs ergm's defaults",
                what=f"median over seeds {list(seeds)} of the wall time to fit and bridge-sample "
                     f"the extended model on the demo's {len(stages)} stage networks, one after "
                     f"the other in a plain Rscript; control = "
                     + "; ".join(f"{s}: {profile_control(profile, len(models[s].vertex_names))}"
                                 for s in stages),
                anchor="the same fits at ergm's default control.ergm() (same seeds)",
                seconds=totals[profile], anchor_seconds=totals["default"],
                target="estimates within 2 MCMC standard errors of the default fit",
            ))
        out[0].table = table if out else ""

        if len(stages) > 1:
            seed = seeds[0]
            rows = ["| profile | stage | fit wall s | fit CPU s | iterations | "
                    "max abs(diff)/MCMC SE vs default |", "|---|---|---|---|---|---|"]
            for profile in ("default", recommended):
                started = init_from_previous(workdir, models, results["default"], profile, seed)
                for stage, rec in started.items():
                    dev = deviation(rec, results["default"][seed][stage])[0]
                    cold = results[profile][seed][stage]
                    rows.append(f"| {profile} from previous stage | {stage} | "
                                f"{rec['fit.elapsed']:.1f} (cold {cold['fit.elapsed']:.1f}) | "
                                f"{rec['fit.cpu']:.1f} (cold {cold['fit.cpu']:.1f}) | "
                                f"{rec['iterations']:.0f} (cold {cold['iterations']:.0f}) | "
                                f"{dev:.2f} |")
            out.append(Measurement(
                name="Starting values from the previous stage's fit (init=)",
                what="stages 2 and 3 started from the previous stage's default-settings "
                     "estimates (memory from the MPLE); 'cold' = ergm's default start, the MPLE",
                anchor="the same stage fitted from the MPLE (table, 'cold')",
                seconds=sum(float(r.split("|")[3].split()[0]) for r in rows[2:]),
                table="\n".join(rows)))

            serial, parallel = concurrent_stages(workdir, models, recommended, seed)
            out.append(Measurement(
                name=f"Extended stage models on both cores ('{recommended}' profile)",
                what="wall time of the three stage fits (with bridge sampling) in two Rscript "
                     "processes at once: the largest stage on one core, the others in turn on "
                     "the other",
                anchor="the same fits one after the other",
                seconds=parallel, anchor_seconds=serial))

        rows = ["| stage | GOF nsim=50 wall s | GOF nsim=100 wall s | bridge sampling wall s |",
                "|---|---|---|---|"] + gof_costs(workdir, models, recommended, seeds[0])
        out.append(Measurement(
            name=f"GOF and bridge-sampling costs ('{recommended}' profile)",
            what="ergm::gof(fit) (degree, espartners, distance, model statistics) and "
                 "logLik(fit, add = TRUE) of the extended model per stage",
            anchor="none", seconds=float("nan"), table="\n".join(rows)))

        rows = ["| profile | stage | pyreslib wall s | plain R wall s | estimates |",
                "|---|---|---|---|---|"]
        for profile in ("default", recommended):
            rows += pyreslib_vs_r(models, profile, seeds[0], results[profile][seeds[0]])
        out.append(Measurement(
            name="The same profiles through pyreslib",
            what="ERGM(...).fit(seed, control=profile) in this process (fit + bridge sampling)",
            anchor="the plain Rscript fits above (fit + bridge sampling, same seed)",
            seconds=float("nan"), table="\n".join(rows)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--recommended", default="sized")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    for m in run(args.quick, seeds, args.profiles.split(","), args.recommended):
        print("\n".join(m.to_markdown()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
