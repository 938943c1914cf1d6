"""Shared fixtures. R-backed fixtures start the real embedded R with the real statnet ergm."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

# ergm's progress is shown by default while an MCMC fit runs; the tests run quietly (also in the
# `pyreslib run` processes they start). A test of the default removes the variable.
os.environ.setdefault("PYRESLIB_ERGM_VERBOSE", "0")


@pytest.fixture(scope="session")
def r():
    """The embedded R session pyreslib uses (rpy2's `robjects.r`), for plain R reference calls."""
    from pyreslib.ergm import bridge

    return bridge.session().ro.r


@pytest.fixture(scope="session")
def florentine(r):
    """statnet's Florentine marriage network, loaded from the installed ergm package's data."""
    from pyreslib.ergm import bridge

    r('suppressMessages(library(ergm)); data(florentine, package = "ergm", envir = globalenv())')
    names = [str(v) for v in r("network.vertex.names(flomarriage)")]
    adjacency = bridge.as_matrix(r("as.matrix(flomarriage)"))
    wealth = bridge.as_float_array(r('flomarriage %v% "wealth"'))
    return (pd.DataFrame(adjacency, index=names, columns=names),
            pd.DataFrame({"wealth": wealth}, index=names))


@pytest.fixture(scope="session")
def r_floats(r):
    """Evaluate trusted test-side R code and return a float array."""
    from pyreslib.ergm import bridge

    return lambda code: bridge.as_float_array(r(code))


@pytest.fixture()
def rng():
    return np.random.default_rng(20231)
