"""Bad inputs to ingestion (issues 7 and 14): each gives an InputError whose message names the
input (file, argument or column) and the remedy — or, where the record is merely unusable or
ingest has to decide something, a counted report line and a listing. Never a raw traceback from
inside pandas, and the user's files are left as they were."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pyreslib.errors import InputError
from pyreslib.accounting import IngestResult
from pyreslib.ingest import ingest_file, ingest_frame
from pyreslib.network import border_matrix, distance_matrix
from pyreslib.stages import parse_stages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
HEADER = "申请号,申请日,申请人,申请人地址\n"
GOOD_ROW = "CN1,2012-01-01,甲;乙,北京;上海\n"


def write_bytes(name: str, content: bytes):
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(content)
        return path

    return make


def write_text(name: str, text: str, encoding: str = "utf-8"):
    return write_bytes(name, text.encode(encoding))


def fixture_cut(name: str, keep: float, new_name: str):
    def make(tmp: Path) -> Path:
        data = (FIXTURES / name).read_bytes()
        size = keep if isinstance(keep, int) else int(len(data) * keep)
        path = tmp / new_name
        path.write_bytes(data[:size])
        return path

    return make


def utf8_cut_mid_character(tmp: Path) -> Path:
    data = (HEADER + GOOD_ROW).encode("utf-8")
    path = tmp / "cut.csv"
    path.write_bytes(data[: data.rindex("上".encode()) + 1])  # first byte of 上 only
    return path


def utf8_then_gbk(tmp: Path) -> Path:
    path = tmp / "mixed.csv"
    path.write_bytes(
        (HEADER + GOOD_ROW).encode("utf-8") + "CN2,2013,丙;丁,南京;天津\n".encode("gbk")
    )
    return path


def utf8_then_gbk_at_row_12001(tmp: Path) -> Path:
    """12,000 good UTF-8 rows (one with a cell over two lines), then a GBK row: beyond the part
    of the file read to detect the encoding, where the reader fails."""
    rows = [HEADER]
    for i in range(2, 12_001):
        cell = '"甲\n公司;乙"' if i == 6 else "甲;乙"
        rows.append(f"CN{i},2012-01-01,{cell},北京;上海\n")
    path = tmp / "mixed_late.csv"
    path.write_bytes("".join(rows).encode("utf-8") + "CN12001,2013,丙;丁,南京;天津\n".encode("gbk"))
    return path


FILE_CASES = {
    # case id: (make file, keyword arguments, words the message must contain)
    "missing file": (lambda tmp: tmp / "nope.csv", {}, ["nope.csv", "no such file"]),
    "a folder": (lambda tmp: tmp, {}, ["folder"]),
    "empty file": (write_bytes("empty.csv", b""), {}, ["empty.csv", "empty"]),
    "header only": (write_text("header.csv", HEADER), {}, ["header.csv", "no records"]),
    "blank lines only": (write_text("blank.csv", "\n\n\n"), {}, ["blank.csv"]),
    "missing applicants column": (
        write_text("noapp.csv", "申请号,申请日,申请人地址\nCN1,2012,北京\n"),
        {},
        ["noapp.csv", "applicants", "申请人", "--column"],
    ),
    "no address or city column": (
        write_text("noaddr.csv", "申请号,申请日,申请人\nCN1,2012,甲\n"),
        {},
        ["noaddr.csv", "addresses (or cities)"],
    ),
    "duplicate column": (
        write_text("dup.csv", "申请号,申请日,申请人,申请人,申请人地址\nCN1,2012,甲,乙,北京\n"),
        {},
        ["dup.csv", "more than one column named '申请人'"],
    ),
    "png image": (
        write_bytes("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        {},
        ["image.csv", "PNG"],
    ),
    "binary with NUL bytes": (
        write_bytes("blob.csv", bytes(range(256)) * 8),
        {},
        ["blob.csv", "binary"],
    ),
    "prose, not a table": (
        write_text("notes.csv", "these are my notes\nabout patents\n"),
        {},
        ["notes.csv", "not a table"],
    ),
    "truncated xlsx": (fixture_cut("patents.xlsx", 0.5, "cut.xlsx"), {}, ["cut.xlsx", "damaged"]),
    "truncated xls": (fixture_cut("patents.xls", 0.5, "cut.xls"), {}, ["cut.xls", "damaged"]),
    "text named .xlsx": (write_text("fake.xlsx", HEADER + GOOD_ROW), {}, ["fake.xlsx", "not one"]),
    "GBK read as UTF-8": (
        lambda tmp: FIXTURES / "patents_gbk.csv",
        {"encoding": "utf-8"},
        ["patents_gbk.csv", "utf-8", "line 1", "gb18030"],
    ),
    "unknown encoding": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"encoding": "klingon"},
        ["klingon"],
    ),
    "UTF-8 cut mid character": (utf8_cut_mid_character, {}, ["cut.csv", "truncated"]),
    "UTF-8 then GBK rows": (utf8_then_gbk, {}, ["mixed.csv", "mixes encodings", "line 3"]),
    "UTF-8 then a GBK row at row 12,001": (
        utf8_then_gbk_at_row_12001,
        {},
        ["mixed_late.csv", "mixes encodings", "row 12,001 (line 12,002", "not valid utf-8"],
    ),
    "encoding that is not a text encoding (rot13)": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"encoding": "rot13"},
        ["encoding='rot13'", "not a text encoding", "'gb18030'"],
    ),
    "encoding that decompresses (zlib)": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"encoding": "zlib"},
        ["encoding='zlib'", "not a text encoding"],
    ),
    "misspelt encoding": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"encoding": "utf8x"},
        ["encoding='utf8x'", "did you mean 'utf-8'?"],
    ),
    "ragged row": (
        write_text("ragged.csv", HEADER + GOOD_ROW + "CN2,2013,甲,北京,多,余\n"),
        {},
        ["ragged.csv", "comma-separated", "line 3"],
    ),
    "unclosed quote (truncated)": (
        write_text("quote.csv", HEADER + 'CN1,2012,"甲;乙,北京\n'),
        {},
        ["quote.csv", "truncated"],
    ),
    "no readable year anywhere": (
        write_text("years.csv", HEADER + "CN1,soon,甲;乙,北京;上海\nCN2,later,甲;乙,北京;上海\n"),
        {},
        ["years.csv", "申请日", "'soon'", "--column date="],
    ),
    "mapping to an absent header": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"columns": {"applicants": "权利人"}},
        ["'权利人'", "columns"],
    ),
    "unknown column role": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"columns": {"inventors": "发明人"}},
        ["inventors", "roles"],
    ),
    "sheet not in workbook": (
        lambda tmp: FIXTURES / "patents.xlsx",
        {"sheet": "Sheet9"},
        ["Sheet9"],
    ),
    "sheet number past the last (xls)": (
        lambda tmp: FIXTURES / "patents.xls",
        {"sheet": 3},
        ["patents.xls", "sheet 3", "not found"],
    ),
    "sheet for a CSV": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"sheet": "专利"},
        ["sheet", "patents_utf8.csv"],
    ),
    "overlapping stages": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"stages": "2011-2015,2015-2017"},
        ["stages", "overlap"],
    ),
    "threshold zero": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"threshold": 0},
        ["threshold=0"],
    ),
}


def hashes(*places: Path) -> dict[Path, str]:
    """SHA-256 of every file in ``places`` (files or folders, recursively)."""
    files = []
    for place in places:
        files += [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
    return {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.mark.parametrize("case", list(FILE_CASES), ids=list(FILE_CASES))
def test_bad_file_raises_a_clear_input_error(case, tmp_path):
    make, kwargs, words = FILE_CASES[case]
    path = make(tmp_path)
    before = hashes(tmp_path, *([path] if path.is_file() else []))
    with pytest.raises(InputError) as caught:
        ingest_file(path, **kwargs)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert "Traceback" not in message
    assert hashes(tmp_path, *([path] if path.is_file() else [])) == before


# --- inputs that are read, with what ingest decided counted and listed -----------------------


def expect_utf16(encoding: str) -> Callable[[IngestResult], str]:
    def check(result: IngestResult) -> str:
        assert result.report.encoding == encoding
        assert result.report.cross_city_patents == 2
        assert sorted(result.networks["2011-2014"].edges) == [(110000, 310000), (120000, 320100)]
        return f"read as {encoding}; 2 cross-city patents"

    return check


def expect_conflicting_duplicate(result: IngestResult) -> str:
    report = result.report
    assert (report.duplicates, report.conflicting_duplicates) == (2, 1)
    listed = result.rejected[result.rejected["column"] == "patent_id"]
    assert listed["row"].tolist() == [4]  # row 3 is an exact copy: counted, not listed
    assert listed["reason"].iloc[0].startswith("repeats the patent id of row 2 with a different")
    edges = result.networks["2011-2014"].edges(data="weight")
    assert sorted(edges) == [(110000, 310000, 1)]  # the first copy counts, once
    return f"duplicates={report.duplicates}, conflicting={report.conflicting_duplicates}: " + (
        listed["reason"].iloc[0]
    )


def expect_fullwidth_id(result: IngestResult) -> str:
    assert result.report.duplicates == 2 and result.report.patents_kept == 1
    return "ＣＮ１ and ' cn 1 ' are CN1 (NFKC, whitespace, case): 2 repeats counted"


def expect_two_provinces(result: IngestResult) -> str:
    report = result.report
    assert report.multi_province_addresses == 1
    (entry,) = report.multi_province
    assert entry["row"] == 2 and entry["provinces"] == ["江苏省", "浙江省"]
    assert entry["resolved_to"] == "320100 南京市"
    assert "multi_province" in report.to_dict()  # written with ingest_report.json
    return (f"multi_province_addresses=1: row 2 {entry['address']} names "
            f"{'、'.join(entry['provinces'])}, resolved to {entry['resolved_to']}")


def expect_padded(result: IngestResult) -> str:
    report = result.report
    assert report.rows_padded == 1
    assert report.padded_rows == [{"row": 3, "patent_id": "CN2", "fields": 3, "expected": 4}]
    assert "missing trailing fields" in str(report)
    return "rows_padded=1: row 3 (CN2) has 3 of 4 fields; the address is read as empty"


REPORT_CASES: dict[str, tuple[Callable[[Path], Path], dict, Callable[[IngestResult], str]]] = {
    # case id: (make file, keyword arguments, check the result and describe it)
    "UTF-16 without BOM (little-endian)": (
        write_text("u16le.csv", HEADER + GOOD_ROW + "CN2,2013,丙;丁,天津;南京\n", "utf-16-le"),
        {},
        expect_utf16("utf-16-le"),
    ),
    "UTF-16 without BOM (big-endian)": (
        write_text("u16be.csv", HEADER + GOOD_ROW + "CN2,2013,丙;丁,天津;南京\n", "utf-16-be"),
        {},
        expect_utf16("utf-16-be"),
    ),
    "repeated id with different content": (
        write_text("dups.csv", HEADER + GOOD_ROW + GOOD_ROW + "CN1,2012-01-01,甲;丙,北京;天津\n"),
        {},
        expect_conflicting_duplicate,
    ),
    "full-width and spaced ids": (
        write_text("wide.csv", HEADER + GOOD_ROW + GOOD_ROW.replace("CN1", "ＣＮ１")
                   + GOOD_ROW.replace("CN1", " cn 1 ")),
        {},
        expect_fullwidth_id,
    ),
    "address naming two provinces": (
        write_text("two.csv", HEADER + "CN1,2012,甲;乙,江苏省南京市玄武区浙江省杭州市西湖区;上海市\n"),
        {},
        expect_two_provinces,
    ),
    "row with missing trailing fields": (
        write_text("short.csv", HEADER + GOOD_ROW + "CN2,2013,丙;丁\n"),
        {},
        expect_padded,
    ),
}


@pytest.mark.parametrize("case", list(REPORT_CASES), ids=list(REPORT_CASES))
def test_what_ingest_decides_is_counted_and_listed(case, tmp_path):
    make, kwargs, check = REPORT_CASES[case]
    path = make(tmp_path)
    before = hashes(tmp_path)
    result = ingest_file(path, **kwargs)
    assert check(result)
    assert hashes(tmp_path) == before


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: distance_matrix([110000, 310000, 110000]),
            ["adcodes", "110000", "more than once"],
        ),
        (lambda: border_matrix([110000, 123456]), ["adcodes", "123456"]),
        (lambda: parse_stages("2011-2014;2015"), ["stages", "2011-2014;2015"]),
        (lambda: ingest_frame([1, 2, 3]), ["records", "DataFrame"]),
        (lambda: ingest_frame(pd.DataFrame({"x": [1]})), ["<frame>", "patent_id"]),
    ],
    ids=["duplicate city labels", "unknown adcode", "bad stage text", "not a frame", "bad frame"],
)
def test_bad_arguments_raise_a_clear_input_error(call, words):
    with pytest.raises(InputError) as caught:
        call()
    for word in words:
        assert word in str(caught.value)


def test_unusable_records_are_counted_not_fatal(tmp_path):
    path = tmp_path / "mixed_quality.csv"
    path.write_text(
        HEADER
        + GOOD_ROW
        + "CN2,3015-01-01,甲;乙,北京;上海\n"  # non-date year text
        + "CN3,1850,甲;乙,北京;上海\n"  # out-of-range year
        + "CN4,2012,,\n"  # no applicants
        + "CN5,2013,甲;乙,北京;月球背面\n"  # an address that matches no city
        + "CN6,2013,甲;乙；丙,北京;上海；南京\n"  # mixed separators: fine
        + ",2013,甲;乙,北京;上海\n",  # no patent id
        encoding="utf-8",
    )
    result = ingest_file(path)
    report = result.report
    assert (report.rows_read, report.invalid_year, report.rows_without_applicants) == (7, 2, 1)
    assert report.rows_without_id == 1 and report.unresolved_applicants == 1
    assert sorted(result.rejected["row"]) == [3, 4, 5, 8]
    assert "1850" in " ".join(result.rejected["reason"])
    assert result.unresolved["address"].tolist() == ["月球背面"]


def test_a_stage_without_edges_is_reported_not_fatal():
    frame = pd.DataFrame(
        {"id": ["a"], "date": ["2012"], "applicants": ["x;y"], "addresses": ["北京;北京"]}
    )
    result = ingest_frame(frame)
    assert result.report.stages_without_edges == ["2011-2014", "2015-2017", "2018-2021"]
    assert result.networks["2011-2014"].number_of_nodes() == 0
