"""Parse and validate an ERGM formula before any R code exists.

A formula is the right-hand side of an ``ergm`` model in statnet's own term syntax::

    edges + nodecov('gdp') + edgecov('distance') + gwesp(0.25, fixed=TRUE)

It is tokenised and parsed here into :class:`Term` objects.  Only ergm term names on the
allow-list below are accepted, arguments must be literals (numbers, quoted strings, TRUE/FALSE,
``c(...)`` of literals) or the bare name of a covariate the model was given, and covariate
names must exist in the inputs.  Anything else raises :class:`~pyreslib.errors.FormulaError`
naming the offending token.  The R side never parses text: it rebuilds the formula as a call
object from the validated terms (``r/pyreslib.R``: ``pyreslib_formula``), so no user text is
ever evaluated by R as code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pyreslib.errors import FormulaError

Value = float | int | str | bool | tuple

# Argument kinds: "attr" = a node covariate name, "edgecov" = an edge covariate name,
# "num" = number(s), "bool", "str" = free string literal (never a name of R code), "any" = literal.
ArgKind = Literal["attr", "edgecov", "num", "bool", "str", "any"]


@dataclass(frozen=True)
class TermSpec:
    """What one ergm term accepts: its positional argument order and the kind of each."""

    args: tuple[tuple[str, ArgKind], ...] = ()
    valued: bool = False  # only meaningful for valued (count) ERGMs (ergm.count)
    binary: bool = True  # meaningful for binary ERGMs


def _spec(*args: tuple[str, ArgKind], valued: bool = False, binary: bool = True) -> TermSpec:
    return TermSpec(tuple(args), valued=valued, binary=binary)


_ATTR_TERM = _spec(("attr", "attr"), ("form", "str"))
_FACTOR_TERM = _spec(("attr", "attr"), ("base", "num"), ("levels", "any"), ("form", "str"))
_DECAY_TERM = _spec(("decay", "num"), ("fixed", "bool"), ("cutoff", "num"), ("type", "str"))

# The allow-list: ergm (4.x) and ergm.count terms that pyreslib users need.  Extending it is a
# one-line change; an unknown name is rejected rather than passed through.
ERGM_TERMS: dict[str, TermSpec] = {
    # dyad-independent
    "edges": _spec(),
    "density": _spec(),
    "meandeg": _spec(),
    "nodecov": _ATTR_TERM,
    "nodeicov": _ATTR_TERM,
    "nodeocov": _ATTR_TERM,
    "nodefactor": _FACTOR_TERM,
    "nodeifactor": _FACTOR_TERM,
    "nodeofactor": _FACTOR_TERM,
    "nodematch": _spec(("attr", "attr"), ("diff", "bool"), ("keep", "num"), ("levels", "any")),
    "nodemix": _spec(("attr", "attr"), ("base", "num"), ("b1levels", "any"), ("b2levels", "any"),
                     ("levels", "any"), ("levels2", "any")),
    "absdiff": _spec(("attr", "attr"), ("pow", "num"), ("form", "str")),
    "diff": _spec(("attr", "attr"), ("pow", "num"), ("dir", "str"), ("sign.action", "str")),
    "edgecov": _spec(("x", "edgecov"), ("attrname", "str"), ("form", "str")),
    "dyadcov": _spec(("x", "edgecov"), ("attrname", "str")),
    "mutual": _spec(("same", "attr"), ("by", "attr"), ("diff", "bool"), ("keep", "num"),
                    ("form", "str")),
    # dyad-dependent
    "triangle": _spec(("attr", "attr"), ("diff", "bool"), ("levels", "any")),
    "triangles": _spec(("attr", "attr"), ("diff", "bool"), ("levels", "any")),
    "kstar": _spec(("k", "num"), ("attr", "attr"), ("levels", "any")),
    "istar": _spec(("k", "num"), ("attr", "attr"), ("levels", "any")),
    "ostar": _spec(("k", "num"), ("attr", "attr"), ("levels", "any")),
    "twopath": _spec(),
    "threetrail": _spec(("keep", "num"), ("levels", "any")),
    "cycle": _spec(("k", "num"), ("semi", "bool")),
    "degree": _spec(("d", "num"), ("by", "attr"), ("homophily", "bool"), ("levels", "any")),
    "idegree": _spec(("d", "num"), ("by", "attr"), ("homophily", "bool"), ("levels", "any")),
    "odegree": _spec(("d", "num"), ("by", "attr"), ("homophily", "bool"), ("levels", "any")),
    "isolates": _spec(),
    "concurrent": _spec(("by", "attr"), ("levels", "any")),
    "esp": _spec(("d", "num"), ("type", "str"), ("L.base", "any"), ("Ls.path", "any")),
    "dsp": _spec(("d", "num"), ("type", "str")),
    "nsp": _spec(("d", "num"), ("type", "str")),
    "gwesp": _DECAY_TERM,
    "gwdsp": _DECAY_TERM,
    "gwnsp": _DECAY_TERM,
    "dgwesp": _DECAY_TERM,
    "gwdegree": _spec(("decay", "num"), ("fixed", "bool"), ("attr", "attr"), ("cutoff", "num"),
                      ("levels", "any")),
    "gwidegree": _spec(("decay", "num"), ("fixed", "bool"), ("attr", "attr"), ("cutoff", "num"),
                       ("levels", "any")),
    "gwodegree": _spec(("decay", "num"), ("fixed", "bool"), ("attr", "attr"), ("cutoff", "num"),
                       ("levels", "any")),
    "altkstar": _spec(("lambda", "num"), ("fixed", "bool")),
    "transitive": _spec(),
    "transitiveties": _spec(("attr", "attr"), ("diff", "bool"), ("levels", "any")),
    "ctriple": _spec(("attr", "attr"), ("diff", "bool"), ("levels", "any")),
    "ttriple": _spec(("attr", "attr"), ("diff", "bool"), ("levels", "any")),
    # valued (ergm.count); nodecov / edgecov / nodematch above also work with form="sum"
    "sum": _spec(("pow", "num"), valued=True, binary=False),
    "nonzero": _spec(valued=True, binary=False),
    "atleast": _spec(("threshold", "num"), valued=True, binary=False),
    "atmost": _spec(("threshold", "num"), valued=True, binary=False),
    "equalto": _spec(("value", "num"), ("tolerance", "num"), valued=True, binary=False),
    "greaterthan": _spec(("threshold", "num"), valued=True, binary=False),
    "smallerthan": _spec(("threshold", "num"), valued=True, binary=False),
    "ininterval": _spec(("lower", "num"), ("upper", "num"), ("open", "any"), valued=True,
                        binary=False),
    "nodesqrtcovar": _spec(("center", "bool"), valued=True, binary=False),
    "nodecovar": _spec(("center", "bool"), ("transform", "str"), valued=True, binary=False),
    "transitiveweights": _spec(("twopath", "str"), ("combine", "str"), ("affect", "str"),
                               valued=True, binary=False),
    "cyclicalweights": _spec(("twopath", "str"), ("combine", "str"), ("affect", "str"),
                             valued=True, binary=False),
    "CMP": _spec(valued=True, binary=False),
}

for _name in ("nodecov", "nodeicov", "nodeocov", "nodefactor", "nodematch", "nodemix", "absdiff",
              "diff", "edgecov", "dyadcov", "mutual", "edges", "density", "meandeg"):
    ERGM_TERMS[_name] = TermSpec(ERGM_TERMS[_name].args, valued=True, binary=True)


@dataclass(frozen=True)
class Term:
    """One validated term: its ergm name and literal arguments (positional, then named)."""

    name: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    covariates: tuple[str, ...] = field(default=(), compare=False)
    edge_covariates: tuple[str, ...] = field(default=(), compare=False)

    def render(self) -> str:
        """The term in ergm syntax, with canonical quoting (used for display and reports)."""
        parts = [_render_value(v) for v in self.args]
        parts += [f"{k}={_render_value(v)}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})" if parts else self.name


@dataclass(frozen=True)
class Formula:
    """A parsed, validated ERGM right-hand side."""

    terms: tuple[Term, ...]

    def render(self) -> str:
        return " + ".join(t.render() for t in self.terms)

    def __str__(self) -> str:
        return self.render()

    @property
    def node_covariates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for t in self.terms for c in t.covariates))

    @property
    def edge_covariates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for t in self.terms for c in t.edge_covariates))

    @property
    def dyad_dependent(self) -> bool:
        return any(t.name in DYAD_DEPENDENT_TERMS for t in self.terms)


DYAD_DEPENDENT_TERMS = frozenset({
    "triangle", "triangles", "kstar", "istar", "ostar", "twopath", "threetrail", "cycle", "degree",
    "idegree", "odegree", "isolates", "concurrent", "esp", "dsp", "nsp", "gwesp", "gwdsp", "gwnsp",
    "dgwesp", "gwdegree", "gwidegree", "gwodegree", "altkstar", "transitive", "transitiveties",
    "ctriple", "ttriple", "mutual", "transitiveweights", "cyclicalweights", "CMP", "nodesqrtcovar",
    "nodecovar",
})


def _render_value(value: Value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, tuple):
        return "c(" + ", ".join(_render_value(v) for v in value) + ")"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value).rstrip("0").rstrip(".") if "e" not in repr(value) else repr(value)
    return repr(value)


# --------------------------------------------------------------------------------------------
# Tokeniser

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z][A-Za-z0-9._]*|\.[A-Za-z_][A-Za-z0-9._]*)
  | (?P<punct>[()+,=-])
    """,
    re.VERBOSE,
)

