"""Ready-made ERGM specifications of the reference study, fitted per stage in one call.

The study (docs/method.md, section 6) explains the binary stage network by

    edges + nodecov(economic development) + nodecov(education spending)
          + nodecov(science & technology spending) + edgecov(geographic proximity)
          + edgecov(spatial adjacency)

with node covariates averaged over the stage's years.  Here, by default, each covariate is
log-transformed and standardised within the stage (z-scores), geographic proximity is
-ln(great-circle km between seats) and adjacency is 1 for a shared land border; every choice
is a parameter.  The recommended dyad-dependent extension adds ``gwesp`` and ``gwdegree`` with
fixed decays, which capture triadic closure and degree heterogeneity (Snijders, Pattison,
Robins & Handcock 2006, *Sociol. Methodol.* 36, doi:10.1111/j.1467-9531.2006.00176.x) so the
covariate effects are not confounded with them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
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


def extended_model(gwesp_decay: float = 0.5, gwdegree_decay: float = 0.5) -> ModelSpec:
    """The study model plus ``gwesp`` and ``gwdegree`` with fixed decays (MCMC-MLE)."""
    return ModelSpec(
        "extended",
        study_model().formula
        + f" + gwesp({gwesp_decay}, fixed=TRUE) + gwdegree({gwdegree_decay}, fixed=TRUE)",
        f"study model + gwesp({gwesp_decay}) + gwdegree({gwdegree_decay}), fixed decays",
    )


MODELS: dict[str, Callable[[], ModelSpec]] = {"study": study_model, "extended": extended_model}


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
                standardise: bool = True, proximity: str = "neg_log") -> ERGM:
    """The ERGM of one stage network under ``spec`` (binary at ``threshold``).

    With ``standardise`` (default) node covariates are z-scored across the stage's cities and
    proximity across its dyads, so coefficients are per standard deviation and ``edges`` is
    the baseline log-odds of a tie.
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
    return ERGM(adjacency, spec.formula, node_covariates=node_covs, edge_covariates=edge_covs)


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


def fit_stages(
    networks: Mapping[str, nx.Graph],
    covariates: pd.DataFrame,
    *,
    models: Sequence[str | ModelSpec] = ("study", "extended"),
    seed: int = 2023,
    control: Mapping[str, Any] | None = None,
    threshold: int = 1,
    log: bool = True,
    standardise: bool = True,
    on_error: str = "raise",
    progress: Callable[[str], None] | None = None,
) -> StageFits:
    """Fit each specification to each stage network; return fits and a comparison table.

    ``on_error="record"`` keeps going when one fit fails (degenerate, R error) and records the
    message in ``StageFits.failures``; the default raises.  Every fit uses ``seed``.
    """
    if on_error not in ("raise", "record"):
        raise InputError(f"on_error={on_error!r}: use 'raise' or 'record'.")
    specs = []
    for m in models:
        if isinstance(m, ModelSpec):
            specs.append(m)
        elif m in MODELS:
            specs.append(MODELS[m]())
        else:
            raise InputError(f"models: unknown model {m!r}; use {sorted(MODELS)} or a ModelSpec.")
    fits: dict[tuple[str, str], ERGMResults] = {}
    failures: dict[tuple[str, str], str] = {}
    for label, graph in networks.items():
        years = stage_years(label)
        for spec in specs:
            if progress:
                progress(f"ERGM {spec.name} on stage {label}")
            try:
                model = stage_model(graph, covariates, years, spec, threshold=threshold, log=log,
                                    standardise=standardise)
                ctrl = {**spec.control, **(control or {})}
                fits[(label, spec.name)] = model.fit(seed=seed, control=ctrl or None)
            except PyreslibError as exc:
                if on_error == "raise":
                    raise
                failures[(label, spec.name)] = str(exc)
    with warnings.catch_warnings():
        # Stages are different networks by design; the table says so in its note.
        warnings.simplefilter("ignore", ComparisonWarning)
        comparison = compare({f"{s} {m}": r for (s, m), r in fits.items()}) if fits else None
    return StageFits(fits, comparison, failures)
