"""The grammar of ergm formulas as pyreslib reads them: tokens, the parser, and the bounds on
what is read (literals as R integers, text length, number of terms).

The parser turns text into raw terms (name, literal arguments, offset flag) and refuses
anything that is not a literal; :mod:`pyreslib.ergm.formula` validates the raw terms against
what each ergm term accepts and the covariates a model has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pyreslib.ergm.terms import (
    TermSpec,
)
from pyreslib.errors import FormulaError, excerpt

__all__ = ["MAX_LENGTH", "MAX_LITERAL", "MAX_TERMS"]

# ergm stores integer arguments as R integers (32-bit); larger literals are refused.
MAX_LITERAL = 2**31 - 1
# Longer text is refused before it is read: no model needs it, and parsing it would take seconds.
MAX_LENGTH = 100_000
# More terms are refused (a formula, a constraint or a proposal hint). Statnet models have a few
# dozen; one term such as nodefactor or nodemix gives a statistic per level. Beyond a few hundred
# terms ergm's set-up alone takes minutes (MPLE of 1,000 terms: over 3 minutes), and a formula
# that long is a generated one gone wrong. r/model.R builds any accepted formula so that R's
# recursion over it stays shallow (a plain chain of some 400 terms overflowed R's C stack, which
# killed the embedded R with SIGSEGV).
MAX_TERMS = 256


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z][A-Za-z0-9._]*|\.[A-Za-z_][A-Za-z0-9._]*)
  | (?P<punct>[()+,=~-])
    """,
    re.VERBOSE,
)

