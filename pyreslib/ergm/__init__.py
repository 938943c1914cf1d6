"""Exponential random graph models through statnet's ``ergm`` (rpy2).

>>> from pyreslib.ergm import ERGM
>>> results = ERGM(adjacency, "edges + nodecov('gdp')", node_covariates=covs).fit(seed=1)
>>> print(results.summary())

After the fit: :func:`anova` (and ``results.lr_test``, ``results.wald_test``),
``results.simulate``/``results.predict``, ``results.save`` and :func:`load`,
:func:`compare` for publishable tables.
"""

from pyreslib.ergm.bridge import r_console
from pyreslib.ergm.compare import Comparison, compare
from pyreslib.ergm.control import MCMC_PROFILES, profile_control, validate_control
from pyreslib.ergm.examples import statnet_network
from pyreslib.ergm.formula import Formula, Term, parse_constraints, parse_formula
from pyreslib.ergm.inference import AnovaResults, HypothesisTest, anova
from pyreslib.ergm.model import ERGM
from pyreslib.ergm.persist import load, read_tables
from pyreslib.ergm.results import ERGMResults, ERGMSummary
from pyreslib.ergm.simulation import simulate

__all__ = [
           "ERGM",
           "MCMC_PROFILES",
           "AnovaResults",
           "Comparison",
           "ERGMResults",
           "ERGMSummary",
           "Formula",
           "HypothesisTest",
           "Term",
           "anova",
           "compare",
           "load",
           "parse_constraints",
           "parse_formula",
           "profile_control",
           "r_console",
           "read_tables",
           "simulate",
           "statnet_network",
           "validate_control",
]
