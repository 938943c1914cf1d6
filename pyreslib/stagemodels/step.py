"""The main job's ERGM step: every model on every stage, checked, tested and compared.

:func:`run_step` is what :func:`pyreslib.analysis.run` calls for ``[ergm]``:

1. **Fits.**  Every model of ``ergm.models`` (by default the reference study's model and its
   dyad-dependent extension, :mod:`pyreslib.stagemodels.specs`) on every stage network, each followed
   by its goodness of fit, on ``ergm.workers`` R processes at once
   (:class:`pyreslib.ergm.workers.FitPool`: the numbers do not depend on the scheduling).
   With ``ergm.hosts`` each MCMC stage fit runs one chain on each listed host over ssh
   (``ergm.ssh_config``), driven by the pool worker that runs it; the pooled fit runs on its
   pool worker alone (ergm.multi's fit takes no cluster).
   MCMC fits use the settings of ``ergm.mcmc_profile`` (:func:`pyreslib.ergm.control.profile_control`).
2. **Diagnostics.**  For each MCMC fit, ergm's MCMC diagnostics (Geweke z and p per
   statistic, the joint tests, effective sample sizes; the share of each standard error due
   to MCMC is ``results.mcmc_se_pct``).  Every warning R or pyreslib raised during a fit, its
   goodness of fit or its diagnostics is kept with that fit (:attr:`ERGMFit.warnings`).
3. **Likelihood-ratio tests within a stage.**  For every pair of models of one stage where
   one's terms are a subset of the other's (the study model inside the extension), statnet's
   analysis of deviance (:func:`pyreslib.ergm.anova`).  Both are fitted to the same network
   with the same covariate values, so the test is valid; stages are never tested against
   each other this way (different networks).
4. **Stages compared.**  The model ``ergm.pooled`` fitted to all stages at once with
   ergm.multi, ``N(~ terms, lm = ~ stage)`` (:mod:`pyreslib.ergm.multi`): per effect, the
   joint Wald test that it is the same in every stage, its change from one stage to the next
   with a z test, and a sentence saying what they show (:func:`stage_sentences`).

Nothing here writes files; :mod:`pyreslib.outputs` does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from pyreslib import study
from pyreslib.ergm import anova, bridge
from pyreslib.ergm.multi import PooledERGM
from pyreslib.ergm.workers import Job, JobResult
from pyreslib.errors import PyreslibError
from pyreslib.progress import Progress, step
from pyreslib.stagemodels.build import stage_models
from pyreslib.stagemodels.covariates import covariate_coverage, read_covariates
from pyreslib.stagemodels.coverage import CovariateCoverage
from pyreslib.stagemodels.fitting import (
    estimates_table,
    fit_control,
    run_jobs,
    stage_comparison,
    stage_jobs,
)
from pyreslib.stagemodels.specs import MEMORY, model_specs

if TYPE_CHECKING:
    import networkx as nx

    from pyreslib.config import Config
    from pyreslib.ergm import Comparison, ERGMResults
    from pyreslib.ergm.diagnostics import GOFResults, MCMCDiagnostics
    from pyreslib.ergm.inference import AnovaResults
    from pyreslib.ergm.multi import PooledERGMResults

__all__ = ["ALPHA", "ERGMFit", "ERGMStep", "LRTest", "PooledComparison", "effect_label",
           "run_step", "stage_sentences"]

ALPHA = 0.05
"""The level at which the report's sentences call a difference significant."""

POOLED = "all stages"
"""The ``stage`` of the pooled model in :meth:`ERGMStep.failures`."""


