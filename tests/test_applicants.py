"""Placing co-applicants as a careful researcher would (issue 24): the user's table, a city in
the name, the institutions list, one precedence, and what is left ready to fill in.

The export below has the shape of a CNIPA export: an address for the first applicant only.
Every count in the comments is worked out by hand from its rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib.applicants import (
    ApplicantCities,
    ApplicantPlacer,
    Institutions,
    institution_table,
    normalise_name,
    read_applicant_cities,
)
from pyreslib.cities import PREFECTURE_LEVEL_KINDS, CityResolver
from pyreslib.cli import main
from pyreslib.errors import InputError
from pyreslib.ingest import ingest_file, ingest_frame
from pyreslib.network import edge_table

BJ, TJ, BAODING, CHANGCHUN, NJ, SUZHOU, HZ, WUHAN, GZ, SZ = (
    110000, 120000, 130600, 220100, 320100, 320500, 330100, 420100, 440100, 440300)

# (id, date, applicants, the first applicant's address)
EXPORT = [
    ("CN201210000001.1", "2012-03-01", ["清华大学", "国家电网有限公司"], "北京市海淀区清华园1号"),
    ("CN201310000002.2", "2013-05-02", ["华南理工大学", "比亚迪股份有限公司"],
     "广东省广州市天河区五山路381号"),
    ("CN201410000003.3", "2014-07-03",
     ["国网江苏省电力有限公司", "国网江苏省电力有限公司南京供电分公司", "清华大学"],
     "江苏省南京市鼓楼区上海路215号"),
    ("CN201510000004.4", "2015-02-04", ["中国第一汽车股份有限公司", "吉林大学"],
     "吉林省长春市汽车经济技术开发区新红旗大街1号"),
    ("CN201610000005.5", "2016-04-05", ["华中科技大学", "国家电网有限公司"],
     "湖北省武汉市洪山区珞喻路1037号"),
    ("CN201610000006.6", "2016-06-06", ["河北工业大学", "国家电网有限公司", "华北电力大学（保定）"],
     "天津市红桥区光荣道8号"),
    ("CN201710000007.7", "2017-08-07", ["吉林大学第一医院", "中国第一汽车股份有限公司"],
     "吉林省长春市朝阳区新民大街71号"),
    ("CN201810000008.8", "2018-01-08", ["比亚迪股份有限公司", "清华大学深圳研究生院"],
     "广东省深圳市坪山区比亚迪路3009号"),
    ("CN201910000009.9", "2019-03-09", ["浙江吉利控股集团有限公司", "吉林大学"],
     "浙江省杭州市滨江区江陵路1760号"),
    ("CN202010000010.0", "2020-05-10",
     ["国家电网有限公司", "国网江苏省电力有限公司南京供电分公司", "华北电力大学"],
     "北京市西城区西长安街86号"),
    ("CN202110000011.1", "2021-07-11", ["华南理工大学", "浙江吉利控股集团有限公司"],
     "广东省广州市天河区五山路381号"),
    ("CN202110000012.2", "2021-09-12", ["比亚迪股份有限公司", "中国第一汽车股份有限公司", "吉林大学"],
     "广东省深圳市坪山区比亚迪路3009号"),
]
# The cities a person would write for the firms the export leaves without an address.
KNOWN = {"国家电网有限公司": "北京", "中国第一汽车股份有限公司": "长春",
         "比亚迪股份有限公司": "深圳", "浙江吉利控股集团有限公司": "杭州"}

# By hand, without the table. Placed by name: 清华大学, 华北电力大学 -> 北京, 吉林大学 -> 长春
# (institutions list); 国网...南京供电分公司 -> 南京, 华北电力大学（保定） -> 保定,
# 清华大学深圳研究生院 -> 深圳 (a city in the name). Unresolved: 国家电网 x3, 一汽 x2, 比亚迪
# x1 (no place in the name), 吉利 x1 (a province only).
# 2011-2014: P1 北京 + ?; P2 广州 + ?: one placed applicant each, nothing.
#            P3 南京, 南京, 北京: the pair 北京-南京.
# 2015-2017: P4 长春 + 长春: internal 长春. P5 武汉 + ?: nothing. P6 天津 + ? + 保定: 天津-保定.
#            P7 长春 + ?: nothing.
# 2018-2021: P8 深圳 + 深圳: internal 深圳. P9 杭州-长春. P10 北京, 南京, 北京: 北京-南京.
#            P11 广州 + ?: nothing. P12 深圳 + ? + 长春: 长春-深圳.
WITHOUT_TABLE = {
    "2011-2014": ({(BJ, NJ): 1}, {}),
    "2015-2017": ({(TJ, BAODING): 1}, {CHANGCHUN: 1}),
    "2018-2021": ({(BJ, NJ): 1, (CHANGCHUN, HZ): 1, (CHANGCHUN, SZ): 1}, {SZ: 1}),
}
# With the table: P1 北京 + 北京 internal; P2 广州-深圳; P5 北京-武汉; P6 天津, 北京, 保定: three
# pairs; P7 长春 + 长春 internal; P11 广州-杭州; P12 深圳, 长春, 长春: still 长春-深圳.
WITH_TABLE = {
    "2011-2014": ({(BJ, NJ): 1, (GZ, SZ): 1}, {BJ: 1}),
    "2015-2017": ({(BJ, TJ): 1, (BJ, BAODING): 1, (TJ, BAODING): 1, (BJ, WUHAN): 1},
                  {CHANGCHUN: 2}),
    "2018-2021": ({(BJ, NJ): 1, (CHANGCHUN, HZ): 1, (CHANGCHUN, SZ): 1, (HZ, GZ): 1}, {SZ: 1}),
}
# The unresolved names, most patents first, with the collaborations placing each would add
# at most: 国家电网 P1 (北京) 1 + P5 (武汉) 1 + P6 (天津, 保定) 2 = 4; 一汽 P7 1 + P12 2 = 3.
TO_FILL = [
    ["国家电网有限公司", 3, 4, "2011-2014, 2015-2017", "unknown"],
    ["中国第一汽车股份有限公司", 2, 3, "2015-2017, 2018-2021", "unknown"],
    ["比亚迪股份有限公司", 1, 1, "2011-2014", "unknown"],
    ["浙江吉利控股集团有限公司", 1, 1, "2018-2021", "province_only"],
]


def export_frame(rows=EXPORT) -> pd.DataFrame:
    return pd.DataFrame({
        "申请号": [r[0] for r in rows],
        "申请日": [r[1] for r in rows],
        "申请人": [";".join(r[2]) for r in rows],
        "申请人地址": [r[3] for r in rows],
    })


@pytest.fixture
def export(tmp_path) -> Path:
    path = tmp_path / "patents.csv"
    export_frame().to_csv(path, index=False, encoding="utf-8")
    return path


def networks_of(result) -> dict:
    out = {}
    for label, graph in result.networks.items():
        edges = {(min(a, b), max(a, b)): w for a, b, w in edge_table(graph).itertuples(index=False)}
        rows = result.internal[result.internal["stage"] == label]
        out[label] = (edges, dict(zip(rows["adcode"], rows["internal"], strict=True)))
    return out


def sorted_pairs(expected: dict) -> dict:
    return {label: ({tuple(sorted(k)): v for k, v in edges.items()}, internal)
            for label, (edges, internal) in expected.items()}


def fill_in(listing: Path, out: Path) -> Path:
    """What a user does with unresolved_applicants.csv: write the cities they know."""
    table = pd.read_csv(listing, dtype=str, keep_default_na=False)
    table["city"] = table["applicant"].map(KNOWN)
    table.to_csv(out, index=False, encoding="utf-8")
    return out


# ---- the export of issue 24, without the table and with it ----------------------------------


def test_without_the_table_the_networks_are_the_hand_count(export):
    result = ingest_file(export)
    assert networks_of(result) == sorted_pairs(WITHOUT_TABLE)
    report = result.report
    assert report.applicants == 28
    assert report.applicants_by_route == {"address": 12, "user_table": 0, "city_in_name": 4,
                                          "institution": 5}
    assert report.unresolved_by_reason == {"province_only": 1, "ambiguous": 0, "unknown": 6}
    listed = result.unresolved_names
    assert listed[["applicant", "patents", "collaborations_at_stake", "stages",
                   "reason"]].values.tolist() == TO_FILL
    assert (listed["city"] == "").all()


def test_with_the_table_the_networks_are_the_hand_count(export):
    result = ingest_file(export, applicant_cities=KNOWN)
    assert networks_of(result) == sorted_pairs(WITH_TABLE)
    assert result.report.applicants_by_route == {"address": 12, "user_table": 7,
                                                 "city_in_name": 4, "institution": 5}
    assert result.report.unresolved_applicants == 0 and result.unresolved_names.empty


def test_every_name_placed_without_its_address_is_listed_with_its_evidence(export):
    placed = ingest_file(export).placed_by_name.set_index("applicant")
    assert placed.loc["吉林大学", ["adcode", "route", "patents"]].tolist() == [
        CHANGCHUN, "institution", 3]
    assert placed.loc["华北电力大学（保定）", "route"] == "city_in_name"
    assert placed.loc["华北电力大学（保定）", "evidence"] == (
        "保定市 in the name after the institution 华北电力大学")
    assert placed.loc["清华大学深圳研究生院", "adcode"] == SZ
    assert "国家电网有限公司" not in placed.index


def test_networks_lists_what_is_left_and_takes_it_back_filled_in(export, tmp_path, capsys):
    out = tmp_path / "first"
    assert main(["networks", str(export), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # the console names the applicants that would add the most collaborations
    assert "would add the most collaborations" in printed
    assert printed.index("国家电网有限公司") < printed.index("中国第一汽车股份有限公司")
    listing = pd.read_csv(out / "unresolved_applicants.csv", dtype=str, keep_default_na=False)
    assert listing["applicant"].tolist() == [row[0] for row in TO_FILL]
    assert list(listing.columns[:2]) == ["applicant", "city"]
    raw = json.loads((out / "unresolved_applicants.json").read_text(encoding="utf-8"))
    assert raw[0]["patents"] == 3
    assert (out / "placed_by_name.csv").is_file()

    table = fill_in(out / "unresolved_applicants.csv", tmp_path / "mine.csv")
    # the filled-in list is a valid table, and it places exactly the names it lists
    assert set(read_applicant_cities(table).adcodes) == {normalise_name(n) for n in KNOWN}
    second = tmp_path / "second"
    assert main(["networks", str(export), "--out", str(second), "--applicant-cities",
                 str(table), "--quiet"]) == 0
    for label, (edges, internal) in sorted_pairs(WITH_TABLE).items():
        written = pd.read_csv(second / f"stage_{label}_edges.csv")
        assert {(a, b): w for a, b, w in written.itertuples(index=False)} == edges
    report = json.loads((second / "ingest_report.json").read_text(encoding="utf-8"))
    assert report["applicants_by_route"]["user_table"] == 7
    assert report["applicant_cities"] == "mine.csv" and report["applicant_cities_names"] == 4
    assert pd.read_csv(second / "unresolved_applicants.csv").empty


def test_the_excel_friendly_listing_is_a_valid_table_too(export, tmp_path):
    out = tmp_path / "out"
    assert main(["networks", str(export), "--out", str(out), "--excel-friendly",
                 "--quiet"]) == 0
    assert (out / "unresolved_applicants.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(out / "unresolved_applicants.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    table["city"] = table["applicant"].map(KNOWN)
    table.to_csv(tmp_path / "mine.csv", index=False, encoding="utf-8-sig")
    assert len(read_applicant_cities(tmp_path / "mine.csv")) == 4


def _project(folder: Path, export: Path, table: str | None) -> Path:
    config = folder / "run.toml"
    line = f'applicant_cities = "{table}"\n' if table else ""
    config.write_text(
        f'[input]\npatents = "{export.name}"\n{line}'
        "[ergm]\nenabled = false\n[figures]\nenabled = false\n"
        "[robustness]\nenabled = false\n", encoding="utf-8")
    return config


def test_run_writes_the_listing_in_ingest_and_reads_the_table_from_the_config(export, tmp_path):
    config = _project(tmp_path, export, None)
    assert main(["run", str(config), "--out", str(tmp_path / "plain"), "--quiet"]) == 0
    listing = tmp_path / "plain" / "ingest" / "unresolved_applicants.csv"
    assert pd.read_csv(listing)["applicant"].tolist() == [row[0] for row in TO_FILL]
    fill_in(listing, tmp_path / "mine.csv")

    config = _project(tmp_path, export, "mine.csv")  # relative to the config's folder
    assert main(["run", str(config), "--out", str(tmp_path / "known"), "--quiet"]) == 0
    results = json.loads((tmp_path / "known" / "results.json").read_text(encoding="utf-8"))
    assert results["config"]["input"]["applicant_cities"] == "mine.csv"
    assert results["ingest"]["applicants_by_route"]["user_table"] == 7
    stages = {s["label"]: s["network"] for s in results["stages"]}
    assert [stages[label]["edges"] for label in WITH_TABLE] == [
        len(edges) for edges, _ in WITH_TABLE.values()]


def test_run_takes_the_table_on_the_command_line(export, tmp_path, monkeypatch):
    fill_in_frame = pd.DataFrame({"applicant": list(KNOWN), "city": list(KNOWN.values())})
    (tmp_path / "elsewhere").mkdir()
    fill_in_frame.to_csv(tmp_path / "elsewhere" / "mine.csv", index=False)
    config = _project(tmp_path, export, None)
    monkeypatch.chdir(tmp_path / "elsewhere")  # a flag's path is read from where one stands
    assert main(["run", str(config), "--out", str(tmp_path / "out"), "--no-ergm", "--quiet",
                 "--applicant-cities", "mine.csv"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["ingest"]["applicants_by_route"]["user_table"] == 7
    assert pd.read_csv(tmp_path / "out" / "ingest" / "unresolved_applicants.csv").empty


# ---- the precedence ----------------------------------------------------------------------------

# One export holding every rule of the precedence, run through ingest_file, `pyreslib networks`
# and `pyreslib run`. The table says 深圳 for 比亚迪 and 苏州 for the Nanjing branch.
PRECEDENCE_EXPORT = [
    # an address beats the table: 比亚迪 stays in 南京; the table beats a city in the name:
    # the branch goes to 苏州. The pair: 南京-苏州.
    ("P1", "2016", ["比亚迪股份有限公司", "国网江苏省电力有限公司南京供电分公司"], "江苏省南京市玄武区"),
    # a city in the name beats the institutions table: 保定, not 北京; a province in the name
    # does not count: 河北工业大学 is in 天津 (the list). The pair: 天津-保定.
    ("P2", "2016", ["天津某某有限公司", "华北电力大学（保定）", "河北工业大学"], "天津市"),
    # a province only: 吉利 stays unresolved
    ("P3", "2016", ["上海某某有限公司", "浙江吉利控股集团有限公司"], "上海市"),
]
PRECEDENCE_TABLE = "applicant,city\n比亚迪股份有限公司,深圳\n国网江苏省电力有限公司南京供电分公司,苏州\n"
PLACED = {"国网江苏省电力有限公司南京供电分公司": (SUZHOU, "user_table"),
          "华北电力大学（保定）": (BAODING, "city_in_name"), "河北工业大学": (TJ, "institution")}


def _through_ingest_file(patents: Path, table: Path, tmp: Path):
    result = ingest_file(patents, stages="2015-2017", applicant_cities=table)
    edges = networks_of(result)["2015-2017"][0]
    return edges, result.placed_by_name, result.unresolved_names


def _through_networks(patents: Path, table: Path, tmp: Path):
    out = tmp / "networks"
    assert main(["networks", str(patents), "--stages", "2015-2017", "--applicant-cities",
                 str(table), "--out", str(out), "--quiet"]) == 0
    written = pd.read_csv(out / "stage_2015-2017_edges.csv")
    edges = {(a, b): w for a, b, w in written.itertuples(index=False)}
    return (edges, pd.read_csv(out / "placed_by_name.csv"),
            pd.read_csv(out / "unresolved_applicants.csv", keep_default_na=False))


def _through_run(patents: Path, table: Path, tmp: Path):
    config = _project(tmp, patents, table.name)
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '[stages]\nlabels = ["2015-2017"]\n', encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp / "run"), "--quiet"]) == 0
    results = json.loads((tmp / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["stages"][0]["network"]["edges"] == 2
    ingest = tmp / "run" / "ingest"
    return (None, pd.read_csv(ingest / "placed_by_name.csv"),
            pd.read_csv(ingest / "unresolved_applicants.csv", keep_default_na=False))


@pytest.mark.parametrize("through", [_through_ingest_file, _through_networks, _through_run],
                         ids=["ingest_file", "pyreslib networks", "pyreslib run"])
def test_the_precedence_holds_through_every_entry_point(through, tmp_path):
    patents = tmp_path / "patents.csv"
    export_frame(PRECEDENCE_EXPORT).to_csv(patents, index=False, encoding="utf-8")
    table = tmp_path / "mine.csv"
    table.write_text(PRECEDENCE_TABLE, encoding="utf-8")
    edges, placed_names, left = through(patents, table, tmp_path)
    if edges is not None:
        assert edges == {(NJ, SUZHOU): 1, (TJ, BAODING): 1}
    placed_names = placed_names.set_index("applicant")
    assert {n: (r.adcode, r.route) for n, r in placed_names.iterrows()} == PLACED
    assert "比亚迪股份有限公司" not in placed_names.index  # placed by its address
    assert left[["applicant", "reason"]].values.tolist() == [
        ["浙江吉利控股集团有限公司", "province_only"]]


def placed(applicants: list[str], first_address: str = "", table=None, **kwargs):
    """Where each applicant of a one-patent export lands (None: unresolved)."""
    frame = pd.DataFrame({"id": ["X1"], "date": ["2016"], "applicants": [";".join(applicants)],
                          "addresses": [first_address]})
    result = ingest_frame(frame, applicant_cities=table, **kwargs)
    unresolved = set(result.unresolved["applicant"])
    by_name = result.placed_by_name.set_index("applicant")["adcode"].to_dict()
    return [None if a in unresolved else by_name.get(a, "address") for a in applicants], result


def test_an_address_beats_the_table():
    where, result = placed(["比亚迪股份有限公司", "甲"], "江苏省南京市玄武区", {"比亚迪股份有限公司": "深圳"})
    assert where == ["address", None]
    assert networks_of(result)["2015-2017"] == ({}, {})  # 南京 alone: the table did not move it
    assert result.report.applicants_by_route["address"] == 1


def test_the_table_places_an_applicant_whose_address_names_no_city():
    where, _ = placed(["甲公司", "乙"], "Stuttgart, Germany", {"甲公司": "苏州"})
    assert where == [SUZHOU, None]


def test_the_name_does_not_override_an_address_that_names_no_city():
    # the address is evidence the applicant is abroad; a city in the name is not read
    where, result = placed(["南京某某有限公司", "乙"], "Stuttgart, Germany")
    assert where == [None, None]
    assert result.unresolved["reason"].iloc[0].startswith("no city name found")


def test_the_table_beats_a_city_in_the_name():
    where, _ = placed(["甲", "国网江苏省电力有限公司南京供电分公司"], "北京市",
                      {"国网江苏省电力有限公司南京供电分公司": "苏州"})
    assert where == ["address", SUZHOU]


@pytest.mark.parametrize(("name", "adcode"), [
    ("华北电力大学（保定）", BAODING),  # 华北电力大学 is in Beijing; the campus is in Baoding
    ("清华大学深圳研究生院", SZ),
    ("哈尔滨工业大学(威海)", 371000),
    ("北京师范大学珠海分校", 440400),  # an institution of its own in the list
    ("复旦大学附属中山医院", 310000),  # 中山医院 is not 中山
])
def test_a_city_in_the_name_beats_the_institutions_table(name, adcode):
    assert placed(["甲", name], "天津市")[0] == ["address", adcode]


def test_a_province_in_the_name_does_not_count():
    where, result = placed(["甲", "河北工业大学", "浙江吉利控股集团有限公司"], "上海市")
    assert where == ["address", TJ, None]  # 河北工业大学 is in Tianjin
    assert result.report.unresolved_by_reason["province_only"] == 1
    assert "浙江省" in result.unresolved_names["detail"].iloc[0]


@pytest.mark.parametrize(("name", "adcode", "route"), [
    ("吉林大学", CHANGCHUN, "institution"),  # 吉林 alone is ambiguous; the list settles it
    ("吉林大学第一医院", CHANGCHUN, "institution"),  # begins with 吉林大学
    ("吉林大学珠海学院", 440400, "institution"),  # the longest institution wins
    ("中山大学", GZ, "institution"),  # not 中山
    ("华南理工大学", GZ, "institution"),
    ("国网江苏省电力有限公司南京供电分公司", NJ, "city_in_name"),
    ("宁德时代新能源科技股份有限公司", 350900, "city_in_name"),
])
def test_names_placed_without_an_address(name, adcode, route):
    placement = ApplicantPlacer().place_name(name)
    assert (placement.adcode, placement.route) == (adcode, route)


@pytest.mark.parametrize(("name", "reason"), [
    ("浙江吉利控股集团有限公司", "province_only"),
    ("国网江苏省电力有限公司", "province_only"),
    ("吉林化纤集团有限责任公司", "ambiguous"),  # the city 吉林 or the province
    ("上海汽车集团股份有限公司北京分公司", "ambiguous"),  # two cities
    ("清华大学浙江研究院", "province_only"),  # a branch somewhere in Zhejiang, not in Beijing
    ("国家电网有限公司", "unknown"),
    ("阿里巴巴(中国)有限公司", "unknown"),  # not Ngari (阿里), Tibet
    ("东方电气集团", "unknown"),  # 东方 is a county-level unit, named short
])
def test_names_left_unresolved_say_why(name, reason):
    placement = ApplicantPlacer().place_name(name)
    assert placement.adcode is None and placement.reason == reason, placement


def test_without_name_fallback_only_the_table_places_by_name():
    where, result = placed(["甲", "吉林大学", "比亚迪股份有限公司"], "北京市",
                           {"比亚迪股份有限公司": "深圳"}, name_fallback=False)
    assert where == ["address", None, SZ]
    assert "name_fallback is off" in result.unresolved["reason"].iloc[0]


def test_names_are_matched_after_normalisation():
    table = {"华北电力大学（保定）": "保定", "ＢＹＤ Company Limited": "深圳"}
    where, _ = placed(["甲", "华北电力大学 [保定]", "byd company limited"], "北京市", table)
    assert where == ["address", BAODING, SZ]


def test_skip_patent_counts_the_table_as_resolved():
    frame = export_frame()
    dropped = ingest_frame(frame, on_unresolved="skip_patent").report.patents_dropped_unresolved
    assert dropped == 7  # P1, P2, P5, P6, P7, P11, P12
    full = ingest_frame(frame, on_unresolved="skip_patent", applicant_cities=KNOWN)
    assert full.report.patents_dropped_unresolved == 0
    assert networks_of(full) == sorted_pairs(WITH_TABLE)


# ---- the pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("华北电力大学（保定）", "华北电力大学(保定)"),
    ("华北电力大学【保定】", "华北电力大学 [保定]"),
    ("国家电网　有限公司", "国家电网有限公司"),
    ("ＢＹＤ", "byd"),
    ("'=x公司", "=X公司"),  # the quote a spreadsheet-safe CSV adds is not part of the name
])
def test_normalisation_folds_widths_spaces_brackets_and_case(a, b):
    assert normalise_name(a) == normalise_name(b)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_normalisation_is_idempotent(text):
    assert normalise_name(normalise_name(text)) == normalise_name(text)


def test_the_institutions_list_matches_provenance_and_places_every_institution():
    table = institution_table()
    assert len(table) == 2631
    assert table["name_zh"].map(normalise_name).is_unique
    assert (table["level"] == "本科").sum() == 1243
    institutions = Institutions()
    wrong = [n for n, a in zip(table["name_zh"], table["adcode"], strict=True)
             if institutions.match(normalise_name(n))[1:] != (n, a)]
    assert wrong == []
    # every city of the list is a unit of the city table
    assert set(table["adcode"]) <= set(CityResolver().cities.index)


def test_an_institution_outside_a_prefecture_level_network_stays_unresolved():
    strict = CityResolver(kinds=PREFECTURE_LEVEL_KINDS)
    placement = ApplicantPlacer(strict).place_name("仙桃职业学院")
    assert placement.adcode is None and "仙桃职业学院" in placement.detail
    assert ApplicantPlacer().place_name("仙桃职业学院").adcode == 429004


def test_the_table_reads_csv_in_gbk_and_xlsx(tmp_path):
    rows = pd.DataFrame({"applicant": list(KNOWN), "city": ["110000", "长春市", "深圳", "杭州"]})
    rows.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    rows.to_excel(tmp_path / "mine.xlsx", index=False)
    for path in (tmp_path / "gbk.csv", tmp_path / "mine.xlsx"):
        table = read_applicant_cities(path)
        assert dict(table.adcodes) == {normalise_name(k): v
                                       for k, v in zip(KNOWN, [BJ, CHANGCHUN, SZ, HZ])}, path


def test_rows_without_a_city_are_skipped_and_counted(tmp_path):
    path = tmp_path / "half.csv"
    path.write_text("applicant,city,patents\n国家电网有限公司,北京,3\n比亚迪股份有限公司,,1\n",
                    encoding="utf-8")
    table = read_applicant_cities(path)
    assert (len(table), table.blank_rows, table.rows[normalise_name("国家电网有限公司")]) == (1, 1, 2)
    result = ingest_frame(export_frame(), applicant_cities=path)
    assert result.report.applicant_cities_blank_rows == 1
    assert result.report.applicants_by_route["user_table"] == 3


def table_file(name: str, text: str | bytes):
    def make(tmp: Path) -> Path:
        path = tmp / name
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(
            *((text,) if isinstance(text, bytes) else (text, "utf-8")))
        return path
    return make


def wrong_sheet(tmp: Path) -> Path:
    path = tmp / "sheets.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["see the next sheet"]}).to_excel(
            writer, sheet_name="notes", index=False)
        pd.DataFrame({"applicant": ["甲"], "city": ["北京"]}).to_excel(
            writer, sheet_name="cities", index=False)
    return path


def utf8_then_gbk(tmp: Path) -> Path:
    path = tmp / "mixed.csv"
    path.write_bytes("applicant,city\n国家电网有限公司,北京\n".encode()
                     + "比亚迪股份有限公司,深圳\n".encode("gbk"))
    return path


BAD_TABLES = {
    # case: (make the table, words the message must contain)
    "unknown city": (table_file("t.csv", "applicant,city\n甲,北京\n乙,火星\n"),
                     ["t.csv", "row 3", "'火星'", "'乙'"]),
    "ambiguous city": (table_file("t.csv", "applicant,city\n甲,吉林\n"),
                       ["t.csv", "row 2", "ambiguous"]),
    "one name, two cities": (table_file("t.csv", "applicant,city\n甲公司,北京\n乙,上海\n甲公司,南京\n"),
                             ["t.csv", "rows 2 and 4", "'甲公司'", "北京市", "南京市"]),
    "one name after normalisation, two cities": (
        table_file("t.csv", "applicant,city\n华北电力大学（保定）,保定\n华北电力大学 (保定),北京\n"),
        ["t.csv", "rows 2 and 3", "written '华北电力大学（保定）' in row 2"]),
    "missing city column": (table_file("t.csv", "applicant,place\n甲,北京\n"),
                            ["t.csv", "'city'", "applicant,city"]),
    "missing applicant column": (table_file("t.csv", "name_of_firm,city\n甲,北京\n"),
                                 ["t.csv", "'applicant'"]),
    "empty file": (table_file("t.csv", b""), ["t.csv", "empty"]),
    "header only": (table_file("t.csv", "applicant,city\n"), ["t.csv", "no rows"]),
    "no city filled in": (table_file("t.csv", "applicant,city\n甲,\n乙,\n"),
                          ["t.csv", "no row gives a city"]),
    "a city without an applicant": (table_file("t.csv", "applicant,city\n,北京\n"),
                                    ["t.csv", "row 2", "no applicant"]),
    "xlsx with the table on another sheet": (
        wrong_sheet, ["sheets.xlsx", "first sheet", "'applicant'", "the sheet 'cities' has them"]),
    "UTF-8 then GBK rows": (utf8_then_gbk, ["mixed.csv", "mixes encodings", "row 3"]),
    "missing file": (lambda tmp: tmp / "nope.csv", ["nope.csv"]),
}


@pytest.mark.parametrize("case", list(BAD_TABLES), ids=list(BAD_TABLES))
def test_a_bad_table_is_refused_naming_the_file_and_row(case, tmp_path):
    make, words = BAD_TABLES[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        ingest_frame(export_frame(), applicant_cities=path)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"


def test_a_bad_table_on_the_command_line_is_one_paragraph_and_exit_2(export, tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("applicant,city\n甲,火星\n", encoding="utf-8")
    code = main(["networks", str(export), "--out", str(tmp_path / "o"), "--applicant-cities",
                 str(table)])
    err = capsys.readouterr().err
    assert code == 2 and "t.csv" in err and "row 2" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_the_named_sheet_of_a_workbook_is_read(tmp_path):
    table = read_applicant_cities(wrong_sheet(tmp_path), sheet="cities")
    assert dict(table.adcodes) == {"甲": BJ}


def test_a_table_read_for_all_units_is_refused_by_a_prefecture_level_ingest():
    table = ApplicantCities.from_mapping({"甲": "仙桃市"})
    with pytest.raises(InputError, match="429004"):
        ingest_frame(export_frame(), applicant_cities=table,
                     resolver=CityResolver(kinds=PREFECTURE_LEVEL_KINDS))


# ---- an invariant ----------------------------------------------------------------------------

# A pool of names whose place a person knows: (name, adcode or None).
POOL = [("清华大学", BJ), ("吉林大学第一医院", CHANGCHUN), ("华北电力大学（保定）", BAODING),
        ("国网江苏省电力有限公司南京供电分公司", NJ), ("国家电网有限公司", BJ),
        ("比亚迪股份有限公司", SZ), ("浙江吉利控股集团有限公司", None), ("某某科技有限公司", None)]
IN_TABLE = {"国家电网有限公司": "北京", "比亚迪股份有限公司": "深圳"}
ADDRESSES = {BJ: "北京市", NJ: "江苏省南京市", SZ: "广东省深圳市", HZ: "浙江省杭州市"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(ADDRESSES)),
                          st.lists(st.integers(0, len(POOL) - 1), max_size=3, unique=True)),
                min_size=1, max_size=25))
def test_counts_equal_a_plain_count_of_the_known_places(patents):
    frame = pd.DataFrame({
        "id": [f"p{i}" for i in range(len(patents))], "date": ["2016"] * len(patents),
        "applicants": [";".join(["首位申请人", *(POOL[j][0] for j in co)]) for _, co in patents],
        "addresses": [ADDRESSES[first] for first, _ in patents]})
    result = ingest_frame(frame, applicant_cities=IN_TABLE, chunk_rows=7)
    pairs, internal = {}, {}
    for first, co in patents:
        cities = [first, *(POOL[j][1] for j in co if POOL[j][1] is not None)]
        distinct = sorted(set(cities))
        if len(distinct) == 1 and len(cities) >= 2:
            internal[first] = internal.get(first, 0) + 1
        for i, a in enumerate(distinct):
            for b in distinct[i + 1:]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    assert networks_of(result)["2015-2017"] == (pairs, internal)
    report = result.report
    assert report.applicants == sum(report.applicants_by_route.values()) + sum(
        report.unresolved_by_reason.values())
    assert result.unresolved_names["patents"].sum() == report.unresolved_applicants
