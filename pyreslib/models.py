"""Ready-made ERGM specifications of the reference study, fitted per stage in one call.

The study (docs/method.md, section 6) explains the binary stage network by

    edges + nodecov(economic development) + nodecov(education spending)
          + nodecov(science & technology spending) + edgecov(geographic proximity)
          + edgecov(spatial adjacency)

with node covariates averaged over the stage's years.  Here, by default, each covariate is
log-transformed and standardised within the stage (z-scores), geographic proximity is
-ln(great-circle km between seats) and adjacency is 1 for a shared land border; every choice
is a parameter.  The recommended dyad-dependent extension (:func:`extended_model`) adds
``gwesp`` and ``gwdegree`` with fixed decays, which capture triadic closure and degree
heterogeneity (Snijders, Pattison, Robins & Handcock 2006, *Sociol. Methodol.* 36,
doi:10.1111/j.1467-9531.2006.00176.x) so the covariate effects are not confounded with them,
and, in every stage after the first, the previous stage's tie as an edge covariate
(``edgecov('memory')``, :func:`memory_matrix`): a network's past ties predict its present
ones.

MCMC-MLE settings come in named profiles (:func:`profile_control`): ``"default"`` is
statnet's own ``control.ergm``; ``"sized"`` (the main job's default) is statnet's Hummel
stopping rule with a fixed MCMC sample whose interval grows with the network's number of
dyads and a 16-fold sample in the last iteration; ``"hummel"`` the same rule with statnet's
adaptive sample size, ``"fast"`` with a fixed sample at ergm's default interval
(docs/method.md, "MCMC settings"; BENCHMARKS.md; :func:`compare_profiles`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib import study
from pyreslib.ergm import ERGM, ERGMResults, compare
from pyreslib.ergm.compare import Comparison
from pyreslib.errors import ComparisonWarning, InputError, PyreslibError

NODE_COVARIATES = {c.name: c.column for c in study.COVARIATES}
"""Formula name -> column of the covariates file (:data:`pyreslib.study.COVARIATES`)."""
EDGE_COVARIATES = study.EDGE_COVARIATES
MEMORY = study.MEMORY_COVARIATE
"""The edge covariate of the previous stage's tie (:func:`memory_matrix`)."""


@dataclass(frozen=True)
class ModelSpec:
    """A named ERGM specification: the formula over pyreslib's standard covariate names."""

    name: str
    formula: str
    description: str
    control: Mapping[str, Any] = field(default_factory=dict)


def study_model() -> ModelSpec:
    """The reference study's stage model (dyad-independent, fit by exact MLE)."""
    return ModelSpec(
        "study",
        study.STUDY_FORMULA,
        "edges, three node covariates (log GDP per capita, log education and S&T spending, "
        "z-scored in the stage), geographic proximity (-ln km), shared border",
    )


def extended_model(gwesp_decay: float = 0.5, gwdegree_decay: float = 0.5, *,
                   memory: bool = True) -> ModelSpec:
    """The study model plus ``gwesp`` and ``gwdegree`` with fixed decays (MCMC-MLE) and, with
    ``memory``, the previous stage's tie (``edgecov('memory')``; left out of a stage fitted
    without a previous one, see :func:`stage_model`)."""
    formula = (study_model().formula
               + f" + gwesp({gwesp_decay}, fixed=TRUE) + gwdegree({gwdegree_decay}, fixed=TRUE)")
    described = f"study model + gwesp({gwesp_decay}) + gwdegree({gwdegree_decay}), fixed decays"
    if memory:
        formula += f" + edgecov('{MEMORY}')"
        described += " + the previous stage's tie (from the second stage on)"
    return ModelSpec("extended", formula, described)


MODELS: dict[str, Callable[[], ModelSpec]] = {"study": study_model, "extended": extended_model}


def model_specs(formulas: Mapping[str, str]) -> list[ModelSpec]:
    """The specifications of ``formulas`` (name -> formula, as
    :meth:`pyreslib.config.ErgmConfig.formulas` gives them): built-in names with their own
    description, any other as a custom model."""
    specs = []
    for name, formula in formulas.items():
        builtin = MODELS[name]() if name in MODELS else None
        if builtin is not None and builtin.formula == formula:
            specs.append(builtin)
        else:
            specs.append(ModelSpec(name, formula, "custom model from the config"))
    return specs


# The "sized" profile's factor on the last Hummel iteration's sample (statnet's default is 4):
# measured on the demo's stage 3 in BENCHMARKS.md (bench_ergm_tuning).
SIZED_LAST_BOOST = 16