@dataclass(frozen=True, eq=False)
class ERGMFit:
    """One ERGM specification fitted to one stage network, with what was learnt about the fit.

    ``formula`` is the model's formula in this stage (the first stage has no ``memory``
    term); ``results`` is None when the fit failed (``error`` says why).  ``gof`` is None
    when goodness of fit was not asked for or failed (``gof_error``); ``mcmc`` holds the MCMC
    diagnostics of an MCMC fit (None for an exact one, or when they failed: ``mcmc_error``).
    ``warnings``: every warning R or pyreslib raised during the fit, its goodness of fit and
    its diagnostics, in order.  ``control``: the ``control.ergm`` settings of the fit;
    ``seconds``: how long the fit and its goodness of fit took (not written to
    results.json, which must not depend on the machine).
    """

    stage: str
    model: str
    results: ERGMResults | None = None
    error: str | None = None
    gof: GOFResults | None = None
    gof_error: str | None = None
    mcmc: MCMCDiagnostics | None = None
    warnings: tuple[str, ...] = ()
    formula: str = ""
    mcmc_error: str | None = None
    control: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    seconds: float = math.nan


@dataclass(frozen=True, eq=False)
class LRTest:
    """The likelihood-ratio test of ``smaller`` against ``larger`` (nested models of one
    stage): statnet's deviance table (``anova``), or the ``error`` that prevented it."""

    stage: str
    smaller: str
    larger: str
    anova: AnovaResults | None = None
    error: str | None = None

    def _last(self, column: str) -> float:
        return math.nan if self.anova is None else float(self.anova.table[column].iloc[-1])

    @property
    def df(self) -> float:
        """Parameters added by the larger model."""
        return self._last("Df")

    @property
    def deviance(self) -> float:
        """``2 (llf_larger - llf_smaller)``; slightly negative when Monte Carlo error of the
        larger model's log-likelihood outweighs what its terms add (see ``anova.notes``)."""
        return self._last("Deviance")

    @property
    def pvalue(self) -> float:
        return self._last("Pr(>|Chisq|)")


@dataclass(frozen=True, eq=False)
class PooledComparison:
    """The model ``model`` fitted to all stages at once (ergm.multi, ``lm = ~ stage``).

    ``results`` (None if the fit failed: ``error``); ``tests``: per effect the joint Wald
    test that it is the same in every stage; ``effects``: each effect's coefficient in each
    stage; ``changes``: its change from one stage to the next, with z tests
    (:meth:`pyreslib.ergm.multi.PooledERGMResults.stage_changes`); ``sentences``: what they
    say, one per effect (:func:`stage_sentences`).
    """

    model: str
    formula: str = ""
    results: PooledERGMResults | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    control: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tests: pd.DataFrame | None = None
    effects: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    sentences: tuple[str, ...] = ()
    seconds: float = math.nan


@dataclass(frozen=True, eq=False)
class ERGMStep:
    """Every (stage, model) fit of the run, in config order (stage by stage), their
    side-by-side ``comparison`` (statnet's coefficients (SE); the table says that AIC/BIC of
    different stages are not comparable), the likelihood-ratio tests within stages, the
    pooled stage comparison, the MCMC ``profile`` and ``notes`` on choices made (the first
    of them say which cities' covariates rest on fewer years than their stage has).
    ``covariates``: what the stage means of the node covariates rest on
    (:class:`~pyreslib.stagemodels.coverage.CovariateCoverage`; ``.to_frame()`` lists every
    missing value)."""

    fits: Mapping[tuple[str, str], ERGMFit]
    comparison: Comparison | None
    pooled: PooledComparison | None = None
    lr_tests: tuple[LRTest, ...] = ()
    profile: str = ""
    notes: tuple[str, ...] = ()
    covariates: CovariateCoverage | None = None

    def results(self) -> dict[tuple[str, str], ERGMResults]:
        """The fits that succeeded: (stage, model) -> results."""
        return {key: fit.results for key, fit in self.fits.items() if fit.results is not None}

    def failures(self) -> list[tuple[str, str, str]]:
        """(stage, what, message) of every part that failed: fits (``what`` is the model),
        then goodness of fit ("<model> gof"), MCMC diagnostics ("<model> MCMC diagnostics"),
        likelihood-ratio tests ("LR test <smaller> vs <larger>") and the pooled model
        (stage "all stages", "pooled <model>")."""
        fits = self.fits.values()
        failed = [(f.stage, f.model, f.error) for f in fits if f.error]
        failed += [(f.stage, f"{f.model} gof", f.gof_error) for f in fits if f.gof_error]
        failed += [(f.stage, f"{f.model} MCMC diagnostics", f.mcmc_error) for f in fits
                   if f.mcmc_error]
        failed += [(t.stage, f"LR test {t.smaller} vs {t.larger}", t.error)
                   for t in self.lr_tests if t.error]
        if self.pooled is not None and self.pooled.error:
            failed.append((POOLED, f"pooled {self.pooled.model}", self.pooled.error))
        return failed

    def estimates(self) -> pd.DataFrame:
        """Estimates of every successful fit, with ``stage`` and ``model`` columns first."""
        return estimates_table(self.results())


