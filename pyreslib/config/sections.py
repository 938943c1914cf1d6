"""The tables of a run configuration: one frozen dataclass each, with defaults and bounds."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from pyreslib.ergm.control import MCMC_PROFILES
from pyreslib.qap import KINDS as QAP_KINDS
from pyreslib.qap import MAX_REPS as QAP_MAX_REPS
from pyreslib.qap import NODE_FORMS as QAP_NODE_FORMS
from pyreslib.qap import NULLS as QAP_NULLS
from pyreslib.qap import TRANSFORMS as QAP_TRANSFORMS
from pyreslib.stagemodels.specs import builtin_formulas
from pyreslib.study import (
    STAGE_LABELS,
)

BUILTIN_MODELS: dict[str, str] = builtin_formulas()
"""The models ``[ergm] models`` knows by name, with their formulas (from the one registry,
:data:`pyreslib.stagemodels.specs.MODELS`)."""

def _choice(*allowed: str) -> dict:
    return {"choices": allowed}


def _bounded(low: float, high: float, *, zero: str = "", below_high: bool = False) -> dict:
    """Field metadata: the value must lie in [low, high] (or [low, high) with ``below_high``);
    ``zero`` names what 0 means when 0 is allowed outside the range."""
    return {"bounds": (low, high), "zero": zero, "below_high": below_high}


def bounds(cls: type, name: str) -> tuple[float, float]:
    """The (low, high) range of the number ``name`` of the config dataclass ``cls``, e.g.
    ``bounds(StagesConfig, "threshold")`` (used by command-line options that mirror a key)."""
    return next(f.metadata["bounds"] for f in fields(cls) if f.name == name)


SEED_MAX = 2**31 - 1
"""The largest seed: R's ``set.seed`` takes a 32-bit integer."""


@dataclass(frozen=True)
class InputConfig:
    """``[input]``: the patent export and, for the ERGM, the city covariates.

    ``patents`` (required), ``covariates`` and ``applicant_cities`` (the user's table of
    applicant -> city, docs/data.md) are paths relative to the config file.
    ``columns`` maps a column role (patent_id, date, applicants, addresses, cities) to your
    header; ``encoding``, ``sheet`` and ``header_row`` (the spreadsheet row of the header, below
a title) override detection; ``lenient_quotes`` reads a CSV whose quotes do not close by
joining the lines they swallow (and says how many), instead of refusing it; ``synthetic = true``
marks the input
    as invented data (the report then carries a "SYNTHETIC DEMO DATA" banner).
    """

    patents: Path | None = None
    covariates: Path | None = None
    applicant_cities: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = field(default=None, metadata=_bounded(1, 1_000_000))
    lenient_quotes: bool = False
    prefecture_level_only: bool = False
    on_unresolved: str = field(default="skip_applicant",
                               metadata=_choice("skip_applicant", "skip_patent"))
    name_fallback: bool = True
    synthetic: bool = False


@dataclass(frozen=True)
class StagesConfig:
    """``[stages]``: year ranges ("YYYY-YYYY") and the minimum pair weight kept as an edge."""

    labels: list[str] = field(default_factory=lambda: list(STAGE_LABELS))
    threshold: int = field(default=1, metadata=_bounded(1, 1_000_000))


@dataclass(frozen=True)
class MetricsConfig:
    """``[metrics]``: binary (the default) or weighted path lengths, clustering, centralities."""

    weighted: bool = False
    cumulative_degree_distribution: bool = False


@dataclass(frozen=True)
class CommunitiesConfig:
    """``[communities]``: Infomap trials per run (the seed is the top-level ``seed``)."""

    trials: int = field(default=10, metadata=_bounded(1, 1000))


