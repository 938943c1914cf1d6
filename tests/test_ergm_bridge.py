"""ERGM fits through pyreslib equal the same fits made by plain R calls to statnet's ergm."""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from pyreslib.ergm import ERGM, bridge, r_console, simulate
from pyreslib.errors import DegeneracyError, EstimateWarning, InputError, RError, RWarning

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
    with pytest.raises(InputError, match=r"control\['MCMC.samplesize'\]=\{'nested': 1\}: give a "
                                         r"whole number from 1 to 10,000,000"):
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


# ---- what statnet returns when an estimate does not exist ------------------------------------

@pytest.fixture(scope="module")
def mesa(r):
    """faux.mesa.high from the installed ergm: labelled adjacency and Grade/Race/Sex."""
    r('data(faux.mesa.high, package = "ergm", envir = globalenv())')
    names = [str(v) for v in r("network.vertex.names(faux.mesa.high)")]
    adjacency = pd.DataFrame(bridge.as_matrix(r("as.matrix(faux.mesa.high)")), index=names,
                             columns=names)
    covariates = pd.DataFrame({a: list(r(f'faux.mesa.high %v% "{a}"'))
                               for a in ("Grade", "Race", "Sex")}, index=names)
    return adjacency, covariates


def test_a_level_without_ties_gets_minus_inf_and_a_warning_naming_it(mesa):
    adjacency, covariates = mesa
    with pytest.warns(EstimateWarning, match=r"nodematch.Race.Black, nodematch.Race.Other at "
                                              r"their smallest attainable value \(estimate -Inf\)"):
        res = ERGM(adjacency, "edges + nodematch('Race', diff=TRUE)",
                   node_covariates=covariates).fit(seed=1)
    assert res.params["nodematch.Race.Black"] == -np.inf
    assert res.bse["nodematch.Race.Black"] == 0 and res.pvalues["nodematch.Race.Black"] == 0
    assert np.isfinite(res.params["nodematch.Race.Hisp"]) and np.isfinite(res.llf)
    assert list(res.extreme[res.extreme != 0].index) == ["nodematch.Race.Black",
                                                         "nodematch.Race.Other"]
    assert not res.offset.any()
    assert any("nodematch.Race.Black" in w for w in res.warnings)


def test_linearly_dependent_terms_get_na_and_every_warning_is_kept_in_order(mesa):
    adjacency, covariates = mesa
    with pytest.warns(RWarning) as caught:
        res = ERGM(adjacency, "edges + nodefactor('Sex', levels=TRUE)",
                   node_covariates=covariates).fit(seed=1)
    assert np.isnan(res.params["nodefactor.Sex.M"]) and np.isfinite(res.llf)
    # R's own warning first, then pyreslib's naming the NA term; both also issued in Python
    assert "linear dependence" in res.warnings[0] and "2 * edges" in res.warnings[0]
    assert "nodefactor.Sex.M is undefined (NA)" in res.warnings[1]
    assert [str(w.message) for w in caught if issubclass(w.category, RWarning)] == res.warnings


@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")
@pytest.mark.parametrize(("adjacency", "value"), [
    (np.zeros((10, 10)), -np.inf),  # empty: edges at its smallest value
    (1 - np.eye(6), np.inf),  # complete: at its largest
    (np.array([[0, 1], [1, 0]]), np.inf),  # a 2-node network with its one tie
])
def test_an_empty_or_complete_network_is_fit_as_statnet_fits_it(adjacency, value):
    res = ERGM(adjacency, "edges").fit(seed=1)
    # statnet: no optimisation, the estimate at infinity, no log-likelihood (NA)
    assert res.params["edges"] == value and res.bse["edges"] == 0
    assert np.isnan(res.llf) and np.isnan(res.aic) and np.isnan(res.bic)
    assert any("attainable value" in w for w in res.warnings)


@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")
def test_where_statnet_itself_fails_on_an_empty_network_the_error_says_why():
    with pytest.raises(DegeneracyError, match=r"the network is empty \(no ties\).*statnet's "
                                              r"ergm cannot fit this model: it fails with"):
        ERGM(np.zeros((8, 8)), "edges + gwesp(0.25, fixed=TRUE)").fit(seed=1, verbose=False)


def test_offsets_fix_coefficients_as_offset_coef_says(mesa):
    adjacency, covariates = mesa
    res = ERGM(adjacency, "edges + offset(nodematch('Race', diff=TRUE, levels=c(1, 4)))",
               node_covariates=covariates).fit(seed=1, offset_coef=[-np.inf, -np.inf])
    assert list(res.params.index) == ["edges", "offset(nodematch.Race.Black)",
                                      "offset(nodematch.Race.Other)"]
    assert list(res.offset) == [False, True, True] and (res.params.iloc[1:] == -np.inf).all()
    assert not any("attainable" in w for w in res.warnings)  # fixed by the user, not extreme
    with pytest.raises(InputError, match=r"offset_coef: ergm refused the offset coefficients"):
        ERGM(adjacency, "edges + offset(nodematch('Race', diff=TRUE, levels=c(1, 4)))",
             node_covariates=covariates).fit(seed=1, offset_coef=[-np.inf])


# ---- degeneracy: an MCMC sample stuck at or near an extreme graph ----------------------------