# ----------------------------------------------------------------------------------------------
# the step
# ----------------------------------------------------------------------------------------------


def run_step(cfg: Config, networks: Mapping[str, nx.Graph],
             progress: Progress | None = None, *, covariates: pd.DataFrame | None = None,
             coverage: CovariateCoverage | None = None) -> ERGMStep:
    """Fit, diagnose, test and compare the ERGMs ``cfg.ergm`` asks for (module docstring).

    ``covariates`` is the table :func:`~pyreslib.stagemodels.covariates.read_covariates`
    read from ``cfg.input.covariates`` and ``coverage`` its check against ``networks``
    (:func:`~pyreslib.stagemodels.covariates.covariate_coverage`): :func:`pyreslib.analysis.run`
    makes both before any other work, so that a bad file fails at once; either is made here
    when not given.  The node covariates are transformed as ``cfg.covariates`` says.
    """
    transform = {"log": cfg.covariates.log, "standardise": cfg.covariates.standardise}
    if covariates is None:
        covariates = read_covariates(cfg.input.covariates)
    if coverage is None:
        coverage = covariate_coverage(covariates, networks, for_config=True, **transform)
    specs = model_specs(cfg.ergm.formulas())
    built, failed = stage_models(networks, covariates, specs, threshold=cfg.ergm.threshold,
                                 **transform)
    notes = list(coverage.notes)
    first = next(iter(networks))
    for spec in specs:
        key = (first, spec.name)
        if key in built and str(built[key].formula) != spec.formula:
            notes.append(f"the {spec.name} model of the first stage ({first}) has no "
                         f"edgecov('{MEMORY}') term: there is no previous stage.")
    with warnings.catch_warnings():
        # every warning is recorded with its fit (ERGMFit.warnings) and shown in the report
        warnings.simplefilter("ignore")
        done, pooled_done, pooled_note = _fit_all(cfg, networks, built, specs, progress)
        notes += [pooled_note] if pooled_note else []
        with step(progress, "ERGM diagnostics and tests",
                  len(networks) * len(specs) + 1) as s:
            fits = {}
            for label in networks:
                for spec in specs:
                    key = (label, spec.name)
                    s.describe(f"{spec.name} {label}")
                    fits[key] = _checked_fit(key, built.get(key), done.get(key),
                                             failed.get(key))
                    s.advance()
            lr_tests = _lr_tests(networks, specs, fits)
            pooled = _pooled_comparison(pooled_done, cfg) if pooled_done else None
            s.advance("tests")
    return ERGMStep(
        fits=MappingProxyType(fits),
        comparison=stage_comparison({k: f.results for k, f in fits.items()
                                     if f.results is not None}),
        pooled=pooled, lr_tests=tuple(lr_tests), profile=cfg.ergm.mcmc_profile,
        notes=tuple(notes), covariates=coverage)


def _control(cfg: Config, model) -> dict[str, Any]:
    """The control.ergm settings of a fit (:func:`pyreslib.stagemodels.fitting.fit_control`
    with the config's profile and sample size)."""
    return fit_control(model, profile=cfg.ergm.mcmc_profile, samplesize=cfg.ergm.mcmc_samplesize)


