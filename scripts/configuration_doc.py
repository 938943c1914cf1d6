"""Write docs/configuration.md from the configuration's own definitions.

    .venv/bin/python scripts/configuration_doc.py           # from the checkout: writes the file
    .venv/bin/python scripts/configuration_doc.py --check   # exit 1 when the file is stale

Defaults, types, allowed values and ranges come from the dataclasses of
:mod:`pyreslib.config` (their defaults and field metadata), the complete example file from
:data:`pyreslib.config.EXAMPLE_TOML`, the section summaries from the dataclasses' docstrings,
and the built-in models and covariate names from those the config is validated against
(:mod:`pyreslib.config.loading`).  What each key means is written once, in :data:`MEANINGS`
below; the generator refuses a key without a meaning, or a meaning of a key that no longer
exists, so the reference can neither miss a key nor keep a dead one.  ``tests/test_docs.py`` checks that the file equals
what :func:`configuration_markdown` gives today: a changed default fails it until this script
is run again.

Only the :mod:`pyreslib.config` package and the standard library are imported, so the
reference needs no R and no analysis code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import tomllib
import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path

# The covariate names a config is checked against, as the config's own validation sees them.
from pyreslib import config, study

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
COMMAND = ".venv/bin/python scripts/configuration_doc.py"

# What each key means, in the words a user of the key needs.  Defaults, types and ranges are
# not repeated here: the tables take them from the dataclasses.
MEANINGS: dict[str, str] = {
    "title": "Title of the report and of `results.json`.",
    "seed": "Seed of every random step (Infomap, random removal orders, ERGM fits and their "
            "goodness of fit): the same config and seed give a byte-identical `results.json`, "
            "whatever the number of workers.",
    "input.patents": "The patent export, **required**: CSV/TSV/XLSX/XLS in UTF-8 (with or "
                     "without BOM), GBK or GB18030; relative to the config file.",
    "input.covariates": "City covariates of the ERGM, required while `[ergm]` is enabled: a "
                        "long table with the columns {covariate_columns}; relative to the "
                        "config file.",
    "input.applicant_cities": "Your table of applicant → city, for applicants the export "
                              "gives no address for: a CSV or XLSX with the columns "
                              "`applicant,city` (`city`: a name, short name or adcode). It "
                              "comes after the applicant's own address and before a city in "
                              "the name or the institutions list; a filled-in "
                              "`ingest/unresolved_applicants.csv` is one. Relative to the "
                              "config file; command line: `--applicant-cities FILE` "
                              "([data.md](data.md#applicants-without-an-address)).",
    "input.columns": "Your header for a column role (`patent_id`, `date`, `applicants`, "
                     "`addresses`, `cities`) when it is not one pyreslib recognises, e.g. "
                     "`{{ applicants = \"权利人\" }}`.",
    "input.encoding": "Text encoding of the patent file (e.g. `\"gb18030\"`) when detection "
                      "should not decide.",
    "input.sheet": "Excel sheet: a name, or a 0-based number written as a string (`\"0\"`).",
    "input.header_row": "The spreadsheet row (1-based) that holds the headers, when a title "
                        "stands above them; rows keep their spreadsheet numbers in every message.",
    "input.lenient_quotes": "`false`: a CSV cell whose quote never closes is a data error naming "
                            "the first broken row; `true`: its lines are joined into the cell and "
                            "the ingest report counts and lists them.",
    "input.prefecture_level_only": "Resolve applicants only to the 337 prefecture-level units: "
                                   "a county-level unit such as 仙桃 stays unresolved.",
    "input.on_unresolved": "`\"skip_applicant\"`: a patent counts among its resolved "
                           "applicants; `\"skip_patent\"`: a patent with any unresolved "
                           "applicant is left out. Either way every unresolved applicant is "
                           "counted and listed in `unresolved.csv`, and each unresolved name "
                           "once in `unresolved_applicants.csv`.",
    "input.name_fallback": "Place an applicant that has no address from its name: one "
                           "prefecture-level city written in it, or the institution of "
                           "higher education it is or begins with (吉林大学第一医院 → 长春; "
                           "docs/method.md, section 1).",
    "input.synthetic": "Marks the input as invented data: the report and every output then "
                       "carry a \"SYNTHETIC DEMO DATA\" notice.",
    "stages.labels": "The stages, as year ranges `\"YYYY-YYYY\"` (at least one).",
    "stages.threshold": "Minimum joint patents of a city pair kept as an edge of a stage "
                        "network; the pairs left out are counted in the stage summary.",
    "metrics.weighted": "Weighted path lengths, clustering and centralities (pair counts as "
                        "weights) instead of binary ones.",
    "metrics.cumulative_degree_distribution": "Fit the complementary cumulative degree "
                                              "distribution P(K ≥ k) instead of P(K = k).",
    "communities.trials": "Infomap runs per stage; the seed is the top-level `seed`.",
    "resilience.preset": "The network resilience index: `\"study\"` the reference study's "
                         "three dimensions, `\"four_dimensions\"` the four-dimension index.",
    "resilience.weights": "Weights of the index's indicators: entropy weights or equal ones.",
    "resilience.normalisation": "How indicators are normalised before they are weighted: "
                                "min-max or logistic.",
    "resilience.floor": "Share added after min-max normalisation, so that a stage worst on "
                        "every indicator does not score 0; the default is the study preset's "
                        "(D = 0.01 for such a stage); set 0.01 with `\"four_dimensions\"`.",
    "resilience.node_weights": "Weights of the node resilience indicators.",
    "resilience.node_normalisation": "`\"within_stage\"`, or `\"pooled\"` over the stages "
                                     "compared, so that node scores are comparable from stage "
                                     "to stage.",
    "resilience.top_nodes": "Cities listed per stage in the node resilience tables.",
    "robustness.enabled": "Compute robustness under failure and attack.",
    "robustness.strategies": "Removal orders: random failure, targeted attacks on the highest "
                             "degree or betweenness (at least one while enabled).",
    "robustness.repeats": "Random removal orders per stage.",
    "robustness.recalculate": "Recompute degree or betweenness on the remaining network after "
                              "every removal (adaptive attack); `false` uses the initial "
                              "values.",
    "spatial.enabled": "Test whether each quantity is clustered in space, per stage: Moran's "
                       "I, Geary's C, local Moran (LISA) clusters and Getis-Ord Gi* hot spots "
                       "(docs/method.md, section 10).",
    "spatial.weights": "Which cities are neighbours: `\"queen\"` those sharing a land border, "
                       "`\"knn\"` the `k` nearest city seats, `\"distance\"` those within "
                       "`cutoff_km`, weighted 1/d^`power`. Cities left without a neighbour "
                       "are kept and named in a note.",
    "spatial.k": "Neighbours per city with `weights = \"knn\"` (at most the stage's cities "
                 "minus one; a stage with fewer cities is skipped with a note).",
    "spatial.cutoff_km": "Distance band in km (great circle between city seats) with "
                         "`weights = \"distance\"`.",
    "spatial.power": "With `weights = \"distance\"`: weights 1/d^power (0: every city within "
                     "the band counts the same).",
    "spatial.style": "`\"W\"`: each city's weights sum to 1 (its lag is its neighbours' mean); "
                     "`\"B\"`: the weights as built.",
    "spatial.permutations": "Random relabellings for the permutation p-values of Moran's I "
                            "and Geary's C.",
    "spatial.local_permutations": "Conditional permutations of the LISA. No pseudo p-value is "
                                  "below 1/(local_permutations + 1), so with `adjust` over "
                                  "~250 cities 999 permutations can call no city significant; "
                                  "9999 can.",
    "spatial.adjust": "Multiple-testing adjustment of the local p-values (LISA and Gi*) over "
                      "the cities of a stage: `\"fdr\"` (Benjamini-Hochberg), "
                      "`\"bonferroni\"` or `\"none\"` (spdep's and GeoDa's default, which "
                      "expects ~5 % of the cities to look significant by chance).",
    "spatial.alpha": "Significance level of the global verdict, the LISA clusters and the "
                     "Gi* hot and cold spots.",
    "spatial.quantities": "The per-city quantities tested: node resilience and the "
                          "centralities (at least one while enabled).",
    "cascade.enabled": "Simulate Motter-Lai cascading failures: the load of a city is its "
                       "betweenness, its capacity (1 + alpha) times its initial load "
                       "(docs/method.md, section 5).",
    "cascade.alphas": "The tolerances alpha >= 0 tried; empty: the grid from `alpha_start` to "
                      "`alpha_stop` by `alpha_step`.",
    "cascade.alpha_start": "First tolerance of the grid (when `alphas` is empty).",
    "cascade.alpha_stop": "Last tolerance of the grid (at least `alpha_start`).",
    "cascade.alpha_step": "Step of the grid.",
    "cascade.triggers": "The first city removed: the top city by degree, by betweenness, or "
                        "`repeats` random cities (at least one while enabled).",
    "cascade.repeats": "Random trigger cities per stage (at most the stage's cities; a "
                       "smaller stage triggers every city once, with a note).",
    "cascade.threshold": "A cascade is large when it shrinks the giant component by more "
                         "than this share of its size right after the trigger; the critical "
                         "alpha is the smallest tolerance from which on none is large.",
    "cascade.workers": "Processes running trigger cities at the same time (0: in this "
                       "process); the results are the same whatever the number.",
    "richclub.enabled": "Compute the rich-club coefficient of every stage against "
                        "degree-preserving rewirings (Colizza et al. 2006).",
    "richclub.nulls": "Rewired networks (null draws) per stage.",
    "richclub.swaps_per_link": "Double-edge swaps per link in each rewiring (networkx's Q).",
    "richclub.level": "Coverage of the null band drawn around the null mean.",
    "richclub.workers": "Processes rewiring at the same time (0: in this process); the "
                        "results are the same whatever the number.",
    "core.enabled": "Compute the k-core decomposition: each city's coreness, the shells and "
                    "the main core of every stage.",
    "qap.enabled": "Run QAP correlations and MRQAP (R's `sna`) on the stage networks, with the "
                   "ERGM's covariates as regressors (needs R and the covariates file).",
    "qap.kinds": "The MRQAP models: `\"lm\"` (sna's netlm, OLS on the collaboration counts) and "
                 "`\"logit\"` (netlogit on the ties).",
    "qap.transform": "The response of `\"lm\"`: the counts as they are (`\"raw\"`) or "
                     "log(1 + count) (`\"log1p\"`, which tames the largest pairs).",
    "qap.null": "The permutation null of every coefficient: `\"qapspp\"` Dekker's "
                "semi-partialling plus (robust to collinear regressors), `\"qapy\"` permuting "
                "the response (about 6 times faster), `\"qapx\"` permuting the regressor, "
                "`\"classical\"` no permutations (t tests).",
    "qap.reps": "Permutations per coefficient and per correlation, seeded by the run's seed "
                "(with qapspp each coefficient has its own; 1,000 on the 257-city stage take "
                "about 16 minutes).",
    "qap.node_form": "How a node covariate becomes a dyadic regressor: `\"sum\"` x_i + x_j "
                     "(ergm's nodecov) or `\"absdiff\"` |x_i - x_j|.",
    "qap.threshold": "A pair is a tie of the `\"logit\"` model when its collaborations are at "
                     "least this.",
    "qap.stages": "The stages modelled, by label (empty: every stage).",
    "qap.correlations": "Also test the QAP correlation of consecutive stages' counts (on the "
                        "cities both hold) and of each stage's counts with proximity and "
                        "adjacency.",
    "tergm.enabled": "Fit temporal models over the stages (R's `btergm` and `tergm`, on R "
                     "workers of their own); needs at least 2 stages and the covariates file.",
    "tergm.btergm": "Fit the TERGM over the stages pooled by bootstrapped MPLE (btergm), with the "
                    "study's covariates, memory and a time trend.",
    "tergm.replicates": "btergm's bootstrap replicates R (percentile intervals), seeded by the "
                        "run's seed.",
    "tergm.memory": "The memory term, btergm's `memory(type=...)`: `\"stability\"` (a tie or a "
                    "non-tie kept), `\"autoregression\"` (the previous tie), `\"innovation\"`, "
                    "`\"loss\"`.",
    "tergm.timecov": "Add btergm's `timecov()`, a linear trend over the stages.",
    "tergm.node_set": "Cities absent from a stage: structural zeros of the union of the "
                      "stages' cities (`\"union\"`) or btergm's label-based adjustment "
                      "(`\"adjust\"`); docs/method.md.",
    "tergm.workers": "R processes running btergm's bootstrap (the results do not depend on it).",
    "tergm.separable": "Fit tergm's separable TERGM by CMLE over consecutive stages: which "
                       "effects drive formation, which drive persistence.",
    "ergm.enabled": "Fit ERGMs (needs R; `--no-ergm` switches it off for one run).",
    "ergm.models": "The models fitted to every stage, in this order (at least one on while "
                   "enabled).",
    "ergm.mcmc_profile": "statnet's MCMC settings of the dyad-dependent fits: `\"sized\"` "
                         "(Hummel stopping rule, fixed sample, interval growing with the "
                         "network's dyads), `\"hummel\"` (the same rule, adaptive sample "
                         "size), `\"fast\"` (fixed sample at ergm's default interval) or "
                         "`\"default\"` (statnet's own `control.ergm`); docs/method.md, "
                         "\"MCMC settings\".",
    "ergm.workers": "R processes fitting stages and models at the same time (0: one after "
                    "another in this process); the results are the same whatever the number.",
    "ergm.pooled": "The model fitted to all stages at once (ergm.multi) to test whether its "
                   "effects changed between stages; `\"\"` for none; not a model with "
                   "`edgecov('{memory}')`.",
    "ergm.gof_nsim": "Networks simulated per goodness of fit.",
    "ergm.mcmc_samplesize": "MCMC sample per MCMC-MLE iteration (memory grows with it); 0 "
                            "keeps ergm's default, 1024.",
    "ergm.threshold": "Minimum joint patents of a city pair counted as a tie in the ERGMs.",
    "ergm.hosts": "Machines that run the MCMC chains of every dyad-dependent stage fit, one "
                  "chain per entry (a host listed twice runs two), over ssh in batch mode; "
                  "R and pyreslib's R library must sit at this machine's paths there. Each "
                  "fit's chains are driven by the worker that runs it, so `workers` fits use "
                  "the hosts at once; the fits equal those on as many local workers with the "
                  "same seed. Empty: the chains run in the fit's own R process "
                  "([python.md](python.md#running-on-a-cluster)).",
    "ergm.ssh_config": "The OpenSSH client configuration file ssh reads for the hosts (user "
                       "names, keys, ports, known hosts, jump hosts), relative to the config "
                       "file.",
    "covariates.log": "Take the natural log of each city's stage mean of each node covariate "
                      "(the mean over the stage's years the covariates file gives); every "
                      "stage mean of a city of the networks must then be positive, which is "
                      "checked right after ingest, before any other step "
                      "([method.md](method.md#6-ergm-how-ties-form)).",
    "covariates.standardise": "Z-score the node covariates across each stage's cities and "
                              "proximity across its pairs, so that coefficients are per "
                              "standard deviation and `edges` is the log-odds of a tie between "
                              "average cities at average proximity; `false` keeps the stage "
                              "means (logged or not) and -ln km as they are.",
    "figures.enabled": "Draw the figures (maps, rankings, curves, MCMC and goodness-of-fit "
                       "plots).",
    "figures.dpi": "Resolution of the PNG figures (a 600 dpi map is already 7,000 px wide).",
    "figures.classes": "Natural-break classes on the maps.",
    "figures.top_n": "Cities per ranking panel.",
    "figures.label_cities": "City names written on each map.",
    "output.folder": "Output folder when the command line gives no `--out`; relative to the "
                     "config file.",
    "output.allow_outside": "May that folder (from this file) lie outside the working "
                            "directory? A folder named with `--out` is always allowed "
                            "(docs/security.md).",
    "output.significant_digits": "Significant digits of every float in `results.json`, which "
                                 "makes it byte-identical across processes and machines.",
}

# What a key left unset (None) means: a None default is not a value a user could write.
UNSET: dict[str, str] = {
    "input.patents": "none (required)",
    "input.covariates": "none",
    "input.applicant_cities": "none",
    "input.encoding": "detected",
    "input.sheet": "the first sheet",
    "input.header_row": "detected (the first row)",
    "ergm.pooled": "`\"study\"` when it is fitted, else none",
    "ergm.ssh_config": "ssh's own (`~/.ssh/config`)",
    "output.folder": "none (`--out` is then required)",
}

_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean",
               Path: "path (string)"}


# ----------------------------------------------------------------------------------------------
# reading the config's own definitions
# ----------------------------------------------------------------------------------------------


def _sections() -> list[tuple[str | None, type]]:
    """(section name or None for the top level, dataclass), in the order of ``Config``."""
    found: list[tuple[str | None, type]] = [(None, config.Config)]
    hints = typing.get_type_hints(config.Config)
    for f in fields(config.Config):
        if is_dataclass(hints[f.name]) and not f.metadata.get("internal"):
            found.append((f.name, hints[f.name]))
    return found


def _keys(cls: type) -> list[tuple[str, typing.Any, typing.Any]]:
    """(name, field, type) of the plain keys of a section (sub-sections and internals left out)."""
    hints = typing.get_type_hints(cls)
    return [(f.name, f, hints[f.name]) for f in fields(cls)
            if not f.metadata.get("internal") and not is_dataclass(hints[f.name])]


def _full(section: str | None, name: str) -> str:
    return f"{section}.{name}" if section else name


def _all_keys() -> list[str]:
    return [_full(section, name) for section, cls in _sections() for name, _, _ in _keys(cls)]


def _check_coverage() -> None:
    keys = _all_keys()
    missing = [k for k in keys if k not in MEANINGS]
    dead = [k for k in MEANINGS if k not in keys]
    if missing or dead:
        raise SystemExit(
            f"scripts/configuration_doc.py: MEANINGS must describe every config key once; "
            f"missing: {missing or 'none'}; not in pyreslib.config: {dead or 'none'}.")
    unset = {_full(s, n) for s, cls in _sections() for n, f, _ in _keys(cls)
             if f.default is None}
    if unset != set(UNSET):
        raise SystemExit(
            "scripts/configuration_doc.py: UNSET must say what each key that defaults to None "
            f"means; keys defaulting to None: {sorted(unset)}; described: {sorted(UNSET)}.")


def _summary(cls: type) -> str:
    """The first sentence of a section's docstring, its ``[section]:`` prefix dropped."""
    first = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
    first = " ".join(first.split())
    first = re.sub(r"^``\[[a-z.]+\]``:\s*", "", first)
    return _markdown(first[:1].upper() + first[1:])


