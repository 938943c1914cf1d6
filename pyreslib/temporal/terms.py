"""The formulas of temporal models, validated term by term before any R code exists.

A btergm formula is an ergm right-hand side with btergm's own terms besides ergm's:

- ``memory(type='stability', lag=1)``: the network ``lag`` stages before as a dyadic
  covariate; ``type`` is ``'stability'`` (+1 for a dyad whose state, tie or none, is kept,
  coded as 1 for a tie and -1 for none at t - lag), ``'autoregression'`` (1 for a tie at
  t - lag), ``'innovation'`` (1 for no tie at t - lag) or ``'loss'`` (-1 for a tie at
  t - lag);
- ``timecov(x='proximity', minimum=1, maximum=T, transform='identity')``: a time trend f(t)
  for the stages minimum..maximum (0 elsewhere), alone or times an edge covariate ``x``;
  ``transform`` names f from :data:`TRANSFORMS` (btergm takes an R function; pyreslib builds
  it from the name, never from text);
- ``delrecip(mutuality=FALSE, lag=1)``: delayed reciprocity, directed networks only;
- ``edgecov('name')``: an edge covariate given to the model, one matrix for every stage or
  one per stage (btergm's list of matrices); ``nodecov('name')`` and the other node terms
  read the stage's node covariates.

A separable TERGM (tergm's CMLE) has two formulas, formation and persistence, each an ergm
right-hand side over the same covariates; :func:`split_separable` reads tergm's own
``Form(~...) + Persist(~...)`` text into the two.

The temporal terms' table (:data:`TEMPORAL_TERMS`) is handed to
:func:`pyreslib.ergm.formula.parse_formula` through its ``extra_terms`` argument, so that
every term, argument and covariate name goes through the one validator.  The R side
(``r/btergm.R``, ``r/tergm.R``) rebuilds each formula as a call object from the validated
terms; nothing a user writes is parsed by R.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pyreslib.ergm.formula import Formula, Term, parse_formula
from pyreslib.ergm.terms import TermSpec
from pyreslib.errors import FormulaError, InputError, excerpt

__all__ = ["LAGGED_TERMS", "MEMORY_TYPES", "TEMPORAL_TERMS", "TRANSFORMS", "BtergmFormula",
           "check_covariate_names", "parse_btergm", "parse_separable", "split_separable"]

MEMORY_TYPES = ("stability", "autoregression", "innovation", "loss")

TRANSFORMS = {
    "identity": "t", "square": "t^2", "cube": "t^3", "sqrt": "sqrt(t)", "log": "log(t)",
    "inverse": "1/t", "exp": "exp(t)",
}
"""timecov transforms: name -> f(t) (``r/btergm.R`` builds ``function(t) <f>`` from the name)."""

TEMPORAL_TERMS: dict[str, TermSpec] = {
    "memory": TermSpec((("type", "str"), ("lag", "count"))),
    "timecov": TermSpec((("x", "edgecov"), ("minimum", "count"), ("maximum", "count"),
                         ("transform", "str"))),
    "delrecip": TermSpec((("mutuality", "bool"), ("lag", "count")), directed=True),
    # btergm reads edgecov(x) as a list of matrices, one per stage: no attrname
    "edgecov": TermSpec((("x", "edgecov"),)),
    "dyadcov": TermSpec((("x", "edgecov"),)),
}
"""btergm's terms beside ergm's (argument order as btergm declares them)."""

LAGGED_TERMS = ("memory", "delrecip")
"""Terms that read an earlier stage: with them btergm drops the first ``lag`` stages."""

_CURVED = {"gwesp", "gwdsp", "gwnsp", "dgwesp", "gwdegree", "gwidegree", "gwodegree",
           "altkstar"}
# btergm finds its own terms by searching the formula's text (tergmprepare): a covariate
# named like one of them, or a string with a bracket or '+', would be misread.
_BTERGM_WORDS = ("memory", "delrecip", "timecov", "edgecov", "dyadcov")
# names btergm and pyreslib use for objects of their own in the formula's environment
_RESERVED = {"networks", "memory", "delrecip", "offsmat", "i", "form", "l", "pyreslib_absent",
             "TRUE", "FALSE", "T", "F", "NULL", "NA", "Inf", "NaN", "c", "offset"}
_R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


def check_covariate_names(names: Iterable[str], what: str) -> None:
    """Covariate names must be R names that neither pyreslib's nor btergm's own objects use
    (``networks``, ``memory``, ``offsmat``, ``pyreslib_absent``, ...) and that btergm's
    reading of the formula cannot mistake for its terms."""
    for name in names:
        if not isinstance(name, str) or not _R_NAME.match(name) or name in _RESERVED:
            raise InputError(f"{what}: {excerpt(str(name), 40)} cannot be a covariate name; use "
                             "letters, digits, '.' and '_', starting with a letter, and none "
                             f"of {sorted(_RESERVED - {'TRUE', 'FALSE', 'T', 'F'})}.")
        hit = next((w for w in _BTERGM_WORDS if w in name.lower()), None)
        if hit:
            raise InputError(f"{what}: the name {name!r} contains {hit!r}, which btergm reads "
                             "as its own term wherever it appears in a formula; rename it.")


@dataclass(frozen=True)
class BtergmFormula:
    """A validated btergm formula: its terms, and the lag of its lagged terms (0: none)."""

    formula: Formula
    lag: int

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.formula.terms

    def render(self) -> str:
        return self.formula.render()


def _arg(term: Term, name: str, position: int, default):
    for key, value in term.kwargs:
        if key == name:
            return value
    return term.args[position] if len(term.args) > position else default


def parse_btergm(text: str, *, node_covariates: Iterable[str], edge_covariates: Iterable[str],
                 directed: bool, stages: int) -> BtergmFormula:
    """Validate a btergm right-hand side for ``stages`` stages.

    Raises :class:`~pyreslib.errors.FormulaError` for an unknown term, a wrong argument, a
    covariate not given, a directed-only term on undirected networks; a lag beyond the
    stages, a ``memory`` type or ``timecov`` transform btergm does not know, a curved term
    without ``fixed=TRUE`` (the pseudolikelihood cannot estimate its decay), ``offset()``
    (btergm adds its own) and fewer than two terms (btergm needs two).

    Examples
    --------
    >>> parsed = parse_btergm("edges + edgecov('proximity') + memory(type='loss', lag=2)",
    ...                       node_covariates=[], edge_covariates=["proximity"],
    ...                       directed=False, stages=3)
    >>> [t.name for t in parsed.terms], parsed.lag
    (['edges', 'edgecov', 'memory'], 2)
    >>> parse_btergm("edges + memory(lag=3)", node_covariates=[], edge_covariates=[],
    ...              directed=False, stages=3)
    Traceback (most recent call last):
    ...
    pyreslib.errors.FormulaError: btergm formula: memory(lag=3): lag=3 with 3 stages; a lagged term reads the network 3 stage(s) before, which the first stage(s) do not have, so the lag must be from 1 to 2 (the number of stages minus one).
    """
    formula = parse_formula(text, node_covariates=node_covariates,
                            edge_covariates=edge_covariates, directed=directed,
                            extra_terms=TEMPORAL_TERMS)
    lags = []
    for term in formula.terms:
        where = f"btergm formula: {term.render()}"
        if term.offset:
            raise FormulaError(f"{where}: offset() terms are not supported by btergm (it adds "
                               "its own offset for structural zeros); leave it out.")
        for value in [*term.args, *(v for _, v in term.kwargs)]:
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, str) and (re.search(r"[()+]", item) or any(
                        w in item.lower() for w in _BTERGM_WORDS)):
                    raise FormulaError(f"{where}: the string {item!r} holds a bracket, '+' or "
                                       "a btergm term's name, which btergm's reading of the "
                                       "formula would misread; rename the level or covariate.")
        if term.name in _CURVED and _arg(term, "fixed", 1, False) is not True:
            raise FormulaError(f"{where}: a curved term needs fixed=TRUE in a btergm (the "
                               "pseudolikelihood does not estimate its decay), e.g. "
                               f"{term.name}(0.5, fixed=TRUE).")
        if term.name == "memory":
            kind = _arg(term, "type", 0, "stability")
            if kind not in MEMORY_TYPES:
                raise FormulaError(f"{where}: type={kind!r}; btergm's memory types are "
                                   f"{', '.join(map(repr, MEMORY_TYPES))}.")
        if term.name in LAGGED_TERMS:
            lag = int(_arg(term, "lag", 1, 1))
            if lag < 1 or lag > stages - 1:
                raise FormulaError(
                    f"{where}: lag={lag} with {stages} stages; a lagged term reads the network "
                    f"{lag} stage(s) before, which the first stage(s) do not have, so the lag "
                    f"must be from 1 to {stages - 1} (the number of stages minus one).")
            lags.append(lag)
        if term.name == "timecov":
            transform = _arg(term, "transform", 3, "identity")
            if transform not in TRANSFORMS:
                raise FormulaError(f"{where}: transform={transform!r}; choose one of "
                                   f"{', '.join(map(repr, TRANSFORMS))} (f(t) = "
                                   f"{', '.join(TRANSFORMS.values())}).")
            low, high = int(_arg(term, "minimum", 1, 1)), int(_arg(term, "maximum", 2, stages))
            if not 1 <= low <= high <= stages:
                raise FormulaError(f"{where}: minimum={low}, maximum={high}; give stages "
                                   f"1 <= minimum <= maximum <= {stages}.")
    if len(set(lags)) > 1:
        raise FormulaError(f"btergm formula: lagged terms with different lags {sorted(set(lags))}"
                           "; btergm aligns every covariate to the shortest series, so use one "
                           "lag.")
    if len(formula.terms) < 2:
        raise FormulaError(f"btergm formula {excerpt(text, 60)}: btergm needs at least two "
                           "terms (e.g. edges + memory()).")
    return BtergmFormula(formula, lags[0] if lags else 0)


# ---- separable TERGM ---------------------------------------------------------------------------

_OPERATOR = re.compile(r"\s*(Form|Persist)\s*\(\s*~")


def split_separable(text: str) -> dict[str, str]:
    """tergm's ``Form(~...) + Persist(~...)`` as ``{"formation": ..., "persistence": ...}``.

    Examples
    --------
    >>> split_separable("Form(~edges + nodecov('gdp')) + Persist(~edges)")
    {'formation': "edges + nodecov('gdp')", 'persistence': 'edges'}
    """
    if not isinstance(text, str):
        raise FormulaError(f"tergm formula must be a string, got {type(text).__name__}.")
    parts: dict[str, str] = {}
    pos = 0
    while True:
        match = _OPERATOR.match(text, pos)
        if not match:
            raise FormulaError(f"tergm formula {excerpt(text, 60)}: expected Form(~...) or "
                               f"Persist(~...) at position {pos}.")
        start, depth, quote, k = match.end(), 1, None, match.end()
        while k < len(text) and depth:
            ch = text[k]
            if quote:
                quote = None if ch == quote and text[k - 1] != "\\" else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            k += 1
        if depth:
            raise FormulaError(f"tergm formula {excerpt(text, 60)}: unbalanced brackets in "
                               f"{match.group(1)}(...).")
        key = {"Form": "formation", "Persist": "persistence"}[match.group(1)]
        if key in parts:
            raise FormulaError(f"tergm formula: {match.group(1)}(...) is given twice; put all "
                               "its terms in one.")
        parts[key] = text[start:k - 1].strip()
        rest = text[k:].lstrip()
        if not rest:
            break
        if not rest.startswith("+"):
            raise FormulaError(f"tergm formula {excerpt(text, 60)}: expected '+' after "
                               f"{match.group(1)}(...) at position {len(text) - len(rest)}.")
        pos = len(text) - len(rest) + 1
    missing = [k for k in ("formation", "persistence") if k not in parts]
    if missing:
        raise FormulaError(f"tergm formula {excerpt(text, 60)}: a separable TERGM has a "
                           f"formation and a persistence model; {missing[0]} is missing "
                           "(Form(~...) + Persist(~...)).")
    return {"formation": parts["formation"], "persistence": parts["persistence"]}


def parse_separable(formation: str, persistence: str, *, node_covariates: Iterable[str],
                    edge_covariates: Iterable[str], directed: bool) -> dict[str, Formula]:
    """The formation and persistence formulas, each validated as an ergm right-hand side
    (no ``offset()``: pyreslib adds the structural zeros' offset itself)."""
    out = {}
    node_covariates, edge_covariates = list(node_covariates), list(edge_covariates)
    for model, text in (("formation", formation), ("persistence", persistence)):
        formula = parse_formula(text, node_covariates=node_covariates,
                                edge_covariates=edge_covariates, directed=directed)
        for term in formula.terms:
            if term.offset:
                raise FormulaError(f"{model} formula: {term.render()}: offset() terms are not "
                                   "taken here (pyreslib adds the offset for structural "
                                   "zeros); leave it out.")
        out[model] = formula
    return out