def _fit_all(cfg: Config, networks, built, specs, progress):
    """Run every stage fit (and goodness of fit) and the pooled fit on the worker pool."""
    pooled_name = cfg.ergm.pooled_model()
    pooled_keys = [(label, pooled_name) for label in networks] if pooled_name else []
    note = None
    if pooled_name and len(networks) < 2:
        pooled_keys, note = [], ("no pooled stage comparison: it needs at least two stages.")
    elif pooled_keys and not all(key in built for key in pooled_keys):
        pooled_keys, note = [], (f"no pooled stage comparison: the {pooled_name} model could "
                                 "not be set up for every stage (see the failed fits).")
    jobs = stage_jobs(built, specs, seed=cfg.seed, profile=cfg.ergm.mcmc_profile,
                      samplesize=cfg.ergm.mcmc_samplesize, gof_nsim=cfg.ergm.gof_nsim,
                      label=lambda key: f"{key[1]} {key[0]}", hosts=cfg.ergm.hosts,
                      ssh_config=cfg.ergm.ssh_config)
    running: list[str] = []
    with step(progress, "ERGM fits", len(jobs) + bool(pooled_keys)) as s:

        def on_event(kind: str, job, detail) -> None:
            if kind == "started":
                running.append(job.label)
            elif kind == "finished":
                running.remove(job.label)
                s.advance(job.label)
            if kind != "line":
                s.describe("fitting " + ", ".join(running) if running else "")

        done: dict[Any, JobResult] = {}

        def record(result: JobResult, pool) -> None:
            # the pooled fit starts once every stage fit of its model is done
            nonlocal pooled_keys
            done[result.key] = result
            if result.key == POOLED or not pooled_keys:
                return
            if all(key in done for key in pooled_keys):
                failed = [stage for stage, name in pooled_keys if done[(stage, name)].error]
                if failed:
                    done[POOLED] = JobResult(POOLED, POOLED, error=(
                        f"not fitted: the {pooled_keys[0][1]} model's fit failed in "
                        f"stage(s) {', '.join(failed)}"))
                    s.advance()
                else:
                    pool.submit(_pooled_job(cfg, built, pooled_keys, done))
                pooled_keys = []

        run_jobs(jobs, cfg.ergm.workers, on_event=on_event, on_result=record)
    pooled_done = done.pop(POOLED, None)
    return done, pooled_done, note


def _pooled_job(cfg: Config, built, keys, done):
    """The pooled fit of the stage models ``keys``.  ergm's check that the MLE exists (an LP
    over every dyad, most of a minute on the demo) is skipped when every stage's own fit,
    which checked the same thing, gave finite estimates (docs/ergm-multi.md)."""
    models = {stage: built[(stage, name)] for stage, name in keys}
    pooled = PooledERGM(models)
    control = _control(cfg, next(iter(models.values())))
    stage_fits = [done[key].results for key in keys]
    if all(r is not None and (r.extreme == 0).all() and r.params.notna().all()
           for r in stage_fits):
        control["MPLE.check"] = False
    return Job(POOLED, pooled.prepare_fit(seed=cfg.seed, control=control),
               label=f"pooled {keys[0][1]} ({POOLED})")


def _checked_fit(key, model, done, setup_error) -> ERGMFit:
    """The :class:`ERGMFit` of ``key``: the pool's result plus MCMC diagnostics."""
    stage, name = key
    formula = str(model.formula) if model is not None else ""
    if done is None:
        return ERGMFit(stage, name, error=setup_error or "not fitted", formula=formula)
    results = done.results
    mcmc = mcmc_error = None
    notes = list(done.warnings)
    if results is not None and not results.dyad_independent and results.estimate == "MLE":
        with bridge.collect_warnings() as messages:
            try:
                mcmc = results.mcmc_diagnostics()
            except PyreslibError as exc:
                mcmc_error = str(exc)
        notes += messages
    return ERGMFit(stage, name, results=results, error=done.error, gof=done.gof,
                   gof_error=done.gof_error, mcmc=mcmc, mcmc_error=mcmc_error,
                   warnings=tuple(notes), formula=formula,
                   control=MappingProxyType(dict(results.control) if results else {}),
                   seconds=done.seconds)