def _markdown(text: str) -> str:
    """reStructuredText inline markup as Markdown: ``x`` and :role:`x` become `x`."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


# ----------------------------------------------------------------------------------------------
# rendering values
# ----------------------------------------------------------------------------------------------


def _toml(value: typing.Any) -> str:
    """A value as it is written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def _default(f: typing.Any, key: str) -> str:
    if f.default is not MISSING:
        value = f.default
    else:
        value = f.default_factory()
    if value is None:
        return UNSET[key]
    return f"`{_toml(value)}`"


def _type(tp: typing.Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _type(inner[0])
    if origin is list:
        return f"array of {_type(typing.get_args(tp)[0])}s"
    if origin is dict:
        value = typing.get_args(tp)[1]
        return "table of strings" if value is str else "table"
    return _TYPE_NAMES.get(tp, str(tp))


def range_text(key: str, meta: typing.Mapping[str, typing.Any]) -> str:
    """The range of a bounded number, as the config's error messages state it."""
    low, high = meta["bounds"]
    name = key.rpartition(".")[2]
    if meta["below_high"]:
        text = f"{low:g} <= {name} < {high:g}"
    else:
        text = f"{low:,} to {high:,}"
    if meta["zero"]:
        text = f"0 ({meta['zero']}) or {text}"
    return text


def _allowed(key: str, f: typing.Any, tp: typing.Any) -> str:
    meta = f.metadata
    if meta.get("models"):
        builtin = ", ".join(f"`{n}`" for n in config.BUILTIN_MODELS)
        return (f"{builtin}: `true` or `false`; any other name: an ERGM formula (see "
                "[Models](#models))")
    if "bounds" in meta:
        return range_text(key, meta)
    choices = meta.get("choices")
    if choices:
        listed = ", ".join(f"`{_toml(c)}`" for c in choices)
        if typing.get_origin(tp) is list:
            return f"each of {listed}, none twice"
        return listed
    if key == "stages.labels":
        return "`\"YYYY-YYYY\"` each, none twice"
    if key == "cascade.alphas":
        return "each 0 <= alpha < 100, none twice, at most 1,001"
    if key == "ergm.pooled":
        return "a fitted model's name, or `\"\"`"
    if _type(tp).startswith("path"):
        return "an existing file"
    return ""


# ----------------------------------------------------------------------------------------------
# the document
# ----------------------------------------------------------------------------------------------


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of a TOML line; a ``#`` inside a string is not a comment."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def annotated_example() -> str:
    """:data:`pyreslib.config.EXAMPLE_TOML` with each bounded number's range in its comment.

    Every key of the example must be a key of the config: the example cannot drift from it."""
    known = {section: {name: f for name, f, _ in _keys(cls)} for section, cls in _sections()}
    section: str | None = None
    lines = []
    for line in config.EXAMPLE_TOML.splitlines():
        code, comment = _split_comment(line)
        header = re.fullmatch(r"\[([a-z_.]+)\]", code)
        if header:
            section = header.group(1)
            lines.append(line)
            continue
        assignment = re.fullmatch(r"([a-z_]+)\s*=.*", code)
        if not assignment or section == "ergm.models":
            lines.append(line)
            continue
        name = assignment.group(1)
        if section not in known or name not in known[section]:
            raise SystemExit(f"scripts/configuration_doc.py: EXAMPLE_TOML has key "
                             f"{_full(section, name)!r}, which pyreslib.config does not define.")
        meta = known[section][name].metadata
        if "bounds" not in meta:
            lines.append(line)
            continue
        bound = range_text(_full(section, name), meta)
        lines.append(f"{line}; {bound}" if comment else f"{code:<28} # {bound}")
    return "\n".join(lines)


def _example_keys() -> set[str]:
    """The keys :data:`pyreslib.config.EXAMPLE_TOML` sets (commented-out lines left out)."""
    data = tomllib.loads(config.EXAMPLE_TOML)
    found = set()
    for section, cls in _sections():
        table = data if section is None else data.get(section, {})
        found |= {_full(section, name) for name, _, _ in _keys(cls) if name in table}
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section_table(section: str | None, cls: type) -> list[str]:
    names = {"covariate_columns": ", ".join(f"`{c}`" for c in study.COVARIATE_COLUMNS),
             "memory": study.MEMORY_COVARIATE}
    rows = ["| Key | Default | Type | Allowed | Meaning |", "|---|---|---|---|---|"]
    for name, f, tp in _keys(cls):
        key = _full(section, name)
        rows.append("| " + " | ".join(_cell(c) for c in (
            f"`{name}`", _default(f, key), _type(tp), _allowed(key, f, tp),
            MEANINGS[key].format(**names))) + " |")
    return rows


MINE = "mine = \"edges + nodecov('education') + edgecov('proximity') + gwesp(0.5, fixed=TRUE)\""
FORMULA_ERROR = [
    "run.toml: key 'ergm.models.mine': ERGM formula \"edges + nodecov('gdp')\": argument 'attr' of",
    "nodecov() ... names node covariate 'gdp', which was not given; available: [...]",
]


def _paragraph(text: str) -> str:
    return textwrap.fill(text, width=96, break_long_words=False, break_on_hyphens=False)


def _models_section() -> str:
    node = ", ".join(f"`{c}`" for c in study.FORMULA_NODE_COVARIATES)
    edge = ", ".join(f"`{c}`" for c in study.FORMULA_EDGE_COVARIATES)
    memory = f"`edgecov('{study.MEMORY_COVARIATE}')`"
    builtin = "\n".join(f"| `{name}` | `{formula}` |"
                         for name, formula in config.BUILTIN_MODELS.items())
    return "\n\n".join([
        "## Models",
        _paragraph(
            "`[ergm.models]` lists the models fitted to every stage, in order. A built-in name "
            "takes `true` or `false`; any other name (a letter, then letters, digits, `_` or "
            f"`-`, at most {config.MODEL_NAME_LENGTH} characters: it names files) takes an ERGM "
            "formula of your own:"),
        f"```toml\n[ergm.models]\nstudy = true\nextended = true\n{MINE}\n```",
        _paragraph(f"The built-in models ({memory}, the previous stage's tie, is left out of "
                   "the first stage's formula):"),
        "| Name | Formula |\n|---|---|\n" + builtin,
        _paragraph(
            f"A formula may use the covariates every run provides: node covariates {node} (the "
            "covariates file's `gdp_per_capita`, `education_spending` and `st_spending`, "
            f"averaged over the stage, logged and z-scored) and edge covariates {edge} (-ln km, "
            "z-scored; a shared border; the previous stage's tie), with ergm's terms "
            "([ergm-formulas.md](ergm-formulas.md)). It is checked term by term when the "
            "config is read, and an error names the key and the bad term:"),
        "\n".join(["```text", *FORMULA_ERROR, "```"]),
        _paragraph(
            "An offset term needs fixed coefficients, which a config cannot give: fit such a "
            "model from Python. The older form `models = [\"study\", \"extended\"]` (built-in "
            "names only) still works. `[ergm] pooled` names the model fitted to all stages at "
            f"once; it must be a fitted model without {memory}, which the first stage lacks."),
    ]) + "\n"


INTRO = """\
# Configuration reference

<!-- Generated by scripts/configuration_doc.py from pyreslib/config/; do not edit by hand.
     After changing a default, a range or EXAMPLE_TOML, run: {command} -->

`pyreslib run CONFIG.toml` reads a TOML file with one table per step of the analysis, plus
`title` and `seed` at the top. Every key is optional except `input.patents` (and
`input.covariates` while `[ergm]` is enabled); a key left out takes its default below.
`data/demo/demo.toml` is the demo's config.

- **Strict.** An unknown key, a value of the wrong type, a value outside its allowed set or
  range and a file that does not exist are each an error that names the file and the key,
  before any work starts, so a typo is a message and not a changed result or a memory error
  an hour later:

  ```text
  demo.toml: unknown key 'ergm.gof_nsims' (did you mean 'ergm.gof_nsim'?); keys allowed in
  [ergm]: enabled, models, mcmc_profile, workers, pooled, gof_nsim, mcmc_samplesize,
  threshold, hosts, ssh_config
  ```

- **Lists** may not repeat an item, and may not be empty where a step is on
  (`robustness.strategies` while robustness is enabled, `ergm.models` while the ERGM step is).
- **Paths** are relative to the folder holding the config file, so a project folder can be
  moved as a whole.
- Messages quote at most a short excerpt of a long value. A config saved with a UTF-8 byte
  order mark (as Windows Notepad does) reads like one without; one saved as UTF-16 is an
  error that says so.

## A complete file

{example_intro}

```toml
{example}
```
"""


def configuration_markdown() -> str:
    """The text of docs/configuration.md, from the config's definitions as they are now."""
    _check_coverage()
    absent = [f"`{key}`" for key in _all_keys() if key not in _example_keys()]
    but = f" but {', '.join(absent[:-1])} and {absent[-1]}" if len(absent) > 1 else (
        f" but {absent[0]}" if absent else "")
    intro = (f"Every key{but}, at the value "
             "of `pyreslib.config.EXAMPLE_TOML`, each number with its range:")
    parts = [INTRO.format(command=COMMAND, example=annotated_example(),
                          example_intro=_paragraph(intro))]
    for section, cls in _sections():
        title = "## Top level" if section is None else f"## `[{section}]`"
        summary = ("Keys outside any table." if section is None else _summary(cls))
        parts.append("\n".join([title, "", summary, "", *_section_table(section, cls), ""]))
    parts.append(_models_section())
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when docs/configuration.md is stale")
    args = parser.parse_args(argv)
    text = configuration_markdown()
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        if current != text:
            print(f"{DOC} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
