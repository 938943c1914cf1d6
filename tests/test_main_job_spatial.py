"""The main job's spatial, cascade, rich-club and k-core steps end to end (issue 26).

`pyreslib run` on the bundled demo data with the ERGM step off (it needs no R): results.json
carries each stage's spatial tests, cascades, rich club and k-core as docs/results-schema.md
documents them, with the same numbers as the library functions called directly; the tables
and the report sections are there, and the report says per stage whether node resilience is
spatially clustered and names the high-high cities, and for cascades says when the grid has
no critical alpha.  The steps repeat exactly for a seed, whatever the number of workers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyreslib import cascade, config, datasets, richclub, spatial

pytestmark = pytest.mark.slow

STAGES = ("2011-2014", "2015-2017", "2018-2021")
DOCS = Path(__file__).parents[1] / "docs" / "results-schema.md"
DEMO = Path(__file__).parents[1] / "data" / "demo" / "demo.toml"

# the demo's own settings, made lighter so that the run takes seconds: fewer permutations,
# random triggers and rewirings (the defaults are timed in BENCHMARKS.md and the demo)
LIGHT = """
[spatial]
permutations = 199
local_permutations = 999
adjust = "fdr"
[cascade]
repeats = 8
[richclub]
nulls = 6
swaps_per_link = 5
"""


def _project(folder: Path, extra: str = LIGHT) -> Path:
    patents, covariates = datasets.load_demo()
    shutil.copy(patents, folder / "patents.csv")
    shutil.copy(covariates, folder / "city_covariates.csv")
    text = DEMO.read_text(encoding="utf-8")
    # drop the demo's own tables of the steps under test, then add the light ones
    for name in ("spatial", "cascade", "richclub", "core", "ergm", "qap", "tergm"):
        text = re.sub(rf"\n\[{name}\]\n(?:(?!\n\[).)*", "\n", text, flags=re.DOTALL)
    path = folder / "run.toml"
    path.write_text(text + "\n[ergm]\nenabled = false\n" + extra, encoding="utf-8")
    return path


def _run(path: Path, out: str) -> Path:
    done = subprocess.run([sys.executable, "-m", "pyreslib", "run", str(path), "--out", out,
                           "--quiet"], cwd=path.parent, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return path.parent / out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    config_path = _project(folder)
    out = _run(config_path, "out")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    html = (out / "report.html").read_text(encoding="utf-8")
    html = re.sub(r'src="data:image/png;base64,[^"]+"', 'src="png"', html)
    return config_path, out, results, html


def section(report: str, title: str) -> str:
    start = report.index(f"<h2>{title}</h2>")
    end = report.find("<section", start)
    return report[start:end if end > 0 else len(report)]


def text_of(fragment: str) -> str:
    import html

    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", fragment).split()))


def demo_networks():
    from pyreslib import ingest

    patents, _ = datasets.load_demo()
    return ingest.ingest_file(patents).networks


# ------------------------------------------------------------------------------ results.json
def test_every_stage_carries_spatial_tests_cascades_rich_club_and_core(demo):
    _, _, results, _ = demo
    quantities = set(config.SPATIAL_QUANTITIES)
    for stage in results["stages"]:
        sp = stage["spatial"]
        assert sp["weights"]["kind"] == "queen" and sp["weights"]["style"] == "W"
        assert set(sp["quantities"]) == quantities
        for tests in sp["quantities"].values():
            assert tests["moran"]["permutations"] == 199
            assert 0 < tests["moran"]["p_permutation"] <= 1
            assert tests["geary"]["expectation"] == 1.0
            assert set(tests["clusters"]) == {"high-high", "low-low", "high-low", "low-high"}
            assert isinstance(tests["clustered"], bool)
        assert set(stage["cascades"]) == {"degree", "betweenness", "random"}
        random = stage["cascades"]["random"]
        assert len(random["trigger_cities"]) == 8
        assert [row["alpha"] for row in random["curve"]] == list(cascade.DEFAULT_ALPHAS)
        assert all(0 <= row["giant_share"] <= 1 for row in random["curve"])
        assert stage["rich_club"][0]["k"] == 0 and "rho" in stage["rich_club"][0]
        core = stage["core"]
        assert core["shells"][-1]["k"] == core["k_max"]
        assert core["shells"][-1]["core"] == core["main_core"] == len(core["main_core_cities"])


def test_the_numbers_are_those_of_the_library_called_directly(demo):
    config_path, _, results, _ = demo
    cfg = config.load_config(config_path)
    from pyreslib import metrics, node_resilience

    networks = demo_networks()
    _, centralities = metrics.stage_describe(networks)
    nodes = node_resilience.stage_node_resilience(
        networks, centralities=centralities, weights=cfg.resilience.node_weights,
        normalisation=cfg.resilience.node_normalisation)
    stage = "2018-2021"
    scores = nodes[nodes["stage"] == stage].set_index("node")["score"].sort_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spatial.IsolateWarning)
        w = spatial.spatial_weights(scores.index, "queen")
    test = spatial.moran(scores, w, permutations=199, seed=cfg.seed)
    entry = next(s for s in results["stages"] if s["label"] == stage)
    written = entry["spatial"]["quantities"]["node_resilience"]["moran"]
    assert written["value"] == pytest.approx(test.value, rel=1e-5)
    assert written["p_permutation"] == pytest.approx(test.p_permutation, rel=1e-5)
    assert entry["spatial"]["weights"]["isolates"] == list(w.isolates)
    lisa = spatial.local_moran(scores, w, permutations=999, seed=cfg.seed, adjust="fdr")
    assert entry["spatial"]["quantities"]["node_resilience"]["clusters"]["high-high"] == \
        lisa.clusters("high-high")
    # cascades and rich club: the same seed, the same curves
    direct = cascade.stage_cascades({stage: networks[stage]}, repeats=8, seed=cfg.seed)
    curve = direct.curve[direct.curve["trigger"] == "degree"]
    np.testing.assert_allclose([r["giant_share"] for r in entry["cascades"]["degree"]["curve"]],
                               curve["giant_share"], rtol=1e-5)
    rc = richclub.stage_rich_club({stage: networks[stage]}, nulls=6, Q=5, seed=cfg.seed)
    np.testing.assert_allclose([r["null_mean"] for r in entry["rich_club"]],
                               rc.table["null_mean"], rtol=1e-5)


def test_the_schema_documents_every_key_of_the_new_entries(demo):
    _, _, results, _ = demo
    documented = DOCS.read_text(encoding="utf-8")
    stage = results["stages"][-1]
    tests = stage["spatial"]["quantities"]["node_resilience"]
    trigger = stage["cascades"]["degree"]
    keys = {"spatial", "cascades", "rich_club", "core"}
    keys |= set(stage["spatial"]) | set(stage["spatial"]["weights"]) | set(tests)
    keys |= set(tests["moran"]) | set(tests["clusters"]) | set(trigger)
    keys |= set(trigger["curve"][0]) | set(stage["rich_club"][0]) | set(stage["core"])
    keys |= set(stage["core"]["shells"][0]) | set(stage["cascades"])
    keys |= set(stage["spatial"]["quantities"])
    missing = sorted(k for k in keys if f"`{k}`" not in documented)
    assert missing == []


# ------------------------------------------------------------------------- tables, report
def test_the_tables_of_the_steps_are_written(demo):
    _, out, _, _ = demo
    for name in ("spatial_global", "spatial_local", "cascade_critical", "cascade_curves",
                 "cascades", "rich_club", "rich_club_summary", "core_stages", "coreness",
                 "core_shells", *(f"spatial_significant_{s}" for s in STAGES)):
        for ext in ("csv", "md", "tex"):
            assert (out / "tables" / f"{name}.{ext}").is_file(), (name, ext)
    local = pd.read_csv(out / "tables" / "spatial_local.csv", comment="#")
    assert {"stage", "quantity", "adcode", "Ii", "p_permutation", "p_adjusted", "cluster",
            "Z_Gi", "spot"} <= set(local.columns)
    assert len(local) == sum(len(g) for g in demo_networks().values()) * 5
    for figure in ("moran_scatterplot", "cascade_curves", "rich_club_curves",
                   *(f"lisa_{s}" for s in STAGES)):
        assert (out / "figures" / f"{figure}.png").is_file()


def test_the_report_says_per_stage_whether_node_resilience_is_clustered(demo):
    _, _, results, report = demo
    part = section(report, "Spatial autocorrelation")
    words = text_of(part)
    for stage in results["stages"]:
        label = stage["label"]
        tests = stage["spatial"]["quantities"]["node_resilience"]
        verdict = ("is spatially clustered" if tests["clustered"]
                   else "is not significantly clustered in space")
        assert f"Stage {label}: node resilience {verdict} (Moran's I = " \
               f"{tests['moran']['value']:.3f}" in words
        assert f"permutation p = {tests['moran']['p_permutation']:.3g}" in words
        high = tests["clusters"]["high-high"]
        if high:
            assert f"({high[0]})" in words.split(f"Stage {label}: node resilience")[1]
        else:
            assert "over 999 permutations): none." in words
        assert f'id="fig-lisa_{label}"' in part
    assert 'id="fig-moran_scatterplot"' in part


def test_the_report_says_when_the_grid_has_no_critical_alpha(demo):
    _, _, results, report = demo
    words = text_of(section(report, "Cascading failure"))
    for stage in results["stages"]:
        degree = stage["cascades"]["degree"]
        if degree["critical_alpha"] is None:
            # the demo's top city (Beijing) brings down most of every stage at every alpha
            assert degree["large_alphas"] == len(degree["curve"])
            assert (f"Stage {stage['label']}, trigger the top city by degree and by "
                    "betweenness (Beijing): the cascade is large at every alpha of the grid "
                    "(0 to 1), so there is no critical alpha on it") in words
        random = stage["cascades"]["random"]
        if random["large_alphas"] == 0:
            assert "no alpha of the grid (0 to 1) gives a large cascade" in words
    assert "critical alpha" in words and 'id="fig-cascade_curves"' in report
    assert "Rich club and k-core" in report and 'id="fig-rich_club_curves"' in report
    assert "degeneracy k_max =" in text_of(section(report, "Rich club and k-core"))


# ----------------------------------------------------------------------------- determinism
def test_the_steps_repeat_exactly_for_a_seed_whatever_the_workers(tmp_path):
    from tests.test_pipeline import _write_project

    runs = {}
    for workers in (0, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        path = _write_project(folder, figures=False)
        path.write_text(path.read_text(encoding="utf-8") + (
            f"[cascade]\nrepeats = 6\nworkers = {workers}\n"
            f"[richclub]\nnulls = 4\nswaps_per_link = 5\nworkers = {workers}\n"),
            encoding="utf-8")
        results = json.loads((_run(path, "out") / "results.json").read_text("utf-8"))
        assert results["config"]["cascade"].pop("workers") == workers
        assert results["config"]["richclub"].pop("workers") == workers
        runs[workers] = results
    assert runs[0] == runs[2]
    stage = runs[0]["stages"][0]
    assert {"spatial", "cascades", "core"} <= set(stage)
    # 16 cities with 75 links: no double-edge swap keeps the degrees, so the rich club's null
    # is undefined; the stage is left out of that step, and a note says so
    assert "rich_club" not in stage
    assert any(note.startswith("rich club: stage 2011-2014 left out: no degree-preserving")
               for note in runs[0]["notes"])


def test_the_configs_choices_are_those_of_the_library():
    fields = {f.name: f for f in config.SpatialConfig.__dataclass_fields__.values()}
    assert fields["weights"].metadata["choices"] == spatial.KINDS
    assert fields["style"].metadata["choices"] == spatial.STYLES
    assert fields["adjust"].metadata["choices"] == spatial.ADJUSTMENTS
    assert fields["permutations"].metadata["bounds"][1] == spatial.MAX_PERMUTATIONS
    cascade_fields = config.CascadeConfig.__dataclass_fields__
    assert cascade_fields["triggers"].metadata["choices"] == cascade.TRIGGERS
    assert config.CascadeConfig().grid() == list(cascade.DEFAULT_ALPHAS)
    assert config.CascadeConfig(alpha_start=0.1, alpha_stop=0.3, alpha_step=0.1).grid() == [
        0.1, 0.2, 0.3]