@dataclass(frozen=True)
class ResilienceConfig:
    """``[resilience]``: the network resilience index and how node resilience is normalised.

    ``preset`` names the index of :func:`pyreslib.resilience.network_resilience`: ``"study"``
    (the reference study's three dimensions) or ``"four_dimensions"``.  ``floor`` defaults to
    the study preset's 1e-4 (a stage worst on every indicator gets D = 0.01); the
    four-dimension index is documented with 0.01, so set ``floor = 0.01`` with it.
    ``node_normalisation``: ``"within_stage"`` or ``"pooled"`` (across the stages compared, so
    that scores are comparable from stage to stage).
    """

    preset: str = field(default="study", metadata=_choice("study", "four_dimensions"))
    weights: str = field(default="entropy", metadata=_choice("entropy", "equal"))
    normalisation: str = field(default="minmax", metadata=_choice("minmax", "logistic"))
    floor: float = field(default=1e-4, metadata=_bounded(0.0, 1.0, below_high=True))
    node_weights: str = field(default="entropy", metadata=_choice("entropy", "equal"))
    node_normalisation: str = field(default="within_stage",
                                    metadata=_choice("within_stage", "pooled"))
    top_nodes: int = field(default=10, metadata=_bounded(1, 1000))


@dataclass(frozen=True)
class RobustnessConfig:
    """``[robustness]``: removal strategies, random repeats, adaptive attacks."""

    enabled: bool = True
    strategies: list[str] = field(default_factory=lambda: ["random", "degree", "betweenness"],
                                  metadata=_choice("random", "degree", "betweenness"))
    repeats: int = field(default=50, metadata=_bounded(1, 10_000))
    recalculate: bool = True


# The choices below are those of pyreslib.spatial and pyreslib.cascade, written out so that
# reading a config loads neither (tests/test_main_job_spatial.py checks that they agree).
SPATIAL_QUANTITIES = ("node_resilience", "degree", "closeness", "betweenness", "strength")
"""Per-city quantities ``[spatial] quantities`` can test: node resilience and the
centralities of :func:`pyreslib.metrics.stage_describe`."""


@dataclass(frozen=True)
class SpatialConfig:
    """``[spatial]``: is a per-city quantity clustered in space, and where? (docs/method.md,
    section 10).

    Moran's I and Geary's C with ``permutations`` permutations, local Moran (LISA) with
    ``local_permutations`` conditional permutations and Getis-Ord Gi*, per stage, on
    ``weights`` (``"queen"``: shared borders; ``"knn"``: the ``k`` nearest cities;
    ``"distance"``: inverse distance to the power ``power`` within ``cutoff_km``), styled by
    ``style`` (``"W"`` row-standardised, ``"B"`` as built).  ``adjust`` corrects the local
    p-values for testing every city (``"fdr"``: Benjamini-Hochberg); the library's own
    default is ``"none"``, as spdep's and GeoDa's, but no pseudo p-value is below
    1/(local_permutations + 1), so an adjusted map needs the 9999 permutations given here.
    """

    enabled: bool = True
    weights: str = field(default="queen", metadata=_choice("queen", "knn", "distance"))
    k: int = field(default=6, metadata=_bounded(1, 1000))
    cutoff_km: float = field(default=300.0, metadata=_bounded(1.0, 10_000.0, below_high=True))
    power: float = field(default=1.0, metadata=_bounded(0.0, 10.0, below_high=True))
    style: str = field(default="W", metadata=_choice("W", "B"))
    permutations: int = field(default=999, metadata=_bounded(1, 100_000))
    local_permutations: int = field(default=9999, metadata=_bounded(1, 100_000))
    adjust: str = field(default="fdr", metadata=_choice("none", "bonferroni", "fdr"))
    alpha: float = field(default=0.05, metadata=_bounded(0.0001, 0.5, below_high=True))
    quantities: list[str] = field(default_factory=lambda: list(SPATIAL_QUANTITIES),
                                  metadata=_choice(*SPATIAL_QUANTITIES))


CASCADE_MAX_ALPHAS = 1001
"""The most tolerances a cascade grid may have."""


