"""Bad inputs to ingestion (issue 7): each gives an InputError whose message names the input
(file, argument or column) and the remedy — or, where the record is merely unusable, a counted
report line. Never a raw traceback from inside pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pyreslib.errors import InputError
from pyreslib.ingest import ingest_file, ingest_frame, parse_stages
from pyreslib.network import border_matrix, distance_matrix

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


@pytest.mark.parametrize("case", list(FILE_CASES), ids=list(FILE_CASES))
def test_bad_file_raises_a_clear_input_error(case, tmp_path):
    make, kwargs, words = FILE_CASES[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        ingest_file(path, **kwargs)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert "Traceback" not in message


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
