"""Parse and validate ERGM formulas, constraints and proposal hints before any R code exists.

A formula is the right-hand side of an ``ergm`` model in statnet's own term syntax::

    edges + nodecov('gdp') + edgecov('distance') + gwesp(0.25, fixed=TRUE)
    edges + nodematch('Race', diff=TRUE, levels=-c(1, 4))
          + offset(nodematch('Race', diff=TRUE, levels=c(1, 4)))

Constraints (``ERGM(constraints=...)``) and proposal hints (``control={"MCMC.prop": ...}``)
are one-sided formulas in the same syntax: ``~bd(maxout=3) + blockdiag('school')``,
``~sparse + .triadic``.

What is accepted (the grammar, all of it)::

    formula  := ['~'] item ('+' item)*          ('~' only for constraints and hints)
    item     := 'offset' '(' term ')' | term    (offset only in model formulas)
    term     := NAME ['(' [arg (',' arg)*] ')']
    arg      := [NAME '='] value
    value    := number | '-' number | string | TRUE | FALSE | T | F | NULL
              | vector | '-' vector | NAME      (a bare NAME only where a covariate or a
                                                 dyad list is named)
    vector   := 'c' '(' scalar (',' scalar)* ')'   (all numbers, all strings or all logicals)

Only names on the allow-lists of :mod:`pyreslib.ergm.terms` are accepted, each argument must
be of the kind that term takes (checked against ergm 4.12's own argument declarations by the
tests), covariate and dyad-list names must exist in the inputs, and a term that needs a
directed (undirected) network is refused on an undirected (directed) one.  Numbers are finite
and below 2^31 in size (ergm's integers are 32-bit).  A formula holds at most
:data:`MAX_TERMS` (256) terms and :data:`MAX_LENGTH` (100,000) characters (docs/ergm-formulas.md,
"Bounds").  Anything else raises :class:`~pyreslib.errors.FormulaError` naming the offending
token and its position; long text is quoted only by an excerpt.  The R side never parses text:
it rebuilds each formula as a call object from the validated terms (``r/model.R``:
``pyreslib_rhs``, which nests long formulas as a balanced tree so that R's recursion over the
'+' chain stays shallow).

The tokeniser and parser of the grammar, with its bounds, are
:mod:`pyreslib.ergm.formula_syntax`'s; the tables of what each term accepts live in
:mod:`pyreslib.ergm.terms`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pyreslib.ergm.formula_syntax import MAX_LENGTH, _Bare, _Context, _is_number, _Parser
from pyreslib.ergm.terms import (
    BINARY_TERMS,
    CONSTRAINTS,
    PROPOSAL_HINTS,
    VALUED_TERMS,
    TermSpec,
)
from pyreslib.errors import FormulaError, excerpt


@dataclass(frozen=True)
class DyadList:
    """A reference, by name, to a dyad list given to the model (``ERGM(dyad_lists=...)``)."""

    name: str


Value = float | int | str | bool | None | tuple | DyadList


@dataclass(frozen=True)
class Term:
    """One validated term: its ergm name, literal arguments (positional, then named), and
    whether it is an ``offset()`` (its coefficient fixed by ``fit(offset_coef=...)``)."""

    name: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    offset: bool = False
    covariates: tuple[str, ...] = field(default=(), compare=False)
    edge_covariates: tuple[str, ...] = field(default=(), compare=False)
    dyad_dependent: bool = field(default=False, compare=False)

    def render(self) -> str:
        """The term in ergm syntax, with canonical quoting (used for display and reports)."""
        parts = [_render_value(v) for v in self.args]
        parts += [f"{k}={_render_value(v)}" for k, v in self.kwargs]
        text = f"{self.name}({', '.join(parts)})" if parts else self.name
        return f"offset({text})" if self.offset else text

    def __str__(self) -> str:
        return self.render()

    @property
    def dyad_lists(self) -> tuple[str, ...]:
        values = list(self.args) + [v for _, v in self.kwargs]
        return tuple(v.name for v in values if isinstance(v, DyadList))


@dataclass(frozen=True)
class Formula:
    """A parsed, validated ERGM right-hand side (or one-sided constraint / hint formula)."""

    terms: tuple[Term, ...]
    one_sided: bool = False  # constraints and hints render with a leading '~'

    def render(self) -> str:
        body = " + ".join(t.render() for t in self.terms)
        return f"~{body}" if self.one_sided else body

    def __str__(self) -> str:
        return self.render()

    @property
    def node_covariates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for t in self.terms for c in t.covariates))

    @property
    def edge_covariates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for t in self.terms for c in t.edge_covariates))

    @property
    def dyad_lists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for t in self.terms for d in t.dyad_lists))

    @property
    def dyad_dependent(self) -> bool:
        return any(t.dyad_dependent for t in self.terms)

    @property
    def has_offsets(self) -> bool:
        return any(t.offset for t in self.terms)


def _render_value(value: Value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, DyadList):
        return value.name
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, tuple):
        if len(value) > 1 and all(isinstance(v, (int, float)) and v < 0 for v in value):
            return "-c(" + ", ".join(_render_value(-v) for v in value) + ")"
        return "c(" + ", ".join(_render_value(v) for v in value) + ")"
    if isinstance(value, int):
        return f"{value}L"
    if value.is_integer():
        return str(int(value))
    return repr(value)


# --------------------------------------------------------------------------------------------
# Tokeniser

def parse_formula(
    text: str,
    *,
    node_covariates: Iterable[str] = (),
    edge_covariates: Iterable[str] = (),
    valued: bool = False,
    directed: bool | None = None,
    extra_terms: Mapping[str, TermSpec] | None = None,
) -> Formula:
    """Parse ``text`` and check every term, argument and covariate name.

    Parameters
    ----------
    text : str
        Right-hand side in ergm syntax, e.g. ``"edges + nodecov('gdp') + gwesp(0.25, fixed=TRUE)"``.
        ``offset(term)`` fixes that term's coefficients (give them to ``fit(offset_coef=...)``).
    node_covariates, edge_covariates : iterable of str
        Names the model was given; a term that refers to any other name is rejected.
    valued : bool
        Whether the model is a valued (count) ERGM, which admits ergm.count's terms.
    directed : bool, optional
        Whether the network is directed; terms for the other kind of network are rejected.
    extra_terms : mapping of str to TermSpec, optional
        Terms of another package's models besides ergm's (a same-named entry replaces
        ergm's), e.g. btergm's memory/timecov/delrecip: :data:`pyreslib.temporal.terms.TEMPORAL_TERMS`.

    Raises
    ------
    FormulaError
        Naming the offending token, for anything that is not a known term with literal arguments.
    """
    table = VALUED_TERMS if valued else BINARY_TERMS
    if extra_terms:
        table = {**table, **extra_terms}
    ctx = _context("ERGM formula", text, table, one_sided=False, offsets=True)
    names = {"attr": set(node_covariates), "edgecov": set(edge_covariates), "dyads": set()}
    return _validate(ctx, names, directed, valued=valued)


def parse_constraints(
    text: str,
    *,
    node_covariates: Iterable[str] = (),
    dyad_lists: Iterable[str] = (),
    directed: bool | None = None,
) -> Formula:
    """Parse sample-space constraints, e.g. ``"~bd(maxout=3) + blockdiag('school')"``.

    Known constraints: :data:`pyreslib.ergm.terms.CONSTRAINTS`.  ``fixallbut(free)`` and
    ``fixedas(present=a, absent=b)`` name dyad lists given to the model.
    """
    ctx = _context("constraints", text, CONSTRAINTS, one_sided=True, offsets=False)
    names = {"attr": set(node_covariates), "edgecov": set(), "dyads": set(dyad_lists)}
    return _validate(ctx, names, directed, valued=False)


def parse_proposal(text: str, *, node_covariates: Iterable[str] = (),
                   what: str = "control['MCMC.prop']") -> Formula:
    """Parse MCMC proposal hints, e.g. ``"~sparse + .triadic"`` (ergm's default)."""
    ctx = _context(what, text, PROPOSAL_HINTS, one_sided=True, offsets=False)
    names = {"attr": set(node_covariates), "edgecov": set(), "dyads": set()}
    return _validate(ctx, names, None, valued=False)


def _context(what, text, table, *, one_sided, offsets) -> _Context:
    if not isinstance(text, str):
        raise FormulaError(f"{what} must be a string, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"{what} {excerpt(text)} is too long: at most {MAX_LENGTH:,} "
                           "characters are accepted.")
    return _Context(what, text, table, one_sided, offsets)


def _validate(ctx: _Context, names: dict[str, set[str]], directed: bool | None, *,
              valued: bool) -> Formula:
    items = _Parser(ctx).formula()
    terms = tuple(_validate_term(ctx, tok, raw, offset, names, directed, valued)
                  for tok, raw, offset in items)
    return Formula(terms, one_sided=ctx.one_sided)


def _validate_term(ctx, name_tok, raw_args, offset, names, directed, valued) -> Term:
    name = name_tok.text
    spec = ctx.table.get(name)
    if spec is None:
        raise _unknown(ctx, name, name_tok.pos, valued)
    if directed is not None and spec.directed is not None and spec.directed != directed:
        need, have = ("directed", "undirected") if spec.directed else ("undirected", "directed")
        raise ctx.error(f"{name!r} at position {name_tok.pos} is for {need} networks, and this "
                        f"network is {have} (directed={directed}).")
    arg_names = [a for a, _ in spec.args]
    kinds = dict(spec.args)
    positional: list[Value] = []
    named: list[tuple[str, Value]] = []
    seen: set[str] = set()
    refs: dict[str, list[str]] = {"attr": [], "edgecov": []}
    for index, (key, value, tok) in enumerate(raw_args):
        if key is None:
            if named:
                raise ctx.error(f"positional argument after a named one in {name}() at "
                                f"position {tok.pos}.")
            if index >= len(arg_names):
                raise ctx.error(f"{name}() takes at most {len(arg_names)} argument(s) "
                                f"({', '.join(arg_names) or 'none'}).")
            arg = arg_names[index]
        else:
            if key not in kinds:
                raise ctx.error(f"{name}() has no argument {key!r} (position {tok.pos}); it "
                                f"takes {', '.join(arg_names) or 'none'}.")
            arg = key
        if arg in seen:
            raise ctx.error(f"argument {arg!r} of {name}() is given twice.")
        seen.add(arg)
        where = f"argument {arg!r} of {name}() at position {tok.pos}"
        checked = _check_value(ctx, where, kinds[arg], value, names)
        if kinds[arg] in refs:
            refs[kinds[arg]].extend(checked if isinstance(checked, tuple) else [checked])
        if key is None:
            positional.append(checked)
        else:
            named.append((key, checked))
    return Term(name, tuple(positional), tuple(named), offset, tuple(refs["attr"]),
                tuple(refs["edgecov"]), spec.dyad_dependent)


def _unknown(ctx: _Context, name: str, pos: int, valued: bool) -> FormulaError:
    other = BINARY_TERMS if valued else VALUED_TERMS
    if (ctx.table is BINARY_TERMS or ctx.table is VALUED_TERMS) and name in other:
        if valued:
            return ctx.error(f"term {name!r} is for binary networks; a valued (count) ERGM "
                             "takes sum, nonzero, nodecov, edgecov, ...")
        return ctx.error(f"term {name!r} is for valued networks; pass response='weight' to "
                         "fit a valued (count) ERGM.")
    kind = {"constraints": "a constraint", "ERGM formula": "an ergm term"}.get(
        ctx.what, "a proposal hint")
    if _TWO_MODE.match(name):
        return ctx.error(
            f"{excerpt(name, 40)} at position {pos} is a term of two-mode (bipartite) networks, "
            "and pyreslib fits one-mode networks only (docs/ergm-formulas.md, \"Two-mode "
            "networks\"); fit a two-mode network with statnet itself: network(m, bipartite = "
            "nrow(m)).")
    close = nearest(name, ctx.table)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    return ctx.error(f"{excerpt(name, 40)} at position {pos} is not {kind} pyreslib knows."
                     f"{hint} Known: {', '.join(sorted(ctx.table))}.")


# ergm's terms of two-mode networks: b1degree, b2factor, gwb1degree, gwb2dsp, ...
_TWO_MODE = re.compile(r"^(gw)?b[12][a-z]")


def nearest(name: str, known: Iterable[str], n: int = 2) -> list[str]:
    """The known names closest to a misspelt ``name``, best first (a different case counts as
    closest; then :func:`difflib.get_close_matches`' similarity of at least 0.6).

    Examples
    --------
    >>> nearest("nodecv", ["edges", "nodecov", "triangle"])
    ['nodecov']
    >>> nearest("Edges", ["edges", "nodecov"])
    ['edges']
    >>> nearest("zzz", ["edges"])
    []
    """
    known = list(known)
    same = [k for k in known if k.lower() == name.lower()]
    if same:
        return same[:n]
    lowered = {k.lower(): k for k in known}
    return [lowered[k] for k in difflib.get_close_matches(name.lower(), list(lowered), n=n)]


def _check_value(ctx: _Context, where: str, kind: str, value: object,
                 names: dict[str, set[str]]) -> Value:
    if kind in ("attr", "edgecov", "dyads"):
        return _check_name(ctx, where, kind, value, names[kind])
    shown = _render_value(value) if not isinstance(value, _Bare) else value.name
    if isinstance(value, _Bare):
        raise ctx.error(f"{where}: bare name {value.name!r} is not allowed here; arguments are "
                        "literals (numbers, quoted strings, TRUE/FALSE, c(...)).")
    items = value if isinstance(value, tuple) else (value,)
    if kind == "never":
        raise ctx.error(f"{where} takes an R object (a matrix) that pyreslib does not pass; "
                        "leave it out and name the arguments you give.")
    if kind in ("num", "count"):
        if not all(_is_number(v) for v in items):
            raise ctx.error(f"{where} must be a number or c(numbers), got {excerpt(shown, 40)}.")
        if kind == "count" and not all(float(v).is_integer() and v >= 0 for v in items):
            raise ctx.error(f"{where} must be a whole number >= 0 (or c() of them), got "
                            f"{excerpt(shown, 40)}.")
        return value  # type: ignore[return-value]
    if kind == "levels":
        if any(_is_number(v) and not float(v).is_integer() for v in items):
            raise ctx.error(f"{where}: level indices are whole numbers (negative ones exclude "
                            f"levels), got {excerpt(shown, 40)}.")
        return value  # type: ignore[return-value]
    if kind == "bool" and not isinstance(value, bool):
        raise ctx.error(f"{where} must be TRUE or FALSE, got {excerpt(shown, 40)}.")
    if kind == "bools" and not all(isinstance(v, bool) for v in items):
        raise ctx.error(f"{where} must be TRUE/FALSE or c() of them, got {excerpt(shown, 40)}.")
    if kind == "str" and not isinstance(value, str):
        raise ctx.error(f"{where} must be a quoted string, got {excerpt(shown, 40)}.")
    return value  # type: ignore[return-value]


_NAME_KIND = {"attr": "node covariate", "edgecov": "edge covariate", "dyads": "dyad list"}


def _check_name(ctx, where, kind, value, available: set[str]) -> Value:
    what = _NAME_KIND[kind]
    values = value if isinstance(value, tuple) and kind == "attr" else (value,)
    out = []
    for v in values:
        v = v.name if isinstance(v, _Bare) else v
        if not isinstance(v, str):
            raise ctx.error(f"{where} must name a {what}, got {excerpt(_render_value(v), 40)}.")
        if v not in available:
            listed = sorted(available)
            shown = listed[:20] + (["…"] if len(listed) > 20 else [])
            raise ctx.error(f"{where} names {what} {excerpt(v, 40)}, which was not given; "
                            f"available: {shown or 'none'}.")
        out.append(DyadList(v) if kind == "dyads" else v)
    return tuple(out) if len(values) != 1 or isinstance(value, tuple) else out[0]
