"""The main job's ERGM step end to end: `pyreslib demo --out <anywhere>` fits both models on
every stage with diagnostics, goodness of fit, likelihood-ratio tests, warnings and the pooled
stage comparison, in report.html and results.json; a config with a custom model runs too.

The full demo runs once per session (:func:`demo_run`); the other tests use small networks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyreslib import stagemodels
from pyreslib.ergm.control import profile_control
from tests.test_pipeline import _write_project

pytestmark = [pytest.mark.r, pytest.mark.slow]

STAGES = ("2011-2014", "2015-2017", "2018-2021")
DOCS = Path(__file__).parents[1] / "docs" / "results-schema.md"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`pyreslib demo --out DIR` run once, from a working directory that does not hold DIR
    (as `pyreslib demo --out ~/results` from a checkout)."""
    cwd = tmp_path_factory.mktemp("checkout")
    out = tmp_path_factory.mktemp("home") / "results"
    done = subprocess.run([sys.executable, "-m", "pyreslib", "demo", "--out", str(out)],
                          cwd=cwd, capture_output=True, text=True, timeout=1200, check=False,
                          env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return cwd, out, results, done.stdout


@pytest.fixture(scope="session")
def report(demo_run) -> str:
    _, out, _, _ = demo_run
    html = (out / "report.html").read_text(encoding="utf-8")
    return re.sub(r'src="data:image/png;base64,[^"]+"', 'src="png"', html)


def section(report: str, title: str) -> str:
    start = report.index(f"<h2>{title}</h2>")
    end = report.find("<section", start)
    return report[start:end if end > 0 else len(report)]


def test_an_output_folder_outside_the_working_directory_is_honoured(demo_run):
    cwd, out, results, printed = demo_run
    assert not out.resolve().is_relative_to(cwd.resolve())
    assert (out / ".pyreslib-manifest.json").is_file() and (out / "report.html").is_file()
    assert results["schema_version"] == 3 and results["synthetic"] is True
    assert "time per step:" in " ".join(printed.split())


def test_both_models_are_fitted_on_every_stage_and_the_extended_fits_converge(demo_run):
    _, _, results, _ = demo_run
    fits = {(f["stage"], f["model"]): f for f in results["ergm"]}
    assert list(fits) == [(s, m) for s in STAGES for m in ("study", "extended")]
    assert results["ergm_failures"] == []
    for stage in STAGES:
        extended = fits[(stage, "extended")]
        assert extended["converged"] is True
        assert extended["estimation"] == "Monte Carlo Maximum Likelihood"
        assert {"gwesp.fixed.0.5", "gwdeg.fixed.0.5"} <= set(extended["params"])
        # the memory term, from the second stage on
        assert ("edgecov.memory" in extended["params"]) == (stage != STAGES[0])
        # the demo's "sized" profile: the interval follows the stage's size
        assert extended["control"] == profile_control("sized", extended["n_nodes"])
        assert fits[(stage, "study")]["loglik_method"] == "exact"
        assert extended["loglik_method"] == "bridge sampling" and extended["llf_mcse"] > 0


def test_every_mcmc_fit_carries_its_diagnostics_gof_tables_and_warnings(demo_run):
    _, _, results, _ = demo_run
    for fit in results["ergm"]:
        assert isinstance(fit["warnings"], list)
        assert set(fit["mcmc_se_pct"]) == set(fit["params"])
        assert set(fit["gof"]) == {"degree", "espartners", "distance", "model"}
        assert fit["gof_nsim"] == 30
        row = fit["gof"]["model"][0]
        assert {"value", "obs", "min", "mean", "max", "p_value"} <= set(row)
        assert all(0 <= r["p_value"] <= 1 for rows in fit["gof"].values() for r in rows)
        if fit["model"] == "study":
            assert fit["mcmc"] is None
            continue
        statistics = fit["mcmc"]["statistics"]
        assert sorted(statistics) == sorted(fit["params"])
        for values in statistics.values():
            assert {"geweke_z", "geweke_p", "ess", "sample_mean", "observed"} <= set(values)
            assert 0 <= values["geweke_p"] <= 1
        assert {"geweke_joint_p", "hotelling_T2", "hotelling_p"} <= set(fit["mcmc"]["joint"])


def test_the_likelihood_ratio_test_compares_the_nested_models_of_each_stage(demo_run):
    _, _, results, _ = demo_run
    fits = {(f["stage"], f["model"]): f for f in results["ergm"]}
    tests = {t["stage"]: t for t in results["ergm_tests"]}
    assert list(tests) == list(STAGES)
    for stage, test in tests.items():
        assert (test["smaller"], test["larger"]) == ("study", "extended")
        study, extended = fits[(stage, "study")], fits[(stage, "extended")]
        # the deviance table's numbers, against the definitions on the two fits
        assert test["df"] == len(extended["params"]) - len(study["params"])
        # (results.json rounds to 6 significant digits: llf to 0.01 here)
        assert test["deviance"] == pytest.approx(2 * (extended["llf"] - study["llf"]),
                                                 abs=0.03)
        assert [row["row"] for row in test["table"]] == ["NULL", "1", "2"]
        assert 0 <= test["p_value"] <= 1


def test_the_pooled_model_answers_whether_each_effect_changed(demo_run):
    _, _, results, _ = demo_run
    pooled = results["ergm_pooled"]
    assert pooled["model"] == "study" and pooled["error"] is None
    effects = ["edges", "nodecov.economic", "nodecov.education", "nodecov.science",
               "edgecov.proximity", "edgecov.adjacency"]
    assert sorted(pooled["stage_change_tests"]) == sorted(effects)  # results.json sorts keys
    assert all(t["df"] == 2 for t in pooled["stage_change_tests"].values())
    assert len(pooled["sentences"]) == len(effects)
    (proximity,) = [s for s in pooled["sentences"] if "edgecov.proximity" in s]
    test = pooled["stage_change_tests"]["edgecov.proximity"]
    assert f"chi2(2) = {test['chi2']:.2f}" in proximity
    assert "from 2015-2017 to 2018-2021" in proximity
    change = next(c for c in pooled["stage_changes"]
              if c["effect"] == "edgecov.proximity" and c["to"] == "2018-2021")
    assert change["change"] == pytest.approx(change["after"] - change["before"], abs=2e-5)
    assert f"{change['change']:+.3f}" in proximity
    assert any("not comparable" in note for note in results["ergm_notes"])


def test_the_main_jobs_pooled_fit_equals_a_plain_r_ergm_multi_fit(demo_run, tmp_path):
    from pyreslib import datasets, ingest
    from tests.test_ergm_multi import NO_CHECK, plain_r_fit, reference_part

    _, _, results, _ = demo_run
    pooled = results["ergm_pooled"]
    # the same call as tests/test_ergm_multi.py's pooled fit (seed, MPLE.check off) ...
    assert pooled["seed"] == results["config"]["seed"] == 2023
    assert pooled["control"] == NO_CHECK
    # ... and the same numbers as ergm.multi in a plain Rscript (results.json: 6 digits)
    patents, covariates = datasets.load_demo()
    table = pd.read_csv(covariates)
    stages = {label: stagemodels.stage_model(graph, table, stagemodels.stage_years(label),
                                        stagemodels.study_model())
              for label, graph in ingest.ingest_file(patents).networks.items()}
    reference = plain_r_fit(stages, "study", 2023, tmp_path)
    coef = reference_part(reference, "coef:")
    assert sorted(pooled["params"]) == sorted(coef.index)
    np.testing.assert_allclose(pd.Series(pooled["params"])[coef.index], coef, rtol=1e-5)
    np.testing.assert_allclose(pd.Series(pooled["bse"])[coef.index],
                               reference_part(reference, "se:"), rtol=1e-5)
    wald = reference_part(reference, "wald:")
    for effect, test in pooled["stage_change_tests"].items():
        assert test["chi2"] == pytest.approx(wald[effect], rel=1e-5)


def test_the_report_shows_each_stage_with_both_models_and_the_stage_comparison(report):
    for stage in STAGES:
        part = section(report, f"ERGM, stage {stage}")
        for heading in ("study model", "extended model", "extended model: MCMC diagnostics",
                        "study model: goodness of fit", "extended model: goodness of fit",
                        "Likelihood-ratio test: study vs extended"):
            assert f"<h3>{heading}</h3>" in part, (stage, heading)
        # the warnings of each fit beside it: a list, or the statement that there were none
        assert part.count('class="warnings') == 2
        for statistic in ("degree", "espartners", "distance", "model"):
            assert f"GOF p-values: {statistic}" in part
        assert f'id="fig-gof_{stage}_extended"' in part
        assert f'id="fig-mcmc_{stage}_extended"' in part
        assert "Geweke" in part and "Hotelling" in part and "MCMC % of SE" in part
    compared = section(report, "ERGM: stages compared")
    assert "Did each effect change between stages?" in compared
    assert "Geographic proximity (edgecov.proximity)" in compared
    assert 'id="fig-pooled_stage_effects"' in compared
    overview = section(report, "ERGM: the models")
    assert "not comparable" in overview


def test_the_results_schema_documents_every_key_of_the_ergm_step(demo_run):
    _, _, results, _ = demo_run
    documented = DOCS.read_text(encoding="utf-8")
    assert "now `3`" in documented
    keys = set(results) | set(results["ergm"][0]) | set(results["ergm_tests"][0])
    keys |= set(results["ergm_pooled"]) | set(results["ergm"][1]["mcmc"])
    missing = sorted(k for k in keys if f"`{k}`" not in documented)
    assert missing == []


def test_a_config_with_a_custom_model_runs_end_to_end(tmp_path):
    config = _write_project(tmp_path, ergm=True, figures=False)
    text = config.read_text(encoding="utf-8").replace('models = ["study"]\n', "")
    mine = ("edges + nodecov('economic') + nodecov('education') + nodecov('science') + "
            "edgecov('proximity') + edgecov('adjacency') + edgecov('memory')")
    config.write_text(text + f'\n[ergm.models]\nstudy = true\nmine = "{mine}"\n',
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pyreslib", "run", str(config), "--out", "out",
                           "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    fits = {(f["stage"], f["model"]): f for f in results["ergm"]}
    assert list(fits) == [("2011-2014", "study"), ("2011-2014", "mine"),
                          ("2015-2017", "study"), ("2015-2017", "mine")]
    # the first stage has no previous stage: its custom model is fitted without memory
    assert "edgecov.memory" not in fits[("2011-2014", "mine")]["params"]
    assert "edgecov.memory" in fits[("2015-2017", "mine")]["params"]
    assert any("no edgecov('memory') term" in note for note in results["ergm_notes"])
    # nested in the second stage only (the first stage's two models are the same)
    assert [(t["stage"], t["smaller"], t["larger"]) for t in results["ergm_tests"]] == [
        ("2015-2017", "study", "mine")]
    assert results["config"]["ergm"]["models"] == {"study": True, "mine": mine}
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<h3>mine model</h3>" in report


def test_results_json_is_the_same_whatever_the_number_of_r_workers(tmp_path):
    config = _write_project(tmp_path, ergm=True, figures=False)
    text = config.read_text(encoding="utf-8").replace('models = ["study"]\n', "")
    written = {}
    for workers in (0, 2):
        variant = tmp_path / f"w{workers}.toml"
        variant.write_text(text + "\n[ergm.models]\nstudy = true\nextended = true\n",
                           encoding="utf-8")
        variant.write_text(variant.read_text(encoding="utf-8").replace(
            "[ergm]\n", f"[ergm]\nworkers = {workers}\n"), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pyreslib", "run", str(variant), "--out",
                               f"out{workers}", "--quiet"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600, check=False)
        assert done.returncode in (0, 3), done.stderr[-3000:]
        results = json.loads((tmp_path / f"out{workers}" / "results.json").read_text("utf-8"))
        assert results["config"]["ergm"].pop("workers") == workers
        written[workers] = results
    assert written[0] == written[2]
    assert any(f["model"] == "extended" for f in written[0]["ergm"])
