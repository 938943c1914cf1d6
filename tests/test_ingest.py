"""Ingestion of the hand-made fixtures (tests/fixtures/ingest, see make_fixtures.py for what each
row exercises). Pair counts and internal strengths below are worked out by hand from the rows."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib.errors import InputError
from pyreslib.ingest import ingest_file, ingest_frame
from pyreslib.network import edge_table
from pyreslib.records import read_records
from pyreslib.stages import DEFAULT_STAGES, Stage, parse_stages

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
BJ, SH, NJ, SZ_JS, SZ_GD = 110000, 310000, 320100, 320500, 440300
CHANGCHUN, JILIN, ANSHAN, MAANSHAN, HAIKOU, HAINAN_QH = (
    220100,
    220200,
    210300,
    340500,
    460100,
    632500,
)

# By hand, from the fixture rows:
# 2011-2014: P1 (南京, 北京, 上海) gives each of its 3 pairs 1; P4 (北京, 南京) adds 1 to 北京-南京.
#            P2 (南京, 南京) and P3 (北京 海淀, 北京 朝阳) are internal.
# 2015-2017: P5 长春-吉林; P6 海南州 / 海口 / 鞍山: 3 pairs.
# 2018-2021: P7 鞍山-马鞍山; P12 上海 x2 + 苏州: one pair, no internal; P13 深圳 x2 internal;
#            P14 南京 (address) + 南京 (by the name 南京航空航天大学) internal, but 南京 has no
#            pair in this stage, so it is not a node.
EXPECTED_EDGES = {
    "2011-2014": {(BJ, SH): 1, (BJ, NJ): 2, (SH, NJ): 1},
    "2015-2017": {
        (CHANGCHUN, JILIN): 1,
        (ANSHAN, HAIKOU): 1,
        (ANSHAN, HAINAN_QH): 1,
        (HAIKOU, HAINAN_QH): 1,
    },
    "2018-2021": {(ANSHAN, MAANSHAN): 1, (SH, SZ_JS): 1},
}
EXPECTED_INTERNAL = {
    "2011-2014": {NJ: 1, BJ: 1},
    "2015-2017": {},
    "2018-2021": {SZ_GD: 1, NJ: 1},
}


def edges_of(graph: nx.Graph) -> dict[tuple[int, int], int]:
    return {(a, b): w for a, b, w in edge_table(graph).itertuples(index=False)}


@pytest.fixture(
    scope="module", params=["patents_utf8.csv", "patents_gbk.csv", "patents.xlsx", "patents.xls"]
)
def fixture_result(request):
    return ingest_file(FIXTURES / request.param)


def test_pair_counts_match_the_hand_count(fixture_result):
    for label, expected in EXPECTED_EDGES.items():
        assert edges_of(fixture_result.networks[label]) == expected, label


def test_internal_strengths_match_the_hand_count(fixture_result):
    for label, expected in EXPECTED_INTERNAL.items():
        rows = fixture_result.internal[fixture_result.internal["stage"] == label]
        assert dict(zip(rows["adcode"], rows["internal"])) == expected, label
    graph = fixture_result.networks["2011-2014"]
    assert {n: graph.nodes[n]["internal"] for n in graph} == {BJ: 1, SH: 0, NJ: 1}
    assert NJ not in fixture_result.networks["2018-2021"]  # internal only: not a node


def test_networks_follow_the_shared_data_model(fixture_result):
    graph = fixture_result.networks["2011-2014"]
    assert graph.graph["stage"] == "2011-2014"
    assert graph.nodes[NJ]["name_zh"] == "南京市" and graph.nodes[NJ]["name_en"] == "Nanjing"
    assert all(isinstance(n, int) for n in graph.nodes)
    assert all(isinstance(d["weight"], int) for *_, d in graph.edges(data=True))


def test_report_accounts_for_every_row(fixture_result):
    r = fixture_result.report
    assert (r.rows_read, r.duplicates, r.invalid_year, r.rows_without_applicants) == (15, 1, 1, 1)
    assert (r.out_of_stage, r.out_of_stage_years, r.patents_kept) == (1, {"2010": 1}, 11)
    assert (r.cross_city_patents, r.single_city_patents, r.single_applicant_patents) == (6, 4, 1)
    assert (r.applicants, r.applicants_resolved, r.unresolved_applicants) == (25, 24, 1)
    assert r.applicants_resolved_by_name == 1
    # 南京航空航天大学 (P14, no address) is in the institutions list; 火星基地 names no place
    assert r.applicants_by_route == {"address": 23, "user_table": 0, "city_in_name": 0,
                                     "institution": 1}
    assert r.unresolved_by_reason == {"province_only": 0, "ambiguous": 0, "unknown": 1}
    assert r.unresolved_names == 1
    assert r.rows_with_address_count_mismatch == 2
    assert r.rows_read == (
        r.duplicates
        + r.rows_without_id
        + r.invalid_year
        + r.rows_without_applicants
        + r.out_of_stage
        + r.patents_kept
    )
    assert [s.cross_city_collaborations for s in r.stages] == [4, 4, 2]


def test_unresolved_and_rejected_rows_are_listed_with_their_row(fixture_result):
    unresolved = fixture_result.unresolved
    assert unresolved[["row", "applicant", "address"]].values.tolist() == [
        [10, "辰公司", "火星基地"]
    ]
    # and once per name, ready to fill in (tests/test_applicants.py takes it further)
    names = fixture_result.unresolved_names
    assert names[["applicant", "city", "patents", "reason", "example_row"]].values.tolist() == [
        ["辰公司", "", 1, "unknown", 10]
    ]
    rejected = fixture_result.rejected.sort_values("row")
    assert rejected["row"].tolist() == [6, 12, 13]
    # row 6 repeats row 2's patent id with other applicants: the first copy is kept, and said so
    assert rejected["reason"].tolist()[0] == (
        "repeats the patent id of row 2 with a different date, applicants or addresses; "
        "row 2's copy is kept"
    )
    assert rejected["reason"].tolist()[1].startswith("not a date")
    assert rejected["reason"].tolist()[2] == "no applicants"
    assert fixture_result.report.conflicting_duplicates == 1


def test_read_records_gives_canonical_columns_for_every_format():
    frames = [read_records(FIXTURES / n) for n in ("patents_utf8.csv", "patents_gbk.csv")]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert list(frames[0].columns) == ["row", "patent_id", "date", "applicants", "addresses"]
    for workbook in ("patents.xlsx", "patents.xls"):
        excel = read_records(FIXTURES / workbook)
        assert list(excel.columns) == list(frames[0].columns), workbook
        assert excel["applicants"].tolist() == frames[0]["applicants"].tolist(), workbook
        assert excel["addresses"].tolist() == frames[0]["addresses"].tolist(), workbook


def test_legacy_xls_is_read_quietly(capfd):
    # xlrd prints to stdout and pandas 3 warns about it; neither may reach the user
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_records(FIXTURES / "patents.xls")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_english_headers_tsv_and_bom_are_recognised(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text(
        "patent_id\tapplication_date\tapplicants\tapplicant_addresses\n"
        "X1\t2012-01-01\tA;B\tNanjing, Jiangsu;Beijing\n",
        encoding="utf-8-sig",
    )
    result = ingest_file(path)
    assert edges_of(result.networks["2011-2014"]) == {(BJ, NJ): 1}


def test_a_column_mapping_overrides_the_defaults(tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("号,年份,权利人,城市名\nX1,2016,A;B,上海;南京\n", encoding="utf-8")
    result = ingest_file(
        path,
        columns={"patent_id": "号", "date": "年份", "applicants": "权利人", "cities": "城市名"},
    )
    assert edges_of(result.networks["2015-2017"]) == {(SH, NJ): 1}


def test_custom_stages_and_threshold():
    frame = pd.DataFrame(
        {
            "patent_id": ["a", "b", "c"],
            "year": ["2001", "2001", "2002"],
            "applicants": ["x;y", "x;y", "x;z"],
            "cities": ["北京;上海", "北京;上海", "北京;南京"],
        }
    )
    result = ingest_frame(frame, stages="2001-2002", threshold=2)
    assert edges_of(result.networks["2001-2002"]) == {(BJ, SH): 2}
    assert result.report.stages[0].pairs_below_threshold == 1


def test_skip_patent_policy_drops_patents_with_an_unresolved_applicant():
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "date": ["2012", "2012"],
            "applicants": ["x;y;z", "x;y"],
            "addresses": ["北京;上海;火星", "北京;上海"],
        }
    )
    kept = ingest_frame(frame)
    dropped = ingest_frame(frame, on_unresolved="skip_patent")
    assert edges_of(kept.networks["2011-2014"]) == {(BJ, SH): 2}
    assert edges_of(dropped.networks["2011-2014"]) == {(BJ, SH): 1}
    assert dropped.report.patents_dropped_unresolved == 1


def test_mixed_separators_in_one_cell_are_split():
    frame = pd.DataFrame(
        {"id": ["a"], "date": ["2012"], "applicants": ["x;y；z"], "addresses": ["北京；上海;南京"]}
    )
    assert len(edges_of(ingest_frame(frame).networks["2011-2014"])) == 3


def test_same_applicant_twice_counts_once():
    frame = pd.DataFrame(
        {"id": ["a"], "date": ["2012"], "applicants": ["x;x"], "addresses": ["北京;北京"]}
    )
    result = ingest_frame(frame)
    assert result.report.repeated_applicants == 1
    assert result.report.single_applicant_patents == 1
    assert result.internal.empty


@pytest.mark.parametrize(
    ("text", "stages"),
    [
        ("2011-2014,2015-2017,2018-2021", DEFAULT_STAGES),
        ("2015", (Stage("2015", 2015, 2015),)),
        (" 2001 - 2003 ", (Stage("2001-2003", 2001, 2003),)),
    ],
)
def test_parse_stages(text, stages):
    assert parse_stages(text) == stages


@pytest.mark.parametrize("text", ["2014-2011", "2011-2015,2015-2017", "abc", "", "1800-1801"])
def test_parse_stages_rejects_bad_ranges(text):
    with pytest.raises(InputError, match="stages"):
        parse_stages(text)


# An independent, deliberately plain implementation of docs/method.md, section 1, to check.
def count_by_hand(patents: list[list[int]]) -> tuple[dict, dict]:
    pairs: dict[tuple[int, int], int] = {}
    internal: dict[int, int] = {}
    for cities in patents:
        distinct = sorted(set(cities))
        if len(distinct) == 1 and len(cities) >= 2:
            internal[distinct[0]] = internal.get(distinct[0], 0) + 1
        for i, a in enumerate(distinct):
            for b in distinct[i + 1 :]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return pairs, internal


CITY_NAMES = {BJ: "北京", SH: "上海", NJ: "南京", SZ_GD: "深圳", ANSHAN: "鞍山", MAANSHAN: "马鞍山"}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(sorted(CITY_NAMES)), min_size=1, max_size=5),
        min_size=1,
        max_size=30,
    )
)
def test_counts_equal_a_plain_python_count(patents):
    frame = pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(len(patents))],
            "date": ["2016"] * len(patents),
            # distinct applicant names, so repeated cities are distinct applicants
            "applicants": [";".join(f"firm{j}" for j in range(len(p))) for p in patents],
            "addresses": [";".join(CITY_NAMES[c] for c in p) for p in patents],
        }
    )
    result = ingest_frame(frame, chunk_rows=7)  # several chunks
    pairs, internal = count_by_hand(patents)
    assert edges_of(result.networks["2015-2017"]) == pairs
    rows = result.internal
    assert dict(zip(rows["adcode"], rows["internal"])) == internal
    r = result.report
    assert r.patents_kept == (
        r.cross_city_patents
        + r.single_city_patents
        + r.single_applicant_patents
        + r.patents_without_resolved_applicant
    )


@pytest.mark.parametrize(
    ("id_header", "date_header", "applicants_header", "address_header"),
    [
        ("patent_id", "application_date", "applicants", "addresses"),
        ("id", "date", "applicants", "applicant_addresses"),
        ("申请号", "申请日", "申请人", "申请人地址"),
        ("公开(公告)号", "year", "申请人", "申请人地址"),
        (
            "公开（公告）号",
            "申请日",
            " Applicants ",
            "申请人地址",
        ),  # full-width brackets, case, spaces
    ],
)
def test_default_headers_are_recognised_without_a_mapping(
    tmp_path, id_header, date_header, applicants_header, address_header
):
    path = tmp_path / "export.csv"
    pd.DataFrame(
        {
            id_header: ["X1"],
            date_header: ["2019"],
            applicants_header: ["a;b"],
            address_header: ["北京;南京"],
        }
    ).to_csv(path, index=False)
    records = read_records(path)
    assert list(records.columns) == ["row", "patent_id", "date", "applicants", "addresses"]
    assert edges_of(ingest_file(path).networks["2018-2021"]) == {(BJ, NJ): 1}


def test_stage_objects_with_custom_labels():
    stages = [Stage("early", 2011, 2015), Stage("late", 2016, 2021)]
    frame = pd.DataFrame(
        {"id": ["a"], "date": ["2016"], "applicants": ["x;y"], "cities": ["北京;上海"]}
    )
    assert edges_of(ingest_frame(frame, stages=stages).networks["late"]) == {(BJ, SH): 1}
    with pytest.raises(InputError, match="file name"):
        ingest_frame(frame, stages=[Stage("a/b", 2011, 2015)])
