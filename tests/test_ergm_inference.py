"""Likelihood inference after a fit (anova, LR and Wald tests, MPLE labelling, summaries),
checked against the same calls on plain R fits of statnet's Florentine marriage network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyreslib.ergm as pe
from pyreslib.ergm import ERGM
from pyreslib.errors import InputError

pytestmark = pytest.mark.r

WEALTH = "edges + nodecov('wealth')"
GWESP = "edges + nodecov('wealth') + gwesp(0.25, fixed=TRUE)"
R_GWESP = "flomarriage ~ edges + nodecov('wealth') + gwesp(0.25, fixed = TRUE)"


@pytest.fixture(scope="module")
def fits(florentine, r):
    """Nested fits by pyreslib, and the same fits by plain R (after_m0, after_m1, after_m2)."""
    adjacency, covariates = florentine
    out = {
        "m0": ERGM(adjacency, "edges").fit(seed=1),
        "m1": ERGM(adjacency, WEALTH, node_covariates=covariates).fit(seed=1),
        "m2": ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1),
        "mple": ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1, estimate="MPLE"),
    }
    r(f"""
        after_m0 <- ergm(flomarriage ~ edges)
        after_m1 <- ergm(flomarriage ~ edges + nodecov('wealth'))
        set.seed(1)
        after_m2 <- ergm({R_GWESP}, control = control.ergm(seed = 1))
        after_mple <- ergm({R_GWESP}, estimate = 'MPLE')
    """)
    return out


def r_anova(r, call: str) -> pd.DataFrame:
    table = r(f"as.data.frame({call})")
    return pd.DataFrame({name: np.asarray(list(table.rx2(name)), dtype=float)
                         for name in pe.inference.ANOVA_COLUMNS},
                        index=[str(v) for v in r(f"rownames({call})")])


def r_summary_lines(r, fit: str) -> list[str]:
    return [str(line) for line in r(f"capture.output(print(summary({fit})))")]


def test_anova_of_nested_fits_is_statnets_table_including_a_negative_deviance(fits, r):
    result = pe.anova(fits["m0"], fits["m1"], fits["m2"])
    expected = r_anova(r, "anova(after_m0, after_m1, after_m2)")
    pd.testing.assert_frame_equal(result.table, expected, check_exact=True)
    # gwesp adds nothing here: its bridge-sampled log-likelihood is a little *below* the
    # smaller model's, statnet prints the negative deviance and takes the p-value of |D|
    deviance = result.table.loc["3", "Deviance"]
    assert -0.05 < deviance < 0
    assert result.table.loc["3", "Pr(>|Chisq|)"] == pytest.approx(
        r("pchisq(abs(anova(after_m1, after_m2)[3, 'Deviance']), 1, lower.tail = FALSE)")[0],
        rel=1e-15)
    assert any("negative" in note and "|deviance|" in note for note in result.notes)
    text = str(result)
    assert "Analysis of Deviance Table" in text and "Model 3: " + GWESP in text
    assert "-0.019" in text and "Note: the deviance of row 3 is negative" in text


def test_one_fit_is_tested_against_the_null_model_as_anova_ergm_does(fits, r, r_floats):
    m2 = fits["m2"]
    expected = r_anova(r, "anova(after_m2)")
    pd.testing.assert_frame_equal(pe.anova(m2).table, expected, check_exact=True)
    assert m2.llnull == r_floats("as.numeric(logLikNull(after_m2))")[0] == 120 * np.log(0.5)
    assert m2.llr == expected.loc["Model 1:", "Deviance"] == pytest.approx(
        2 * (m2.llf - m2.llnull), abs=1e-12)
    assert m2.llr_pvalue == expected.loc["Model 1:", "Pr(>|Chisq|)"]


def test_lr_test_is_the_last_row_of_anova_in_either_order(fits):
    forward = fits["m1"].lr_test(fits["m0"])
    backward = fits["m0"].lr_test(fits["m1"])
    table = pe.anova(fits["m0"], fits["m1"]).table
    for test in (forward, backward):
        assert test.statistic == table.loc["2", "Deviance"]
        assert test.pvalue == table.loc["2", "Pr(>|Chisq|)"]
        assert test.df == 1 and test.hypotheses == ("nodecov.wealth = 0",)
    assert "chi2(1)" in str(forward) and "Likelihood-ratio" in repr(forward)


def test_mc_standard_error_of_the_loglikelihood_is_statnets(fits, r, r_floats):
    m2 = fits["m2"]
    assert m2.loglik_method == "bridge sampling"
    assert m2.llf_mcse == np.sqrt(r_floats("attr(logLik(after_m2), 'vcov')")[0]) > 0
    assert m2.aic_mcse == m2.bic_mcse == 2 * m2.llf_mcse
    assert fits["m1"].llf_mcse == 0 and fits["m1"].loglik_method == "exact"
    # the footer lines are statnet's own, character for character
    text = m2.summary().as_text()
    for line in r_summary_lines(r, "after_m2"):
        if "Deviance:" in line or line.startswith("AIC:"):
            assert line in text, line


def test_mple_of_a_dyad_dependent_model_says_what_it_is(fits, r):
    mple = fits["mple"]
    text = mple.summary().as_text()
    for line in r_summary_lines(r, "after_mple"):
        if "Pseudo-deviance:" in line or line.startswith("AIC:"):
            assert line in text, line
    assert "Maximum Pseudolikelihood Results:" in text
    assert "naive pseudolikelihood and are suspect" in text
    assert "'MPLE.covariance.method': 'Godambe'" in text
    assert mple.loglik_method == "pseudo-likelihood (MPLE)"
    frame = mple.to_frame()
    assert (frame["note"] == "naive MPLE SE: suspect").all()
    assert frame.attrs["estimate"] == "MPLE"
    assert (fits["m2"].to_frame()["note"] == "").all()
    assert any("pseudo-likelihoods" in note for note in pe.anova(fits["m1"], mple).notes)


def test_godambe_covariance_of_an_mple_equals_plain_r(florentine, r, r_floats):
    adjacency, covariates = florentine
    control = {"MPLE.covariance.method": "Godambe", "MPLE.covariance.samplesize": 100}
    fit = ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=3, estimate="MPLE",
                                                                 control=control)
    expected = r_floats(f"""
        set.seed(3)
        after_godambe <- ergm({R_GWESP}, estimate = 'MPLE', control = control.ergm(seed = 3,
            MPLE.covariance.method = 'Godambe', MPLE.covariance.samplesize = 100))
        sqrt(diag(vcov(after_godambe)))""")
    np.testing.assert_allclose(fit.bse.to_numpy(), expected, rtol=1e-12)
    assert (fit.to_frame()["note"] == "Godambe SE").all()
    assert "suspect" not in fit.summary().as_text()


def test_a_dyad_independent_mple_is_the_mle_as_statnet_says(florentine):
    adjacency, covariates = florentine
    fit = ERGM(adjacency, WEALTH, node_covariates=covariates).fit(seed=1, estimate="MPLE")
    text = fit.summary().as_text()
    assert "For this model, the pseudolikelihood is the same as the likelihood." in text
    assert "Pseudo-deviance" not in text and fit.loglik_method == "exact"
    assert (fit.to_frame()["note"] == "").all()


def test_a_fit_without_loglikelihood_says_so_and_is_refused_by_anova(florentine, fits):
    adjacency, covariates = florentine
    fit = ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1, eval_loglik=False)
    assert fit.loglik_method == "not evaluated" and np.isnan(fit.llf_mcse)
    assert "Log-likelihood was not estimated for this fit" in fit.summary().as_text()
    with pytest.raises(InputError, match=r"model 2 .* has no log-likelihood .* eval_loglik=True"):
        pe.anova(fits["m1"], fit)


def test_wald_test_of_one_coefficient_is_the_summary_z_test(fits):
    m2 = fits["m2"]
    test = m2.wald_test("nodecov.wealth = 0")
    assert test.statistic == pytest.approx(m2.tvalues["nodecov.wealth"] ** 2, rel=1e-12)
    assert test.pvalue == pytest.approx(m2.pvalues["nodecov.wealth"], rel=1e-10)
    assert test.df == 1 and test.test == "Wald"


def test_wald_test_of_joint_hypotheses_equals_the_formula_in_plain_r(fits, r, r_floats):
    m2 = fits["m2"]
    test = m2.wald_test("nodecov.wealth = 0, 2*gwesp.fixed.0.25 - edges = 1")
    stat, p = r_floats("""
        local({
          R <- rbind(c(0, 1, 0), c(-1, 0, 2)); q <- c(0, 1)
          d <- R %*% coef(after_m2) - q
          w <- drop(t(d) %*% solve(R %*% vcov(after_m2) %*% t(R)) %*% d)
          c(w, pchisq(w, 2, lower.tail = FALSE))
        })""")
    assert test.statistic == pytest.approx(stat, rel=1e-10)
    assert test.pvalue == pytest.approx(p, rel=1e-10)
    assert test.restrictions.shape == (2, 3) and list(test.q) == [0.0, 1.0]
    same = m2.wald_test([[0, 1, 0], [-1, 0, 2]], q=[0, 1])
    assert same.statistic == pytest.approx(test.statistic, rel=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.floats(-5, 5).filter(lambda v: abs(v) > 1e-3),
       b=st.floats(-5, 5).filter(lambda v: abs(v) > 1e-3), c=st.floats(-10, 10))
def test_wald_statistic_of_any_linear_combination_matches_its_closed_form(fits, a, b, c):
    m2 = fits["m2"]
    test = m2.wald_test(f"{a!r}*edges + {b!r}*nodecov.wealth = {c!r}")
    weights = np.array([a, b, 0.0])
    expected = (weights @ m2.params.to_numpy() - c) ** 2 / (
        weights @ m2.cov_params().to_numpy() @ weights)
    assert test.statistic == pytest.approx(expected, rel=1e-9)
    # the same hypothesis written the other way round
    assert m2.wald_test(f"{c!r} = {a!r}*edges + {b!r}*nodecov.wealth").statistic == \
        pytest.approx(expected, rel=1e-9)


def test_summary_renders_as_text_html_and_latex(fits):
    summary = fits["m2"].summary()
    latex = summary.as_latex()
    assert r"\begin{tabular}" in latex and r"gwesp.fixed.0.25" in latex
    assert r"$^{***}$" in latex and "MC Std. Err. = 0.008387" in latex
    html = summary.as_html()
    assert html.startswith('<table class="ergm-summary"><caption>') and "<tfoot>" in html
    assert "Residual Deviance: 103.1" in html
    assert summary.as_text() == str(summary) and summary._repr_html_() == html
