"""Statnet-grade diagnostics and comparison tables, checked against plain R calls to ergm."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import pyreslib
from pyreslib.ergm import ERGM, bridge, simulate
from pyreslib.errors import ComparisonWarning, ConvergenceWarning, EstimateWarning, InputError

pytestmark = pytest.mark.r

GWESP = "edges + gwesp(0.25, fixed=TRUE)"


@pytest.fixture(scope="module")
def mcmc_fit(r):
    """A dyad-dependent fit by pyreslib, and the same fit made by plain R in `plain_fit2`."""
    adjacency = simulate(GWESP, [-4.0, 0.8], 120, seed=5)
    results = ERGM(adjacency, GWESP).fit(seed=9)
    r.assign("adj2", bridge.to_r(adjacency))
    r("""
        suppressMessages(library(ergm))
        nw2 <- network::network(adj2, directed = FALSE, matrix.type = "adjacency")
        set.seed(9)
        plain_fit2 <- ergm(nw2 ~ edges + gwesp(0.25, fixed = TRUE), control = control.ergm(seed = 9))
    """)
    return results


def test_gof_p_values_equal_plain_r_gof_with_the_same_seed(mcmc_fit, r, r_floats):
    gof = mcmc_fit.gof(nsim=40, seed=3)
    r("plain_gof <- gof(plain_fit2, GOF = ~ degree + espartners + distance + model, "
      "control = control.gof.ergm(nsim = 40, seed = 3))")
    for name, key in [("degree", "deg"), ("espartners", "espart"), ("distance", "dist"),
                      ("model", "model")]:
        table = gof.tables[name]
        np.testing.assert_array_equal(table["p_value"].to_numpy(),
                                      r_floats(f"plain_gof$pval.{key}[, 'MC p-value']"))
        np.testing.assert_array_equal(table["obs"].to_numpy(), r_floats(f"plain_gof$pval.{key}[, 'obs']"))
        np.testing.assert_array_equal(table["mean"].to_numpy(), r_floats(f"plain_gof$pval.{key}[, 'mean']"))
        assert gof.simulated[name].shape[0] == 40
    assert list(gof.tables["model"].index) == ["edges", "gwesp.fixed.0.25"]
    fig = gof.plot()
    assert len(fig.axes) == 4


def test_mcmc_diagnostics_equal_coda_on_the_plain_r_fit(mcmc_fit, r_floats):
    diag = mcmc_fit.mcmc_diagnostics()
    table = diag.table
    np.testing.assert_allclose(table["geweke_z"].to_numpy(),
                               r_floats("coda::geweke.diag(plain_fit2$sample[[1]])$z"), rtol=1e-12)
    np.testing.assert_allclose(table["ess"].to_numpy(),
                               r_floats("coda::effectiveSize(plain_fit2$sample)"), rtol=1e-12)
    np.testing.assert_allclose(table["lag1_autocorrelation"].to_numpy(),
                               r_floats("coda::autocorr.diag(plain_fit2$sample, lags = 1)"),
                               rtol=1e-12)
    np.testing.assert_allclose(table["observed"].to_numpy(), r_floats("plain_fit2$nw.stats"))
    np.testing.assert_allclose(
        table["sample_mean"].to_numpy(),
        r_floats("plain_fit2$nw.stats + colMeans(as.matrix(plain_fit2$sample))"))
    assert diag.joint["hotelling_p"] == pytest.approx(
        r_floats("ergm:::approx.hotelling.diff.test(plain_fit2$sample)$p.value")[0], rel=1e-12)
    assert 0 <= diag.joint["geweke_joint_p"] <= 1
    assert set(diag.sample.columns) == {"edges", "gwesp.fixed.0.25", "chain"}
    assert len(diag.plot().axes) == 4


def test_mcmc_diagnostics_need_an_mcmc_fit(florentine):
    adjacency, covariates = florentine
    results = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(seed=1)
    with pytest.raises(InputError, match="no chain to diagnose"):
        results.mcmc_diagnostics()


def test_bridge_sampled_loglik_gives_aic_for_curved_models(mcmc_fit, r_floats):
    assert mcmc_fit.llf == r_floats("as.numeric(logLik(plain_fit2))")[0]
    assert mcmc_fit.aic == pytest.approx(-2 * mcmc_fit.llf + 2 * 2)
    finer = mcmc_fit.bridge_loglik(nsteps=32)
    assert abs(finer - mcmc_fit.llf) < 2.0  # same quantity, different Monte Carlo error


@pytest.fixture(scope="module")
def three_stage_fits():
    """Two models fitted to three simulated 'stage' networks with a node covariate."""
    fits = {}
    rng = np.random.default_rng(1)
    for stage, n in [("2011-2014", 50), ("2015-2017", 70), ("2018-2021", 90)]:
        x = pd.DataFrame({"x": rng.normal(size=n)})
        adjacency = simulate("edges + nodecov('x') + gwesp(0.5, fixed=TRUE)", [-3.5, 0.5, 0.6], n,
                             seed=n, node_covariates=x)
        for name, formula in [("base", "edges + nodecov('x')"),
                              ("gwesp", "edges + nodecov('x') + gwesp(0.5, fixed=TRUE)")]:
            fits[f"{stage} {name}"] = ERGM(adjacency, formula, node_covariates=x).fit(seed=4)
    return fits


def test_compare_reports_each_fits_own_aic_and_bic_in_all_formats(three_stage_fits):
    with pytest.warns(ComparisonWarning, match="different networks"):
        table = pyreslib.compare(three_stage_fits)
    assert list(table.params.index) == ["edges", "nodecov.x", "gwesp.fixed.0.5"]
    for name, res in three_stage_fits.items():
        assert table.stats.loc["AIC", name] == res.aic
        assert table.stats.loc["BIC", name] == res.bic
        aic, bic = f"{res.aic:.2f}", f"{res.bic:.2f}"
        # marked: fits to different networks, as the table's own note says
        assert table.frame.loc["AIC", name] == aic + "†" and table.frame.loc["BIC", name] == bic + "†"
        for text in (table.to_markdown(), table.to_latex(), table.to_html()):
            assert aic in text and bic in text
        coef = f"{res.params['edges']:.3f}"
        assert coef in table.to_markdown()
        assert f"({res.bse['edges']:.3f})" in table.to_html()
    latex = table.to_latex()
    assert r"\toprule" in latex and r"\midrule" in latex and r"\bottomrule" in latex
    assert r"nodecov.x" in latex and r"gwesp.fixed.0.5" in latex
    assert "<table" in table.to_html() and "|" in table.to_markdown()
    # the gwesp row is blank for models without it
    assert table.frame.loc["gwesp.fixed.0.5"].iloc[0] == ""


def test_compare_within_one_network_does_not_warn(three_stage_fits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ComparisonWarning)
        pyreslib.compare([three_stage_fits["2018-2021 base"], three_stage_fits["2018-2021 gwesp"]],
                         names=["base", "gwesp"])


def test_two_parallel_workers_give_the_same_estimate_within_mcmc_error(mcmc_fit):
    model = mcmc_fit.model
    parallel = model.fit(seed=9, control={"parallel": 2})
    assert parallel.mcmc_diagnostics().joint["chains"] == 2
    difference = (parallel.params - mcmc_fit.params).abs()
    tolerance = 3 * np.sqrt(parallel.bse**2 + mcmc_fit.bse**2)
    assert (difference < tolerance).all(), (parallel.params, mcmc_fit.params)


def test_valued_ergm_on_counts_matches_plain_ergm_count(r, r_floats):
    rng = np.random.default_rng(3)
    counts = np.triu(rng.poisson(0.6, size=(25, 25)), 1)
    counts = counts + counts.T
    results = ERGM(counts, "sum + nonzero", response="weight").fit(
        seed=2, control={"MCMC.samplesize": 1000})
    r.assign("counts", bridge.to_r(counts.astype(float)))
    plain = r_floats("""
        suppressMessages(library(ergm.count))
        cnw <- network::network(counts, directed = FALSE, matrix.type = "adjacency",
                                ignore.eval = FALSE, names.eval = "weight")
        set.seed(2)
        cfit <- ergm(cnw ~ sum + nonzero, response = "weight", reference = ~Poisson,
                     control = control.ergm(seed = 2, MCMC.samplesize = 1000))
        coef(cfit)
    """)
    np.testing.assert_array_equal(results.params.values, plain)
    assert list(results.params.index) == ["sum", "nonzero"]


def test_a_term_without_variation_gets_minus_inf_as_in_statnet_with_advice():
    adjacency = np.zeros((6, 6))
    adjacency[0, 1] = adjacency[1, 0] = adjacency[2, 3] = adjacency[3, 2] = 1
    with pytest.warns(EstimateWarning, match=r"triangle at their smallest attainable value.*"
                                             r"Drop or recode these terms"):
        res = ERGM(adjacency, "edges + triangle").fit(seed=1, estimate="MPLE")
    assert res.params["triangle"] == -np.inf and np.isfinite(res.params["edges"])


def test_a_fit_stopped_before_convergence_warns_with_advice():
    adjacency = simulate(GWESP, [-4.0, 0.8], 80, seed=8)
    with pytest.warns(ConvergenceWarning, match=re.compile("MCMLE.maxit|converge", re.IGNORECASE)):
        ERGM(adjacency, "edges + gwesp(0.25, fixed=TRUE) + gwdegree(0.5, fixed=TRUE)").fit(
            seed=1, control={"MCMLE.maxit": 1, "MCMC.samplesize": 100})
