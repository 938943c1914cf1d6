"""Simulation from a fit, tie probabilities, and simulation from given coefficients, checked
against statnet's simulate.ergm / predict.ergm on the same fits in plain R."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import pyreslib.ergm as pe
from pyreslib.ergm import ERGM
from pyreslib.errors import InputError

pytestmark = pytest.mark.r

GWESP = "edges + nodecov('wealth') + gwesp(0.25, fixed=TRUE)"


@pytest.fixture(scope="module")
def gwesp_fit(florentine, r):
    adjacency, covariates = florentine
    fit = ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1)
    r("""set.seed(1)
         sim_m2 <- ergm(flomarriage ~ edges + nodecov('wealth') + gwesp(0.25, fixed = TRUE),
                        control = control.ergm(seed = 1))""")
    return fit


@pytest.fixture(scope="module")
def directed_fit(r):
    """Sampson's monks (time 3), directed, with their group as a node covariate."""
    adjacency, covariates, directed = pe.statnet_network("samplk3", dataset="samplk")
    groups = covariates[["group"]]
    r('suppressMessages(library(ergm)); data(samplk, package = "ergm", envir = globalenv())')
    fit = ERGM(adjacency, "edges + mutual + nodematch('group')", node_covariates=groups,
               directed=directed).fit(seed=4)
    r("""set.seed(4)
         sim_dir <- ergm(samplk3 ~ edges + mutual + nodematch('group'),
                         control = control.ergm(seed = 4))""")
    return fit


def test_simulated_statistics_equal_simulate_ergm_with_the_same_seed(gwesp_fit, r, r_floats):
    stats = gwesp_fit.simulate(nsim=6, seed=2, output="stats")
    expected = r_floats("as.numeric(simulate(sim_m2, nsim = 6, seed = 2, output = 'stats'))")
    np.testing.assert_array_equal(stats.to_numpy().ravel(order="F"), expected)
    assert list(stats.columns) == list(gwesp_fit.params.index)
    assert list(stats.index) == [1, 2, 3, 4, 5, 6] and stats.index.name == "draw"


def test_simulated_graphs_carry_the_vertex_names_and_covariates(gwesp_fit, florentine):
    _, covariates = florentine
    graphs = gwesp_fit.simulate(nsim=3, seed=2)
    stats = gwesp_fit.simulate(nsim=3, seed=2, output="stats")
    assert len(graphs) == 3 and all(isinstance(g, nx.Graph) for g in graphs)
    for graph, (_, row) in zip(graphs, stats.iterrows()):
        assert list(graph.nodes) == list(covariates.index)
        assert graph.number_of_edges() == row["edges"]
        wealth = nx.get_node_attributes(graph, "wealth")
        assert wealth == covariates["wealth"].to_dict()
        assert sum(wealth[a] + wealth[b] for a, b in graph.edges) == row["nodecov.wealth"]
    frames = gwesp_fit.simulate(nsim=3, seed=2, output="adjacency")
    for frame, graph in zip(frames, graphs):
        assert list(frame.index) == list(frame.columns) == list(covariates.index)
        assert (nx.to_pandas_adjacency(graph) == frame).all().all()
    one = gwesp_fit.simulate(seed=2, output="adjacency")
    assert isinstance(one, pd.DataFrame) and one.equals(frames[0])


def test_conditional_tie_probabilities_equal_predict_ergm(gwesp_fit, r, r_floats):
    frame = gwesp_fit.predict(output="frame")
    r("sim_pred <- predict(sim_m2)")
    names = [str(v) for v in r("network.vertex.names(sim_m2$network)")]
    expected = pd.DataFrame({"tail": [names[int(i) - 1] for i in r_floats("sim_pred$tail")],
                             "head": [names[int(i) - 1] for i in r_floats("sim_pred$head")],
                             "p": r_floats("sim_pred$p")})
    expected = expected.sort_values(["tail", "head"], key=lambda s: s.map(names.index))
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True), check_exact=True)
    matrix = gwesp_fit.predict()
    assert (matrix.to_numpy() == matrix.to_numpy().T).all() and (np.diag(matrix) == 0).all()
    assert matrix.loc["Medici", "Tornabuoni"] == frame.set_index(["tail", "head"]).loc[
        ("Medici", "Tornabuoni"), "p"]


