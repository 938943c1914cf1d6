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

from pyreslib.accounting import IngestResult
from pyreslib.errors import InputError
from pyreslib.ingest import ingest_file, ingest_frame
from pyreslib.network import border_matrix, distance_matrix
from pyreslib.stages import Stage, parse_stages

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


# --- issue 25: record-level faults (quotes, long cells, title rows, sheets, non-files) --------
LONG = "甲" * 140_000  # one cell past the csv module's 131,072-character field limit


def table(name: str, rows: int = 20, replace: dict[int, str] | None = None, *, above: str = "",
          tail: bytes = b"", separator: str = ","):
    """A CSV of ``rows`` good records in which record r (spreadsheet row r, header = row 1, so
    its id is CN<r>) is replaced by ``replace[r]``; ``above`` goes before the header, ``tail``
    (bytes: another encoding) after the last record."""

    def make(tmp: Path) -> Path:
        lines = {r: f"CN{r},2012-01-01,甲{r};乙{r},北京;上海\n" for r in range(2, rows + 2)}
        lines.update(replace or {})
        text = above + HEADER + "".join(lines[r] for r in sorted(lines))
        path = tmp / name
        path.write_bytes(text.replace(",", separator).encode("utf-8") + tail)
        return path

    return make


def workbook(name: str, sheets: dict[str, list[list[str]]]):
    def make(tmp: Path) -> Path:
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        path = tmp / name
        book.save(path)
        return path

    return make


TABLE_ROWS = [HEADER.strip().split(","), GOOD_ROW.strip().split(","),
              ["CN2", "2013", "丙;丁", "天津;南京"]]


def fifo(tmp: Path) -> Path:
    import os

    path = tmp / "patents.fifo"
    os.mkfifo(path)
    return path


def broken_link(tmp: Path) -> Path:
    (tmp / "patents.csv").symlink_to(tmp / "moved-away.csv")
    return tmp / "patents.csv"


