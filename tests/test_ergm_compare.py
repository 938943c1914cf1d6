"""compare(): publishable side-by-side tables with linearmodels/texreg options, and warnings
inside the table when it sets side by side what is not comparable."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

import pyreslib.ergm as pe
from pyreslib.ergm import ERGM
from pyreslib.errors import ComparisonWarning

pytestmark = pytest.mark.r

GWESP = "edges + nodecov('wealth') + gwesp(0.25, fixed=TRUE)"


@pytest.fixture(scope="module")
def fits(florentine):
    adjacency, covariates = florentine
    return {
        "edges": ERGM(adjacency, "edges").fit(seed=1),
        "wealth": ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(
            seed=1),
        "gwesp": ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1),
        "mple": ERGM(adjacency, GWESP, node_covariates=covariates).fit(seed=1, estimate="MPLE"),
    }


def test_fit_rows_say_how_each_model_was_estimated(fits):
    table = pe.compare({k: fits[k] for k in ("wealth", "gwesp")})
    frame = table.frame
    assert list(frame.loc["Estimation"]) == ["MLE", "MCMC-MLE"]
    assert list(frame.loc["Log-lik. method"]) == ["exact", "bridge sampling"]
    assert frame.loc["Log-lik. MC s.e.", "gwesp"] == f"{fits['gwesp'].llf_mcse:.3g}"
    assert list(frame.loc["Nodes"]) == ["16", "16"] and list(frame.loc["Dyads"]) == ["120"] * 2
    assert list(frame.loc["Edges"]) == ["20", "20"] and "Network" not in frame.index
    assert list(frame.loc[["Note"]].iloc[:, 0]) == [
        "Standard errors in parentheses. *** p<0.001, ** p<0.01, * p<0.05, . p<0.1"]


def test_mple_next_to_mle_is_marked_in_the_table_and_warned(fits):
    with pytest.warns(ComparisonWarning, match=r"\['MPLE'\] are MPLE fits"):
        table = pe.compare({"MCMC-MLE": fits["gwesp"], "MPLE": fits["mple"]})
    frame = table.frame
    assert frame.loc["Estimation", "MPLE"] == "MPLE (naive SE)"
    assert frame.loc["AIC", "MPLE"].endswith("‡") and not frame.loc["AIC", "MCMC-MLE"].endswith("‡")
    note = "‡ MPLE of a dyad-dependent model: a pseudo-likelihood, not a log-likelihood"
    assert frame.loc[["Note"]].iloc[0, 0].startswith(note)
    for text in (str(table), table.to_markdown(), table.to_html(), table.to_latex()):
        assert "pseudo-likelihood, not a log-likelihood" in text
    assert "<tfoot>" in table.to_html()


def test_fits_to_different_networks_are_labelled_and_their_aic_marked(fits):
    ring = ERGM(pe.simulate("edges", [-1.0], 12, seed=3), "edges").fit(seed=1)
    with pytest.warns(ComparisonWarning, match="different networks"):
        table = pe.compare({"florentine": fits["edges"], "simulated": ring})
    frame = table.frame
    assert list(frame.loc["Network"]) == ["A", "B"]
    assert frame.loc["BIC", "simulated"] == f"{ring.bic:.2f}†"
    assert "fit to 2 different networks" in table.to_latex()


@pytest.mark.parametrize("statistic, cell", [
    ("std_errors", "({bse:.3f})"), ("tstats", "({z:.3f})"), ("pvalues", "({p:.3f})"),
    ("conf_int", "[{lo:.3f}, {hi:.3f}]")])
def test_the_statistic_beneath_each_coefficient_is_a_choice(fits, statistic, cell):
    fit = fits["wealth"]
    table = pe.compare([fit], statistic=statistic)
    ci = fit.conf_int().loc["nodecov.wealth"]
    expected = cell.format(bse=fit.bse["nodecov.wealth"], z=fit.tvalues["nodecov.wealth"],
                           p=fit.pvalues["nodecov.wealth"], lo=ci["lower"], hi=ci["upper"])
    rows = list(table.frame.index)
    assert table.frame.iloc[rows.index("nodecov.wealth") + 1, 0] == expected
    assert "(" not in "".join(pe.compare([fit], statistic=None).frame.iloc[:2, 0])


def test_stars_digits_rename_omit_and_extra_rows(fits):
    chosen = {"base": fits["wealth"], "gwesp": fits["gwesp"]}
    table = pe.compare(chosen, stars=False, digits=2, omit=["edges"],
                       rename={"nodecov.wealth": "Wealth", "gwesp.fixed.0.25": "GWESP(0.25)"},
                       extra_rows={"Dependence terms": ["no", "yes"],
                                   "Decay": {"gwesp": 0.25}})
    frame = table.frame
    assert "edges" not in frame.index and frame.index[0] == "Wealth"
    assert frame.loc["Wealth", "base"] == f"{fits['wealth'].params['nodecov.wealth']:.2f}"
    assert frame.loc["GWESP(0.25)", "base"] == ""
    assert list(frame.loc["Dependence terms"]) == ["no", "yes"]
    assert list(frame.loc["Decay"]) == ["", "0.25"]
    assert "p<0.001" not in table.to_markdown()
    # the regular-expression form of omit, and display options changed afterwards
    by_pattern = pe.compare(chosen, omit=r"^gwesp")
    assert "gwesp.fixed.0.25" not in by_pattern.frame.index
    starred = dataclasses.replace(table, stars=True)
    assert starred.frame.loc["Wealth", "base"].endswith("*")


def test_renamed_terms_of_different_models_share_a_row(fits, florentine):
    adjacency, covariates = florentine
    other = ERGM(adjacency, "edges + nodecov('priorates')",
                 node_covariates=covariates.assign(priorates=covariates["wealth"] / 10)).fit(
        seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ComparisonWarning)
        table = pe.compare({"wealth": fits["wealth"], "priorates": other},
                           rename={"nodecov.wealth": "status", "nodecov.priorates": "status"})
    assert list(table.params.index) == ["edges", "status"]
    assert table.params.loc["status"].notna().all()


def test_latex_table_is_booktabs_with_superscript_stars(fits):
    latex = pe.compare([fits["wealth"], fits["gwesp"]], names=["(1)", "(2)"]).to_latex(
        caption="Florentine marriages", label="tab:flo")
    assert r"\caption{Florentine marriages}" in latex and r"\label{tab:flo}" in latex
    assert r"-2.595$^{***}$" in latex and r"\midrule" in latex
    assert r"Log-lik. MC s.e." in latex and r"\footnotesize Standard errors" in latex