@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")
def test_a_sample_stuck_near_the_empty_graph_raises_with_the_fit_attached(florentine):
    adjacency, _ = florentine
    model = ERGM(adjacency, "edges + offset(triangle)")
    with pytest.raises(DegeneracyError, match=r"of the networks in the last MCMC sample are at "
                                              r"or near the empty graph") as err:
        model.fit(seed=1, offset_coef=[0.55], control={"MCMLE.maxit": 2}, verbose=False)
    assert err.value.results is not None and err.value.results.n_edges == 20


@pytest.mark.filterwarnings("ignore::pyreslib.errors.RWarning")
def test_a_sample_that_does_not_move_is_degenerate_as_ergm_finds(florentine):
    adjacency, _ = florentine
    with pytest.raises(DegeneracyError, match=r"the MCMC sample did not move.*statnet stops "
                                              r"here too: \"Unconstrained MCMC sampling did "
                                              r"not mix at all"):
        ERGM(adjacency, "edges + offset(triangle)").fit(seed=1, offset_coef=[1.0],
                                                       verbose=False)


# ---- R's progress while a fit runs ----------------------------------------------------------

def test_progress_goes_to_the_console_when_verbose(florentine):
    adjacency, covariates = florentine
    model = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates)
    lines: list[str] = []
    model.fit(seed=1, verbose=True, console=lines.append)
    assert "Starting maximum pseudolikelihood estimation (MPLE):" in lines
    lines.clear()
    model.fit(seed=1, console=lines.append)  # dyad-independent: quiet by default
    assert lines == []
    stream = io.StringIO()
    with r_console(stream):  # a default destination, e.g. the CLI's progress display
        model.fit(seed=1, verbose=1)
    assert "Finished MPLE." in stream.getvalue()


def test_mcmc_fits_show_progress_by_default_unless_the_environment_says_not(
        florentine, monkeypatch, capsys):
    model = ERGM(florentine[0], "edges + triangle")
    lines: list[str] = []
    monkeypatch.setenv("PYRESLIB_ERGM_VERBOSE", "0")
    model.fit(seed=3, console=lines.append)
    assert lines == []
    monkeypatch.delenv("PYRESLIB_ERGM_VERBOSE")
    model.fit(seed=3, console=lines.append)
    assert any(line.startswith("Iteration 1 of at most") for line in lines)
    capsys.readouterr()
    model.fit(seed=3)  # by default on sys.stderr
    assert "Iteration 1 of at most" in capsys.readouterr().err
    with r_console(False):  # e.g. a command run with --quiet: logging only
        model.fit(seed=3)
    model.fit(seed=3, console=False)
    assert capsys.readouterr().err == ""


# ---- covariate alignment (issue 14) ---------------------------------------------------------

def test_covariates_match_by_position_when_either_side_has_no_labels(florentine):
    adjacency, covariates = florentine
    plain = adjacency.to_numpy()
    by_label = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates)
    by_position = ERGM(plain, "edges + nodecov('wealth')",
                       node_covariates=covariates.reset_index(drop=True))
    np.testing.assert_array_equal(by_label.node_covariates["wealth"].to_numpy(),
                                  by_position.node_covariates["wealth"].to_numpy())
    with pytest.raises(InputError, match=r"17 rows for 16 vertices.*rows 16..16 have no vertex"):
        ERGM(plain, "edges + nodecov('wealth')",
             node_covariates=pd.concat([covariates, covariates.iloc[:1]]).reset_index(drop=True))
    with pytest.raises(InputError, match=r"indexed by labels \(first: \['Acciaiuoli'"):
        ERGM(plain, "edges + nodecov('wealth')", node_covariates=covariates)


def test_labelled_covariates_must_name_exactly_the_vertices(florentine):
    adjacency, covariates = florentine
    partial = covariates.rename(index={"Medici": "Medicis"})
    with pytest.raises(InputError, match=r"1 vertices have no row \(first: \['Medici'\]\); 1 "
                                         r"rows name no vertex of the network \(first: "
                                         r"\['Medicis'\]\)"):
        ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=partial)
    numbered = adjacency.set_axis([str(i) for i in range(15, -1, -1)], axis=0).set_axis(
        [str(i) for i in range(15, -1, -1)], axis=1)
    with pytest.raises(InputError, match=r"ambiguous"):
        ERGM(numbered, "edges + nodecov('wealth')",
             node_covariates=covariates.reset_index(drop=True))


# ---- parallel workers ------------------------------------------------------------------------

def test_an_unreachable_worker_host_is_an_error_within_the_timeout(florentine):
    adjacency, _ = florentine
    started = time.monotonic()
    with pytest.raises(InputError, match=r"control\['parallel'\]: could not start an R worker "
                                         r"on host '192.0.2.1' within 3 seconds"):
        ERGM(adjacency, "edges + triangle").fit(seed=1, control={"parallel": ["192.0.2.1"]},
                                               worker_timeout=3, verbose=False)
    assert time.monotonic() - started < 30


def test_statnets_fast_mcmc_profile_is_accepted(florentine):
    # MCMLE.effectiveSize=NULL (with Hummel termination) is statnet's documented fast setting;
    # None stands for R's NULL where NULL means something.
    from pyreslib.ergm import validate_control

    checked = validate_control({"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None,
                                "MCMC.samplesize": None})
    assert checked == {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None,
                       "MCMC.samplesize": None}
    with pytest.raises(InputError, match="MCMLE.interval"):
        validate_control({"MCMLE.interval": None})