_FORBIDDEN_HINTS = {
    "`": "backticks quote R code",
    ";": "';' separates R statements",
    "$": "'$' extracts from R objects",
    "~": "give only the right-hand side; the network is supplied by pyreslib",
    "{": "braces are R code blocks",
    "[": "indexing is R code",
    "@": "'@' accesses R slots",
    ":": "'::' and ':' are R operators",
    "*": "interactions are not ergm terms; use nodemix or a product covariate",
    "^": "transform covariates in Python before fitting",
    "/": "transform covariates in Python before fitting",
    "|": "operators are not allowed",
    "&": "operators are not allowed",
    "!": "operators are not allowed",
    "<": "operators are not allowed",
    ">": "operators are not allowed",
    "#": "comments are not allowed",
}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = _FORBIDDEN_HINTS.get(ch, "only term names, literals, commas, '=' and '+' are allowed")
            raise FormulaError(
                f"ERGM formula {text!r}: character {ch!r} at position {pos} is not allowed "
                f"({hint}). Write terms like edges + nodecov('gdp') + gwesp(0.25, fixed=TRUE)."
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------------------------
# Parser (recursive descent over: formula := term ('+' term)* ; term := NAME ['(' args ')'])


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Token, what: str) -> FormulaError:
        shown = tok.text or "end of formula"
        return FormulaError(
            f"ERGM formula {self.text!r}: unexpected {shown!r} at position {tok.pos}; {what}."
        )

    def expect(self, text: str) -> _Token:
        tok = self.take()
        if tok.text != text:
            raise self.fail(tok, f"expected {text!r}")
        return tok

    def formula(self) -> list[tuple[_Token, list[tuple[str | None, object, _Token]]]]:
        if self.peek().kind == "end":
            raise FormulaError("ERGM formula is empty; give at least one term, e.g. 'edges'.")
        terms = [self.term()]
        while self.peek().text == "+":
            self.take()
            terms.append(self.term())
        if self.peek().kind != "end":
            raise self.fail(self.peek(), "terms are joined with '+'")
        return terms

    def term(self):
        tok = self.take()
        if tok.kind != "name":
            raise self.fail(tok, "expected an ergm term name")
        args: list[tuple[str | None, object, _Token]] = []
        if self.peek().text == "(":
            self.take()
            if self.peek().text != ")":
                args.append(self.argument())
                while self.peek().text == ",":
                    self.take()
                    args.append(self.argument())
            self.expect(")")
        return tok, args

    def argument(self):
        start = self.peek()
        if start.kind == "name" and self.tokens[self.i + 1].text == "=":
            self.take()
            self.take()
            return start.text, self.value(), start
        return None, self.value(), start

    def value(self):
        tok = self.peek()
        if tok.text == "-":
            self.take()
            num = self.take()
            if num.kind != "number":
                raise self.fail(num, "'-' may only precede a number")
            return -_number(num.text)
        if tok.kind == "number":
            self.take()
            return _number(tok.text)
        if tok.kind == "string":
            self.take()
            return _unquote(tok.text)
        if tok.kind == "name":
            self.take()
            if tok.text in ("TRUE", "T"):
                return True
            if tok.text in ("FALSE", "F"):
                return False
            if tok.text == "c" and self.peek().text == "(":
                self.take()
                items = []
                if self.peek().text != ")":
                    items.append(self.value())
                    while self.peek().text == ",":
                        self.take()
                        items.append(self.value())
                self.expect(")")
                if any(isinstance(v, (tuple, _Bare)) for v in items):
                    raise self.fail(tok, "c(...) may hold only literals")
                return tuple(items)
            if self.peek().text == "(":
                raise FormulaError(
                    f"ERGM formula {self.text!r}: {tok.text}(...) at position {tok.pos} is a "
                    "function call inside a term; arguments must be literals (numbers, quoted "
                    "strings, TRUE/FALSE, c(...)). Transform covariates in Python before fitting."
                )
            return _Bare(tok.text, tok.pos)
        raise self.fail(tok, "expected a literal argument")


