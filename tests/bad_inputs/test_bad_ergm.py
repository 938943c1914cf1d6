"""Bad inputs to the ERGM API: each raises a typed pyreslib error that names the input and
the remedy, before R is asked to do anything it cannot."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import ERGM
from pyreslib.errors import DegeneracyError, FormulaError, InputError

RING = np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1)
LABELS = [f"c{i}" for i in range(6)]
COVS = pd.DataFrame({"gdp": np.arange(6.0)}, index=LABELS)


def ring_frame():
    return pd.DataFrame(RING, index=LABELS, columns=LABELS)


def with_nan(matrix, i=0, j=1):
    out = matrix.astype(float).copy()
    out[i, j] = out[j, i] = np.nan
    return out


CASES = {
    # adjacency
    "non-square matrix": (lambda: ERGM(np.zeros((3, 4)), "edges"), InputError,
                          r"ERGM adjacency: expected a square matrix, got shape \(3, 4\)"),
    "asymmetric matrix for an undirected network": (
        lambda: ERGM(np.triu(RING), "edges"), InputError,
        r"not symmetric .* pass directed=True"),
    "NaN in the adjacency": (lambda: ERGM(with_nan(RING), "edges"), InputError,
                             r"NaN or infinite .* row 0, column 1"),
    "infinite entry in the adjacency": (
        lambda: ERGM(np.where(RING == 1, np.inf, 0), "edges"), InputError, r"NaN or infinite"),
    "self-loops": (lambda: ERGM(RING + np.eye(6), "edges"), InputError, r"diagonal has non-zero entries \(self-loops\)"),
    "counts without response": (lambda: ERGM(RING * 3, "edges"), InputError,
                                r"other than 0 and 1 .* response='weight'"),
    "negative ties": (lambda: ERGM(-RING, "edges"), InputError, r"negative entries"),
    "a network with one node": (lambda: ERGM(np.zeros((1, 1)), "edges"), InputError,
                                r"1 vertex; an ERGM needs at least 2"),
    "an empty graph object": (lambda: ERGM(nx.Graph(), "edges"), InputError, r"0 vertex|shape"),
    "duplicate vertex labels": (
        lambda: ERGM(pd.DataFrame(RING, index=LABELS[:5] + ["c0"], columns=LABELS[:5] + ["c0"]),
                     "edges"), InputError, r"duplicate vertex labels \['c0'\]"),
    "row and column labels differ": (
        lambda: ERGM(pd.DataFrame(RING, index=LABELS, columns=LABELS[::-1]), "edges"),
        InputError, r"row labels and column labels differ"),
    "text in the adjacency": (
        lambda: ERGM(np.array([["0", "x"], ["x", "0"]], dtype=object), "edges"),
        InputError, r"non-numeric entries"),
    # node covariates
    "NaN node covariate": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.assign(gdp=[1, np.nan, 3, 4, 5, 6])),
        InputError, r"column 'gdp' has 1 NaN or infinite values \(vertices \['c1'\]\)"),
    "infinite node covariate": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.assign(gdp=[1, np.inf, 3, 4, 5, 6])),
        InputError, r"NaN or infinite"),
    "covariates misaligned with vertices": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.rename(index={"c5": "zz"})),
        InputError, r"1 vertices have no row \(first: \['c5'\]\)"),
    "covariates not a DataFrame": (
        lambda: ERGM(ring_frame(), "edges", node_covariates={"gdp": [1, 2]}),
        InputError, r"pass a pandas DataFrame"),
    # edge covariates
    "edge covariate of the wrong shape": (
        lambda: ERGM(RING, "edges + edgecov('d')", edge_covariates={"d": np.ones((5, 5))}),
        InputError, r"edge covariate 'd': shape \(5, 5\) does not match the network's 6"),
    "NaN edge covariate": (
        lambda: ERGM(RING, "edges + edgecov('d')", edge_covariates={"d": with_nan(RING, 2, 3)}),
        InputError, r"edge covariate 'd': 2 entries are NaN"),
    "asymmetric edge covariate": (
        lambda: ERGM(RING, "edges + edgecov('d')", edge_covariates={"d": np.triu(np.ones((6, 6)))}),
        InputError, r"edge covariate 'd': the matrix is not symmetric"),
    # formulas
    "formula injection through system()": (
        lambda: ERGM(RING, "edges + system('touch /tmp/pwned')"), FormulaError,
        r"'system' at position 8 is not an ergm term"),
    "formula injection with a semicolon": (
        lambda: ERGM(RING, "edges; unlink('~')"), FormulaError, r"character ';'"),
    "edgecov of a matrix that was not given": (
        lambda: ERGM(RING, "edges + edgecov(foo)"), FormulaError,
        r"edge covariate 'foo', which was not given"),
    "nodecov of a covariate that was not given": (
        lambda: ERGM(ring_frame(), "edges + nodecov('income')", node_covariates=COVS),
        FormulaError, r"node covariate 'income', which was not given; available: \['gdp'\]"),
    # fitting arguments
    "unknown estimate": (lambda: ERGM(RING, "edges").fit(estimate="Bayes"), InputError,
                         r"estimate='Bayes': choose 'MLE' or 'MPLE'"),
    "a seed that is not a whole number": (lambda: ERGM(RING, "edges").fit(seed=1.5), InputError,
                                          r"seed=1.5: give a whole number"),
    "parallel workers as text": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"parallel": "two"}), InputError,
        r"control\['parallel'\]='two'"),
    "host names with shell characters": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"parallel": ["node1; rm -rf /"]}),
        InputError, r"list of host names"),
    "an unknown reference measure": (
        lambda: ERGM(RING, "sum", response="weight", reference="Normal"), InputError,
        r"reference 'Normal'"),
}

R_CASES = {
    "a term with no variation (-Inf estimate)": (
        lambda: ERGM(np.kron(np.eye(3), [[0, 1], [1, 0]]), "edges + triangle").fit(
            seed=1, estimate="MPLE"),
        DegeneracyError, r"estimate of triangle is infinite .* Remove the term"),
    "a node covariate with no variation": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.assign(gdp=1.0)).fit(seed=1),
        DegeneracyError, r"estimate of nodecov.gdp is undefined .* constant across vertices"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_ergm_input_is_refused_with_a_message_naming_it(case):
    make, error, message = CASES[case]
    with pytest.raises(error, match=message):
        make()


@pytest.mark.r
@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")  # ergm's own warning precedes
@pytest.mark.parametrize("case", sorted(R_CASES))
def test_degenerate_models_are_refused_with_advice(case):
    make, error, message = R_CASES[case]
    with pytest.raises(error, match=message):
        make()
