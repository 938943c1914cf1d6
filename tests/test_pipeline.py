"""The main job end to end on a small hand-made patent file: what a run computes
(pyreslib.analysis) and writes (pyreslib.outputs), that its numbers agree with independent
calculations, that it is reproducible and that it never leaves a half-written output folder."""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyreslib import analysis, outputs, study
from pyreslib.config import load_config
from pyreslib.errors import ConfigError, InputError
from pyreslib.metrics import NETWORK_INDICATORS
from pyreslib.outputs import MARKER, round_floats

# (adcode, address prefix, applicant city name) of the cities in the hand-made file
CITIES = {
    110000: "北京市海淀区", 310000: "上海市浦东新区", 320100: "江苏省南京市玄武区",
    330100: "浙江省杭州市西湖区", 440300: "广东省深圳市南山区", 420100: "湖北省武汉市洪山区",
    510100: "四川省成都市高新区", 130100: "河北省石家庄市长安区", 330200: "浙江省宁波市鄞州区",
    370100: "山东省济南市历下区", 610100: "陕西省西安市雁塔区", 410100: "河南省郑州市金水区",
    # neighbours of the hubs, so that the ERGM's shared-border covariate is not all zero
    120000: "天津市滨海新区", 131000: "河北省廊坊市广阳区", 321100: "江苏省镇江市京口区",
    330600: "浙江省绍兴市越城区",
}
STAGES = ["2011-2014", "2015-2017"]


def _patents(seed: int = 7) -> list[tuple[str, int, list[int]]]:
    """(id, year, applicant cities) of a few hundred invented patents."""
    rand = random.Random(seed)
    codes = sorted(CITIES)
    hubs = [110000, 310000, 320100, 330100]
    patents = []
    for i in range(420):
        year = rand.randint(2011, 2017)
        k = rand.choice([2, 2, 2, 3])
        first = rand.choice(hubs)
        others = rand.sample([c for c in codes if c != first], k - 1)
        if rand.random() < 0.25:  # a single-city collaboration
            others = [first] * (k - 1)
        patents.append((f"CN{year}1{i:07d}.X", year, [first, *others]))
    return patents


def _expected(patents):
    """Stage pair weights and internal strengths by method.md section 1, counted by hand."""
    pairs = {s: Counter() for s in STAGES}
    internal = {s: Counter() for s in STAGES}
    for _, year, cities in patents:
        stage = STAGES[0] if year <= 2014 else STAGES[1]
        distinct = sorted(set(cities))
        if len(distinct) == 1:
            internal[stage][distinct[0]] += 1
        for a, b in combinations(distinct, 2):
            pairs[stage][(a, b)] += 1
    return pairs, internal