def _lr_tests(networks, specs, fits: Mapping[tuple[str, str], ERGMFit]) -> list[LRTest]:
    """statnet's anova of every nested pair of one stage's models (smaller first)."""
    tests = []
    for label in networks:
        fitted = [(s.name, fits[(label, s.name)]) for s in specs]
        for small_name, small in fitted:
            for large_name, large in fitted:
                if small.results is None or large.results is None:
                    continue
                terms_small = set(small.results.model.formula.terms)
                terms_large = set(large.results.model.formula.terms)
                if not terms_small < terms_large:
                    continue
                try:
                    table = anova(small.results, large.results)
                except PyreslibError as exc:
                    tests.append(LRTest(label, small_name, large_name, error=str(exc)))
                else:
                    tests.append(LRTest(label, small_name, large_name, anova=table))
    return tests


def _pooled_comparison(done, cfg: Config) -> PooledComparison:
    name = cfg.ergm.pooled_model()
    results = done.results
    if results is None:
        return PooledComparison(name, error=done.error, warnings=tuple(done.warnings),
                                seconds=done.seconds)
    changes = results.stage_changes()
    tests = results.stage_change_tests()
    return PooledComparison(
        name, formula=results.formula, results=results, warnings=tuple(done.warnings),
        control=MappingProxyType(dict(results.control)), tests=tests,
        effects=results.stage_effects(), changes=changes,
        sentences=tuple(stage_sentences(tests, changes)), seconds=done.seconds)


# ----------------------------------------------------------------------------------------------
# what the tests say
# ----------------------------------------------------------------------------------------------


def effect_label(effect: str) -> str:
    """A reader's name for a coefficient: ``"geographic proximity (edgecov.proximity)"``."""
    names = {f"nodecov.{c.name}": c.meaning for c in study.COVARIATES}
    names.update({
        "edges": "the baseline propensity to collaborate",
        "edgecov.proximity": "geographic proximity",
        "edgecov.adjacency": "a shared border",
        f"edgecov.{study.MEMORY_COVARIATE}": "a tie in the previous stage",
    })
    if effect.startswith("gwesp"):
        return f"triadic closure ({effect})"
    if effect.startswith("gwdeg"):
        return f"degree heterogeneity ({effect})"
    return f"{names[effect]} ({effect})" if effect in names else effect


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def stage_sentences(tests: pd.DataFrame, changes: pd.DataFrame,
                    alpha: float = ALPHA) -> list[str]:
    """One sentence per effect saying whether, and how, it changed between stages.

    ``tests`` and ``changes`` are :meth:`~pyreslib.ergm.multi.PooledERGMResults.stage_change_tests`
    and :meth:`~pyreslib.ergm.multi.PooledERGMResults.stage_changes`; a change is called
    significant at level ``alpha``.  E.g. "Geographic proximity (edgecov.proximity) changed
    between stages (joint Wald test chi2(2) = 9.41, p = 0.009): from 2015-2017 to 2018-2021
    it rose from 1.21 to 1.60 (+0.39, z = 2.47, p = 0.014), significantly; ..."
    """
    sentences = []
    for effect, test in tests.iterrows():
        label = effect_label(str(effect))
        joint = f"joint Wald test chi2({test['df']:.0f}) = {test['chi2']:.2f}, {_p(test['P>chi2'])}"
        if not math.isfinite(test["P>chi2"]):
            sentences.append(f"{label[0].upper()}{label[1:]}: no test ({joint}).")
            continue
        verdict = ("changed between stages" if test["P>chi2"] < alpha else
                   "did not change significantly between stages")
        parts = []
        for (_, stage), row in changes.loc[[effect]].iterrows():
            direction = "rose" if row["change"] > 0 else "fell"
            significant = ("significantly" if row["P>|z|"] < alpha
                           else f"not significant at {alpha:g}")
            parts.append(f"from {row['from']} to {stage} it {direction} from "
                         f"{row['before']:.3f} to {row['after']:.3f} ({row['change']:+.3f}, "
                         f"z = {row['z']:.2f}, {_p(row['P>|z|'])}), {significant}")
        sentences.append(f"{label[0].upper()}{label[1:]} {verdict} ({joint}): "
                         + "; ".join(parts) + ".")
    return sentences