@dataclass(frozen=True)
class _Bare:
    """A bare identifier argument; allowed only where a covariate name is expected."""

    name: str
    pos: int


def _number(text: str) -> float | int:
    text = text.rstrip("L")
    value = float(text)
    if re.fullmatch(r"\d+", text):
        return int(text)
    return value


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_formula(
    text: str,
    *,
    node_covariates: Iterable[str] = (),
    edge_covariates: Iterable[str] = (),
    valued: bool = False,
) -> Formula:
    """Parse ``text`` and check every term, argument and covariate name.

    Parameters
    ----------
    text : str
        Right-hand side in ergm syntax, e.g. ``"edges + nodecov('gdp') + gwesp(0.25, fixed=TRUE)"``.
    node_covariates, edge_covariates : iterable of str
        Names the model was given; a term that refers to any other name is rejected.
    valued : bool
        Whether the model is a valued (count) ERGM, which admits ergm.count's terms.

    Raises
    ------
    FormulaError
        Naming the offending token, for anything that is not a known term with literal arguments.
    """
    if not isinstance(text, str):
        raise FormulaError(f"ERGM formula must be a string, got {type(text).__name__}.")
    node_names = set(node_covariates)
    edge_names = set(edge_covariates)
    parsed = _Parser(text).formula()
    terms = []
    for name_tok, raw_args in parsed:
        terms.append(_validate_term(text, name_tok, raw_args, node_names, edge_names, valued))
    return Formula(tuple(terms))


