"""Run configuration: the TOML file ``pyreslib run CONFIG.toml`` reads, as validated dataclasses.

A configuration has one table per stage of the pipeline (``[input]``, ``[stages]``,
``[metrics]``, ``[communities]``, ``[resilience]``, ``[robustness]``, ``[ergm]``,
``[figures]``, ``[output]``) plus top-level ``title`` and ``seed``.  Every key is optional
except ``input.patents``; the defaults are the choices SPEC.md fixes.  A complete example with
every key is :data:`EXAMPLE_TOML` (and ``data/demo/demo.toml``).

Validation is strict because a typo in a config silently falling back to a default would change
results without anyone noticing: an unknown key, a value of the wrong type, a value outside its
allowed set and a file that does not exist are each an error naming the file and the key, e.g.::

    demo.toml: unknown key 'ergm.gof_nsims' (did you mean 'ergm.gof_nsim'?); keys allowed in
    [ergm]: enabled, gof_nsim, models, threshold, mcmc_samplesize

Relative paths are resolved against the folder holding the config file, so a project folder
can be moved as a whole.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from pyreslib.errors import ConfigError, InputError

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
    "check_output_dir",
    "load_config",
    "parse_config",
]

DEFAULT_STAGE_LABELS = ("2011-2014", "2015-2017", "2018-2021")


def _choice(*allowed: str) -> dict:
    return {"choices": allowed}


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

    labels: list[str] = field(default_factory=lambda: list(DEFAULT_STAGE_LABELS))
    threshold: int = 1


@dataclass(frozen=True)
class MetricsConfig:
    """``[metrics]``: binary (SPEC default) or weighted path lengths, clustering, centralities."""

    weighted: bool = False
    cumulative_degree_distribution: bool = False


@dataclass(frozen=True)
class CommunitiesConfig:
    """``[communities]``: Infomap trials per run (the seed is the top-level ``seed``)."""

    trials: int = 10


@dataclass(frozen=True)
class ResilienceConfig:
    """``[resilience]``: the network resilience index and how node resilience is normalised.

    ``preset`` names the index of :func:`pyreslib.resilience.network_resilience`: ``"study"``
    (the reference study's three dimensions, floor 1e-4) or ``"four_dimensions"``; ``floor``
    left out takes the preset's.  ``node_normalisation``: ``"within_stage"`` or ``"pooled"``
    (across the stages compared, so that scores are comparable from stage to stage).
    """

    preset: str = field(default="study", metadata=_choice("study", "four_dimensions"))
    weights: str = field(default="entropy", metadata=_choice("entropy", "equal"))
    normalisation: str = field(default="minmax", metadata=_choice("minmax", "logistic"))
    floor: float | None = None
    node_weights: str = field(default="entropy", metadata=_choice("entropy", "equal"))
    node_normalisation: str = field(default="within_stage",
                                    metadata=_choice("within_stage", "pooled"))
    top_nodes: int = 10


@dataclass(frozen=True)
class RobustnessConfig:
    """``[robustness]``: removal strategies, random repeats, adaptive attacks."""

    enabled: bool = True
    strategies: list[str] = field(default_factory=lambda: ["random", "degree", "betweenness"],
                                  metadata=_choice("random", "degree", "betweenness"))
    repeats: int = 50
    recalculate: bool = True


@dataclass(frozen=True)
class ErgmConfig:
    """``[ergm]``: which models to fit per stage and how much goodness of fit to simulate.

    ``enabled = false`` skips R entirely.  ``models`` are names known to
    :mod:`pyreslib.models` ("study", "extended").  ``gof_nsim = 0`` skips goodness of fit.
    ``mcmc_samplesize`` (0 = ergm's default) trades accuracy of MCMC-MLE for speed.
    """

    enabled: bool = True
    models: list[str] = field(default_factory=lambda: ["study", "extended"],
                              metadata=_choice("study", "extended"))
    gof_nsim: int = 50
    mcmc_samplesize: int = 0
    threshold: int = 1


@dataclass(frozen=True)
class FiguresConfig:
    """``[figures]``: resolution, natural-break classes on the maps, cities in rankings."""

    enabled: bool = True
    dpi: int = 110
    classes: int = 5
    top_n: int = 20
    label_cities: int = 8


@dataclass(frozen=True)
class OutputConfig:
    """``[output]``: where results may go and how numbers are written.

    The output folder must lie inside the current working directory (the project's working
    tree) unless ``allow_outside = true``: the run replaces the folder as a whole, so a typo must
    not be able to point it at an unrelated place.  ``significant_digits`` rounds every float
    in results.json, which makes it byte-identical across processes and machines.
    """

    allow_outside: bool = False
    significant_digits: int = 6


@dataclass(frozen=True)
class Config:
    """A validated run configuration (see the module docstring)."""

    title: str = "Collaborative innovation network resilience"
    seed: int = 2023
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


def _describe(value: Any) -> str:
    kind = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kind} {shown}"


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
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(
            f"{where}: key '{key}' must be one of {', '.join(repr(c) for c in choices)}, "
            f"got {value!r}."
        )
    return value


def _unknown_key(where: str, key: str, allowed: list[str], section: str | None) -> ConfigError:
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
        if is_dataclass(tp):
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
    positive = {
        "stages.threshold": cfg.stages.threshold, "communities.trials": cfg.communities.trials,
        "robustness.repeats": cfg.robustness.repeats, "ergm.threshold": cfg.ergm.threshold,
        "figures.dpi": cfg.figures.dpi, "output.significant_digits": cfg.output.significant_digits,
        "resilience.top_nodes": cfg.resilience.top_nodes, "figures.top_n": cfg.figures.top_n,
    }
    for key, value in positive.items():
        if value < 1:
            raise ConfigError(f"{where}: key '{key}' must be at least 1, got {value}.")
    for key, value in {"ergm.gof_nsim": cfg.ergm.gof_nsim,
                       "ergm.mcmc_samplesize": cfg.ergm.mcmc_samplesize,
                       "figures.label_cities": cfg.figures.label_cities}.items():
        if value < 0:
            raise ConfigError(f"{where}: key '{key}' must be 0 or more, got {value}.")
    if cfg.ergm.gof_nsim == 1:
        raise ConfigError(f"{where}: key 'ergm.gof_nsim' must be 0 (skip) or at least 2, got 1.")
    if not 2 <= cfg.figures.classes <= 9:
        raise ConfigError(
            f"{where}: key 'figures.classes' must be between 2 and 9, got {cfg.figures.classes}."
        )
    if cfg.resilience.floor is not None and not 0 <= cfg.resilience.floor < 1:
        raise ConfigError(
            f"{where}: key 'resilience.floor' must be in [0, 1), got {cfg.resilience.floor}."
        )
    if not cfg.stages.labels:
        raise ConfigError(f"{where}: key 'stages.labels' must list at least one stage.")
    try:
        parse_stages(cfg.stages.labels)
    except InputError as exc:  # the ingest module's message says what is wrong with the label
        raise ConfigError(f"{where}: key 'stages.labels': {exc}") from None
    if cfg.ergm.enabled and cfg.ergm.models and cfg.input.covariates is None:
        raise ConfigError(
            f"{where}: key 'input.covariates' is required when [ergm] is enabled (a CSV with "
            "adcode, year, gdp_per_capita, education_spending, st_spending); or set "
            "ergm.enabled = false."
        )


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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
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


def check_output_dir(out_dir: str | Path, cfg: Config, *, cwd: str | Path | None = None) -> Path:
    """The absolute output folder, refused when outside ``cwd`` (default: the current working
    directory) unless ``output.allow_outside`` is set."""
    out = Path(out_dir).expanduser().resolve()
    root = Path(cwd or Path.cwd()).resolve()
    if not cfg.output.allow_outside and not out.is_relative_to(root):
        raise ConfigError(
            f"output folder {out} is outside the working tree {root}; write inside it, or set "
            "allow_outside = true in [output] (pyreslib run/demo: --allow-outside)."
        )
    if out == root:
        raise ConfigError(
            f"output folder {out} is the working directory itself; name a sub-folder such as "
            "'results'."
        )
    return out


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
# floor = 1e-4               # default: the preset's (1e-4 "study", 0.01 "four_dimensions")
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
models = ["study", "extended"]
gof_nsim = 50
mcmc_samplesize = 0
threshold = 1

[figures]
enabled = true
dpi = 110
classes = 5
top_n = 20
label_cities = 8

[output]
allow_outside = false
significant_digits = 6
"""
