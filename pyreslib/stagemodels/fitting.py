"""Fitting the stage models: one job builder and one worker-pool loop for every caller.

:func:`stage_jobs` turns built stage models into worker jobs (MCMC settings of a named profile,
then the specification's own ``control``, then the caller's), longest first;
:func:`run_jobs` drives them through :class:`pyreslib.ergm.workers.FitPool`.  Both
:func:`fit_stages` (Python users) and the main job's step (:mod:`pyreslib.stagemodels.step`)
use them, so the two cannot disagree on a fit's settings.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.ergm import ERGM, ERGMResults, compare
from pyreslib.ergm.compare import Comparison
from pyreslib.ergm.control import profile_control
from pyreslib.ergm.workers import FitPool, Job, JobResult
from pyreslib.errors import ComparisonWarning, InputError
from pyreslib.stagemodels.build import stage_models
from pyreslib.stagemodels.specs import ModelSpec, specs_of

__all__ = ["StageFits", "compare_profiles", "estimates_table", "fit_control", "fit_stages",
           "largest_first", "run_jobs", "stage_comparison", "stage_jobs"]


@dataclass
class StageFits:
    """Fits of several specifications to several stage networks, and their comparison."""

    fits: dict[tuple[str, str], ERGMResults]
    comparison: Comparison
    failures: dict[tuple[str, str], str]

    def to_frame(self) -> pd.DataFrame:
        return estimates_table(self.fits)


def estimates_table(fits: Mapping[tuple[str, str], ERGMResults]) -> pd.DataFrame:
    """Every fit's estimates table (:meth:`ERGMResults.to_frame`), one block per fit, with
    ``stage`` and ``model`` columns first; ``fits`` is keyed by (stage, model)."""
    frames = []
    for (stage, model), res in fits.items():
        f = res.to_frame().reset_index()
        f.insert(0, "model", model)
        f.insert(0, "stage", stage)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def largest_first(keys: Iterable[tuple[str, str]],
                  built: Mapping[tuple[str, str], ERGM]) -> list[tuple[str, str]]:
    """``keys`` ordered for a pool of workers: MCMC fits before exact ones, larger networks
    first (the longest jobs start first, so the last one to finish is short)."""
    return sorted(keys, key=lambda k: (not built[k].mcmc, -len(built[k].vertex_names)))


def fit_control(model: ERGM, spec: ModelSpec | None = None, *, profile: str = "default",
                samplesize: int = 0, control: Mapping[str, Any] | None = None,
                hosts: Sequence[str] = ()) -> dict[str, Any]:
    """The ``control.ergm`` settings of one stage fit: the MCMC ``profile``'s
    (:func:`pyreslib.ergm.control.profile_control`), ``samplesize`` (0: the profile's) and
    ``hosts`` (``parallel``: one MCMC chain on each, over ssh) for a dyad-dependent model only,
    then the specification's own ``control``, then ``control``."""
    settings: dict[str, Any] = {}
    if model.mcmc:
        settings = profile_control(profile, len(model.vertex_names))
        if samplesize:
            settings["MCMC.samplesize"] = samplesize
        if hosts:
            settings["parallel"] = list(hosts)
    return {**settings, **(spec.control if spec is not None else {}), **(control or {})}


def stage_jobs(built: Mapping[tuple[str, str], ERGM], specs: Sequence[ModelSpec], *,
               seed: int, profile: str = "default", samplesize: int = 0,
               control: Mapping[str, Any] | None = None, gof_nsim: int = 0,
               label: Callable[[tuple[str, str]], str] | None = None,
               hosts: Sequence[str] = (), ssh_config: str | Path | None = None) -> list[Job]:
    """One worker job per built (stage, model), longest first (:func:`largest_first`), each
    with its settings (:func:`fit_control`; with ``hosts`` the MCMC fits run their chains on
    those hosts over ssh, configured by the OpenSSH file ``ssh_config``) and, with
    ``gof_nsim``, its goodness of fit."""
    by_name = {spec.name: spec for spec in specs}
    jobs = []
    for key in largest_first(built, built):
        model = built[key]
        settings = fit_control(model, by_name.get(key[1]), profile=profile,
                               samplesize=samplesize, control=control, hosts=hosts)
        jobs.append(Job(key, model.prepare_fit(seed=seed, control=settings or None,
                                               ssh_config=ssh_config),
                        label=label(key) if label else f"ERGM {key[1]} on stage {key[0]}",
                        gof_nsim=gof_nsim, gof_seed=seed if gof_nsim else None))
    return jobs


def run_jobs(jobs: Iterable[Job], workers: int, *,
             on_event: Callable[[str, Job, Any], None] | None = None,
             on_result: Callable[[JobResult, FitPool], None] | None = None
             ) -> dict[Hashable, JobResult]:
    """Run ``jobs`` on ``workers`` R processes (0: in this process) and return their results
    by key.  ``on_result(result, pool)`` sees each result as it arrives and may submit more
    jobs to ``pool`` (the main job's pooled fit starts once its stage fits are done) or raise
    to stop."""
    done: dict[Hashable, JobResult] = {}
    with FitPool(workers, on_event=on_event) as pool:
        for job in jobs:
            pool.submit(job)
        for result in pool.completed():
            done[result.key] = result
            if on_result is not None:
                on_result(result, pool)
    return done


def fit_stages(
    networks: Mapping[str, nx.Graph],
    covariates: pd.DataFrame,
    *,
    models: Sequence[str | ModelSpec] = ("study", "extended"),
    seed: int = 2023,
    control: Mapping[str, Any] | None = None,
    mcmc_profile: str = "default",
    threshold: int = 1,
    log: bool = True,
    standardise: bool = True,
    on_error: str = "raise",
    progress: Callable[[str], None] | None = None,
    workers: int = 0,
    hosts: Sequence[str] = (),
    ssh_config: str | Path | None = None,
) -> StageFits:
    """Fit each specification to each stage network; return fits and a comparison table.

    Stages are taken in the order given (a stage's ``memory`` covariate is the stage before
    it).  Dyad-dependent fits use the MCMC settings of ``mcmc_profile``
    (:func:`profile_control`; ``"default"``: statnet's), updated by ``control``.  With
    ``workers`` > 0 the fits run at the same time on that many R processes
    (:mod:`pyreslib.ergm.workers`), with the same results; with ``hosts`` each MCMC fit runs
    one chain on each of those hosts over ssh (``ssh_config``: the OpenSSH client
    configuration file; docs/python.md, "Running on a cluster").  ``on_error="record"`` keeps going
    when one fit fails (degenerate, R error, inputs) and records the message in
    ``StageFits.failures``; the default raises.  Every fit uses ``seed``.
    """
    if on_error not in ("raise", "record"):
        raise InputError(f"on_error={on_error!r}: use 'raise' or 'record'.")
    specs = specs_of(models)
    built, failures = stage_models(networks, covariates, specs, threshold=threshold, log=log,
                                   standardise=standardise)
    if failures and on_error == "raise":
        raise InputError(next(iter(failures.values())))
    jobs = stage_jobs(built, specs, seed=seed, profile=mcmc_profile, control=control,
                      hosts=hosts, ssh_config=ssh_config)

    def started(kind, job, detail) -> None:
        if kind == "started" and progress:
            progress(job.label)

    def stop_on_error(result: JobResult, pool: FitPool) -> None:
        if result.error is not None and on_error == "raise":
            raise InputError(result.error)

    done = run_jobs(jobs, workers, on_event=started, on_result=stop_on_error)
    fits = {key: done[key].results for key in built if done[key].results is not None}
    failures.update({key: done[key].error for key in built if done[key].error is not None})
    failures = {key: failures[key] for key in _in_order(networks, specs) if key in failures}
    return StageFits(fits, stage_comparison(fits), failures)


def _in_order(networks: Mapping[str, nx.Graph],
              specs: Sequence[ModelSpec]) -> list[tuple[str, str]]:
    return [(label, spec.name) for label in networks for spec in specs]


def stage_comparison(fits: Mapping[tuple[str, str], ERGMResults]) -> Comparison | None:
    """The side-by-side table of every (stage, model) fit (None without fits).  Stages are
    different networks: the table itself says that their AIC/BIC are not comparable."""
    if not fits:
        return None
    with warnings.catch_warnings():
        # Stages are different networks by design; the table says so in its note.
        warnings.simplefilter("ignore", ComparisonWarning)
        return compare({f"{s} {m}": r for (s, m), r in fits.items()})


def compare_profiles(model: ERGM, profile: str = "sized", *, reference: str = "default",
                     seed: int = 2023, workers: int = 2) -> pd.DataFrame:
    """Fit ``model`` with the MCMC settings of ``profile`` and of ``reference`` (statnet's
    defaults), with the same ``seed``, and set the estimates side by side: the check that a
    tuned profile gives the estimates of a default-settings fit on the same network.

    One row per term: ``coef`` and ``mcmc_se`` (Monte Carlo standard error,
    ``ERGMResults.mcmc_bse``) of each fit, ``se`` of the reference fit, ``difference``,
    ``in_mcse`` = |difference| / sqrt(mcse_profile² + mcse_reference²) (the Monte Carlo
    standard error of the difference of two independent MCMC fits), ``in_se`` = |difference|
    / se, and ``within`` = ``in_mcse <= 2``.  ``frame.attrs`` holds each fit's ``seconds``
    (wall, on its own R worker), ``llf``, ``llf_mcse`` and ``converged``.
    """
    n = len(model.vertex_names)
    fits = {}
    with FitPool(workers) as pool:
        for name in (profile, reference):
            control = profile_control(name, n) if model.mcmc else {}
            pool.submit(Job(name, model.prepare_fit(seed=seed, control=control or None)))
        for done in pool.completed():
            if done.results is None:
                raise InputError(f"compare_profiles: the {done.key!r} fit failed: {done.error}")
            fits[done.key] = done
    tuned, base = fits[profile].results, fits[reference].results
    difference = tuned.params - base.params
    mcse = np.sqrt(tuned.mcmc_bse**2 + base.mcmc_bse**2)
    frame = pd.DataFrame({
        f"coef {profile}": tuned.params, f"mcmc_se {profile}": tuned.mcmc_bse,
        f"coef {reference}": base.params, f"mcmc_se {reference}": base.mcmc_bse,
        f"se {reference}": base.bse, "difference": difference,
        "in_mcse": difference.abs() / mcse.replace(0, np.nan),
        "in_se": difference.abs() / base.bse,
    })
    frame["within"] = frame["in_mcse"] <= 2
    frame.index.name = "term"
    frame.attrs = {name: {"seconds": fits[name].seconds, "llf": fits[name].results.llf,
                          "llf_mcse": fits[name].results.llf_mcse,
                          "converged": fits[name].results.converged}
                   for name in (profile, reference)}
    return frame
