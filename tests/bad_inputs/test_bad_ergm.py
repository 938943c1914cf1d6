"""Bad inputs to the ERGM API: each raises a typed pyreslib error that names the input and
the remedy, before R is asked to do anything it cannot (CASES), or, where only R can tell
(a degenerate chain, an unreachable host), as soon as R does (R_CASES).

Infinite and NA estimates are not here: statnet returns them, and so does pyreslib (with a
warning); see tests/test_ergm_bridge.py and the parity suite."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import tempfile
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
        lambda: ERGM(RING, "edges + " * 10_000 + "bogus"), FormulaError,
        (r"^ERGM formula 'edges \+ edges.*'… \(80,005 characters\): 'bogus' at position 80000 "
        r"is not an ergm term")),
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
        lambda: _fit("wealth").simulate(nsim=0), InputError, r"nsim=0: give a whole number >= 1"),
    "simulate with a text seed": (
        lambda: _fit("wealth").simulate(seed="1"), InputError, r"seed='1': give a whole number"),
    "predict with an unknown output": (
        lambda: _fit("wealth").predict(output="long"), InputError,
        r"output='long': choose one of 'matrix', 'frame'"),
    "predict with conditional as text": (
        lambda: _fit("wealth").predict(conditional="no"), InputError,
        r"conditional='no': give True or False"),
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