RECORD_FILE_CASES = {
    # class 1: a quote that does not close swallows the rows after it
    "stray quotes pairing up in one column (rows vanish)": (
        table("pair.csv", replace={6: 'CN6,2012,甲;乙,"北京;上海\n', 11: 'CN11,2012,甲;乙,"北京;上海\n'}),
        {},
        ["pair.csv", "row 6 (line 6)", "'申请人地址'", "next 5 line(s)", "5 of them records",
         "lenient_quotes=True", "--lenient-quotes"],
    ),
    "stray quotes in the id column": (
        table("ids.csv", replace={4: '"CN4,2012,甲;乙,北京;上海\n', 9: '"CN9,2012,甲;乙,北京;上海\n'}),
        {},
        ["ids.csv", "row 4", "'申请号'", "4 of them records"],
    ),
    "stray quote closed by a quoted cell further down": (
        table("ragged_quote.csv",
              replace={6: 'CN6,2012,"北京某公司;乙,北京;上海\n', 11: 'CN11,2012,"丙,丁",南京;天津\n'}),
        {},
        ["ragged_quote.csv", "row 6", "'申请人'", "wrong number of fields"],
    ),
    "stray quote that runs to the end of the file": (
        table("to_end.csv", replace={6: 'CN6,2012,"北京某公司;乙,北京;上海\n'}),
        {},
        ["to_end.csv", "row 6 (line 6)", "never closes", "15 line(s) later", "truncated"],
    ),
    "stray quotes at row 15,001 of 20,000 (a later chunk)": (
        table("late.csv", 20_000, {15_001: 'CN15001,2012,甲;乙,"北京;上海\n',
                                   15_004: 'CN15004,2012,甲;乙,"北京;上海\n'}),
        {"chunk_rows": 5_000},
        ["late.csv", "row 15,001 (line 15,001)", "3 of them records"],
    ),
    "first record with one field more than the header": (
        table("extra.csv", replace={2: "CN2,2012,甲,乙,北京;上海\n"}),
        {},
        ["extra.csv", "row 2 has 5 fields", "one more than the header's 4"],
    ),
    "a trailing separator on every line, and one more field on row 5": (
        table("extra_late.csv", 6, {r: f"CN{r},2012,甲;乙,北京;上海,{'x' if r == 5 else ''}\n"
                                    for r in range(2, 8)}),
        {},
        ["extra_late.csv", "row 5 has 5 fields"],
    ),
    # class 3: cells past the csv module's field limit, where faults are looked for
    "cell over 131,072 characters, then a GBK row": (
        table("long_gbk.csv", 1, {2: f"CN2,2012,{LONG};乙,北京;上海\n"},
              tail="CN3,2013,丙;丁,南京;天津\n".encode("gbk")),
        {},
        ["long_gbk.csv", "mixes encodings", "row 3 (line 3"],
    ),
    "multi-line cell of 400,000 characters, then a GBK row past the detection sample": (
        table("long_late.csv", 2_000, {2_001: f'CN2001,2012,"{"甲" * 400_000}\n;乙",北京;上海\n'},
              tail="CN2002,2013,丙;丁,南京;天津\n".encode("gbk")),
        {},
        ["long_late.csv", "mixes encodings", "row 2,002 (line 2,003"],
    ),
    # class 5: the table is not where it was looked for
    "title row above the header": (
        table("title.csv", 2, above="专利检索结果 2023-01-01\n"),
        {},
        ["title.csv", "row 1 is not the table's header", "'专利检索结果 2023-01-01'",
         "row 2 has the headers (申请号, 申请日, 申请人, 申请人地址)", "header_row=2",
         "--header-row 2"],
    ),
    "two title rows, header on row 3": (
        table("title2.csv", 2, above="专利检索结果,,,\n导出日期,2023-01-01,,\n"),
        {},
        ["title2.csv", "row 3 has the headers", "header_row=3"],
    ),
    "title and a blank line above a tab-separated header": (
        table("title.tsv", 2, above="专利检索结果\n\n", separator="\t"),
        {},
        ["title.tsv", "row 3 has the headers", "--header-row 3"],
    ),
    "title row above the header (xlsx)": (
        workbook("title.xlsx", {"Sheet1": [["专利检索结果"], *TABLE_ROWS]}),
        {},
        ["title.xlsx", "on sheet 'Sheet1', row 1 is not the table's header", "header_row=2"],
    ),
    "table on the second sheet (xlsx)": (
        workbook("later.xlsx", {"说明": [["本文件由某数据库导出"]], "专利": TABLE_ROWS}),
        {},
        ["later.xlsx", "sheet '说明' has no patent table", "sheet='专利'", "--sheet 专利"],
    ),
    "table below a title on a later sheet, first sheet empty (xlsx)": (
        workbook("later_title.xlsx", {"空": [], "数据": [["检索式: xxx"], [], *TABLE_ROWS]}),
        {},
        ["later_title.xlsx", "sheet '空' has no patent table", "sheet='数据'",
         "header_row=3 (--header-row 3)"],
    ),
    # class 5: paths that are not files
    "/dev/zero": (lambda tmp: Path("/dev/zero"), {}, ["/dev/zero", "is a device"]),
    "/dev/null": (lambda tmp: Path("/dev/null"), {}, ["/dev/null", "is a device"]),
    "a named pipe nothing writes to (no hang)": (
        fifo, {}, ["patents.fifo", "named pipe (FIFO)", "nothing wrote to it within 3 s"]
    ),
    "a broken symbolic link": (broken_link, {}, ["patents.csv", "symbolic link", "does not exist"]),
    "a path through a file": (
        lambda tmp: FIXTURES / "patents_utf8.csv" / "x.csv",
        {},
        ["x.csv", "a part of the path before the name is a file"],
    ),
}

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
    **RECORD_FILE_CASES,
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


BJ_SH = (110000, 310000)


def expect_pairs(pairs: dict[tuple[int, int], int], what: str, *, stage: str = "2011-2014"):
    """The stage network has exactly ``pairs`` (edge -> weight) and no row was rejected."""

    def check(result: IngestResult) -> str:
        edges = {(a, b): w for a, b, w in result.networks[stage].edges(data="weight")}
        assert edges == pairs, edges
        assert result.rejected.empty, result.rejected
        return what

    return check


