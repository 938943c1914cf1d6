"""Bad inputs to the ERGM API: each raises a typed pyreslib error that names the input and
the remedy, before R is asked to do anything it cannot (CASES), or, where only R can tell
(a degenerate chain, an unreachable host), as soon as R does (R_CASES).

Infinite and NA estimates are not here: statnet returns them, and so does pyreslib (with a
warning); see tests/test_ergm_bridge.py and the parity suite."""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import pyreslib.ergm as pe
from pyreslib.ergm import ERGM
from pyreslib.errors import DegeneracyError, FormulaError, InputError, PyreslibError

RING = np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1)
LABELS = [f"c{i}" for i in range(6)]
COVS = pd.DataFrame({"gdp": np.arange(6.0)}, index=LABELS)


def ring_frame():
    return pd.DataFrame(RING, index=LABELS, columns=LABELS)


def with_nan(matrix, i=0, j=1):
    out = matrix.astype(float).copy()
    out[i, j] = out[j, i] = np.nan
    return out


# edges + one factor with 12,000 listed levels: long text (some 70,000 characters), few terms.
LONG_LEVELS = ("edges + nodefactor('gdp', levels=c(" + ", ".join(map(str, range(12_000)))
               + "))")

CASES = {
    # adjacency
    "non-square matrix": (lambda: ERGM(np.zeros((3, 4)), "edges"), InputError,
                          (r"ERGM adjacency: expected a square matrix, got shape \(3, 4\); a 3 x "
                           r"4 matrix is the incidence matrix of a two-mode \(bipartite\) "
                           r"network. pyreslib fits one-mode networks only")),
    "asymmetric matrix for an undirected network": (
        lambda: ERGM(np.triu(RING), "edges"), InputError,
        r"not symmetric .* pass directed=True"),
    # NaN is a missing dyad (tests/test_ergm_missing_dyads.py); these are not
    "a missing dyad on one side of an undirected dyad only": (
        lambda: ERGM(np.where(np.eye(6, k=1) == 1, np.nan, RING), "edges"), InputError,
        (r"not symmetric \(entry \[0,1\] = nan but \[1,0\] = 1\).*a missing dyad is NaN "
         r"on both sides")),
    "NaN on the diagonal": (
        lambda: ERGM(RING + np.diag([np.nan] + [0] * 5), "edges"), InputError,
        r"the diagonal has NaN entries \(first at vertex 0\).* cannot be missing: set it to 0"),
    "infinite entry in the adjacency": (
        lambda: ERGM(np.where(RING == 1, np.inf, 0), "edges"), InputError,
        r"12 entries are infinite \(first at row 0, column 1\).* unknown is NaN"),
    "a missing count next to counts other than whole numbers": (
        lambda: ERGM(with_nan(RING * 2.5), "sum", response="weight"), InputError,
        r"a count ERGM needs whole-number entries"),
    "pandas NA in a 0/1 DataFrame next to a 2": (
        lambda: ERGM(ring_frame().astype("Float64").mask(np.eye(6, k=1, dtype=bool) | np.eye(
            6, k=-1, dtype=bool), pd.NA).mask(np.eye(6, k=3, dtype=bool) | np.eye(
            6, k=-3, dtype=bool), 2.0), "edges"), InputError,
        r"entries other than 0 and 1 .*A dyad whose state is unknown is NaN"),
    # two-mode (bipartite) networks are recognised and refused
    "a two-mode DataFrame (rows and columns name different vertices)": (
        lambda: ERGM(pd.DataFrame(np.ones((3, 3)), index=["a1", "a2", "a3"],
                                  columns=["p1", "p2", "p3"]), "edges"), InputError,
        (r"rows and columns name different vertices .* an incidence matrix of a two-mode "
         r"\(bipartite\) network")),
    "a networkx bipartite graph": (
        lambda: ERGM(nx.complete_bipartite_graph(3, 4), "edges"), InputError,
        (r"the graph's nodes carry networkx's 'bipartite' attribute \('0' or '1'\) and every "
         r"tie joins the two sets: a two-mode \(bipartite\) network")),
    "a square two-mode incidence matrix as an undirected network": (
        lambda: ERGM(np.triu(np.ones((4, 4)), 1), "edges"), InputError,
        r"not symmetric .*A square incidence matrix of a two-mode network is not an adjacency"),
    "a two-mode term": (
        lambda: ERGM(RING, "edges + b1degree(2)"), FormulaError,
        (r"'b1degree' at position 8 is a term of two-mode \(bipartite\) networks, and pyreslib "
         r"fits one-mode networks only")),
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
        InputError, (r"column 'gdp' \(used by the formula\) has 1 NaN or infinite values "
                     r"\(vertices \['c1'\]\)")),
    "NaN in a covariate the constraints use": (
        lambda: ERGM(ring_frame(), "edges", constraints="~blockdiag('block')",
                     node_covariates=COVS.assign(block=[1, 1, 1, np.nan, 2, 2])),
        InputError, r"column 'block' \(used by the constraints\) has 1 NaN or infinite"),
    "a missing category of a factor the formula uses": (
        lambda: ERGM(ring_frame(), "edges + nodefactor('region')",
                     node_covariates=COVS.assign(region=["n", "s", None, "n", "s", "n"])),
        InputError, (r"column 'region' \(used by the formula\) has missing values \(vertices "
                     r"\['c2'\]\)")),
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
        InputError, r"'node1; rm -rf /' is not a host name"),
    "an unknown reference measure": (
        lambda: ERGM(RING, "sum", response="weight", reference="Normal"), InputError,
        r"reference 'Normal'"),
    # network and covariate types (issue 14)
    "directed given as text": (lambda: ERGM(RING, "edges", directed="no"), InputError,
                               r"directed='no': give True or False"),
    "a ragged adjacency list": (lambda: ERGM([[0, 1, 0], [1, 0], [0, 1, 0]], "edges"),
                                InputError, r"ERGM adjacency: the rows have different lengths"),
    "a complex adjacency": (lambda: ERGM(RING.astype(complex), "edges"), InputError,
                            r"ERGM adjacency: complex numbers"),
    "text weights on a networkx graph": (
        lambda: ERGM(nx.Graph([("a", "b", {"weight": "heavy"})]), "edges"), InputError,
        r"edge \('a', 'b'\) has weight 'heavy'; edge weights must be numbers"),
    "complex node covariate": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.assign(gdp=COVS["gdp"] + 1j)),
        InputError, r"column 'gdp' holds complex numbers"),
    "covariates with one row too many (unlabelled network)": (
        lambda: ERGM(RING, "edges + nodecov('gdp')",
                     node_covariates=pd.DataFrame({"gdp": np.arange(7.0)})),
        InputError, r"node_covariates: 7 rows for 6 vertices.*rows 6..6 have no vertex"),
    "covariates overlapping the vertices in part": (
        lambda: ERGM(ring_frame(), "edges + nodecov('gdp')",
                     node_covariates=COVS.rename(index={"c5": "c9"})),
        InputError, (r"1 vertices have no row \(first: \['c5'\]\); 1 rows name no vertex "
                    r"of the network \(first: \['c9'\]\)")),
    "labelled covariates for an unlabelled network": (
        lambda: ERGM(RING, "edges + nodecov('gdp')", node_covariates=COVS), InputError,
        r"the rows are indexed by labels .* the network has no vertex labels"),
    # formula literals (issue 14)
    "a number of 2^31 in a formula": (
        lambda: ERGM(RING, "edges + degree(2147483648)"), FormulaError,
        r"number '2147483648' at position 15 is out of range"),
    "a deeply nested c()": (
        lambda: ERGM(ring_frame(), "edges + nodefactor('gdp', levels=" + "c(" * 40_000 + ")",
                     node_covariates=COVS),
        FormulaError, r"c\(...\) may hold only numbers, quoted strings or TRUE/FALSE"),
    "a c() mixing numbers and strings": (
        lambda: ERGM(ring_frame(), "edges + nodefactor('gdp', levels=c(1, 'a'))",
                     node_covariates=COVS),
        FormulaError, r"c\(...\) at position \d+ mixes numbers and strings"),
    "a megabyte of formula": (
        lambda: ERGM(RING, "edges + " * 125_000 + "bogus"), FormulaError,
        (r"^ERGM formula 'edges \+ edges.*'… \(1,000,005 characters\) is too long: at most "
        r"100,000 characters")),
    "a long formula with a bad term at its end": (
        lambda: ERGM(ring_frame(), LONG_LEVELS + " + bogus", node_covariates=COVS), FormulaError,
        (r"^ERGM formula .edges \+ nodefactor.*.… \(\d\d,\d{3} characters\): 'bogus' at "
         r"position \d{5} is not an ergm term")),
    # the bound on terms (docs/ergm-formulas.md, "Bounds"; the bound itself: tests/test_formula.py)
    "600 repeated terms (once a SIGSEGV inside R)": (
        lambda: ERGM(RING, " + ".join(["edges"] * 600)), FormulaError,
        (r"^ERGM formula 'edges \+ edges.*'… \(4,797 characters\): has 600 terms; at most 256 "
         r"are accepted")),
    "257 terms, one past the bound": (
        lambda: ERGM(ring_frame(), " + ".join(["nodecov('gdp')"] * 257), node_covariates=COVS),
        FormulaError, r"has 257 terms; at most 256 are accepted"),
    "a constraint formula of 300 terms": (
        lambda: ERGM(RING, "edges", constraints="~" + " + ".join(["edges"] * 300)), FormulaError,
        r"^constraints '~edges \+ edges.*: has 300 terms; at most 256"),
    "proposal hints of 300 terms": (
        lambda: ERGM(RING, "edges").fit(
            seed=1, control={"MCMC.prop": "~" + " + ".join(["sparse"] * 300)}), InputError,
        r"has 300 terms; at most 256"),
    # misspelt names
    "a misspelt term": (
        lambda: ERGM(ring_frame(), "edges + nodecv('gdp')", node_covariates=COVS), FormulaError,
        r"'nodecv' at position 8 is not an ergm term pyreslib knows. Did you mean 'nodecov'"),
    "a term in the wrong case": (
        lambda: ERGM(RING, "Edges + gwesp(0.25, fixed=TRUE)"), FormulaError,
        r"'Edges' at position 0 is not an ergm term pyreslib knows. Did you mean 'edges'\? "),
    "a misspelt dyad-dependent term": (
        lambda: ERGM(RING, "edges + tringle"), FormulaError,
        r"Did you mean 'triangle' or 'triangles'\?"),
    "a misspelt constraint": (
        lambda: ERGM(ring_frame(), "edges", constraints="~blockdiagonal('gdp')",
                     node_covariates=COVS), FormulaError,
        (r"'blockdiagonal' at position 1 is not a constraint pyreslib knows. Did you mean "
         r"'blockdiag'")),
    "a directed-only term on an undirected network": (
        lambda: ERGM(RING, "edges + mutual"), FormulaError,
        r"'mutual' at position 8 is for directed networks, and this network is undirected"),
    "an undirected-only term on a directed network": (
        lambda: ERGM(RING, "edges + gwdegree(0.5, fixed=TRUE)", directed=True), FormulaError,
        r"'gwdegree' at position 8 is for undirected networks"),
    "offset(offset(...))": (
        lambda: ERGM(RING, "offset(offset(edges))"), FormulaError,
        r"offset\(\) holds one plain term, not another offset\(\)"),
    # offsets
    "offset without offset_coef": (
        lambda: ERGM(RING, "edges + offset(triangle)").fit(seed=1), InputError,
        r"offset_coef: the formula has offset term\(s\) \['offset\(triangle\)'\]"),
    "offset_coef without offset terms": (
        lambda: ERGM(RING, "edges").fit(seed=1, offset_coef=[-np.inf]), InputError,
        r"offset_coef: the formula has no offset\(...\) terms"),
    "NaN in offset_coef": (
        lambda: ERGM(RING, "edges + offset(triangle)").fit(seed=1, offset_coef=[np.nan]),
        InputError, r"offset_coef: nan is not a coefficient"),
    # constraints and dyad lists
    "an unknown constraint": (
        lambda: ERGM(RING, "edges", constraints="~maxdegree(3)"), FormulaError,
        r"constraints '~maxdegree\(3\)': 'maxdegree' at position 1 is not a constraint"),
    "a directed-only constraint on an undirected network": (
        lambda: ERGM(RING, "edges", constraints="~odegrees"), FormulaError,
        r"constraints '~odegrees': 'odegrees' at position 1 is for directed networks"),
    "a constraint argument of the wrong kind": (
        lambda: ERGM(RING, "edges", constraints="~bd(maxout=-1)"), FormulaError,
        r"argument 'maxout' of bd\(\) .* must be a whole number >= 0"),
    "a constraint naming a dyad list not given": (
        lambda: ERGM(RING, "edges", constraints="~fixallbut(free)"), FormulaError,
        r"names dyad list 'free', which was not given; available: none"),
    "a dyad list naming no vertex": (
        lambda: ERGM(ring_frame(), "edges", constraints="~fixallbut(free)",
                     dyad_lists={"free": [("c0", "c7")]}),
        InputError, r"dyad_lists\['free'\]: 'c7' is not a vertex label of the network"),
    "a dyad list the constraints do not use": (
        lambda: ERGM(ring_frame(), "edges", dyad_lists={"free": [("c0", "c1")]}), InputError,
        r"dyad_lists: \['free'\] are not named by the constraints"),
    "a self-loop in a dyad list": (
        lambda: ERGM(ring_frame(), "edges", constraints="~fixallbut(free)",
                     dyad_lists={"free": [("c0", "c0")]}),
        InputError, r"dyad_lists\['free'\]: \(c0, c0\) is a self-loop"),
    # control values (issue 14)
    "a negative MCMC sample size": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"MCMC.samplesize": -5}), InputError,
        r"control\['MCMC.samplesize'\]=-5: give a whole number from 1 to 10,000,000"),
    "a control value of 2^31": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"MCMC.interval": 2**31}), InputError,
        r"control\['MCMC.interval'\]=2147483648: give a whole number from 1 to 2,147,483,647"),
    "text for a TRUE/FALSE setting": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"MPLE.check": "yes"}), InputError,
        r"control\['MPLE.check'\]='yes': give True or False"),
    "an unknown choice": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"main.method": "fast"}), InputError,
        (r"control\['main.method'\]='fast': choose one of \['MCMLE', "
        r"'Stochastic-Approximation'\]")),
    "a mixed-type list setting": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"init": [1.0, "a"]}), InputError,
        r"control\['init'\]=\[1.0, 'a'\]: only numbers, strings, booleans and flat lists"),
    "control seed instead of fit(seed=)": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"seed": 3}), InputError,
        r"control\['seed'\] is not accepted: pass seed= to fit\(\) instead"),
    "a control setting that writes files": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"checkpoint": "/tmp/x%02d.RData"}),
        InputError, r"control\['checkpoint'\] is not accepted: it writes files"),
    "R code as proposal hints": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"MCMC.prop": "~system('ls')"}),
        InputError, (r"control\['MCMC.prop'\] \"~system\('ls'\)\": 'system' at position 1 is "
                    r"not a proposal hint")),
    "an unknown proposal weighting": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"MCMC.prop.weights": "fast"}),
        InputError, r"control\['MCMC.prop.weights'\]='fast': choose one of"),
    "a host name that ssh would read as an option": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"parallel": ["-V"]}), InputError,
        r"control\['parallel'\]: '-V' is not a host name"),
    "a worker count of 2^31": (
        lambda: ERGM(RING, "edges").fit(seed=1, control={"parallel": 2**31}), InputError,
        r"control\['parallel'\]=2147483648: give a worker count \(0 to 1024\)"),
    "a zero worker timeout": (
        lambda: ERGM(RING, "edges").fit(seed=1, worker_timeout=0), InputError,
        r"worker_timeout=0: give seconds"),
    # seeds and verbosity
    "a seed above 2^63": (lambda: ERGM(RING, "edges").fit(seed=2**64), InputError,
                          r"seed=18446744073709551616: give a whole number between 0 and"),
    "a verbose level out of range": (lambda: ERGM(RING, "edges").fit(seed=1, verbose=7),
                                     InputError, r"verbose=7: give True/False or a level"),
    "a console that cannot be written to": (
        lambda: ERGM(RING, "edges").fit(seed=1, console=42), InputError,
        r"console=42: give a text stream"),
    # unbounded work (docs/ergm-formulas.md, "Bounds")
    "module simulate with nsim = 10**9": (
        lambda: pe.simulate("edges", [-1.0], 20, seed=1, nsim=10**9), InputError,
        r"simulate: nsim=1000000000: give a whole number from 1 to 10,000"),
    "module simulate of 10**9 vertices": (
        lambda: pe.simulate("edges", [-1.0], 10**9, seed=1), InputError,
        r"simulate: n_nodes=1000000000: give a whole number from 2 to 10,000"),
    "module simulate of more matrix cells than it returns at once": (
        lambda: pe.simulate("edges", [-1.0], 5_000, seed=1, nsim=5), InputError,
        (r"simulate: nsim=5 networks of 5,000 vertices are 125,000,000 matrix cells, more than "
         r"the 100,000,000 .* output='stats'")),
    "module simulate with text coefficients": (
        lambda: pe.simulate("edges", ["low"], 20, seed=1), InputError,
        r"simulate: coef must be numbers"),
}

