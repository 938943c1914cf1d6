"""Exponential random graph models through statnet's ``ergm`` (rpy2).

>>> from pyreslib.ergm import ERGM
>>> results = ERGM(adjacency, "edges + nodecov('gdp')", node_covariates=covs).fit(seed=1)
>>> print(results.summary())
"""

from pyreslib.ergm.formula import Formula, Term, parse_formula
from pyreslib.ergm.model import ERGM, simulate, validate_control
from pyreslib.ergm.results import ERGMResults, ERGMSummary
from pyreslib.ergm.compare import Comparison, compare

__all__ = ["Comparison", "ERGM", "ERGMResults", "ERGMSummary", "compare", "Formula", "Term", "parse_formula", "simulate",
           "validate_control"]
