"""Run configuration: the TOML file ``pyreslib run CONFIG.toml`` reads, as validated dataclasses.

A configuration has one table per stage of the pipeline (``[input]``, ``[stages]``,
``[metrics]``, ``[communities]``, ``[resilience]``, ``[robustness]``, ``[ergm]``,
``[figures]``, ``[output]``) plus top-level ``title`` and ``seed``.  Every key is optional
except ``input.patents``; the defaults are those of docs/method.md.  A complete example with
every key is :data:`EXAMPLE_TOML` (and ``data/demo/demo.toml``).

Validation is strict because a typo in a config silently falling back to a default would change
results without anyone noticing: an unknown key, a value of the wrong type, a value outside its
allowed set and a file that does not exist are each an error naming the file and the key, e.g.::

    demo.toml: unknown key 'ergm.gof_nsims' (did you mean 'ergm.gof_nsim'?); keys allowed in
    [ergm]: enabled, models, mcmc_profile, workers, pooled, gof_nsim, mcmc_samplesize,
    threshold

Every number has a documented range (:func:`_bounded` on its field; the config reference in
the README lists them), checked before any work starts, so that a typo such as
``repeats = 50000000000`` is a message instead of a memory error an hour later.  The ranges:

========================  ==========================  ==========================================
key                       range                       why that bound
========================  ==========================  ==========================================
seed                      1 .. 2,147,483,647          R's seed is a 32-bit integer; Infomap
                                                      needs at least 1
stages.threshold          1 .. 1,000,000              minimum joint patents of a kept pair
communities.trials        1 .. 1,000                  Infomap runs per stage
resilience.floor          0 <= floor < 1              share added after min-max normalisation
resilience.top_nodes      1 .. 1,000                  cities listed per stage
robustness.repeats        1 .. 10,000                 random removal orders per stage
ergm.gof_nsim             0 (skip), or 2 .. 10,000    networks simulated per goodness of fit
ergm.mcmc_samplesize      0 (ergm's default, 1024),   MCMC sample per MCMC-MLE iteration
                          or 100 .. 1,000,000         (memory grows with it)
ergm.workers              0 .. 64                     R processes fitting at once (0: in
                                                      this process)
ergm.threshold            1 .. 1,000,000              minimum joint patents of an ERGM tie
figures.dpi               10 .. 600                   a 600 dpi map is already 7,000 px wide
figures.classes           2 .. 9                      natural-break classes on the maps
figures.top_n             1 .. 100                    cities per ranking panel
figures.label_cities      0 .. 100                    city names written on each map
output.significant_digits 1 .. 17                     a float64 has at most 17
========================  ==========================  ==========================================

Lists must not be empty where something is switched on (``robustness.strategies`` with
robustness enabled, ``ergm.models`` with the ERGM step enabled) and must not repeat an item.
A custom model's formula (``[ergm.models] mine = "edges + ..."``) is checked term by term
against the covariates a run provides (node: economic, education, science; edge:
proximity, adjacency, memory), and the error names the key and the bad term.
Messages quote at most a short excerpt of a long value.  A config saved with a UTF-8 byte
order mark (as Windows Notepad does) reads like one without.

Relative paths are resolved against the folder holding the config file, so a project folder
can be moved as a whole.

(Length: about 700 lines, over the project's 600, because every section's dataclass, its
bounds and the commented example (:data:`EXAMPLE_TOML`) are kept side by side, so that a
key is added, bounded and documented in one place.)
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from pyreslib.errors import ConfigError, InputError
from pyreslib.study import (
    BUILTIN_MODELS,
    COVARIATE_COLUMNS,
    FORMULA_EDGE_COVARIATES,
    FORMULA_NODE_COVARIATES,
    MEMORY_COVARIATE,
    STAGE_LABELS,
)

__all__ = [
    "CommunitiesConfig",
    "Config",
    "ErgmConfig",
    "FiguresConfig",
    "InputConfig",
    "MetricsConfig",
    "OutputConfig",
    "ResilienceConfig",
    "RobustnessConfig",
    "StagesConfig",
    "bounds",
    "load_config",
    "parse_config",
]


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


MCMC_PROFILES: tuple[str, ...] = ("sized", "hummel", "fast", "default")
"""The MCMC settings ``[ergm] mcmc_profile`` can name (:func:`pyreslib.models.profile_control`
says what each sets)."""

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
        :data:`pyreslib.study.BUILTIN_MODELS`)."""
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


