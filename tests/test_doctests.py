"""The Examples sections of the public modules run as tests (numpydoc style, networkx-like):
an example that no longer prints what it says fails here."""

from __future__ import annotations

import doctest
import importlib

import pytest

# The analyses, the ERGM entry points and the small modules whose docstrings carry examples.
MODULES = (
    "pyreslib.stages",
    "pyreslib.cells",
    "pyreslib.datasets",
    "pyreslib.stagemodels.specs",
    "pyreslib.stagemodels.covariates",
    "pyreslib.stagemodels.coverage",
    "pyreslib.applicants",
    "pyreslib.cities",
    "pyreslib.ergm.distributions",
    "pyreslib.ergm.control",
    "pyreslib.ergm.model",
    "pyreslib.ergm.compare",
    "pyreslib.ergm.inference",
    "pyreslib.ergm.simulation",
    "pyreslib.ergm.persist",
    "pyreslib.convert",
    "pyreslib.metrics",
    "pyreslib.centrality",
    "pyreslib.degree_distribution",
    "pyreslib.community",
    "pyreslib.community_stability",
    "pyreslib.composite_index",
    "pyreslib.coupling",
    "pyreslib.resilience",
    "pyreslib.node_resilience",
    "pyreslib.robustness",
    "pyreslib.cascade",
    "pyreslib.temporal.series",
    "pyreslib.temporal.terms",
    "pyreslib.temporal.btergm",
    "pyreslib.temporal.tergm",
    "pyreslib.qap.correlation",
    "pyreslib.qap.regression",
    "pyreslib.spatial",
    "pyreslib.spatial.weights",
    "pyreslib.spatial.autocorrelation",
    "pyreslib.spatial.local",
    "pyreslib.spatial.stages",
    "pyreslib.richclub",
    "pyreslib.core",
)


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_of_each_module_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests, f"{name} has no examples in its docstrings"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