_FORBIDDEN_HINTS = {
    "`": "backticks quote R code",
    ";": "';' separates R statements",
    "$": "'$' extracts from R objects",
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


@dataclass(frozen=True)
class _Bare:
    """A bare identifier argument; allowed only where a covariate or dyad list is named."""

    name: str
    pos: int


@dataclass(frozen=True)
class _Context:
    """What is being parsed, for messages, and what it may contain."""

    what: str  # "ERGM formula", "constraints", "control['MCMC.prop']"
    text: str
    table: Mapping[str, TermSpec]
    one_sided: bool  # a leading '~' is expected (constraints, hints)
    offsets: bool  # offset(term) allowed

    @property
    def where(self) -> str:
        return f"{self.what} {excerpt(self.text)}"

    def error(self, message: str) -> FormulaError:
        return FormulaError(f"{self.where}: {message}")


def _tokenise(ctx: _Context) -> list[_Token]:
    text = ctx.text
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = _FORBIDDEN_HINTS.get(ch, "only term names, literals, commas, '=' and '+' are allowed")
            raise ctx.error(
                f"character {ch!r} at position {pos} is not allowed ({hint}). Write terms like "
                "edges + nodecov('gdp') + gwesp(0.25, fixed=TRUE)."
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------------------------
# Parser (recursive descent over the grammar in the module docstring; nesting is bounded by the
# grammar itself: a vector holds only scalars and offset() only one plain term)

_RawArg = tuple[str | None, object, _Token]


class _Parser:
    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.tokens = _tokenise(ctx)
        self.i = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def fail(self, tok: _Token, what: str) -> FormulaError:
        shown = excerpt(tok.text, 30) if tok.text else "end of text"
        return self.ctx.error(f"unexpected {shown} at position {tok.pos}; {what}.")

    def expect(self, text: str) -> _Token:
        tok = self.take()
        if tok.text != text:
            raise self.fail(tok, f"expected {text!r}")
        return tok

    def formula(self) -> list[tuple[_Token, list[_RawArg], bool]]:
        if self.peek().text == "~":
            if not self.ctx.one_sided:
                raise self.ctx.error(
                    "'~' is not allowed: give only the right-hand side; the network is supplied "
                    "by pyreslib (write 'edges + triangle', not 'nw ~ edges + triangle').")
            self.take()
        if self.peek().kind == "end":
            raise self.ctx.error("is empty; give at least one term, e.g. 'edges'.")
        items = [self.item()]
        while self.peek().text == "+":
            if len(items) == MAX_TERMS:
                count = len(items) + 1 + sum(t.text == "+" for t in self.tokens[self.i + 1:])
                raise self.ctx.error(
                    f"has {count:,} terms; at most {MAX_TERMS} are accepted (docs/ergm-formulas.md"
                    ", \"Bounds\"). Statnet models have a few dozen terms: write each term once "
                    "(a repeated term adds a collinear statistic), and let one term give a "
                    "statistic per level (nodefactor, nodemix, degree(c(1, 2, 3))).")
            self.take()
            items.append(self.item())
        if self.peek().kind != "end":
            raise self.fail(self.peek(), "terms are joined with '+'")
        return items

    def item(self) -> tuple[_Token, list[_RawArg], bool]:
        tok = self.peek()
        if tok.text == "offset" and self.peek(1).text == "(":
            if not self.ctx.offsets:
                raise self.fail(tok, "offset() belongs in the model formula")
            self.take()
            self.take()
            inner = self.peek()
            if inner.text == "offset":
                raise self.fail(inner, "offset() holds one plain term, not another offset()")
            name, args = self.term()
            self.expect(")")
            return name, args, True
        name, args = self.term()
        return name, args, False

    def term(self) -> tuple[_Token, list[_RawArg]]:
        tok = self.take()
        if tok.kind != "name":
            raise self.fail(tok, "expected an ergm term name")
        args: list[_RawArg] = []
        if self.peek().text == "(":
            self.take()
            if self.peek().text != ")":
                args.append(self.argument())
                while self.peek().text == ",":
                    self.take()
                    args.append(self.argument())
            self.expect(")")
        return tok, args

    def argument(self) -> _RawArg:
        start = self.peek()
        if start.kind == "name" and self.peek(1).text == "=":
            self.take()
            self.take()
            return start.text, self.value(), start
        return None, self.value(), start

    def value(self) -> object:
        tok = self.peek()
        if tok.text == "-":
            self.take()
            if self.peek().text == "c" and self.peek(1).text == "(":
                vector = self.vector()
                if not all(_is_number(v) for v in vector):
                    raise self.fail(tok, "'-' may only precede a number or c(numbers)")
                return tuple(-v for v in vector)
            num = self.take()
            if num.kind != "number":
                raise self.fail(num, "'-' may only precede a number or c(numbers)")
            return -self.number(num)
        scalar = self.scalar()
        if scalar is not _NOT_SCALAR:
            return scalar
        if tok.kind == "name":
            if tok.text == "c" and self.peek(1).text == "(":
                return self.vector()
            self.take()
            if self.peek().text == "(":
                raise self.ctx.error(
                    f"{tok.text}(...) at position {tok.pos} is a function call inside a term; "
                    "arguments must be literals (numbers, quoted strings, TRUE/FALSE, c(...)). "
                    "Transform covariates in Python before fitting.")
            return _Bare(tok.text, tok.pos)
        raise self.fail(tok, "expected a literal argument")

    def scalar(self) -> object:
        """A number, string, TRUE/FALSE or NULL at the cursor (consumed), else _NOT_SCALAR."""
        tok = self.peek()
        if tok.kind == "number":
            self.take()
            return self.number(tok)
        if tok.kind == "string":
            self.take()
            return _unquote(tok.text)
        if tok.kind == "name" and tok.text in _CONSTANTS and self.peek(1).text != "(":
            self.take()
            return _CONSTANTS[tok.text]
        return _NOT_SCALAR

    def vector(self) -> tuple:
        start = self.take()  # 'c'
        self.take()  # '('
        items: list[object] = []
        while True:
            tok = self.peek()
            if tok.text == "-" and self.peek(1).kind == "number":
                self.take()
                items.append(-self.number(self.take()))
            else:
                value = self.scalar()
                if value is _NOT_SCALAR or value is None:
                    raise self.fail(tok, "c(...) may hold only numbers, quoted strings or "
                                         "TRUE/FALSE (no nested c(), names or calls)")
                items.append(value)
            if self.peek().text == ",":
                self.take()
                continue
            self.expect(")")
            break
        kinds = {_scalar_kind(v) for v in items}
        if len(kinds) > 1:
            raise self.ctx.error(
                f"c(...) at position {start.pos} mixes {' and '.join(sorted(kinds))}; R would "
                "silently turn them all into text. Give all numbers or all strings.")
        return tuple(items)

    def number(self, tok: _Token) -> float | int:
        text = tok.text
        integer = text.endswith("L")
        value = float(text.rstrip("L"))
        if not math.isfinite(value) or abs(value) > MAX_LITERAL:
            raise self.ctx.error(
                f"number {excerpt(text, 30)} at position {tok.pos} is out of range; ergm takes "
                f"numbers up to 2^31 - 1 = {MAX_LITERAL} in size.")
        if integer:
            if not value.is_integer():
                raise self.ctx.error(f"{text} at position {tok.pos} is not a whole number.")
            return int(value)
        return value


_NOT_SCALAR = object()
_CONSTANTS: dict[str, object] = {"TRUE": True, "T": True, "FALSE": False, "F": False,
                                 "NULL": None}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar_kind(value: object) -> str:
    if isinstance(value, bool):
        return "logicals"
    return "numbers" if _is_number(value) else "strings"


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


# --------------------------------------------------------------------------------------------
# Entry points