def sized_interval(n_nodes: int, *, directed: bool = False) -> int:
    """The MCMC interval of the ``"sized"`` profile for a network of ``n_nodes`` cities:
    about one proposal per 4 dyads between the sampled networks,

    .. math:: \\text{interval} = 2^{\\operatorname{round}(\\log_2(D / 4))},
              \\quad D = n(n-1)/2 \\ (\\text{undirected}),

    clipped to [1,024, 16,384] (1,024 is ergm's default interval).  The demo's networks: 92
    cities 1,024, 158 cities 4,096, 257 cities 8,192.  Why dyads: a tie-toggle proposal
    touches one dyad, so the number of proposals a sampled network needs to decorrelate from
    the last one grows with the number of dyads (Hunter, Handcock, Butts, Goodreau & Morris
    2008, *J. Stat. Softw.* 24(3), section 5: "MCMC.interval ... should be increased" for
    larger networks).  Why 4: at one proposal per 8 dyads (4,096 on the demo's 257-city
    stage, whose default-settings fits adapt their interval to 8,192-16,384) the fit stopped
    with one estimate biased by about 2 Monte Carlo standard errors from the default fit on
    both seeds; docs/method.md, "MCMC settings", gives the measurements.
    """
    dyads = n_nodes * (n_nodes - 1) / (1 if directed else 2)
    exponent = round(math.log2(max(dyads, 1) / 4))
    return int(2 ** min(max(exponent, 10), 14))


def profile_control(profile: str, n_nodes: int) -> dict[str, Any]:
    """The ``control.ergm`` settings of the MCMC profile ``profile`` for a network of
    ``n_nodes`` cities (dyad-independent fits ignore them).

    ``"default"``: none, statnet's own: MCMC-MLE stops when the observed statistics lie in
    the sample's confidence region, with the MCMC sample size adapted so that the sample's
    effective size reaches ``MCMLE.effectiveSize`` (64).  ``"hummel"``:
    ``MCMLE.termination="Hummel"``, statnet's Hummel stopping rule (stop once the step length
    has reached 1 twice; Hummel, Hunter & Handcock 2012, *J. Comput. Graph. Stat.* 21(4),
    doi:10.1080/10618600.2012.679224), keeping the adaptive sample size.  ``"fast"``: the
    Hummel rule with a fixed sample of ``MCMC.samplesize`` (1,024) networks
    (``MCMLE.effectiveSize=None``) at ergm's default interval (1,024 proposals).
    ``"sized"`` (the main job's default): ``"fast"`` with the interval scaled to the
    network's number of dyads (:func:`sized_interval`), so that the fixed sample stays
    nearly independent on a large network, and ``MCMLE.last.boost = 16`` (statnet's 4): the
    Hummel rule's estimate is one MCMC-MLE step from the last sample, so the size of that one
    sample sets the estimate's Monte Carlo error (on the demo's 257-city stage it cut the
    largest distance from a default-settings fit from 0.57 to 0.17 standard errors).
    docs/method.md ("MCMC settings") and BENCHMARKS.md give their time and Monte Carlo
    error on the demo's networks;
    :func:`compare_profiles` checks a profile against statnet's defaults on any network.
    """
    from pyreslib.config import MCMC_PROFILES

    if profile not in MCMC_PROFILES:
        raise InputError(f"mcmc profile {profile!r}: choose one of {list(MCMC_PROFILES)}.")
    fast = {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None}
    return {"default": {},
            "hummel": {"MCMLE.termination": "Hummel"},
            "fast": fast,
            "sized": {**fast, "MCMC.interval": sized_interval(n_nodes),
                      "MCMLE.last.boost": SIZED_LAST_BOOST}}[profile]


def read_covariates(path: str | Path) -> pd.DataFrame:
    """The covariates file: a CSV with :data:`pyreslib.study.COVARIATE_COLUMNS` (one row per
    city and year), every one of them numeric; ``adcode`` and ``year`` as integers.

    A missing column or a value that is not a number is an :class:`InputError` naming the file
    (and the row: the header is row 1).
    """
    path = Path(path)
    columns = study.COVARIATE_COLUMNS
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"covariates file {path}: cannot read it as CSV ({exc}).") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"covariates file {path}: missing column(s) {missing}; expected "
            f"{list(columns)} (one row per city and year)."
        )
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise InputError(
                f"covariates file {path}, row {row}: column {column!r} holds "
                f"{frame[column].iloc[row - 2]!r}, not a number; fix or remove that row."
            )
        frame[column] = values
    frame["adcode"] = frame["adcode"].astype("int64")
    frame["year"] = frame["year"].astype("int64")
    return frame