@dataclass(frozen=True)
class CascadeConfig:
    """``[cascade]``: Motter-Lai cascading failure under load redistribution (docs/method.md,
    section 5).

    A city's load is its betweenness, its capacity (1 + alpha) times its initial load; after
    a trigger (``triggers``: the top city by degree, by betweenness, or ``repeats`` random
    cities) overloaded cities fail round after round.  The tolerances are ``alphas``, or when
    that list is empty the grid ``alpha_start``, ``alpha_start + alpha_step``, ... up to
    ``alpha_stop`` (:meth:`grid`).  A cascade is large when it shrinks the giant component by
    more than ``threshold`` of its size after the trigger.  ``workers`` processes run trigger
    cities at once (0: in this process; the results are the same).
    """

    enabled: bool = True
    alphas: list[float] = field(default_factory=list)
    alpha_start: float = field(default=0.0, metadata=_bounded(0.0, 100.0, below_high=True))
    alpha_stop: float = field(default=1.0, metadata=_bounded(0.0, 100.0, below_high=True))
    alpha_step: float = field(default=0.05, metadata=_bounded(0.001, 100.0, below_high=True))
    triggers: list[str] = field(default_factory=lambda: ["degree", "betweenness", "random"],
                                metadata=_choice("degree", "betweenness", "random"))
    repeats: int = field(default=50, metadata=_bounded(1, 10_000))
    threshold: float = field(default=0.1, metadata=_bounded(0.001, 1.0, below_high=True))
    workers: int = field(default=0, metadata=_bounded(0, 64))

    def grid(self) -> list[float]:
        """The tolerances of the run: ``alphas`` when given, else start..stop by step (each
        rounded to 10 decimals, so 0.1 + 0.2 is 0.3)."""
        if self.alphas:
            return list(self.alphas)
        count = int(round((self.alpha_stop - self.alpha_start) / self.alpha_step, 9)) + 1
        return [round(self.alpha_start + i * self.alpha_step, 10) for i in range(max(count, 0))]


@dataclass(frozen=True)
class RichClubConfig:
    """``[richclub]``: the rich-club coefficient against degree-preserving rewirings.

    ``nulls`` rewired networks per stage, each by ``swaps_per_link`` double-edge swaps per
    link (networkx's Q; 100 is networkx's default, docs/method.md section 5 shows that 20
    gives the same null on the demo's stages), with the central ``level`` band of the draws;
    ``workers`` processes rewire at once (0: in this process; the results are the same).
    """

    enabled: bool = True
    nulls: int = field(default=30, metadata=_bounded(2, 10_000))
    swaps_per_link: int = field(default=20, metadata=_bounded(1, 1000))
    level: float = field(default=0.95, metadata=_bounded(0.5, 1.0, below_high=True))
    workers: int = field(default=0, metadata=_bounded(0, 64))


@dataclass(frozen=True)
class CoreConfig:
    """``[core]``: the k-core decomposition, each city's coreness (cheap: on by default)."""

    enabled: bool = True


@dataclass(frozen=True)
class QapConfig:
    """``[qap]``: QAP correlations and MRQAP of every stage network (:mod:`pyreslib.qap`,
    docs/method.md, "QAP and MRQAP").

    For each stage of ``stages`` (empty: every stage) and each model of ``kinds``: ``"lm"``,
    sna's netlm on the collaboration counts (``transform`` ``"raw"`` or ``"log1p"``), and
    ``"logit"``, netlogit on the ties (weight at least ``threshold``).  The regressors are the
    ERGM's: the study's node covariates as they enter the ERGM (``[covariates]``), as dyadic
    sums or absolute differences (``node_form``), and proximity and adjacency.  Each
    coefficient is tested against ``null`` with ``reps`` permutations seeded by the run's
    seed.  With ``correlations``, QAP correlations between consecutive stages' count matrices
    (on the cities both hold) and between each stage's counts and its dyadic covariates.
    """

    enabled: bool = False
    kinds: list[str] = field(default_factory=lambda: ["lm", "logit"],
                             metadata=_choice(*QAP_KINDS))
    transform: str = field(default="log1p", metadata=_choice(*QAP_TRANSFORMS))
    null: str = field(default="qapspp", metadata=_choice(*QAP_NULLS))
    reps: int = field(default=1000, metadata=_bounded(1, QAP_MAX_REPS))
    node_form: str = field(default="sum", metadata=_choice(*QAP_NODE_FORMS))
    threshold: int = field(default=1, metadata=_bounded(1, 1_000_000))
    stages: list[str] = field(default_factory=list)
    correlations: bool = True