# ----------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------

_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               Path: "a path (string)"}


def _excerpt(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages never quote long user text."""
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _describe(value: Any) -> str:
    kind = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)
    return f"{kind} {_excerpt(value)}"


def _check_bounds(value: float, key: str, where: str, meta: dict) -> None:
    low, high = meta["bounds"]
    zero, below_high = meta["zero"], meta["below_high"]
    if (zero and value == 0) or (low <= value < high if below_high else low <= value <= high):
        return
    if below_high:
        allowed = f"in [{low:g}, {high:g})"
    else:
        allowed = f"between {low:,} and {high:,}"
    if zero:
        allowed = f"0 ({zero}) or {allowed}"
    raise ConfigError(f"{where}: key '{key}' must be {allowed}, got {_excerpt(value)}.")


def _type_word(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _type_word(inner[0])
    if origin is list:
        item = _type_word(typing.get_args(tp)[0]).split(" ", 1)[1]
        return f"an array of {item}s"
    if origin is dict:
        return "a table of strings"
    return _TYPE_WORDS.get(tp, str(tp))


def _check_value(value: Any, tp: Any, key: str, where: str, meta: dict, base: Path) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        return _check_value(value, inner, key, where, meta, base)

    def wrong() -> ConfigError:
        return ConfigError(
            f"{where}: key '{key}' must be {_type_word(tp)}, got {_describe(value)}."
        )

    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise wrong()
        checked = []
        for item in value:
            try:
                checked.append(_check_value(item, item_tp, key, where, meta, base))
            except ConfigError as exc:
                if "must be one of" in str(exc):
                    raise
                raise ConfigError(
                    f"{where}: key '{key}' must be {_type_word(tp)}, got {_describe(item)}."
                ) from None
        return checked
    if origin is dict:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise wrong()
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise wrong()
    elif tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong()
        value = float(value)
    elif tp is str:
        if not isinstance(value, str):
            raise wrong()
    elif tp is Path:
        if not isinstance(value, str) or not value.strip():
            raise wrong()
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            raise ConfigError(
                f"{where}: key '{key}' names a file that does not exist: {path} "
                f"(relative paths are read from the config file's folder, {base})."
            )
        return path
    if "bounds" in meta:
        _check_bounds(value, key, where, meta)
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(
            f"{where}: key '{key}' must be one of {', '.join(repr(c) for c in choices)}, "
            f"got {_excerpt(value)}."
        )
    return value


def _unknown_key(where: str, key: str, allowed: list[str], section: str | None) -> ConfigError:
    key = key if len(key) <= 40 else key[:39] + "…"
    full = f"{section}.{key}" if section else key
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean '{section + '.' if section else ''}{close[0]}'?)" if close else ""
    place = f"[{section}]" if section else "the top level"
    return ConfigError(
        f"{where}: unknown key '{full}'{hint}; keys allowed in {place}: {', '.join(allowed)}."
    )


def _build(cls: type, data: dict, where: str, base: Path, section: str | None):
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key not in known:
            raise _unknown_key(where, key, list(known), section)
    values = {}
    for name, f in known.items():
        if name not in data:
            continue
        tp = hints[name]
        key = f"{section}.{name}" if section else name
        if f.metadata.get("models"):
            values[name] = _check_models(data[name], key, where)
        elif is_dataclass(tp):
            if not isinstance(data[name], dict):
                raise ConfigError(
                    f"{where}: '{name}' must be a table ([{name}]), got {_describe(data[name])}."
                )
            values[name] = _build(tp, data[name], where, base, name)
        else:
            values[name] = _check_value(data[name], tp, key, where, dict(f.metadata), base)
    return cls(**values)


def _check_semantics(cfg: Config, where: str) -> None:
    from pyreslib.ingest import parse_stages

    if cfg.input.patents is None:
        raise ConfigError(
            f"{where}: key 'input.patents' is required: the patent export to read "
            "(a path relative to the config file)."
        )
    if not cfg.stages.labels:
        raise ConfigError(f"{where}: key 'stages.labels' must list at least one stage.")
    _check_list(cfg.stages.labels, "stages.labels", where)
    if cfg.robustness.enabled:
        _check_list(cfg.robustness.strategies, "robustness.strategies", where,
                    off="[robustness] enabled = false")
    if cfg.ergm.enabled:
        _check_list(list(cfg.ergm.formulas()), "ergm.models", where,
                    off="[ergm] enabled = false")
        _check_pooled(cfg.ergm, where)
    too_long = [label for label in cfg.stages.labels if len(label) > 40]
    if too_long:
        raise ConfigError(f"{where}: key 'stages.labels': a label looks like '2011-2014', got "
                          f"{_describe(too_long[0])}.")
    try:
        parse_stages(cfg.stages.labels)
    except InputError as exc:  # the ingest module's message says what is wrong with the label
        raise ConfigError(f"{where}: key 'stages.labels': {exc}") from None
    if cfg.ergm.enabled and cfg.input.covariates is None:
        raise ConfigError(
            f"{where}: key 'input.covariates' is required when [ergm] is enabled (a CSV with "
            f"{', '.join(COVARIATE_COLUMNS)}); or set ergm.enabled = false."
        )


def _check_models(value: Any, key: str, where: str) -> dict[str, bool | str]:
    """``ergm.models``: a list of built-in names, or a table of built-in names (true/false)
    and custom names (a formula each); returned as a table (name -> true/false/formula)."""
    builtin = ", ".join(repr(n) for n in BUILTIN_MODELS)
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(f"{where}: key '{key}' must be an array of strings or a table "
                                  f"([ergm.models]), got {_describe(item)}.")
            if item not in BUILTIN_MODELS:
                raise ConfigError(
                    f"{where}: key '{key}' must be one of {builtin} (a model of your own goes "
                    "in a table: [ergm.models] with mine = \"edges + ...\"), got "
                    f"{_excerpt(item)}.")
        if value:  # an empty list is refused with the step's switch named (_check_semantics)
            _check_list(value, key, where)
        return dict.fromkeys(value, True)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: key '{key}' must be an array of model names or a table "
                          f"([ergm.models]), got {_describe(value)}.")
    checked: dict[str, bool | str] = {}
    for name, spec in value.items():
        entry = f"{key}.{_excerpt(name, MODEL_NAME_LENGTH).strip(chr(39))}"
        if not _MODEL_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: key '{entry}': a model name is a letter followed by letters, digits, "
                f"'_' or '-' (at most {MODEL_NAME_LENGTH} characters; it names files).")
        if name in BUILTIN_MODELS:
            if not isinstance(spec, bool):
                raise ConfigError(
                    f"{where}: key '{entry}' is a built-in model: give true or false, got "
                    f"{_describe(spec)}; a formula of your own needs a name of its own "
                    f"(built-in: {builtin}).")
        elif isinstance(spec, str):
            spec = _check_formula(spec, entry, where)
        else:
            raise ConfigError(
                f"{where}: key '{entry}' must be an ERGM formula (a string such as "
                f"\"edges + nodecov('education')\"), got {_describe(spec)}; the built-in "
                f"models are {builtin}.")
        checked[name] = spec
    return checked


_MODEL_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_-]{{0,{MODEL_NAME_LENGTH - 1}}}")


def _check_formula(text: str, key: str, where: str) -> str:
    """A custom model's formula, checked term by term against the covariates a run gives."""
    from pyreslib.ergm.formula import parse_formula
    from pyreslib.errors import FormulaError

    try:
        formula = parse_formula(text, node_covariates=FORMULA_NODE_COVARIATES,
                                edge_covariates=FORMULA_EDGE_COVARIATES, directed=False)
    except FormulaError as exc:
        raise ConfigError(f"{where}: key '{key}': {exc} (covariates of a run: node "
                          f"{', '.join(FORMULA_NODE_COVARIATES)}; edge "
                          f"{', '.join(FORMULA_EDGE_COVARIATES)})") from None
    fixed = [t.render() for t in formula.terms if t.offset]
    if fixed:
        raise ConfigError(f"{where}: key '{key}': offset term {fixed[0]} needs fixed "
                          "coefficients, which a config cannot give; fit it from Python "
                          "(pyreslib.ergm.ERGM(...).fit(offset_coef=...)).")
    return text


def _check_pooled(ergm: ErgmConfig, where: str) -> None:
    name = ergm.pooled_model()
    if name is None:
        return
    formulas = ergm.formulas()
    if name not in formulas:
        raise ConfigError(
            f"{where}: key 'ergm.pooled' must name a model that is fitted "
            f"({', '.join(repr(n) for n in formulas)}), or be \"\" for no pooled model; got "
            f"{_excerpt(name)}.")
    from pyreslib.ergm.formula import parse_formula

    used = parse_formula(formulas[name], node_covariates=FORMULA_NODE_COVARIATES,
                         edge_covariates=FORMULA_EDGE_COVARIATES).edge_covariates
    if MEMORY_COVARIATE in used:
        raise ConfigError(
            f"{where}: key 'ergm.pooled': model {name!r} uses edgecov('{MEMORY_COVARIATE}'), "
            "which the first stage does not have, but a pooled model fits one formula to "
            "every stage; pool a model without it (e.g. \"study\").")


def _check_list(items: list, key: str, where: str, *, off: str = "") -> None:
    if not items:
        what = f"; list at least one, or set {off} to switch the step off" if off else ""
        raise ConfigError(f"{where}: key '{key}' is empty{what}.")
    repeated = sorted({item for i, item in enumerate(items) if item in items[:i]})
    if repeated:
        raise ConfigError(f"{where}: key '{key}' lists {_excerpt(repeated[0])} more than once; "
                          "give each once.")


def parse_config(data: dict, *, where: str = "config", base: str | Path = ".") -> Config:
    """Validate an already-parsed TOML document (a dict); ``base`` resolves relative paths."""
    cfg = _build(Config, data, where, Path(base).resolve(), None)
    _check_semantics(cfg, where)
    return cfg


def load_config(path: str | Path, overrides: dict[str, dict[str, Any]] | None = None) -> Config:
    """Read and validate a TOML run configuration; see the module docstring.

    ``overrides`` (section -> {key: value}) are merged into the file's tables *before*
    validation, so they are checked like the file's own keys (the CLI uses this for
    ``--no-ergm``).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path.name}: saved as UTF-16; save the config as UTF-8.")
    try:
        # utf-8-sig: a byte order mark (Windows Notepad writes one) is not part of the TOML
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name}: not UTF-8 text; save the config as UTF-8.") from None
    for section, values in (overrides or {}).items():
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            table.update(values)
    cfg = parse_config(data, where=path.name, base=path.resolve().parent)
    return replace(cfg, source=path.resolve())


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


EXAMPLE_TOML = """\
title = "NEV collaborative innovation network"
seed = 2023

[input]
patents = "patents.csv"         # CSV/TSV/XLSX/XLS, UTF-8 or GBK; relative to this file
covariates = "covariates.csv"   # adcode, year, gdp_per_capita, education_spending, st_spending
columns = {}                    # e.g. { applicants = "权利人" }
prefecture_level_only = false
on_unresolved = "skip_applicant"   # or "skip_patent"
name_fallback = true
synthetic = false

[stages]
labels = ["2011-2014", "2015-2017", "2018-2021"]
threshold = 1

[metrics]
weighted = false
cumulative_degree_distribution = false

[communities]
trials = 10

[resilience]
preset = "study"             # or "four_dimensions"
weights = "entropy"          # or "equal"
normalisation = "minmax"     # or "logistic"
floor = 1e-4                 # the study preset's; 0.01 with "four_dimensions"
node_weights = "entropy"
node_normalisation = "within_stage"   # or "pooled" (comparable across stages)
top_nodes = 10

[robustness]
enabled = true
strategies = ["random", "degree", "betweenness"]
repeats = 50
recalculate = true

[ergm]
enabled = true
mcmc_profile = "sized"       # or "hummel", "fast", or "default" (statnet's MCMC settings)
workers = 2                  # R processes fitting at the same time (0: in this process)
pooled = "study"             # fitted to all stages at once (ergm.multi); "" for none
gof_nsim = 50
mcmc_samplesize = 0
threshold = 1

[ergm.models]                # fitted to every stage, in this order
study = true                 # built-in: the reference study's model
extended = true              # built-in: + gwesp, gwdegree, the previous stage's tie
# mine = "edges + nodecov('education') + edgecov('proximity') + gwesp(0.5, fixed=TRUE)"

[figures]
enabled = true
dpi = 110
classes = 5
top_n = 20
label_cities = 8

[output]
folder = "results"           # used when the command line gives no --out
allow_outside = false        # may folder (from this file) lie outside the working tree?
significant_digits = 6
"""