def test_unconditional_tie_probabilities_equal_predict_ergm(gwesp_fit, r, r_floats):
    matrix = gwesp_fit.predict(conditional=False, nsim=30, seed=5)
    expected = r_floats(
        "m <- predict(sim_m2, conditional = FALSE, nsim = 30, seed = 5, output = 'matrix');"
        "m[upper.tri(m)]")
    # R's m[upper.tri(m)] runs down the columns: the transpose's lower triangle by rows
    np.testing.assert_array_equal(matrix.to_numpy().T[np.tril_indices(16, -1)], expected)
    frame = gwesp_fit.predict(conditional=False, nsim=30, seed=5, output="frame")
    assert len(frame) == 16 * 15 // 2  # every dyad, also those no simulation held


def test_directed_fits_simulate_digraphs_and_predict_both_directions(directed_fit, r, r_floats):
    graph = directed_fit.simulate(seed=8)
    assert isinstance(graph, nx.DiGraph) and graph.number_of_nodes() == 18
    assert set(nx.get_node_attributes(graph, "group").values()) == {"Loyal", "Outcasts", "Turks",
                                                                   "Waverers"}
    frame = directed_fit.predict(output="frame")
    assert len(frame) == 18 * 17
    expected = r_floats("local({p <- predict(sim_dir); p[order(p$tail, p$head), 'p']})")
    np.testing.assert_array_equal(frame["p"].to_numpy(), expected)
    stats = directed_fit.simulate(nsim=4, seed=8, output="stats")
    np.testing.assert_array_equal(
        stats.to_numpy().ravel(order="F"),
        r_floats("as.numeric(simulate(sim_dir, nsim = 4, seed = 8, output = 'stats'))"))


def test_module_simulate_matches_covariates_to_vertices_by_name():
    names = [f"city{i:02d}" for i in range(30)]
    covariates = pd.DataFrame({"gdp": np.linspace(-2, 2, 30)}, index=names)
    shuffled = covariates.sample(frac=1.0, random_state=3)
    formula = "edges + nodecov('gdp')"
    aligned = pe.simulate(formula, [-2.0, 1.0], seed=11, node_covariates=covariates,
                          output="adjacency")
    by_name = pe.simulate(formula, [-2.0, 1.0], seed=11, node_covariates=shuffled,
                          vertex_names=names, output="adjacency")
    assert list(aligned.index) == names and aligned.equals(by_name)
    stats = pe.simulate(formula, [-2.0, 1.0], seed=11, node_covariates=covariates,
                        output="stats")
    ties = np.triu(aligned.to_numpy(), 1)
    assert stats.loc[1, "edges"] == ties.sum()
    assert stats.loc[1, "nodecov.gdp"] == pytest.approx(
        (ties * np.add.outer(*[covariates["gdp"].to_numpy()] * 2)).sum(), abs=1e-9)
    graphs = pe.simulate(formula, [-2.0, 1.0], seed=11, nsim=2, node_covariates=covariates,
                         output="graph")
    assert nx.get_node_attributes(graphs[0], "gdp")["city29"] == 2.0
    array = pe.simulate(formula, [-2.0, 1.0], 30, seed=11, node_covariates=covariates)
    assert isinstance(array, np.ndarray) and (array == aligned.to_numpy()).all()


