"""The main job's QAP step end to end: `[qap]` on and `[ergm]` off, MRQAP of every stage on
the study ERGM's covariates and QAP correlations, in results.json, the tables and report.html,
each with the seed and settings that reproduce it; the same seed repeats every number; bad
`[qap]` and `[tergm]` keys are messages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pyreslib import analysis, outputs, qap, study
from pyreslib.errors import ConfigError
from pyreslib.stagemodels.covariates import read_covariates
from pyreslib.stagemodels.qap_step import stage_qap_inputs
from tests.test_pipeline import STAGES, _write_project

pytestmark = [pytest.mark.r]

DOCS = Path(__file__).parents[1] / "docs" / "results-schema.md"
QAP = """[qap]
enabled = true
kinds = ["lm", "logit"]
transform = "log1p"
null = "qapy"
reps = 30
"""


@pytest.fixture(scope="module")
def qap_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qap")
    config = _write_project(folder, figures=False, extra=QAP)
    result = analysis.run(config)
    outputs.write(result, folder / "out", cwd=folder)
    results = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return folder, config, result, results


def test_every_stage_gets_both_mrqap_models_with_the_settings_that_reproduce_them(qap_run):
    _, _, result, results = qap_run
    assert result.ergm is None and results["ergm"] == []
    entry = results["qap"]
    assert [(f["stage"], f["kind"]) for f in entry["mrqap"]] == [
        (s, k) for s in STAGES for k in ("lm", "logit")]
    assert entry["settings"] == {"kinds": ["lm", "logit"], "transform": "log1p",
                                 "null": "qapy", "reps": 30, "node_form": "sum",
                                 "threshold": 1, "seed": 11, "stages": list(STAGES),
                                 "log": True, "standardise": True}
    lm = entry["mrqap"][0]
    assert (lm["null"], lm["reps"], lm["seed"], lm["response"]) == (
        "qapy", 30, 11, "log(1 + count)")
    assert [c["term"] for c in lm["coefficients"]] == [
        "(intercept)", "nodecov.economic", "nodecov.education", "nodecov.science",
        "proximity", "adjacency"]
    for c in lm["coefficients"]:
        assert 0 <= c["p_value"] <= 1 and 0 <= c["p_less"] <= 1 and 0 <= c["p_greater"] <= 1


def test_a_stage_fit_is_one_call_of_pyreslib_qap_with_the_recorded_settings(qap_run):
    _, _, result, results = qap_run
    cfg = result.config
    label = STAGES[-1]
    counts, node_covs, dyadic = stage_qap_inputs(
        result.networks[label], read_covariates(cfg.input.covariates), label)
    again = qap.mrqap((counts >= 1) * 1.0, dyadic, node_covariates=node_covs, kind="logit",
                      null="qapy", reps=30, seed=11)
    recorded = {c["term"]: c for c in results["qap"]["mrqap"][-1]["coefficients"]}
    for term, value in again.params.items():
        assert math.isclose(recorded[term]["estimate"], value, rel_tol=1e-5, abs_tol=1e-9)
        assert math.isclose(recorded[term]["p_value"], again.pvalues[term], rel_tol=1e-5,
                            abs_tol=1e-9)  # results.json keeps 6 significant digits


def test_the_logit_with_dyadic_sums_has_the_study_ergms_coefficients(qap_run):
    from pyreslib.stagemodels import fit_stages

    _, _, result, _ = qap_run
    fits = fit_stages(result.networks, read_covariates(result.config.input.covariates),
                      models=("study",))
    for label in STAGES:
        ergm = fits.fits[(label, "study")].params
        mrqap = result.qap.fits[(label, "logit")].params
        assert mrqap["(intercept)"] == pytest.approx(ergm["edges"], abs=1e-4)
        assert mrqap["proximity"] == pytest.approx(ergm["edgecov.proximity"], abs=1e-4)
        assert mrqap["nodecov.science"] == pytest.approx(ergm["nodecov.science"], abs=1e-4)


def test_qap_correlations_compare_consecutive_stages_on_the_cities_both_hold(qap_run):
    _, _, result, results = qap_run
    pairs = [(c["x"], c["y"]) for c in results["qap"]["correlations"]]
    first, second = STAGES
    assert (f"counts {first}", f"proximity {first}") in pairs
    assert (f"counts {second}", f"adjacency {second}") in pairs
    assert (f"counts {first}", f"counts {second}") in pairs
    common = set(result.networks[first]) & set(result.networks[second])
    between = result.qap.correlations[(f"counts {first}", f"counts {second}")]
    assert len(between.labels) == len(common)
    assert any("both hold" in note for note in results["qap"]["notes"])


def test_the_report_and_the_tables_carry_the_qap_section_with_its_seed(qap_run):
    folder, _, _, _ = qap_run
    report = (folder / "out" / "report.html").read_text(encoding="utf-8")
    start = report.index("<h2>QAP and MRQAP</h2>")
    part = report[start:]
    assert "seed 11" in part and "qapy with 30 permutations" in part
    tables = folder / "out" / "tables"
    for name in ("mrqap_lm", "mrqap_logit", "mrqap_estimates", "qap_correlations"):
        assert (tables / f"{name}.csv").is_file(), name


def test_the_comparison_to_the_study_says_which_findings_hold_per_model(qap_run):
    _, _, _, results = qap_run
    rows = [r for r in results["comparison_to_study"] if r["quantity"].startswith("MRQAP")]
    names = {r["quantity"] for r in rows}
    assert "MRQAP logit: proximity_positive" in names
    assert "MRQAP lm: edges_negative" in names
    for r in rows:
        assert r["note"].endswith(("holds", "does not hold", "not measured"))
    lm_edges = [r for r in rows if r["quantity"] == "MRQAP lm: edges_negative"]
    assert all(r["this_run"] is None for r in lm_edges)  # a count's intercept is not a tie's


def test_the_results_schema_documents_every_qap_key(qap_run):
    _, _, _, results = qap_run
    documented = DOCS.read_text(encoding="utf-8")
    entry = results["qap"]
    keys = set(entry) | set(entry["mrqap"][0]) | set(entry["mrqap"][0]["coefficients"][0])
    keys |= set(entry["correlations"][0])
    assert sorted(k for k in keys if f"`{k}`" not in documented) == []


def test_the_same_seed_repeats_every_qap_number(qap_run, tmp_path):
    _, _, _, results = qap_run
    config = _write_project(tmp_path, figures=False, extra=QAP)
    again = analysis.run(config)
    outputs.write(again, tmp_path / "out", cwd=tmp_path)
    repeated = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert repeated["qap"] == results["qap"]


def test_finding_values_judge_each_stage_of_a_model():
    params = {"a": {"edges": -3, "nodecov.education": 0.2, "nodecov.science": 0.1,
                    "edgecov.proximity": 0.5, "edgecov.adjacency": 0.3},
              "b": {"edges": -3, "nodecov.education": 0.2, "nodecov.science": 0.3,
                    "edgecov.proximity": 0.5, "edgecov.adjacency": 0.1}}
    pvalues = {"a": dict.fromkeys(params["a"], 0.001),
               "b": {**dict.fromkeys(params["b"], 0.001), "edgecov.adjacency": 0.4}}
    values = study.finding_values(params, pvalues)
    assert values[("b", "science_positive_growing")] == 1.0
    assert values[("a", "adjacency_stage_one_only")] == 1.0
    assert values[("b", "adjacency_stage_one_only")] == 1.0
    assert ("a", "science_positive_growing") not in values
    rows = study.compare_findings({"m": values})
    assert all(r.within_tolerance for r in rows)


# ---- bad config ---------------------------------------------------------------------------

def _config_error(folder: Path, extra: str) -> str:
    from pyreslib.config import load_config

    config = _write_project(folder, figures=False, extra=extra)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    return str(caught.value)


@pytest.mark.parametrize(("extra", "expected"), [
    ("[qap]\nenabled = true\nreps = 0\n", "'qap.reps'"),
    ("[qap]\nenabled = true\nreps = 100001\n", "'qap.reps'"),
    ("[qap]\nenabled = true\nnull = \"dsp\"\n", "'qap.null' must be one of"),
    ("[qap]\nenabled = true\nkinds = [\"poisson\"]\n", "'qap.kinds' must be one of"),
    ("[qap]\nenabled = true\nkinds = []\n", "'qap.kinds' is empty"),
    ("[qap]\nenabled = true\nstages = [\"2030-2031\"]\n", "not one of stages.labels"),
    ("[qap]\nenabled = true\ntransform = \"log\"\n", "'qap.transform' must be one of"),
    ("[tergm]\nenabled = true\nreplicates = 0\n", "'tergm.replicates'"),
    ("[tergm]\nenabled = true\nbtergm = false\nseparable = false\n", "switch one on"),
    ("[tergm]\nenabled = true\nmemory = \"forever\"\n", "'tergm.memory' must be one of"),
])
def test_bad_qap_and_tergm_keys_are_messages(tmp_path, extra, expected):
    assert expected in _config_error(tmp_path, extra)


def test_a_temporal_model_of_one_stage_is_a_message(tmp_path):
    config = _write_project(tmp_path, figures=False, extra="[tergm]\nenabled = true\n")
    text = config.read_text(encoding="utf-8").replace(
        'labels = ["2011-2014", "2015-2017"]', 'labels = ["2011-2014"]')
    config.write_text(text, encoding="utf-8")
    from pyreslib.config import load_config

    with pytest.raises(ConfigError, match="needs at least 2 stages"):
        load_config(config)


def test_an_enabled_tergm_section_is_a_note_until_the_main_job_runs_it(tmp_path):
    config = _write_project(tmp_path, figures=False, extra="[tergm]\nenabled = true\n")
    result = analysis.run(config)
    assert any(n.startswith("[tergm] is enabled") for n in result.notes)
