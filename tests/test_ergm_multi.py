"""Pooled multi-stage ERGMs (ergm.multi) equal plain R fits and say which effects changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib.ergm import ERGM, bridge, simulate
from pyreslib.ergm.multi import PooledERGM, _joint_wald, fit_pooled, parse_lm
from pyreslib.errors import FormulaError, InputError

pytestmark = pytest.mark.r

REFERENCE = Path(__file__).with_name("ergm_multi_reference.R")
STUDY = ("edges + nodecov('economic') + nodecov('education') + nodecov('science') "
         "+ edgecov('proximity') + edgecov('adjacency')")
# The study model's existence check of the MLE (an LP over all 50k dyads) takes most of a
# minute on the pooled network; each stage's own fit checks the same thing (see docs).
NO_CHECK = {"MPLE.check": False}
# statnet's own faster MCMC-MLE stopping rule; the defaults take about a minute here.
HUMMEL = {"MCMLE.termination": "Hummel", "MCMLE.effectiveSize": None}


@pytest.fixture(scope="module")
def demo_stages():
    """The bundled demo's three stage networks (92, 158 and 257 cities) as study ERGMs."""
    from pyreslib import datasets, ingest, stagemodels

    patents, covariates = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    table = pd.read_csv(covariates)
    return {label: stagemodels.stage_model(graph, table, stagemodels.stage_years(label),
                                      stagemodels.study_model())
            for label, graph in networks.items()}


@pytest.fixture(scope="module")
def small_stages():
    """Three small networks simulated from a gwesp model, with a node and an edge covariate."""
    rng = np.random.default_rng(5)
    stages = {}
    for i, (label, n) in enumerate([("early", 30), ("middle", 40), ("late", 50)]):
        x = pd.DataFrame({"x": rng.normal(size=n)})
        d = rng.normal(size=(n, n))
        d = (d + d.T) / 2
        np.fill_diagonal(d, 0)
        formula = "edges + nodecov('x') + edgecov('d') + gwesp(0.5, fixed=TRUE)"
        adjacency = simulate(formula, [-3.0, 0.3, 0.5 + 0.2 * i, 0.4], n, seed=10 + i,
                             node_covariates=x, edge_covariates={"d": d})
        stages[label] = ERGM(adjacency, formula, node_covariates=x, edge_covariates={"d": d})
    return stages


