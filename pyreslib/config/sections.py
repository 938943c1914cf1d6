"""The tables of a run configuration: one frozen dataclass each, with defaults and bounds."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from pyreslib.ergm.control import MCMC_PROFILES
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

    ``patents`` (required) and ``covariates`` are paths relative to the config file.
    ``columns`` maps a column role (patent_id, date, applicants, addresses, cities) to your
    header; ``encoding`` and ``sheet`` override detection; ``synthetic = true`` marks the input
    as invented data (the report then carries a "SYNTHETIC DEMO DATA" banner).
    """

    patents: Path | None = None
    covariates: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | None = None
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
    (``""``: none; not set: "study" when it is fitted, see :meth:`pooled_model`).  ``gof_nsim = 0`` skips goodness of fit.  Ranges: see the module docstring.
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
    ergm: ErgmConfig = field(default_factory=ErgmConfig)
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