def expect_long_cell_padded(result: IngestResult) -> str:
    assert result.report.padded_rows == [{"row": 3, "patent_id": "CN3", "fields": 3,
                                          "expected": 4}]
    return "rows_padded=1: row 3 (CN3) has 3 of 4 fields, next to a 140,000-character cell"


def expect_long_cell_not_padded(result: IngestResult) -> str:
    assert (result.report.rows_read, result.report.rows_padded) == (2, 0)
    return "read; no row padded (row 3's empty last field is a field of its own)"


def expect_stage_order(labels: list[str]) -> Callable[[IngestResult], str]:
    def check(result: IngestResult) -> str:
        assert [s.label for s in result.stages] == labels
        assert list(result.networks) == labels
        assert [s.label for s in result.report.stages] == labels
        return f"sorted by year, with a warning: {', '.join(labels)}"

    return check


# --- issue 25: one application number however it is spelt, lists joined by a mark that is
# not split on, a lenient read of stray quotes and a header below a title, through ingest_file
APP = "201110234567"


def expect_one_application(copies: int) -> Callable[[IngestResult], str]:
    def check(result: IngestResult) -> str:
        assert (result.report.duplicates, result.report.patents_kept) == (copies - 1, 1)
        return f"{copies} spellings of one application number: {copies - 1} repeats counted"

    return check


def expect_unsplit(result: IngestResult) -> str:
    report = result.report
    assert report.rows_with_unsplit_list == 2
    assert [(e["row"], e["mark"]) for e in report.unsplit_lists] == [(2, "、"), (4, "，")]
    return "rows_with_unsplit_list=2, listed with row, patent id, cell and mark (、 at row 2)"


def expect_joined(result: IngestResult) -> str:
    report = result.report
    assert report.rows_joined == 5 and report.rows_read == 15
    assert report.joined_rows == [{"row": 6, "patent_id": "CN6", "column": "申请人地址",
                                   "lines": 5}]
    return "rows_joined=5: 5 lines read into row 6's 申请人地址 (listed)"


def expect_header_row(result: IngestResult) -> str:
    assert result.report.rows_read == 2 and result.rejected.empty
    return "read from row 2; rows keep their numbers"


INGEST_RECORD_CASES = {
    "CN prefix, ZL prefix and none: one application": (
        table("cn.csv", 3, {2: f"CN{APP}.8,2012,甲;乙,北京;上海\n", 3: f"{APP}.8,2012,甲;乙,北京;上海\n",
                            4: f"ZL{APP}.8,2012,甲;乙,北京;上海\n"}),
        {},
        expect_one_application(3),
    ),
    "with and without the check digit, full-width": (
        table("check.csv", 3, {2: f"CN{APP}.8,2012,甲;乙,北京;上海\n", 3: f"{APP},2012,甲;乙,北京;上海\n",
                               4: "ＣＮ２０１１１０２３４５６７．８,2012,甲;乙,北京;上海\n"}),
        {},
        expect_one_application(3),
    ),
    "applicants joined by 、 or ， (not split on: listed)": (
        table("dun.csv", 3, {2: "CN2,2012,甲公司、乙大学,北京;上海\n",
                             4: "CN4,2012,北京大学，清华大学,北京\n"}),
        {},
        expect_unsplit,
    ),
    "lenient read of a stray quote through ingest_file": (
        table("lenient.csv", replace={6: 'CN6,2012,甲;乙,"北京;上海\n',
                                      11: 'CN11,2012,甲;乙,"北京;上海\n'}),
        {"lenient_quotes": True},
        expect_joined,
    ),
    "header_row through ingest_file": (
        table("title_ok.csv", 2, above="专利检索结果\n"),
        {"header_row": 2},
        expect_header_row,
    ),
}



