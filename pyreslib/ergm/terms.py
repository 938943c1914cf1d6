"""What pyreslib lets through to ergm: the allow-lists of terms, constraints and proposal hints.

Each entry gives the argument names of the ergm 4.12 ``InitErgmTerm`` / ``InitWtErgmTerm`` /
``InitErgmConstraint`` function in their positional order, the kind of literal each takes,
and whether the term needs a directed (``True``) or an undirected (``False``) network.
``tests/test_formula.py`` checks every entry against the installed ergm (the names,
order and directedness that ergm's own ``check.ErgmTerm`` declares), so this table cannot
drift from R.  Adding a term is one line; a name not listed here is refused before R starts.

Argument kinds:

``attr``     a node covariate name (or ``c(...)`` of names) the model was given
``edgecov``  an edge covariate name the model was given
``dyads``    the name of a dyad list the model was given (constraints ``fixallbut``/``fixedas``)
``num``      a number or ``c(...)`` of numbers
``count``    a whole number >= 0 or ``c(...)`` of them
``levels``   a level selection: index(es), ``-c(...)`` to exclude, name(s), TRUE/FALSE, NULL
``bool``     TRUE or FALSE;  ``bools``: TRUE/FALSE or ``c(...)`` of them
``str``      a quoted string
``never``    an argument ergm takes as an R object pyreslib does not pass (e.g. a matrix);
             listed so that positional arguments after it keep ergm's order
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ArgKind = Literal["attr", "edgecov", "dyads", "num", "count", "levels", "bool", "bools", "str",
                  "never"]


@dataclass(frozen=True)
class TermSpec:
    """One ergm term (or constraint): positional argument order, kinds, directedness."""

    args: tuple[tuple[str, ArgKind], ...] = ()
    directed: bool | None = None  # True: directed networks only; False: undirected only
    dyad_dependent: bool = False


def _spec(*args: tuple[str, ArgKind], directed: bool | None = None,
          dependent: bool = False) -> TermSpec:
    return TermSpec(tuple(args), directed=directed, dyad_dependent=dependent)


def _with(spec: TermSpec, *extra: tuple[str, ArgKind]) -> TermSpec:
    return TermSpec(spec.args + tuple(extra), spec.directed, spec.dyad_dependent)


_ATTR = ("attr", "attr")
_LEVELS = ("levels", "levels")
_FORM = ("form", "str")
_DECAY = _spec(("decay", "num"), ("fixed", "bool"), ("cutoff", "count"), ("type", "str"),
               dependent=True)


def _gwdegree(directed: bool) -> TermSpec:
    return _spec(("decay", "num"), ("fixed", "bool"), _ATTR, ("cutoff", "count"), _LEVELS,
                 directed=directed, dependent=True)


def _factor(directed: bool | None) -> TermSpec:
    return _spec(_ATTR, ("base", "count"), _LEVELS, directed=directed)


def _degree(directed: bool) -> TermSpec:
    return _spec(("d", "count"), ("by", "attr"), ("homophily", "bool"), _LEVELS,
                 directed=directed, dependent=True)


def _star(directed: bool) -> TermSpec:
    return _spec(("k", "count"), _ATTR, _LEVELS, directed=directed, dependent=True)


def _triad(directed: bool | None) -> TermSpec:
    return _spec(_ATTR, ("diff", "bool"), _LEVELS, directed=directed, dependent=True)


# Terms of binary ERGMs (ergm's InitErgmTerm.*).
BINARY_TERMS: dict[str, TermSpec] = {
    # dyad-independent
    "edges": _spec(),
    "density": _spec(),
    "meandeg": _spec(),
    "nodecov": _spec(_ATTR),
    "nodeicov": _spec(_ATTR, directed=True),
    "nodeocov": _spec(_ATTR, directed=True),
    "nodefactor": _factor(None),
    "nodeifactor": _factor(True),
    "nodeofactor": _factor(True),
    "nodematch": _spec(_ATTR, ("diff", "bool"), ("keep", "count"), _LEVELS),
    "nodemix": _spec(_ATTR, ("base", "count"), ("b1levels", "levels"), ("b2levels", "levels"),
                     _LEVELS, ("levels2", "levels")),
    "absdiff": _spec(_ATTR, ("pow", "num")),
    "diff": _spec(_ATTR, ("pow", "num"), ("dir", "str"), ("sign.action", "str")),
    "edgecov": _spec(("x", "edgecov"), ("attrname", "str")),
    "dyadcov": _spec(("x", "edgecov"), ("attrname", "str")),
    # dyad-dependent
    "mutual": _spec(("same", "attr"), ("by", "attr"), ("diff", "bool"), ("keep", "count"),
                    _LEVELS, directed=True, dependent=True),
    "triangle": _triad(None),
    "triangles": _triad(None),
    "transitiveties": _triad(None),
    "ctriple": _triad(True),
    "ttriple": _triad(True),
    "transitive": _spec(directed=True, dependent=True),
    "kstar": _star(False),
    "istar": _star(True),
    "ostar": _star(True),
    "twopath": _spec(dependent=True),
    "threetrail": _spec(("keep", "count"), _LEVELS, dependent=True),
    "cycle": _spec(("k", "count"), ("semi", "bool"), dependent=True),
    "degree": _degree(False),
    "idegree": _degree(True),
    "odegree": _degree(True),
    "isolates": _spec(dependent=True),
    "concurrent": _spec(("by", "attr"), _LEVELS, directed=False, dependent=True),
    "esp": _spec(("d", "count"), ("type", "str"), dependent=True),
    "dsp": _spec(("d", "count"), ("type", "str"), dependent=True),
    "nsp": _spec(("d", "count"), ("type", "str"), dependent=True),
    "gwesp": _DECAY,
    "gwdsp": _DECAY,
    "gwnsp": _DECAY,
    "dgwesp": _DECAY,
    "gwdegree": _gwdegree(False),
    "gwidegree": _gwdegree(True),
    "gwodegree": _gwdegree(True),
    "altkstar": _spec(("lambda", "num"), ("fixed", "bool"), directed=False, dependent=True),
}

# Terms of valued (count) ERGMs (ergm's and ergm.count's InitWtErgmTerm.*).
_COUNT_THRESHOLD = _spec(("threshold", "num"))
_WEIGHTS = _spec(("twopath", "str"), ("combine", "str"), ("affect", "str"), dependent=True)
VALUED_TERMS: dict[str, TermSpec] = {
    "edges": _spec(),
    "nodecov": _with(BINARY_TERMS["nodecov"], _FORM),
    "nodefactor": _with(BINARY_TERMS["nodefactor"], _FORM),
    "nodematch": _with(BINARY_TERMS["nodematch"], _FORM),
    "nodemix": _with(BINARY_TERMS["nodemix"], _FORM),
    "absdiff": _with(BINARY_TERMS["absdiff"], _FORM),
    "diff": _with(BINARY_TERMS["diff"], _FORM),
    "edgecov": _with(BINARY_TERMS["edgecov"], _FORM),
    "mutual": _spec(_FORM, ("threshold", "num"), directed=True, dependent=True),
    "sum": _spec(("pow", "num")),
    "nonzero": _spec(),
    "atleast": _COUNT_THRESHOLD,
    "atmost": _COUNT_THRESHOLD,
    "greaterthan": _COUNT_THRESHOLD,
    "smallerthan": _COUNT_THRESHOLD,
    "equalto": _spec(("value", "num"), ("tolerance", "num")),
    "ininterval": _spec(("lower", "num"), ("upper", "num"), ("open", "bools")),
    "nodecovar": _spec(("center", "bool"), ("transform", "str"), directed=False,
                       dependent=True),
    "nodesqrtcovar": _spec(("center", "bool"), ("transform", "str"), directed=False,
                           dependent=True),
    "transitiveweights": _WEIGHTS,
    "cyclicalweights": _WEIGHTS,
    "CMP": _spec(dependent=True),
}

# Sample-space constraints (ergm's InitErgmConstraint.*), for ERGM(constraints="~...").
CONSTRAINTS: dict[str, TermSpec] = {
    # dyad-independent: the model stays fit by (pseudo)likelihood when its terms are
    "blockdiag": _spec(_ATTR, ("noncontig", "str")),
    "blocks": _spec(_ATTR, ("b1levels", "levels"), ("b2levels", "levels"), _LEVELS,
                    ("levels2", "levels")),
    "fixallbut": _spec(("free.dyads", "dyads")),
    "fixedas": _spec(("fixed.dyads", "dyads"), ("present", "dyads"), ("absent", "dyads")),
    # dyad-dependent: the sample space couples dyads, so the fit is by MCMC
    "bd": _spec(("attribs", "never"), ("maxout", "count"), ("maxin", "count"),
                ("minout", "count"), ("minin", "count"), dependent=True),
    "degrees": _spec(dependent=True),
    "nodedegrees": _spec(dependent=True),
    "odegrees": _spec(directed=True, dependent=True),
    "idegrees": _spec(directed=True, dependent=True),
    "degreedist": _spec(dependent=True),
    "odegreedist": _spec(directed=True, dependent=True),
    "idegreedist": _spec(directed=True, dependent=True),
    "edges": _spec(dependent=True),
    "egocentric": _spec(_ATTR, ("direction", "str")),
}

# Proposal hints, for control={"MCMC.prop": "~sparse + .triadic"} (ergm's default).
PROPOSAL_HINTS: dict[str, TermSpec] = {
    "sparse": _spec(),
    "triadic": _spec(("triFocus", "num"), ("type", "str")),
    ".triadic": _spec(("triFocus", "num"), ("type", "str")),
    "strat": _spec(_ATTR, ("pmat", "never"), ("empirical", "bool")),
    "TNT": _spec(),
}

# Proposal weightings ergm 4.12 knows (the Weights column of ergm_proposal_table()).
PROPOSAL_WEIGHTS = ("default", "random", "TNT", "TNT10", "BDStratTNT", "random2")