def _write_project(folder: Path, *, ergm: bool = False, figures: bool = True,
                   extra: str = "") -> Path:
    patents = _patents()
    lines = ["申请号,申请日,申请人,申请人地址"]
    for n, (pid, year, cities) in enumerate(patents):
        names = ";".join(f"测试{j}{n}科技有限公司" for j, c in enumerate(cities))
        addresses = ";".join(f"{CITIES[c]}科技路{j + 1}号" for j, c in enumerate(cities))
        lines.append(f"{pid},{year}-03-01,{names},{addresses}")
    (folder / "patents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["adcode,year,gdp_per_capita,education_spending,st_spending"]
    for i, code in enumerate(sorted(CITIES)):
        for year in range(2011, 2018):
            rows.append(f"{code},{year},{40000 + 7000 * i + 500 * (year - 2011)},"
                        f"{1000 + 300 * ((i * 7) % 12)},{200 + 90 * ((i * 5) % 12)}")
    (folder / "covariates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = folder / "run.toml"
    config.write_text(
        f"""title = "test run"
seed = 11
[input]
patents = "patents.csv"
covariates = "covariates.csv"
[stages]
labels = {json.dumps(STAGES)}
[communities]
trials = 2
[robustness]
repeats = 5
[ergm]
enabled = {str(ergm).lower()}
models = ["study"]
gof_nsim = 10
[figures]
enabled = {str(figures).lower()}
dpi = 40
{extra}
""",
        encoding="utf-8",
    )
    return config


def run(config, out_dir, *, cwd):
    """What `pyreslib run` does: compute, then write; returns (analysis result, written)."""
    result = analysis.run(config)
    return result, outputs.write(result, out_dir, cwd=cwd)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One complete run (figures on, ERGM off) shared by the tests that only read it."""
    folder = tmp_path_factory.mktemp("project")
    config = _write_project(folder)
    result, written = run(config, folder / "out", cwd=folder)
    return folder, result, written


def test_a_run_writes_the_documented_outputs(finished):
    folder, _, result = finished
    out = folder / "out"
    assert result.out_dir == out.resolve()
    for name in ("results.json", "report.html", MARKER, "ingest/ingest_report.json",
                 "ingest/unresolved.csv", "tables/network_indicators.csv",
                 "tables/network_indicators.md", "tables/network_indicators.tex",
                 "figures/map_2011-2014.png", "figures/degree_distribution.png",
                 "figures/robustness_curves.png", "figures/network_resilience.png"):
        assert (out / name).is_file(), name
    assert not [p for p in folder.iterdir() if ".partial-" in p.name]
    assert all(p.is_file() for p in result.figures + result.tables)


def test_results_json_follows_the_schema(finished):
    folder, _, _ = finished
    results = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    assert {"stages", "ergm", "schema_version", "config", "ingest", "synthetic"} <= set(results)
    assert [s["label"] for s in results["stages"]] == STAGES
    for stage in results["stages"]:
        assert set(stage["network"]) == set(NETWORK_INDICATORS)
        assert set(stage["resilience"]) == {"U", "C", "T", "D"}
        assert {"count", "sizes", "codelength"} <= set(stage["communities"])
        assert stage["top_nodes"][0]["rank"] == 1
    assert results["ergm"] == []
    assert results["synthetic"] is False


def test_the_comparison_with_the_study_labels_this_runs_values_this_run(finished):
    folder, result, _ = finished
    results = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["schema_version"] == 3  # 2: comparison_to_study's "demo" became "this_run"
    rows = results["comparison_to_study"]
    quantities = list(dict.fromkeys(f.quantity for f in study.REPORTED))
    assert [(r["stage"], r["quantity"]) for r in rows] == [
        (s, q) for s in STAGES for q in quantities]
    for row in rows:
        assert set(row) == {"stage", "quantity", "this_run", "study", "difference", "kind",
                            "tolerance", "within_tolerance", "relative_difference", "note"}
    cities = next(r for r in rows if r["stage"] == STAGES[0] and r["quantity"] == "cities")
    assert cities["this_run"] == result.networks[STAGES[0]].number_of_nodes()
    assert cities["study"] == 92
    assert not any("demo" in r["note"] for r in rows)  # a real run: no note about the demo data
    table = (folder / "out" / "tables" / "comparison_to_study.csv").read_text(encoding="utf-8")
    assert table.splitlines()[0] == ",".join(study.COMPARISON_COLUMNS)


def test_networks_match_a_hand_count_of_the_patents(finished):
    _, result, written = finished
    pairs, internal = _expected(_patents())
    for stage in STAGES:
        G = result.networks[stage]
        got = {tuple(sorted((a, b))): w for a, b, w in G.edges(data="weight")}
        assert got == dict(pairs[stage])
        entry = next(s for s in written.results["stages"] if s["label"] == stage)
        assert entry["network"]["nodes"] == len({c for p in pairs[stage] for c in p})
        assert entry["network"]["edges"] == len(pairs[stage])
        assert entry["network"]["weight"] == sum(pairs[stage].values())
        for node in G.nodes:
            assert G.nodes[node]["internal"] == internal[stage][node]


def test_network_indicators_agree_with_networkx(finished):
    _, result, written = finished
    for entry in written.results["stages"]:
        G = result.networks[entry["label"]]
        net = entry["network"]
        assert net["density"] == pytest.approx(nx.density(G), rel=1e-5)
        assert net["avg_degree"] == pytest.approx(2 * G.number_of_edges() / len(G), rel=1e-5)
        assert net["avg_clustering"] == pytest.approx(nx.average_clustering(G), rel=1e-5)
        assert net["efficiency"] == pytest.approx(nx.global_efficiency(G), rel=1e-5)


def test_resilience_follows_the_coupling_coordination_formulas(finished):
    _, _, written = finished
    a = written.results["resilience_weights"]["dimensions"]
    for entry in written.results["stages"]:
        res = entry["resilience"]
        U = [res["U"][d] for d in a]
        n = len(U)
        C = n * (math.prod(U) / sum(U) ** n) ** (1 / n)
        T = sum(a[d] * res["U"][d] for d in a)
        assert res["C"] == pytest.approx(C, rel=1e-4)
        assert res["T"] == pytest.approx(T, rel=1e-4)
        assert res["D"] == pytest.approx(math.sqrt(C * T), rel=1e-4)


def test_communities_cover_every_city(finished):
    _, _, written = finished
    for entry in written.results["stages"]:
        comm = entry["communities"]
        assert sum(comm["sizes"]) == entry["network"]["nodes"]
        assert comm["count"] == len(comm["sizes"])


def test_report_names_the_sections_and_embeds_the_figures(finished):
    folder, _, written = finished
    page = (folder / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(written.figures)
    assert "SYNTHETIC DEMO DATA" not in page  # real input: no banner
    # the report cites the project's own method document, which exists and has the sections
    from pyreslib._resources import project_root

    cited = set(re.findall(r"docs/method\.md, section (\d)", page))
    assert cited and "SPEC" not in page
    if project_root() is not None:
        method = (project_root() / "docs" / "method.md").read_text(encoding="utf-8")
        assert all(f"\n## {n}. " in method for n in cited)
    for heading in ("Network resilience", "Communities", "Node resilience", "Robustness"):
        assert f"<h2>{heading}</h2>" in page


def test_results_json_is_byte_identical_across_processes(tmp_path):
    config = _write_project(tmp_path, figures=False)
    run(config, tmp_path / "a", cwd=tmp_path)
    code = ("import sys; from pyreslib import analysis, outputs; "
            "outputs.write(analysis.run(sys.argv[1]), sys.argv[2], cwd=sys.argv[3])")
    subprocess.run([sys.executable, "-c", code, str(config), str(tmp_path / "b"), str(tmp_path)],
                   check=True, env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"})
    first = (tmp_path / "a" / "results.json").read_bytes()
    assert first == (tmp_path / "b" / "results.json").read_bytes()
    assert b"NaN" not in first and b"Infinity" not in first


def test_a_failed_run_leaves_no_output_folder(tmp_path):
    # no patent falls in 2019-2020: that stage has no network, so the run stops at ingest
    config = _write_project(tmp_path, figures=False)
    text = config.read_text(encoding="utf-8").replace(
        json.dumps(STAGES), json.dumps([*STAGES, "2019-2020"]))
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"stage\(s\) \['2019-2020'\] have no cross-city"):
        run(config, tmp_path / "out", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["covariates.csv", "patents.csv",
                                                          "run.toml"]


def test_an_earlier_output_is_replaced_but_a_foreign_folder_is_not(tmp_path):
    config = _write_project(tmp_path, figures=False)
    result, _ = run(config, tmp_path / "out", cwd=tmp_path)
    outputs.write(result, tmp_path / "out", cwd=tmp_path)  # exactly what the first run wrote
    (tmp_path / "out" / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(ConfigError, match="did not write there: notes.txt"):
        outputs.write(result, tmp_path / "out", cwd=tmp_path)
    assert (tmp_path / "out" / "notes.txt").read_text(encoding="utf-8") == "my notes"
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not an earlier pyreslib output"):
        outputs.write(result, foreign, cwd=tmp_path)
    assert (foreign / "chapter1.tex").read_text(encoding="utf-8") == "keep me"


def test_output_outside_the_working_tree_is_refused_unless_chosen(tmp_path,
                                                                  tmp_path_factory):
    config = _write_project(tmp_path, figures=False)
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "out"
    with pytest.raises(ConfigError, match="outside the working tree"):
        run(config, elsewhere, cwd=tmp_path)
    assert not elsewhere.exists()
    # a folder the user chose (pyreslib run --out) is written wherever it points
    written = outputs.write(analysis.run(config), elsewhere, cwd=tmp_path, chosen=True)
    assert written.out_dir == elsewhere.resolve() and (elsewhere / "results.json").is_file()


def test_cli_run_without_ergm(tmp_path, monkeypatch, capsys):
    from pyreslib.cli import main

    config = _write_project(tmp_path, figures=False, ergm=True)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config), "--out", "results", "--no-ergm"]) == 0
    printed = capsys.readouterr().out
    assert "Summary" in printed and "2015-2017" in printed
    assert json.loads((tmp_path / "results" / "results.json").read_text())["ergm"] == []


def test_cli_refuses_a_foreign_output_folder_before_any_work(tmp_path, monkeypatch, capsys):
    from pyreslib.cli import main

    # the run itself would fail at ingest (a stage without patents): the folder is named first
    config = _write_project(tmp_path, figures=False)
    text = config.read_text(encoding="utf-8").replace(
        json.dumps(STAGES), json.dumps([*STAGES, "2019-2020"]))
    config.write_text(text, encoding="utf-8")
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("keep me", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config), "--out", "thesis", "--quiet"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "is not an earlier pyreslib output" in err and "2019-2020" not in err
    assert [p.name for p in (tmp_path / "thesis").iterdir()] == ["chapter1.tex"]


def test_cli_reports_config_errors_in_one_line(tmp_path, monkeypatch, capsys):
    from pyreslib.cli import main

    config = _write_project(tmp_path, figures=False, extra="[metrics]\nweigthed = true\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config), "--out", "results"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'metrics.weigthed' (did you mean 'metrics.weighted'?)" in " ".join(
        err.split())
    assert "Traceback" not in err


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, 15))
def test_rounding_is_idempotent_and_close(x, digits):
    once = round_floats(x, digits)
    assert round_floats(once, digits) == once
    if x != 0:
        assert abs(once - x) <= abs(x) * 10 ** (1 - digits)


def test_rounding_makes_json_safe_values():
    import numpy as np

    assert round_floats({"a": float("nan"), "b": np.float64(1 / 3), "c": (np.int64(2),)}, 3) == {
        "a": None, "b": 0.333, "c": [2]}


@pytest.mark.r
@pytest.mark.slow
def test_a_run_with_ergm_reports_every_fit(tmp_path):
    pytest.importorskip("rpy2")
    config = _write_project(tmp_path, ergm=True, figures=True)
    cfg = load_config(config)
    try:
        analysed, result = run(cfg, tmp_path / "out", cwd=tmp_path)
    except Exception as exc:  # R or statnet missing on this machine
        from pyreslib.errors import REnvironmentError

        if isinstance(exc, REnvironmentError):
            pytest.skip(str(exc))
        raise
    fits = result.results["ergm"]
    assert [(f["stage"], f["model"]) for f in fits] == [(s, "study") for s in STAGES]
    for fit in fits:
        assert {"params", "bse", "pvalues", "llf", "aic", "bic", "converged"} <= set(fit)
        assert set(fit["params"]) == set(fit["bse"]) == set(fit["pvalues"])
        # AIC = -2 llf + 2 k: a check of the bridge's numbers against their definition
        assert fit["aic"] == pytest.approx(-2 * fit["llf"] + 2 * len(fit["params"]), rel=1e-4)
    assert (tmp_path / "out" / "figures" / "ergm_coefficients.png").is_file()
    # one goodness-of-fit picture: the report's is the API's res.gof().plot()
    from pyreslib.outputs.report import save_figure

    gof = analysed.ergm.fits[("2011-2014", "study")].gof
    again = save_figure(gof.plot(title="study model, stage 2011-2014"), tmp_path / "again.png",
                        dpi=cfg.figures.dpi)
    shown = tmp_path / "out" / "figures" / "gof_2011-2014_study.png"
    assert shown.read_bytes() == again.read_bytes()


@pytest.mark.slow
def test_cli_demo_prints_this_run_next_to_the_study(tmp_path, monkeypatch, capsys):
    from pyreslib.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["demo", "--out", "demo-output", "--no-ergm"]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC DEMO DATA" in printed
    assert "This run next to the reference study" in printed and "this run" in printed
    (row,) = [line for line in printed.splitlines() if "2018-2021" in line and
              "collaborations" in line]
    assert "9,500" in row and "not stated" in row
    assert json.loads((tmp_path / "demo-output" / "results.json").read_text())["synthetic"]