R_CASES = {
    "a chain stuck at the complete graph": (
        lambda: ERGM(ring_frame(), "edges + offset(triangle)").fit(
            seed=1, offset_coef=[3.0], verbose=False),
        DegeneracyError, r"the MCMC sample did not move"),
    "a dyad-dependent term on an empty network": (
        lambda: ERGM(np.zeros((6, 6)), "edges + gwesp(0.25, fixed=TRUE)").fit(
            seed=1, verbose=False),
        DegeneracyError, r"the network is empty \(no ties\).* statnet's ergm cannot fit"),
    "too few offset coefficients": (
        lambda: ERGM(ring_frame(), "edges + offset(nodefactor('gdp', levels=c(1, 2)))",
                     node_covariates=COVS.assign(gdp=[1, 1, 2, 2, 3, 3])).fit(
            seed=1, offset_coef=[-1.0]),
        InputError, r"offset_coef: ergm refused the offset coefficients"),
    "an unreachable worker host": (
        lambda: ERGM(RING, "edges + triangle").fit(
            seed=1, control={"parallel": ["192.0.2.1"]}, worker_timeout=2, verbose=False),
        InputError, (r"control\['parallel'\]: could not start an R worker on host '192.0.2.1' "
                    r"within 2 seconds")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_ergm_input_is_refused_with_a_message_naming_it(case):
    make, error, message = CASES[case]
    with pytest.raises(error, match=message) as err:
        make()
    assert isinstance(err.value, PyreslibError)
    assert len(str(err.value)) < 2000  # long user text is quoted by an excerpt only


@pytest.mark.r
@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")  # ergm's own warning precedes
@pytest.mark.parametrize("case", sorted(R_CASES))
def test_what_r_cannot_do_ends_in_a_clear_error(case):
    make, error, message = R_CASES[case]
    with pytest.raises(error, match=message) as err:
        make()
    assert isinstance(err.value, PyreslibError)


# ---- after the fit: anova, tests, simulate, predict, save/load, compare ---------------------
# Bad arguments of the API that works on fitted models. The fits are made once, on statnet's
# Florentine marriage network; every case needs R. (tests/bad_inputs/catalogue.py lists them.)


@functools.cache
def _flo() -> dict:
    adjacency, covariates, _ = pe.statnet_network("flomarriage", dataset="florentine")
    wealth = covariates[["wealth"]]
    shuffled = wealth.assign(wealth=wealth["wealth"].to_numpy()[::-1])
    wealth_model = "edges + nodecov('wealth')"
    return {
        "edges": ERGM(adjacency, "edges").fit(seed=1),
        "wealth": ERGM(adjacency, wealth_model, node_covariates=wealth).fit(seed=1),
        "wealth reversed": ERGM(adjacency, wealth_model, node_covariates=shuffled).fit(seed=1),
        "triangle": ERGM(adjacency, "edges + triangle").fit(seed=1, estimate="MPLE"),
        "triangle no loglik": ERGM(adjacency, "edges + triangle").fit(
            seed=1, estimate="MPLE", eval_loglik=False),
        "ring": ERGM(RING, "edges").fit(seed=1),
        "wealth, 8 families free": ERGM(
            adjacency, wealth_model, node_covariates=wealth, constraints="~fixallbut(free)",
            dyad_lists={"free": list(itertools.combinations(adjacency.index[:8], 2))}).fit(seed=1),
    }


def _fit(name: str):
    return _flo()[name]


def _wald(hypotheses, q=None):
    return lambda: _fit("wealth").wald_test(hypotheses, q)


def _save_then(change, *, overwrite: bool = False):
    """Save a fit, let `change(path, folder)` damage or replace the file, then load it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _fit("wealth").save(Path(tmp) / "fit.ergm.zip")
        target = change(path, Path(tmp))
        return pe.load(target or path)


def _rewrite_member(path: Path, name: str, data: bytes, *, fix_checksum: bool) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = data
    if fix_checksum:
        manifest = json.loads(members["pyreslib-ergm.json"])
        manifest["sha256"][name] = hashlib.sha256(data).hexdigest()
        members["pyreslib-ergm.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for n, d in members.items():
            archive.writestr(n, d)


def _foreign_rds(path: Path, folder: Path) -> None:
    from pyreslib.ergm import bridge

    rds = folder / "other.rds"
    bridge.session().ro.r(f"saveRDS(list(a = 1), '{rds}')")
    _rewrite_member(path, "fit.rds", rds.read_bytes(), fix_checksum=True)


def _save_over_foreign_file(overwrite: bool):
    with tempfile.TemporaryDirectory() as tmp:
        mine = Path(tmp) / "results.csv"
        mine.write_text("a,b\n1,2\n", encoding="utf-8")
        return _fit("wealth").save(mine, overwrite=overwrite)


def _rezip(path: Path, change, *, checksums: tuple[str, ...] = ()) -> None:
    """Rewrite the fit file at ``path`` with ``change(members)`` applied to its members (a
    dict of name to bytes; a list of pairs allows duplicates), recomputing the manifest's
    checksums of ``checksums`` (as a forger would)."""
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members = change(members) or members
    pairs = list(members.items()) if isinstance(members, dict) else members
    if checksums:
        manifest = json.loads(dict(pairs)["pyreslib-ergm.json"])
        for name in checksums:
            manifest["sha256"][name] = hashlib.sha256(dict(pairs)[name]).hexdigest()
        pairs = [(n, json.dumps(manifest).encode() if n == "pyreslib-ergm.json" else d)
                 for n, d in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, which is the point
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for n, d in pairs:
                archive.writestr(n, d)


def _tables_after(damage):
    """Save a fit, let `damage(path)` change the file, then read its tables (no R)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _fit("wealth").save(Path(tmp) / "fit.ergm.zip")
        damage(path)
        return pe.read_tables(path)


def _tables_then(change, **kwargs):
    """Save a fit, rewrite the file with `_rezip(path, change, ...)`, then read its tables."""
    return _tables_after(lambda path: _rezip(path, change, **kwargs))


def _declared_size(path: Path, name: str, size: int) -> None:
    """Forge the size the ZIP directory declares for member ``name`` (its central record)."""
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")  # the first central directory record
    while True:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length].decode() == name:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
            break
        extra = int.from_bytes(data[at + 30:at + 32], "little")
        comment = int.from_bytes(data[at + 32:at + 34], "little")
        at += 46 + length + extra + comment
    path.write_bytes(bytes(data))


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _bigger_adjacency(members):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((40, 40)), allow_pickle=False)
    members["adjacency.npy"] = buffer.getvalue()