def _validate_term(text, name_tok, raw_args, node_names, edge_names, valued) -> Term:
    name = name_tok.text
    spec = ERGM_TERMS.get(name)
    if spec is None:
        close = [t for t in ERGM_TERMS if t.lower() == name.lower()]
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise FormulaError(
            f"ERGM formula {text!r}: {name!r} at position {name_tok.pos} is not an ergm term "
            f"pyreslib knows.{hint} Known terms: {', '.join(sorted(ERGM_TERMS))}."
        )
    if valued and not spec.valued:
        raise FormulaError(f"ERGM formula {text!r}: term {name!r} is for binary networks; a "
                           "valued (count) ERGM takes sum, nonzero, nodecov, edgecov, ...")
    if not valued and not spec.binary:
        raise FormulaError(f"ERGM formula {text!r}: term {name!r} is for valued networks; "
                           "pass response='weight' to fit a valued (count) ERGM.")
    arg_names = [a for a, _ in spec.args]
    kinds = dict(spec.args)
    positional: list[Value] = []
    named: list[tuple[str, Value]] = []
    covs: list[str] = []
    ecovs: list[str] = []
    seen_named = False
    for index, (key, value, tok) in enumerate(raw_args):
        if key is None:
            if seen_named:
                raise FormulaError(f"ERGM formula {text!r}: positional argument after a named one "
                                   f"in {name}() at position {tok.pos}.")
            if index >= len(arg_names):
                raise FormulaError(f"ERGM formula {text!r}: {name}() takes at most "
                                   f"{len(arg_names)} argument(s) ({', '.join(arg_names) or 'none'}).")
            key_for_kind = arg_names[index]
        else:
            seen_named = True
            if key not in kinds:
                raise FormulaError(f"ERGM formula {text!r}: {name}() has no argument {key!r} "
                                   f"(position {tok.pos}); it takes {', '.join(arg_names) or 'none'}.")
            key_for_kind = key
        kind = kinds[key_for_kind]
        checked = _check_value(text, name, key_for_kind, kind, value, tok, node_names, edge_names)
        if kind == "attr":
            covs.extend([checked] if isinstance(checked, str) else list(checked))
        if kind == "edgecov":
            ecovs.append(checked)
        if key is None:
            positional.append(checked)
        else:
            named.append((key, checked))
    return Term(name, tuple(positional), tuple(named), tuple(covs), tuple(ecovs))


def _check_value(text, term, arg, kind, value, tok, node_names, edge_names) -> Value:
    where = f"ERGM formula {text!r}: argument {arg!r} of {term}() at position {tok.pos}"
    if kind == "attr":
        names = value if isinstance(value, tuple) else (value,)
        out = []
        for v in names:
            v = v.name if isinstance(v, _Bare) else v
            if not isinstance(v, str):
                raise FormulaError(f"{where} must name a node covariate, got {_render_value(v)}.")
            if v not in node_names:
                raise FormulaError(f"{where} names node covariate {v!r}, which was not given; "
                                   f"available: {sorted(node_names) or 'none'}.")
            out.append(v)
        return tuple(out) if isinstance(value, tuple) else out[0]
    if kind == "edgecov":
        v = value.name if isinstance(value, _Bare) else value
        if not isinstance(v, str):
            raise FormulaError(f"{where} must name an edge covariate, got {_render_value(v)}.")
        if v not in edge_names:
            raise FormulaError(f"{where} names edge covariate {v!r}, which was not given; "
                               f"available: {sorted(edge_names) or 'none'}.")
        return v
    if isinstance(value, _Bare):
        raise FormulaError(f"{where}: bare name {value.name!r} is not allowed here; arguments are "
                           "literals (numbers, quoted strings, TRUE/FALSE, c(...)).")
    if kind == "num":
        items = value if isinstance(value, tuple) else (value,)
        if not items or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            raise FormulaError(f"{where} must be a number or c(numbers), got {_render_value(value)}.")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise FormulaError(f"{where} must be TRUE or FALSE, got {_render_value(value)}.")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise FormulaError(f"{where} must be a quoted string, got {_render_value(value)}.")
        return value
    return value
