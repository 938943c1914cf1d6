"""Exponential random graph models through statnet's ``ergm`` (rpy2).

>>> from pyreslib.ergm import ERGM
>>> results = ERGM(adjacency, "edges + nodecov('gdp')", node_covariates=covs).fit(seed=1)
>>> print(results.summary())
"""

from pyreslib.ergm.bridge import r_console
from pyreslib.ergm.compare import Comparison, compare
from pyreslib.ergm.control import validate_control
from pyreslib.ergm.formula import Formula, Term, parse_constraints, parse_formula
from pyreslib.ergm.model import ERGM, simulate
from pyreslib.ergm.results import ERGMResults, ERGMSummary

__all__ = [
           "ERGM",
           "Comparison",
           "ERGMResults",
           "ERGMSummary",
           "Formula",
           "Term",
           "compare",
           "parse_constraints",
           "parse_formula",
           "r_console",
           "simulate",
           "validate_control",
]