TERGM_MEMORY = ("stability", "autoregression", "innovation", "loss")
"""btergm's ``memory(type=...)`` kinds (:data:`pyreslib.temporal.terms.MEMORY_TYPES`)."""

TERGM_NODE_SETS = ("union", "adjust")
"""The node-set rules of the temporal models (:data:`pyreslib.temporal.NODE_SETS`)."""


@dataclass(frozen=True)
class TergmConfig:
    """``[tergm]``: temporal models over the stages (:mod:`pyreslib.temporal`).

    With ``btergm``, a TERGM over the stages pooled by bootstrapped MPLE with ``replicates``
    bootstrap replicates on ``workers`` R processes, the study's covariates, a
    ``memory(type=memory)`` term and, with ``timecov``, a linear time trend; with
    ``separable``, tergm's separable TERGM by CMLE (formation and persistence) over
    consecutive stages.  ``node_set``: cities absent from a stage are structural zeros of a
    common node set (``"union"``) or handled by btergm's label-based adjustment
    (``"adjust"``).  Seeded by the run's seed.
    """

    enabled: bool = False
    btergm: bool = True
    replicates: int = field(default=500, metadata=_bounded(1, 100_000))
    memory: str = field(default="stability", metadata=_choice(*TERGM_MEMORY))
    timecov: bool = True
    node_set: str = field(default="union", metadata=_choice(*TERGM_NODE_SETS))
    workers: int = field(default=1, metadata=_bounded(1, 64))
    separable: bool = True


MODEL_NAME_LENGTH = 40


@dataclass(frozen=True)
class ErgmConfig:
    """``[ergm]``: which models to fit per stage, how, and what to check about them.

    ``models`` are the models fitted to every stage, in order: either a list of built-in names
    (``["study", "extended"]``) or a table (``[ergm.models]``) in which a built-in name takes
    ``true`` or ``false`` and any other name takes a formula of its own, checked against the
    covariates a run provides (:data:`pyreslib.study.FORMULA_NODE_COVARIATES`,
    :data:`pyreslib.study.FORMULA_EDGE_COVARIATES`); with the step enabled at least one model
    must be on.  ``mcmc_profile`` chooses the MCMC settings of dyad-dependent fits
    (:data:`MCMC_PROFILES`); ``mcmc_samplesize`` (0 = ergm's default, 1024) sets their MCMC
    sample size.  ``workers`` R processes fit stages and models at the same time (0: one after
    another in this process; the results are the same).  ``pooled`` names the model fitted to
    all stages at once (ergm.multi) to test whether its effects changed between stages
    (``""``: none; not set: "study" when it is fitted, see :meth:`pooled_model`).  ``gof_nsim = 0`` skips goodness of fit.  ``hosts`` (host names, checked as
    :func:`pyreslib.ergm.control.check_hosts` checks them) runs each MCMC stage fit's chains
    on those machines over ssh, one chain per entry, each fit driven by the worker that runs
    it; ``ssh_config`` is the OpenSSH client configuration file ssh reads for them (relative
    to the config file; not set: ``~/.ssh/config``).  Ranges: see the module docstring.
    """

    enabled: bool = True
    models: dict[str, bool | str] = field(
        default_factory=lambda: {"study": True, "extended": True}, metadata={"models": True})
    mcmc_profile: str = field(default="sized", metadata=_choice(*MCMC_PROFILES))
    workers: int = field(default=2, metadata=_bounded(0, 64))
    pooled: str | None = None
    gof_nsim: int = field(default=50, metadata=_bounded(2, 10_000, zero="skip"))
    mcmc_samplesize: int = field(default=0, metadata=_bounded(100, 1_000_000,
                                                               zero="ergm's default"))
    threshold: int = field(default=1, metadata=_bounded(1, 1_000_000))
    hosts: list[str] = field(default_factory=list)
    ssh_config: Path | None = None

    def formulas(self) -> dict[str, str]:
        """The models switched on, in order: name -> formula (built-ins' from
        :data:`pyreslib.stagemodels.specs.MODELS`)."""
        return {name: (BUILTIN_MODELS[name] if value is True else value)
                for name, value in self.models.items() if value is not False}

    def pooled_model(self) -> str | None:
        """The model fitted to all stages at once: ``pooled``, or when it is not set the
        study model if it is fitted; None for none."""
        if self.pooled is None:
            return "study" if "study" in self.formulas() else None
        return self.pooled or None