def stage_node_covariates(
    covariates: pd.DataFrame,
    adcodes: Sequence[int],
    years: tuple[int, int],
    *,
    log: bool = True,
    standardise: bool = True,
) -> pd.DataFrame:
    """Node covariates of one stage: mean over the stage's years, then log and z-score.

    ``covariates`` is a long table with columns ``adcode, year, gdp_per_capita,
    education_spending, st_spending``.  Returns a frame indexed by adcode with columns
    ``economic, education, science``.  A city without any value in the stage is an error
    naming the cities: nothing is dropped silently.
    """
    needed = set(study.COVARIATE_COLUMNS)
    missing_cols = needed - set(covariates.columns)
    if missing_cols:
        raise InputError(f"covariates: missing column(s) {sorted(missing_cols)}; expected "
                         f"{sorted(needed)}.")
    start, end = years
    in_stage = covariates[(covariates["year"] >= start) & (covariates["year"] <= end)]
    means = in_stage.groupby("adcode")[list(NODE_COVARIATES.values())].mean()
    absent = [int(a) for a in adcodes if int(a) not in means.index]
    if absent:
        raise InputError(f"covariates: no values in {start}-{end} for {len(absent)} cities in "
                         f"the network (adcodes {absent[:8]}); add rows for them or drop them "
                         "from the network explicitly.")
    frame = means.loc[[int(a) for a in adcodes]].rename(
        columns={v: k for k, v in NODE_COVARIATES.items()})
    if log:
        if (frame <= 0).any().any():
            bad = frame.columns[(frame <= 0).any()].tolist()
            raise InputError(f"covariates: {bad} have zero or negative values in {start}-{end}; "
                             "log transform impossible (set log=False).")
        frame = np.log(frame)
    if standardise:
        sd = frame.std(ddof=0).replace(0, 1.0)
        frame = (frame - frame.mean()) / sd
    frame.index = [str(a) for a in frame.index]
    return frame


def stage_model(network: nx.Graph, covariates: pd.DataFrame, years: tuple[int, int],
                spec: ModelSpec, *, threshold: int = 1, log: bool = True,
                standardise: bool = True, proximity: str = "neg_log",
                previous: nx.Graph | None = None) -> ERGM:
    """The ERGM of one stage network under ``spec`` (binary at ``threshold``).

    With ``standardise`` (default) node covariates are z-scored across the stage's cities and
    proximity across its dyads, so coefficients are per standard deviation and ``edges`` is
    the baseline log-odds of a tie.  ``previous`` is the previous stage's network: it gives
    the ``memory`` edge covariate (:func:`memory_matrix`, at the same ``threshold``).  Without
    it (a first stage) the terms of ``spec`` that use ``memory`` are left out
    (:func:`stage_formula`).
    """
    from pyreslib import network as netmod

    adcodes = sorted(network.nodes)
    adjacency = netmod.binary_adjacency(network, threshold=threshold)
    adjacency.index = adjacency.columns = [str(a) for a in adjacency.index]
    node_covs = stage_node_covariates(covariates, adcodes, years, log=log, standardise=standardise)
    closeness = netmod.proximity_matrix(adcodes, transform=proximity).to_numpy()
    if standardise:
        # z-score over the dyads so that `edges` is the log-odds of a tie at average
        # proximity; unscaled, -ln(km) is about -6 for every pair and `edges` absorbs it.
        off = ~np.eye(len(adcodes), dtype=bool)
        sd = closeness[off].std() or 1.0
        closeness = np.where(off, (closeness - closeness[off].mean()) / sd, 0.0)
    edge_covs = {
        "proximity": closeness,
        "adjacency": netmod.border_matrix(adcodes).to_numpy().astype(float),
    }
    if previous is not None:
        edge_covs[MEMORY] = memory_matrix(previous, adcodes, threshold=threshold)
    formula = stage_formula(spec, first=previous is None)
    return ERGM(adjacency, formula, node_covariates=node_covs, edge_covariates=edge_covs)


def stage_formula(spec: ModelSpec, *, first: bool) -> str:
    """``spec``'s formula for a stage; in the ``first`` stage (no previous stage, so no
    ``memory`` covariate) without the terms that use ``memory``."""
    if not first:
        return spec.formula
    from pyreslib.ergm.formula import parse_formula

    parsed = parse_formula(spec.formula, node_covariates=study.FORMULA_NODE_COVARIATES,
                           edge_covariates=study.FORMULA_EDGE_COVARIATES)
    if MEMORY not in parsed.edge_covariates:
        return spec.formula
    kept = [t.render() for t in parsed.terms if MEMORY not in t.edge_covariates]
    if not kept:
        raise InputError(f"model {spec.name!r}: every term uses edgecov('{MEMORY}'), which the "
                         "first stage does not have; add terms such as edges.")
    return " + ".join(kept)