AFTER_FIT_CASES = {
    # anova and likelihood-ratio tests
    "anova of fits to different networks": (
        lambda: pe.anova(_fit("ring"), _fit("edges")), InputError,
        r"anova: model 1 \('edges'\) and model 2 \('edges'\) were fit to different networks"),
    "anova of non-nested fits": (
        lambda: pe.anova(_fit("wealth"), _fit("triangle")), InputError,
        (r"are not nested: \[\"nodecov\('wealth'\)\"\] appear only in model 1 and "
         r"\['triangle'\] only in model 2")),
    "anova of the same model twice": (
        lambda: pe.anova(_fit("wealth"), _fit("wealth")), InputError, r"have the same terms"),
    "anova of fits with different covariate values": (
        lambda: pe.anova(_fit("edges"), _fit("wealth"), _fit("wealth reversed")), InputError,
        r"node covariate 'wealth' has different values in model 2 .* and model 3"),
    "anova of fits under different constraints": (
        lambda: pe.anova(_fit("edges"), _fit("wealth, 8 families free")), InputError,
        r"differ in constraints \(none vs '~fixallbut\(free\)'\)"),
    "anova of a fit without log-likelihood": (
        lambda: pe.anova(_fit("edges"), _fit("triangle no loglik")), InputError,
        r"model 2 \('edges \+ triangle'\) has no log-likelihood"),
    "anova of something that is not a fit": (
        lambda: pe.anova(_fit("edges"), "edges + triangle"), InputError,
        r"argument 2 is a str, not an ERGMResults"),
    "lr_test of non-nested fits": (
        lambda: _fit("triangle").lr_test(_fit("wealth")), InputError, r"are not nested"),
    # Wald tests
    "wald_test of an unknown coefficient": (
        _wald("nodecov.gdp = 0"), InputError,
        (r"'nodecov.gdp' at position 0 is not a coefficient of this model. Did you mean "
         r"'nodecov.wealth'\?")),
    "wald_test of a product of coefficients": (
        _wald("edges * nodecov.wealth = 0"), InputError,
        r"a product of two coefficients is not a linear hypothesis"),
    "wald_test without an equation": (
        _wald("nodecov.wealth"), InputError,
        r"expected '=' \(each hypothesis is an equation\) at position 14"),
    "wald_test of an empty string": (
        _wald(""), InputError, r"no hypothesis given"),
    "wald_test with R code in it": (
        _wald("edges = system('ls')"), InputError,
        r"'system' at position 8 is not a coefficient"),
    "wald_test of redundant hypotheses": (
        _wald("edges = 0, 2*edges = 0"), InputError,
        r"linearly dependent"),
    "wald_test of a constant equation": (
        _wald("1 = 1"), InputError,
        r"a hypothesis without any coefficient at position 0"),
    "wald_test restriction matrix of the wrong shape": (
        _wald([[1, 0, 0]]), InputError,
        r"restriction matrix has shape \(1, 3\); it needs one column per coefficient \(2"),
    # simulate and predict
    "simulate with an unknown output": (
        lambda: _fit("wealth").simulate(output="network"), InputError,
        r"output='network': choose one of 'graph', 'adjacency', 'stats'"),
    "simulate with nsim = 0": (
        lambda: _fit("wealth").simulate(nsim=0), InputError, r"nsim=0: give a whole number from 1 to 10,000"),
    "simulate with a text seed": (
        lambda: _fit("wealth").simulate(seed="1"), InputError, r"seed='1': give a whole number"),
    "predict with an unknown output": (
        lambda: _fit("wealth").predict(output="long"), InputError,
        r"output='long': choose one of 'matrix', 'frame'"),
    "predict with conditional as text": (
        lambda: _fit("wealth").predict(conditional="no"), InputError,
        r"conditional='no': give True or False"),
    "simulate with nsim = 10**9": (
        lambda: _fit("wealth").simulate(nsim=10**9), InputError,
        r"simulate: nsim=1000000000: give a whole number from 1 to 10,000 \(100 to 1,000"),
    "simulate one network past the bound": (
        lambda: _fit("wealth").simulate(nsim=10_001, output="stats"), InputError,
        r"simulate: nsim=10001: give a whole number from 1 to 10,000"),
    "predict from 10**6 simulations": (
        lambda: _fit("wealth").predict(conditional=False, nsim=10**6), InputError,
        r"predict: nsim=1000000: give a whole number from 2 to 10,000"),
    "goodness of fit from 10**5 simulations": (
        lambda: _fit("wealth").gof(nsim=10**5), InputError,
        r"gof nsim=100000: give a whole number from 2 to 10,000"),
    "bridge sampling with 10**6 bridges": (
        lambda: _fit("triangle").bridge_loglik(nsteps=10**6), InputError,
        r"bridge_loglik: nsteps=1000000: give a whole number from 2 to 1,000"),
    "module simulate without a vertex count": (
        lambda: pe.simulate("edges", [-1.0], seed=1), InputError,
        r"give n_nodes, vertex_names, or node_covariates indexed by vertex name"),
    # saving and loading
    "save over a file pyreslib did not write": (
        lambda: _save_over_foreign_file(False), InputError,
        r"exists; pyreslib does not overwrite files"),
    "save over a foreign file even with overwrite=True": (
        lambda: _save_over_foreign_file(True), InputError,
        r"is not a pyreslib fit file .* never overwrites a file it did not write"),
    "save into a folder that does not exist": (
        lambda: _fit("wealth").save("/nonexistent-folder/fit.zip"), InputError,
        r"folder '/nonexistent-folder' does not exist"),
    "load a file that is not a fit file": (
        lambda: _save_then(lambda p, d: (d / "x.csv").write_text("a\n") and d / "x.csv"),
        InputError, r"is not a pyreslib fit file \(not a ZIP archive"),
    "load a truncated fit file": (
        lambda: _save_then(lambda p, d: p.write_bytes(p.read_bytes()[:300]) and None), InputError,
        r"is not a pyreslib fit file \(not a ZIP archive, or a truncated one\)"),
    "load a fit file with a changed member": (
        lambda: _save_then(lambda p, d: _rewrite_member(p, "adjacency.npy", b"0",
                                                        fix_checksum=False)),
        InputError, r"is damaged: member 'adjacency.npy' does not match its checksum"),
    "load a ZIP archive of something else": (
        lambda: _save_then(lambda p, d: zipfile.ZipFile(d / "o.zip", "w").close() or d / "o.zip"),
        InputError, r"not a pyreslib fit file \(a ZIP archive without pyreslib-ergm.json\)"),
    # fit files from anyone: read_tables (and load) bound what they read (pyreslib.ergm.persist)
    "a table member declaring one byte more than the bound": (
        lambda: _tables_then(lambda m: m.update({"model.json": m["model.json"].ljust(
            16 * 2**20 + 1)}), checksums=("model.json",)), InputError,
        (r"member 'model.json' declares 16,777,217 bytes, more than the 16,777,216 a pyreslib "
         r"fit file holds there")),
    "a manifest of 2 MiB (its bound is 1 MiB)": (
        lambda: _tables_then(lambda m: m.update({"pyreslib-ergm.json": m[
            "pyreslib-ergm.json"].ljust(2 * 2**20)})), InputError,
        r"member 'pyreslib-ergm.json' declares 2,097,152 bytes, more than the 1,048,576"),
    "a small file whose model.json declares 869 MB": (
        lambda: _tables_after(lambda p: _declared_size(p, "model.json", 869 * 10**6)),
        InputError, r"member 'model.json' declares 869,000,000 bytes, more than the 16,777,216"),
    "a member that inflates beyond the size it declares": (
        lambda: _tables_after(lambda p: _declared_size(p, "fit.json", 10)), InputError,
        r"is damaged \(Bad CRC-32 for file 'fit.json'\)"),
    "a manifest nested 100,000 levels deep": (
        lambda: _tables_then(lambda m: m.update({"pyreslib-ergm.json": _nested(100_000)})),
        InputError, (r"is damaged: pyreslib-ergm.json nests 100,000 levels deep; a pyreslib "
                     r"fit file nests at most 32")),
    "a model.json nested 33 levels deep, its checksum forged": (
        lambda: _tables_then(lambda m: m.update({"model.json": _nested(33)}),
                             checksums=("model.json",)), InputError,
        r"is damaged: model.json nests 33 levels deep"),
    "a manifest that is not JSON": (
        lambda: _tables_then(lambda m: m.update({"pyreslib-ergm.json": b"\xff\xfe{oops"})),
        InputError, r"is damaged: pyreslib-ergm.json is not JSON"),
    "a model.json that is a list, its checksum forged": (
        lambda: _tables_then(lambda m: m.update({"model.json": b"[]"}),
                             checksums=("model.json",)), InputError,
        r"is damaged: model.json is not a JSON object"),
    "a fit file with a member it does not have": (
        lambda: _tables_then(lambda m: m.update({"run.sh": b"rm -rf ~"})), InputError,
        r"has members a pyreslib fit file does not have \('run.sh'\)"),
    "a fit file with two members of one name": (
        lambda: _tables_then(lambda m: list(m.items()) + [("fit.json", b"{}")]), InputError,
        r"has two members named 'fit.json'"),
    "a fit file with 300 edge covariates": (
        lambda: _tables_then(lambda m: m.update({f"edge_covariates/{k}.npy": b""
                                                 for k in range(300)})), InputError,
        r"has 300 edge covariates; a fit file holds at most 256"),
    "a fit file whose adjacency is larger than its vertices allow": (
        lambda: _save_then(lambda p, d: _rezip(p, _bigger_adjacency,
                                               checksums=("adjacency.npy",))), InputError,
        r"member 'adjacency.npy' declares 12,928 bytes, more than the 6,144"),
    "load a folder": (
        lambda: _save_then(lambda p, d: d), InputError,
        r"is not a regular file \(a folder, a pipe or a device\)"),
    "load a path with a NUL byte": (
        lambda: pe.load("fit\0.ergm.zip"), InputError, r"not a usable path"),
    "load a fit file whose R object is not a fit": (
        lambda: _save_then(_foreign_rds), InputError,
        r"its R fit cannot be read .* is a list, not an ergm fit"),
    # compare
    "compare with an unknown statistic": (
        lambda: pe.compare([_fit("edges")], statistic="stderr"), InputError,
        r"statistic='stderr': choose 'std_errors', 'tstats', 'pvalues', 'conf_int' or None"),
    "compare omitting a term no model has": (
        lambda: pe.compare([_fit("edges")], omit=["triangle"]), InputError,
        r"omit names \['triangle'\], which no model has"),
    "compare renaming two terms of one model alike": (
        lambda: pe.compare([_fit("wealth")], rename={"edges": "x", "nodecov.wealth": "x"}),
        InputError, r"one model has several of them"),
    "compare with an extra row of the wrong length": (
        lambda: pe.compare([_fit("edges"), _fit("wealth")], extra_rows={"FE": ["yes"]}),
        InputError, r"extra_rows\['FE'\] needs one value per model \(2\)"),
}


@pytest.mark.r
@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")
@pytest.mark.parametrize("case", sorted(AFTER_FIT_CASES))
def test_bad_arguments_after_the_fit_are_refused_naming_them(case):
    make, error, message = AFTER_FIT_CASES[case]
    with pytest.raises(error, match=message):
        make()