RECORD_REPORT_CASES = {
    # class 1: dates with full-width separators, lists the reader must split
    "full-width and other date separators": (
        table("dates.csv", 6, {2: "CN2,２０１２－０３－０４,甲;乙,北京;上海\n",
                               3: "CN3,２０１２／３／４,甲;乙,北京;上海\n",
                               4: "CN4,２０１２年３月４日,甲;乙,北京;上海\n",
                               5: "CN5,2012–03–04,甲;乙,北京;上海\n",
                               6: "CN6,２０１２．０３．０４,甲;乙,北京;上海\n",
                               7: "CN7,２０１２,甲;乙,北京;上海\n"}),
        {},
        expect_pairs({BJ_SH: 6}, "6 years read: ２０１２－０３－０４, ２０１２／３／４, ２０１２年３月４日, "
                     "2012–03–04 (en dash), ２０１２．０３．０４, ２０１２ (NFKC)"),
    ),
    "applicants separated by vertical bars": (
        table("pipes.csv", 2, {2: "CN2,2012,甲 | 乙 | 丙,北京 | 上海 | 天津\n",
                               3: "CN3,2012,甲|乙,北京|上海\n"}),
        {},
        expect_pairs({BJ_SH: 2, (110000, 120000): 1, (120000, 310000): 1},
                     "| separates values: 3 pairs from 甲 | 乙 | 丙"),
    ),
    "applicants one per line inside the cell": (
        table("lines.csv", 2, {2: 'CN2,2012,"甲\n乙\n丙","北京\n上海\n天津"\n',
                               3: 'CN3,2012,"甲\r\n乙","北京\r\n上海"\n'}),
        {},
        expect_pairs({BJ_SH: 2, (110000, 120000): 1, (120000, 310000): 1},
                     "a cell without separators is split at its line breaks (\\n, \\r\\n)"),
    ),
    "a wrapped line inside a cell that has separators": (
        table("wrapped.csv", 1, {2: 'CN2,2012,"甲;\n乙","北京市海淀区\n中关村;上海"\n'}),
        {},
        expect_pairs({BJ_SH: 1}, "in a cell with ; a line break is a wrapped line, not a value"),
    ),
    "vertical bars and semicolons mixed in one cell": (
        table("mixed.csv", 1, {2: "CN2,2012,甲|乙;丙,北京;上海|天津\n"}),
        {},
        expect_pairs({BJ_SH: 1, (110000, 120000): 1, (120000, 310000): 1},
                     "separators mix freely in a cell"),
    ),
    # class 3: cells past the csv module's field limit
    "cell over 131,072 characters and a row with missing fields": (
        table("long_short.csv", 2, {2: f"CN2,2012,{LONG};乙,北京;上海\n", 3: "CN3,2013,丙;丁\n"}),
        {},
        expect_long_cell_padded,
    ),
    "cell over 131,072 characters and an empty last field": (
        table("long_empty.csv", 2, {2: f"CN2,2012,{LONG};乙,北京;上海\n", 3: "CN3,2012,丙;丁,\n"}),
        {},
        expect_long_cell_not_padded,
    ),
    # class 5: Excel's separator line, trailing separators, stages out of order
    "sep=; first line (Excel's hint)": (
        write_text("sep.csv", "sep=;\n" + (HEADER + "CN1;2012;甲|乙;北京|上海\n").replace(",", ";")),
        {},
        expect_pairs({BJ_SH: 1}, "the first line sep=; sets the separator and is not a row"),
    ),
    "sep=, first line": (
        write_text("sep_comma.csv", "SEP=,\n" + HEADER + GOOD_ROW),
        {},
        expect_pairs({BJ_SH: 1}, "sep=, (any case) is read as the separator line"),
    ),
    "a separator at the end of every data line": (
        table("trailing.csv", 3, {r: f"CN{r},2012,甲;乙,北京;上海,\n" for r in range(2, 5)}),
        {},
        expect_pairs({BJ_SH: 3}, "read as 4 fields: the empty extra field is dropped, the ids "
                     "stay ids (pandas would have made them the index)"),
    ),
    "stages listed out of order": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"stages": "2018-2021,2011-2014,2015-2017"},
        expect_stage_order(["2011-2014", "2015-2017", "2018-2021"]),
    ),
    "stages given as Stage tuples out of order": (
        lambda tmp: FIXTURES / "patents_utf8.csv",
        {"stages": [Stage("late", 2015, 2021), Stage("early", 2011, 2014)]},
        expect_stage_order(["early", "late"]),
    ),
}


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
    **RECORD_REPORT_CASES,
    **INGEST_RECORD_CASES,
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