@dataclass(frozen=True)
class CovariatesConfig:
    """``[covariates]``: how the ERGMs' covariates are transformed, stage by stage.

    A city's node covariate in a stage is the mean of its values over the stage's years in the
    covariates file (:mod:`pyreslib.stagemodels.covariates`); ``log`` takes its natural log
    (every stage mean must then be positive), ``standardise`` z-scores the node covariates
    across the stage's cities and proximity across its pairs, so that coefficients are per
    standard deviation (:func:`pyreslib.stagemodels.stage_node_covariates`).
    """

    log: bool = True
    standardise: bool = True


@dataclass(frozen=True)
class FiguresConfig:
    """``[figures]``: resolution, natural-break classes on the maps, cities in rankings."""

    enabled: bool = True
    dpi: int = field(default=110, metadata=_bounded(10, 600))
    classes: int = field(default=5, metadata=_bounded(2, 9))
    top_n: int = field(default=20, metadata=_bounded(1, 100))
    label_cities: int = field(default=8, metadata=_bounded(0, 100))


@dataclass(frozen=True)
class OutputConfig:
    """``[output]``: where results may go and how numbers are written.

    ``folder`` is the output folder when the command line names none (``--out`` wins),
    relative to the config file.  A folder from the config must lie inside the current
    working directory (the project's working tree) unless ``allow_outside = true``: the run
    replaces the folder as a whole, so a config written elsewhere must not be able to point
    it at an unrelated place.  A folder named on the command line is the user's choice and is
    honoured wherever it points.  ``significant_digits`` rounds every float in results.json,
    which makes it byte-identical across processes and machines.
    """

    folder: str | None = None
    allow_outside: bool = False
    significant_digits: int = field(default=6, metadata=_bounded(1, 17))


@dataclass(frozen=True)
class Config:
    """A validated run configuration (see the module docstring)."""

    title: str = "Collaborative innovation network resilience"
    seed: int = field(default=2023, metadata=_bounded(1, SEED_MAX))
    input: InputConfig = field(default_factory=InputConfig)
    stages: StagesConfig = field(default_factory=StagesConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    communities: CommunitiesConfig = field(default_factory=CommunitiesConfig)
    resilience: ResilienceConfig = field(default_factory=ResilienceConfig)
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)
    spatial: SpatialConfig = field(default_factory=SpatialConfig)
    cascade: CascadeConfig = field(default_factory=CascadeConfig)
    richclub: RichClubConfig = field(default_factory=RichClubConfig)
    core: CoreConfig = field(default_factory=CoreConfig)
    qap: QapConfig = field(default_factory=QapConfig)
    tergm: TergmConfig = field(default_factory=TergmConfig)
    ergm: ErgmConfig = field(default_factory=ErgmConfig)
    covariates: CovariatesConfig = field(default_factory=CovariatesConfig)
    figures: FiguresConfig = field(default_factory=FiguresConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    source: Path | None = field(default=None, metadata={"internal": True})

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values (paths as strings), for results.json."""
        return _to_plain(self)

    def with_overrides(self, **sections: dict[str, Any]) -> Config:
        """A copy with some keys of some sections replaced, e.g.
        ``cfg.with_overrides(ergm={"enabled": False})`` (values are not re-validated)."""
        changes = {}
        for name, values in sections.items():
            current = getattr(self, name)
            changes[name] = replace(current, **values) if is_dataclass(current) else values
        return replace(self, **changes)


def _to_plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _to_plain(getattr(value, f.name)) for f in fields(value)
                if not f.metadata.get("internal")}
    if isinstance(value, Path):
        return value.name
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    return value