def test_module_simulate_refuses_disagreeing_sizes():
    covariates = pd.DataFrame({"gdp": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(InputError, match=r"n_nodes=4 but 3 vertex names"):
        pe.simulate("edges", [-1.0], 4, seed=1, node_covariates=covariates)


def test_gof_defaults_fit_a_directed_network_and_equal_statnets_gof(directed_fit, r, r_floats):
    gof = directed_fit.gof(nsim=20, seed=6)
    assert list(gof.tables) == ["idegree", "odegree", "espartners", "distance", "model"]
    r("sim_gof <- gof(sim_dir, control = control.gof.ergm(nsim = 20, seed = 6))")
    for name, key in (("idegree", "ideg"), ("odegree", "odeg"), ("espartners", "espart"),
                      ("distance", "dist")):
        np.testing.assert_array_equal(gof.tables[name]["p_value"].to_numpy(),
                                      r_floats(f"sim_gof$pval.{key}[, 'MC p-value']"))


def test_gof_p_value_is_twice_the_smaller_tail(gwesp_fit):
    gof = gwesp_fit.gof(nsim=30, seed=2)
    for name, table in gof.tables.items():
        simulated = gof.simulated[name]
        for value, row in table.iterrows():
            sims = simulated[value].to_numpy()
            rule = min(1.0, 2 * min(np.mean(sims >= row["obs"]), np.mean(sims <= row["obs"])))
            assert row["p_value"] == pytest.approx(rule, abs=1e-12), (name, value)


# ---- bounds on the work a call asks of R (docs/ergm-formulas.md, "Bounds") -------------------

def test_simulate_takes_nsim_up_to_the_bound_and_refuses_one_more(gwesp_fit, r, r_floats):
    from pyreslib.ergm.simulation import MAX_NSIM

    draws = gwesp_fit.simulate(nsim=MAX_NSIM, seed=5, output="stats")
    assert draws.shape == (MAX_NSIM, 3) and list(draws.index[[0, -1]]) == [1, MAX_NSIM]
    np.testing.assert_array_equal(
        draws["edges"].to_numpy()[:5],
        r_floats(f"simulate(sim_m2, nsim = {MAX_NSIM}, seed = 5, output = 'stats')[1:5, 1]"))
    with pytest.raises(InputError, match=r"simulate: nsim=10001: give a whole number from 1 to "
                                         r"10,000"):
        gwesp_fit.simulate(nsim=MAX_NSIM + 1, output="stats")
    for bad in (10**9, -1, 2.0, True, "100"):
        with pytest.raises(InputError, match=r"simulate: nsim="):
            gwesp_fit.simulate(nsim=bad)


def test_networks_returned_as_matrices_are_bounded_by_their_cells():
    from pyreslib.ergm.simulation import MAX_SIMULATED_CELLS, _check_nsim

    assert MAX_SIMULATED_CELLS == 100 * 1000**2
    assert _check_nsim(100, 1, "simulate", 1000, "array") == 100  # at the bound
    with pytest.raises(InputError, match=r"nsim=101 networks of 1,000 vertices are 101,000,000 "
                                         r"matrix cells, more than the 100,000,000"):
        _check_nsim(101, 1, "simulate", 1000, "graph")
    assert _check_nsim(10_000, 1, "simulate", 1000, "stats") == 10_000  # statistics are small
    with pytest.raises(InputError, match=r"n_nodes=10001: give a whole number from 2 to 10,000"):
        pe.simulate("edges", [-1.0], 10_001, seed=1, output="stats")


def test_predict_and_gof_refuse_nsim_past_the_bound(gwesp_fit):
    with pytest.raises(InputError, match=r"predict: nsim=10001: give a whole number from 2"):
        gwesp_fit.predict(conditional=False, nsim=10_001)
    with pytest.raises(InputError, match=r"gof nsim=10001: give a whole number from 2 to 10,000"):
        gwesp_fit.gof(nsim=10_001)
    with pytest.raises(InputError, match=r"bridge_loglik: nsteps=1001: give a whole number from "
                                         r"2 to 1,000"):
        gwesp_fit.bridge_loglik(nsteps=1001)