def memory_matrix(previous: nx.Graph, adcodes: Sequence[int], *,
                  threshold: int = 1) -> np.ndarray:
    """The ``memory`` covariate of a stage: 1 where two of its cities (``adcodes``, in the
    stage's order) were tied in the ``previous`` stage's network (weight at least
    ``threshold``), 0 otherwise, including where either city was absent from it."""
    from pyreslib import network as netmod

    before = netmod.binary_adjacency(previous, threshold=threshold)
    aligned = before.reindex(index=list(adcodes), columns=list(adcodes), fill_value=0)
    return aligned.to_numpy(dtype=float)


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


def stage_years(label: str) -> tuple[int, int]:
    """First and last year of a stage label such as ``"2011-2014"`` (or ``"2015"``)."""
    from pyreslib.ingest import parse_stages

    (stage,) = parse_stages([label])
    return stage.start, stage.end


def specs_of(models: Sequence[str | ModelSpec]) -> list[ModelSpec]:
    """``models`` as specifications: built-in names (:data:`MODELS`) or :class:`ModelSpec`."""
    specs = []
    for m in models:
        if isinstance(m, ModelSpec):
            specs.append(m)
        elif m in MODELS:
            specs.append(MODELS[m]())
        else:
            raise InputError(f"models: unknown model {m!r}; use {sorted(MODELS)} or a ModelSpec.")
    return specs


def stage_models(
    networks: Mapping[str, nx.Graph],
    covariates: pd.DataFrame,
    specs: Sequence[ModelSpec],
    *,
    threshold: int = 1,
    log: bool = True,
    standardise: bool = True,
) -> tuple[dict[tuple[str, str], ERGM], dict[tuple[str, str], str]]:
    """Every (stage, model) ERGM of ``networks`` (in stage order: each stage's ``memory`` is
    the one before it; see :func:`stage_model`), and the (stage, model) whose inputs could not
    be built, with the reason (e.g. a city without covariates)."""
    built: dict[tuple[str, str], ERGM] = {}
    failed: dict[tuple[str, str], str] = {}
    previous = None
    for label, graph in networks.items():
        years = stage_years(label)
        for spec in specs:
            try:
                built[(label, spec.name)] = stage_model(
                    graph, covariates, years, spec, threshold=threshold, log=log,
                    standardise=standardise, previous=previous)
            except PyreslibError as exc:
                failed[(label, spec.name)] = str(exc)
        previous = graph
    return built, failed


def largest_first(keys: Iterable[tuple[str, str]],
                  built: Mapping[tuple[str, str], ERGM]) -> list[tuple[str, str]]:
    """``keys`` ordered for a pool of workers: MCMC fits before exact ones, larger networks
    first (the longest jobs start first, so the last one to finish is short)."""
    return sorted(keys, key=lambda k: (not built[k].mcmc, -len(built[k].vertex_names)))


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
) -> StageFits:
    """Fit each specification to each stage network; return fits and a comparison table.

    Stages are taken in the order given (a stage's ``memory`` covariate is the stage before
    it).  Dyad-dependent fits use the MCMC settings of ``mcmc_profile``
    (:func:`profile_control`; ``"default"``: statnet's), updated by ``control``.  With
    ``workers`` > 0 the fits run at the same time on that many R processes
    (:mod:`pyreslib.ergm.workers`), with the same results.  ``on_error="record"`` keeps going
    when one fit fails (degenerate, R error, inputs) and records the message in
    ``StageFits.failures``; the default raises.  Every fit uses ``seed``.
    """
    from pyreslib.ergm.workers import FitPool, Job

    if on_error not in ("raise", "record"):
        raise InputError(f"on_error={on_error!r}: use 'raise' or 'record'.")
    specs = specs_of(models)
    built, failures = stage_models(networks, covariates, specs, threshold=threshold, log=log,
                                   standardise=standardise)
    if failures and on_error == "raise":
        raise InputError(next(iter(failures.values())))
    by_name = {spec.name: spec for spec in specs}
    jobs = []
    for key in largest_first(built, built):
        model = built[key]
        ctrl = {**(profile_control(mcmc_profile, len(model.vertex_names)) if model.mcmc else {}),
                **by_name[key[1]].control, **(control or {})}
        jobs.append(Job(key, model.prepare_fit(seed=seed, control=ctrl or None),
                        label=f"ERGM {key[1]} on stage {key[0]}"))
    done = {}

    def started(kind, job, detail) -> None:
        if kind == "started" and progress:
            progress(job.label)

    with FitPool(workers, on_event=started) as pool:
        for job in jobs:
            pool.submit(job)
        for result in pool.completed():
            if result.error is not None and on_error == "raise":
                raise InputError(result.error)
            done[result.key] = result
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
    from pyreslib.ergm.workers import FitPool, Job

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
