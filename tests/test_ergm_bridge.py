"""ERGM fits through pyreslib equal the same fits made by plain R calls to statnet's ergm."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import ERGM, bridge, simulate
from pyreslib.errors import InputError, RError

pytestmark = pytest.mark.r


def test_florentine_wealth_model_matches_plain_r(florentine, r, r_floats):
    adjacency, covariates = florentine
    results = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(seed=1)

    r("plain_fit <- ergm(flomarriage ~ edges + nodecov('wealth'))")
    np.testing.assert_allclose(results.params.values, r_floats("coef(plain_fit)"), rtol=0, atol=1e-6)
    np.testing.assert_allclose(results.bse.values, r_floats("sqrt(diag(vcov(plain_fit)))"),
                               atol=1e-6)
    assert results.llf == pytest.approx(r_floats("as.numeric(logLik(plain_fit))")[0], abs=1e-6)
    assert results.aic == pytest.approx(r_floats("AIC(plain_fit)")[0], abs=1e-6)
    assert results.bic == pytest.approx(r_floats("BIC(plain_fit)")[0], abs=1e-6)
    assert list(results.params.index) == ["edges", "nodecov.wealth"]
    assert results.nobs == 120 and results.n_nodes == 16 and results.n_edges == 20
    assert results.converged


def test_results_object_reads_like_statsmodels(florentine):
    adjacency, covariates = florentine
    results = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(seed=1)
    ci = results.conf_int(alpha=0.05)
    assert (ci["lower"] < results.params).all() and (results.params < ci["upper"]).all()
    frame = results.to_frame()
    assert {"coef", "std err", "z", "P>|z|", "MCMC %", "stars"} <= set(frame.columns)
    text = str(results.summary())
    assert "nodecov.wealth" in text and "AIC:" in text and f"ergm {results.ergm_version}" in text
    assert results.null_deviance == pytest.approx(166.3553, abs=1e-3)
    assert results.residual_deviance == pytest.approx(103.1086, abs=1e-3)


@pytest.fixture(scope="module")
def simulated_gwesp_network():
    """A 300-node network simulated by ergm from edges = -5, gwesp(0.25) = 1."""
    return simulate("edges + gwesp(0.25, fixed=TRUE)", [-5.0, 1.0], 300, seed=42)


def test_gwesp_mcmc_mle_equals_plain_r_with_the_same_seed(simulated_gwesp_network, r, r_floats):
    adjacency = simulated_gwesp_network
    assert adjacency.shape == (300, 300) and (adjacency == adjacency.T).all()
    results = ERGM(adjacency, "edges + gwesp(0.25, fixed=TRUE)").fit(seed=7)

    r.assign("sim_adj", bridge.to_r(adjacency))
    plain = r_floats("""
        sim_nw <- network::network(sim_adj, directed = FALSE, matrix.type = "adjacency")
        set.seed(7)
        plain_gwesp <- ergm(sim_nw ~ edges + gwesp(0.25, fixed = TRUE),
                            control = control.ergm(seed = 7))
        c(coef(plain_gwesp), sqrt(diag(vcov(plain_gwesp))), as.numeric(logLik(plain_gwesp)))
    """)
    np.testing.assert_array_equal(results.params.values, plain[:2])
    np.testing.assert_array_equal(results.bse.values, plain[2:4])
    assert results.llf == plain[4]
    # the estimate recovers the simulating parameters
    z = (results.params.values - np.array([-5.0, 1.0])) / results.bse.values
    assert np.all(np.abs(z) < 3), z
    assert results.converged and not results.dyad_independent
    assert np.isfinite(results.aic) and np.isfinite(results.bic)


def test_the_same_seed_repeats_a_fit_exactly(simulated_gwesp_network):
    model = ERGM(simulated_gwesp_network, "edges + gwesp(0.25, fixed=TRUE)")
    first = model.fit(seed=11, control={"MCMC.samplesize": 512})
    second = model.fit(seed=11, control={"MCMC.samplesize": 512})
    pd.testing.assert_series_equal(first.params, second.params)
    assert first.llf == second.llf


def test_r_errors_arrive_as_python_exceptions_with_rs_message():
    with pytest.raises(RError, match="the Binomial reference needs a trials count"):
        bridge.call("pyreslib_reference", context="choosing a reference", reference="Binomial")


def test_control_settings_are_checked_against_control_ergm():
    model = ERGM(np.array([[0, 1], [1, 0]]), "edges")
    with pytest.raises(InputError, match="'MCMC.samplesizes' is not a control.ergm setting"):
        model.fit(control={"MCMC.samplesizes": 10})
    with pytest.raises(InputError, match="only numbers, strings, booleans"):
        model.fit(control={"MCMC.samplesize": {"nested": 1}})


def test_labels_become_vertex_names_and_covariates_align_by_label(florentine):
    adjacency, covariates = florentine
    shuffled = covariates.sample(frac=1.0, random_state=3)  # rows in another order
    a = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=shuffled).fit(seed=1)
    b = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(seed=1)
    pd.testing.assert_series_equal(a.params, b.params)


def test_a_routine_mcmc_fit_raises_no_warnings(simulated_gwesp_network):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ERGM(simulated_gwesp_network, "edges + gwesp(0.25, fixed=TRUE)").fit(seed=3)