def plain_r_fit(stages, model: str, seed: int, tmp_path) -> pd.Series:
    """Run tests/ergm_multi_reference.R on the same matrices in a separate Rscript process."""
    inputs = bridge.named_list([
        (label, bridge.named_list({
            "adj": m.adjacency, "names": list(m.vertex_names),
            "covs": {c: m.node_covariates[c].astype(float).tolist()
                     for c in m.node_covariates},
            "edge": dict(m.edge_covariates)}))
        for label, m in stages.items()])
    bridge.session().ro.r["saveRDS"](inputs, str(tmp_path / "inputs.rds"))
    env = {**os.environ, "R_LIBS": ":".join(bridge.session().lib_paths)}
    out = tmp_path / "reference.csv"
    done = subprocess.run(["Rscript", str(REFERENCE), str(tmp_path / "inputs.rds"), model,
                           str(seed), str(out)], env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = pd.read_csv(out)
    return pd.Series(table["value"].to_numpy(dtype=float), index=table["name"])


def reference_part(reference: pd.Series, prefix: str) -> pd.Series:
    part = reference[reference.index.str.startswith(prefix)]
    part.index = part.index.str.slice(len(prefix))
    return part


@pytest.fixture(scope="module")
def pooled_study(demo_stages):
    return fit_pooled(demo_stages, seed=2023, control=NO_CHECK)


def test_pooled_study_model_equals_plain_r_ergm_multi(demo_stages, pooled_study, tmp_path):
    reference = plain_r_fit(demo_stages, "study", 2023, tmp_path)

    coef = reference_part(reference, "coef:")
    assert list(pooled_study.params.index) == list(coef.index)
    assert "N(stage2018-2021)~edgecov.proximity" in coef.index
    np.testing.assert_allclose(pooled_study.params, coef, rtol=1e-10, atol=0)
    np.testing.assert_allclose(pooled_study.bse, reference_part(reference, "se:"),
                               rtol=1e-10, atol=0)
    assert pooled_study.llf == pytest.approx(reference["loglik"], rel=1e-12)
    assert pooled_study.aic == pytest.approx(reference["aic"], rel=1e-12)
    assert pooled_study.bic == pytest.approx(reference["bic"], rel=1e-12)

    tests = pooled_study.stage_change_tests()
    np.testing.assert_allclose(tests["chi2"], reference_part(reference, "wald:")[tests.index],
                               rtol=1e-8)
    np.testing.assert_allclose(tests["P>chi2"],
                               reference_part(reference, "wald_p:")[tests.index], rtol=1e-8)
    assert (tests["df"] == 2).all()


def test_pooled_mcmc_fit_equals_plain_r_with_the_same_seed(small_stages, tmp_path):
    pooled = fit_pooled(small_stages, seed=17, control=HUMMEL)
    reference = plain_r_fit(small_stages, "gwesp", 17, tmp_path)

    assert not pooled.dyad_independent and pooled.converged
    np.testing.assert_array_equal(pooled.params, reference_part(reference, "coef:"))
    np.testing.assert_array_equal(pooled.bse, reference_part(reference, "se:"))
    assert pooled.llf == reference["loglik"]
    assert list(pooled.stage_change_tests().index) == [
        "edges", "nodecov.x", "edgecov.d", "gwesp.fixed.0.5"]


def test_each_stages_effect_equals_that_stages_own_fit(demo_stages, pooled_study):
    # With a coefficient per stage and term (lm = ~ stage), the pooled likelihood of a
    # dyad-independent model factorises by stage: stage s's effects and SEs are its own fit's.
    effects = pooled_study.stage_effects()
    for label, model in demo_stages.items():
        own = model.fit(seed=1, control=NO_CHECK)
        in_pool = effects.xs(label, level="stage")
        np.testing.assert_allclose(in_pool["coef"], own.params, rtol=1e-5, atol=1e-6)
        # the SEs come from the Hessian where each optimiser stopped (its tolerance), so they
        # agree to about 1e-4 rather than to the estimates' 1e-5
        np.testing.assert_allclose(in_pool["std err"], own.bse, rtol=1e-3)
    baseline = pooled_study.params["N(1)~edgecov.proximity"]
    shift = pooled_study.params["N(stage2018-2021)~edgecov.proximity"]
    assert effects.loc[("edgecov.proximity", "2018-2021"), "coef"] == pytest.approx(
        baseline + shift)


def test_the_change_test_does_not_depend_on_the_parametrisation(demo_stages, pooled_study):
    cell_means = fit_pooled(demo_stages, lm="~ 0 + stage", seed=2023, control=NO_CHECK)
    assert "N(stage2011-2014)~edges" in cell_means.params.index
    pd.testing.assert_series_equal(cell_means.stage_change_tests()["chi2"],
                                   pooled_study.stage_change_tests()["chi2"], rtol=1e-6)
    assert cell_means.llf == pytest.approx(pooled_study.llf, abs=1e-6)


def test_summary_and_tables_read_like_statnet(demo_stages, pooled_study):
    text = str(pooled_study.summary())
    assert "N(stage2015-2017)~nodecov.science" in text
    assert "Did each effect change between stages?" in text
    assert pooled_study.design.loc["2018-2021"].tolist() == [1.0, 0.0, 1.0]
    assert pooled_study.effects[0] == "edges"
    assert pooled_study.n_nodes == sum(len(m.vertex_names) for m in demo_stages.values())
    ci = pooled_study.conf_int()
    assert (ci["lower"] < pooled_study.params).all()
    assert pooled_study.stages == ["2011-2014", "2015-2017", "2018-2021"]


def test_stages_ordered_as_given_set_the_baseline(small_stages):
    reordered = {k: small_stages[k] for k in ("late", "early", "middle")}
    results = fit_pooled(reordered, formula="edges + nodecov('x')", seed=3)
    assert list(results.params.index) == [
        "N(1)~edges", "N(stageearly)~edges", "N(stagemiddle)~edges",
        "N(1)~nodecov.x", "N(stageearly)~nodecov.x", "N(stagemiddle)~nodecov.x"]


def test_a_network_level_covariate_can_enter_the_linear_model(small_stages):
    trend = {"year": {"early": 0.0, "middle": 1.0, "late": 2.0}}
    results = fit_pooled(small_stages, formula="edges + edgecov('d')", lm="~ year",
                         network_covariates=trend, seed=3)
    assert list(results.params.index) == ["N(1)~edges", "N(year)~edges", "N(1)~edgecov.d",
                                          "N(year)~edgecov.d"]
    with pytest.raises(InputError, match="without stage terms"):
        results.stage_change_tests()
    assert "Did each effect change" not in str(results.summary())


def test_bad_pooled_inputs_are_refused_with_the_argument_named(small_stages):
    one = {"early": small_stages["early"]}
    with pytest.raises(InputError, match="at least two stage"):
        PooledERGM(one)
    with pytest.raises(InputError, match=r"models\['b'\]: expected a pyreslib.ergm.ERGM"):
        PooledERGM({"a": small_stages["early"], "b": np.eye(3)})
    differing = dict(small_stages)
    differing["late"] = ERGM(small_stages["late"].adjacency, "edges")
    with pytest.raises(InputError, match="stage 'late' has the formula 'edges'"):
        PooledERGM(differing)
    with pytest.raises(FormulaError, match="stage 'early'"):
        PooledERGM(small_stages, formula="edges + nodecov('gdp')")
    with pytest.raises(InputError, match="'period' is not a network-level predictor"):
        PooledERGM(small_stages, lm="~ period")
    with pytest.raises(InputError, match="no value for stage"):
        PooledERGM(small_stages, lm="~ year", network_covariates={"year": {"early": 1}})
    stage_named = {k: ERGM(m.adjacency, "edges + edgecov('stage')",
                           edge_covariates={"stage": m.edge_covariates["d"]})
                   for k, m in small_stages.items()}
    with pytest.raises(InputError, match="edge covariate 'stage'"):
        PooledERGM(stage_named)
    with pytest.raises(InputError, match="seed="):
        fit_pooled(small_stages, seed=-1)


def test_lm_text_is_validated_term_by_term():
    assert parse_lm("~ stage") == ("stage",)
    assert parse_lm("~0 + stage") == ("0", "stage")
    assert parse_lm("1 + year", ["year"]) == ("1", "year")
    for bad in ("~ stage + stage", "~ stage; system('x')", "~", "~ log(year)"):
        with pytest.raises(InputError, match="lm="):
            parse_lm(bad, ["year"])


@settings(max_examples=50, deadline=None)
@given(k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_joint_wald_is_invariant_to_an_invertible_recombination_of_restrictions(k, seed):
    rng = np.random.default_rng(seed)
    p = k + 2
    a = rng.normal(size=(p, p))
    cov = a @ a.T + p * np.eye(p)
    params = rng.normal(size=p)
    restriction = np.eye(p)[:k]
    mix = rng.normal(size=(k, k)) + 3 * np.eye(k)
    chi2, df, pvalue = _joint_wald(params, cov, restriction)
    chi2_mixed, df_mixed, _ = _joint_wald(params, cov, mix @ restriction)
    assert df == df_mixed == k
    expected = params[:k] @ np.linalg.solve(cov[:k, :k], params[:k])
    assert chi2 == pytest.approx(expected, rel=1e-9)
    assert chi2_mixed == pytest.approx(chi2, rel=1e-6)
    assert 0.0 <= pvalue <= 1.0
