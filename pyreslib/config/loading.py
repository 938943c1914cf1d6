"""Reading a run configuration: TOML in, every key checked, a :class:`~pyreslib.config.sections.Config` out."""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from pyreslib.config.sections import (
    BUILTIN_MODELS,
    CASCADE_MAX_ALPHAS,
    MODEL_NAME_LENGTH,
    CascadeConfig,
    Config,
    ErgmConfig,
)
from pyreslib.ergm.control import check_hosts
from pyreslib.errors import ConfigError, InputError, excerpt
from pyreslib.study import (
    COVARIATE_COLUMNS,
    FORMULA_EDGE_COVARIATES,
    FORMULA_NODE_COVARIATES,
    MEMORY_COVARIATE,
)

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
        for k, v in value.items():
            _no_nul(k + v, f"{where}: key '{key}.{_excerpt(k).strip(chr(39))}'")
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
        _no_nul(value, f"{where}: key '{key}'", path=key == "output.folder")
    elif tp is Path:
        if not isinstance(value, str) or not value.strip():
            raise wrong()
        _no_nul(value, f"{where}: key '{key}'", path=True)
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


def _no_nul(text: str, what: str, *, path: bool = False) -> None:
    """No string of a config may hold a NUL character: no file name can (the system would cut
    the name there), and neither can R's strings."""
    if "\x00" in text:
        kind = "the path" if path else "the text"
        cannot = "no file name can contain" if path else "no setting can contain"
        raise ConfigError(f"{what}: {kind} {excerpt(text)} holds a NUL character (\\x00), "
                          f"which {cannot}; retype it.")


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
    from pyreslib.stages import parse_stages

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
    if cfg.spatial.enabled:
        _check_list(cfg.spatial.quantities, "spatial.quantities", where,
                    off="[spatial] enabled = false")
    if cfg.cascade.enabled:
        _check_list(cfg.cascade.triggers, "cascade.triggers", where,
                    off="[cascade] enabled = false")
        _check_alphas(cfg.cascade, where)
    if cfg.ergm.enabled:
        _check_list(list(cfg.ergm.formulas()), "ergm.models", where,
                    off="[ergm] enabled = false")
        _check_pooled(cfg.ergm, where)
    if cfg.ergm.hosts:
        try:
            check_hosts(cfg.ergm.hosts, "key 'ergm.hosts'", remote=True)
        except InputError as exc:
            raise ConfigError(f"{where}: {exc}") from None
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
    _check_stage_models(cfg, where)


def _check_stage_models(cfg: Config, where: str) -> None:
    """``[qap]`` and ``[tergm]``: the stages and models they name, the covariates they use."""
    if cfg.qap.enabled:
        _check_list(cfg.qap.kinds, "qap.kinds", where, off="[qap] enabled = false")
        if cfg.qap.stages:
            _check_list(cfg.qap.stages, "qap.stages", where)
            unknown = [s for s in cfg.qap.stages if s not in cfg.stages.labels]
            if unknown:
                raise ConfigError(
                    f"{where}: key 'qap.stages' names {_excerpt(unknown[0])}, which is not one "
                    f"of stages.labels ({', '.join(cfg.stages.labels)}); name stages from that "
                    "list, or leave qap.stages empty for every stage.")
    if cfg.tergm.enabled:
        if len(cfg.stages.labels) < 2:
            raise ConfigError(
                f"{where}: [tergm] is enabled but stages.labels has one stage; a temporal "
                "model needs at least 2 stages. Add a stage or set tergm.enabled = false.")
        if not (cfg.tergm.btergm or cfg.tergm.separable):
            raise ConfigError(
                f"{where}: [tergm] is enabled with both tergm.btergm and tergm.separable "
                "false; switch one on, or set tergm.enabled = false.")
    for section in ("qap", "tergm"):
        if getattr(cfg, section).enabled and cfg.input.covariates is None:
            raise ConfigError(
                f"{where}: key 'input.covariates' is required when [{section}] is enabled "
                f"(its regressors are the study's node covariates: a CSV with "
                f"{', '.join(COVARIATE_COLUMNS)}); or set {section}.enabled = false.")


def _check_alphas(cascade: CascadeConfig, where: str) -> None:
    """``cascade.alphas`` (each a tolerance >= 0, none twice) or the start/stop/step grid."""
    why = ("a city's capacity is (1 + alpha) times its initial load, so alpha = 0 leaves no "
           "spare capacity and a negative alpha would make every loaded city fail at once")
    for alpha in cascade.alphas:
        if not 0 <= alpha < 100:
            raise ConfigError(f"{where}: key 'cascade.alphas': every alpha must be in [0, 100), "
                              f"got {_excerpt(alpha)}; {why}.")
    if cascade.alphas:
        _check_list(cascade.alphas, "cascade.alphas", where)
        if len(cascade.alphas) > CASCADE_MAX_ALPHAS:
            raise ConfigError(f"{where}: key 'cascade.alphas' lists {len(cascade.alphas):,} "
                              f"tolerances; give at most {CASCADE_MAX_ALPHAS:,}.")
        return
    if cascade.alpha_stop < cascade.alpha_start:
        raise ConfigError(
            f"{where}: key 'cascade.alpha_stop' ({cascade.alpha_stop:g}) is below "
            f"'cascade.alpha_start' ({cascade.alpha_start:g}); the grid runs from start up to "
            "stop (or list the tolerances in 'cascade.alphas').")
    count = (cascade.alpha_stop - cascade.alpha_start) / cascade.alpha_step + 1
    if count > CASCADE_MAX_ALPHAS:
        raise ConfigError(
            f"{where}: keys 'cascade.alpha_start', 'alpha_stop' and 'alpha_step' give "
            f"{int(count):,} tolerances; give at most {CASCADE_MAX_ALPHAS:,} (a larger "
            "alpha_step).")


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
    _no_nul(str(path), "config file", path=True)
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
