"""Reading a patent export before any counting (issue 25): what a path names (pyreslib.sources),
quotes that do not close (pyreslib.quotes), where the table is and how its rows are numbered
(pyreslib.records), the cells (pyreslib.cells) and the order of the stages (pyreslib.stages).
Every file here is written by the test; pipes are real pipes, FIFOs real FIFOs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyreslib import sources
from pyreslib.cells import (
    DEFAULT_SEPARATORS,
    id_key,
    id_keys,
    parse_year,
    split_cell,
    split_cells,
    unsplit_lists,
)
from pyreslib.errors import InputError
from pyreslib.quotes import swallowed
from pyreslib.records import _iter_records, _Reading, _short_rows, detect_format, read_records
from pyreslib.sources import open_source
from pyreslib.stages import Stage, check_stages, parse_stages

HEADER = "申请号,申请日,申请人,申请人地址\n"
YEARS = (1900, 2100)


def rows(n: int, first: int = 2) -> str:
    """``n`` good records, the one on spreadsheet row r with the id CN<r>."""
    return "".join(f"CN{r},2012-01-01,甲{r};乙{r},北京;上海\n" for r in range(first, first + n))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "same",
    [
        ["CN201110234567.8", "201110234567.8", "ZL201110234567.8", "cn 201110234567.8",
         "201110234567", "2011102345678", "ＣＮ２０１１１０２３４５６７．８"],
        ["CN97123456.X", "97123456.X", "ZL97123456.x", "97123456"],
    ],
    ids=["12-digit application number", "8-digit application number (before 2003)"],
)
def test_an_application_number_is_one_id_with_or_without_prefix_and_check_digit(same):
    assert len({id_key(i) for i in same}) == 1
    assert id_keys(same) == [id_key(i) for i in same]


@pytest.mark.parametrize(
    "patent_id",
    ["CN102345678A", "CN1234567C", "CN000000123", "CN1", "US20150123456A1", "CN2011102345",
     "CN201110234567.89", "CN201110234567.Y"],
)
def test_other_ids_keep_their_prefix(patent_id):
    assert id_key(patent_id) == patent_id


@given(st.lists(st.text(alphabet="CNZLcn0123456789.X ＣＮ１２", max_size=18), max_size=30))
def test_id_keys_is_id_key_of_each_and_idempotent(ids):
    keys = id_keys(ids)
    assert keys == [id_key(i) for i in ids]
    assert [id_key(k) for k in keys] == keys


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["２０１５－０３－０４", "２０１５／３／４", "２０１５年３月４日", "２０１５．０３．０４", "２０１５",
     "2015–03–04", "2015—03—04", "2015‐03‐04", "2015−03−04", "２０１５０３０４"],
)
def test_full_width_and_dashed_dates_read(text):
    assert parse_year(text, YEARS) == (2015, "")


def test_an_unreadable_date_is_named_as_written():
    assert parse_year("２０１５ｘ", YEARS) == (-1, "not a date or year: '２０１５ｘ'")


# --- multi-valued cells ---------------------------------------------------------------------


def test_default_separators_split_and_line_breaks_split_a_cell_without_them():
    assert DEFAULT_SEPARATORS == (";", "；", "|")
    cells = ["甲;乙；丙|丁", "甲\n乙\r\n丙\r丁", "甲;\n乙", "\n甲\n乙\n", "北京市海淀区\n中关村1号;上海",
             " \n "]
    assert split_cells(cells) == [
        ["甲", "乙", "丙", "丁"],
        ["甲", "乙", "丙", "丁"],
        ["甲", "\n乙"],  # a wrapped line in a cell that has a separator: stripped later
        ["甲", "乙"],
        ["北京市海淀区\n中关村1号", "上海"],
        [""],  # blank but for a line break: one empty value, like an empty cell
    ]


@given(
    st.lists(st.text(alphabet="甲乙;；|、\n\r ,", max_size=12), max_size=20),
    st.sampled_from([(";",), (";", "；"), (";", "；", "|"), (";", "；", "|", "、")]),
)
def test_split_cells_is_split_cell_of_each(cells, separators):
    first, *others = separators
    assert split_cells(cells, separators) == [split_cell(c, first, others) for c in cells]


def test_lists_joined_by_a_mark_that_is_not_split_on_are_found():
    cells = ["甲公司、乙大学", "甲公司;乙大学", "北京大学，清华大学", "甲公司 / 乙研究院",
             "Apple, Inc.", "中关村南大街5号1、2号楼", "单一公司", "甲公司,乙公司"]
    # 1、2号楼 has a digit before the mark: not between two Chinese characters
    assert unsplit_lists(cells) == [(0, "、"), (2, "，"), (3, "/"), (7, ",")]
    assert unsplit_lists(cells, separators=(";", "、", "，", "/", ",")) == []
    assert unsplit_lists(["甲|乙"], separators=(";",)) == [(0, "|")]


# --- stages ---------------------------------------------------------------------------------


def test_stages_out_of_order_are_sorted_with_a_warning_naming_both_orders():
    with pytest.warns(UserWarning, match="given out of order") as caught:
        stages = parse_stages("2015-2017,2011-2014,2018-2021")
    assert [s.label for s in stages] == ["2011-2014", "2015-2017", "2018-2021"]
    message = str(caught[0].message)
    assert "(2015-2017, 2011-2014, 2018-2021)" in message
    assert "2011-2014, 2015-2017, 2018-2021" in message
    assert caught[0].filename == __file__  # points at the caller, not at pyreslib


def test_stages_in_order_give_no_warning_and_overlaps_are_refused_in_any_order():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_stages([Stage("a", 2011, 2014), Stage("b", 2015, 2017)])[0].label == "a"
    with pytest.raises(InputError, match="overlap"):
        parse_stages("2015-2017,2011-2015")


# --- what a path names ----------------------------------------------------------------------


def test_a_fifo_nothing_writes_to_is_refused_after_the_wait(tmp_path):
    path = tmp_path / "in.fifo"
    os.mkfifo(path)
    start = time.monotonic()
    with pytest.raises(InputError, match="nothing wrote to it within 0.2 s"):
        sources._read_pipe(path, wait=0.2)
    assert time.monotonic() - start < 5


def test_a_fifo_whose_writer_comes_late_is_read_whole(tmp_path):
    path = tmp_path / "in.fifo"
    os.mkfifo(path)
    text = HEADER + rows(3000)

    def writer():
        time.sleep(0.3)
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(text.splitlines(keepends=True))

    thread = threading.Thread(target=writer)
    thread.start()
    frame = read_records(path)
    thread.join()
    assert len(frame) == 3000 and frame["row"].iloc[-1] == 3001


def test_a_workbook_through_a_fifo_is_read_from_the_copy(tmp_path):
    path = tmp_path / "book.fifo"
    os.mkfifo(path)
    book = (Path(__file__).parent / "fixtures" / "ingest" / "patents.xlsx").read_bytes()
    thread = threading.Thread(target=lambda: path.write_bytes(book))
    thread.start()
    frame = read_records(path)
    thread.join()
    assert len(frame) == 15 and frame["row"].iloc[0] == 2


def test_a_pipe_larger_than_the_bound_is_refused(tmp_path):
    path = tmp_path / "in.fifo"
    os.mkfifo(path)
    thread = threading.Thread(target=lambda: path.write_bytes(b"x" * 5000))
    thread.start()
    with pytest.raises(InputError, match="came through the pipe"):
        sources._read_pipe(path, limit=1000)
    thread.join()


def run_python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False, **kwargs)


def test_piped_stdin_is_read_once_and_its_faults_found_in_the_copy(tmp_path):
    # row 4 is short: finding it reads the data a second time, from memory, not the pipe
    data = (HEADER + rows(2) + "CN4,2013,丙;丁\n").encode("utf-8")
    code = (
        "from pyreslib.ingest import ingest_file\n"
        "r = ingest_file('/dev/stdin')\n"
        "print(r.report.rows_read, r.report.padded_rows)\n"
    )
    done = run_python(code, input=data.decode("utf-8"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "3 [{'row': 4, 'patent_id': 'CN4', 'fields': 3, 'expected': 4}]"
    )


def test_process_substitution_is_read_once(tmp_path):
    path = write(tmp_path, "p.csv", HEADER + rows(50))
    script = (f"{sys.executable} -c \"from pyreslib.records import read_records; "
              f"import sys; print(len(read_records(sys.argv[1])))\" <(cat '{path}')")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "50"


def test_a_terminal_and_devices_are_named_for_what_they_are(tmp_path):
    for device in ("/dev/zero", "/dev/null", "/dev/urandom"):
        with pytest.raises(InputError, match="is a device"):
            open_source(device)
    controller, terminal = os.openpty()  # a real pseudo-terminal, as an interactive stdin is
    try:
        with pytest.raises(InputError, match="is a terminal, not a file"):
            open_source(os.ttyname(terminal))
    finally:
        os.close(controller)
        os.close(terminal)
    with pytest.raises(InputError, match="is a folder, not a file"):
        open_source(tmp_path)


# --- quotes that do not close ---------------------------------------------------------------


def test_ordinary_multi_line_cells_are_not_taken_for_swallowed_records():
    assert swallowed("甲公司\n乙公司\n丙公司", ",", 4, 0, 1) == []
    assert swallowed("1 Infinite Loop, Cupertino, CA 95014, US\nGoogle, 1600 Amphitheatre, "
                     "Mountain View, US", ",", 4, 0, 1) == []
    assert swallowed("甲公司\nCN5,2012,乙", ",", 4, 0, 1) == ["CN5,2012,乙"]
    # columns unknown: a line as wide as the header
    assert swallowed("x\na,b,c,d", ",", 4, None, None) == ["a,b,c,d"]


def test_multi_line_applicant_lists_read_without_complaint(tmp_path):
    path = write(tmp_path, "lines.csv", HEADER + 'CN2,2012,"甲公司\n乙公司, 北京分公司","北京\n上海"\n'
                 + rows(3, 3))
    frame = read_records(path)
    assert frame["row"].tolist() == [2, 3, 4, 5]


def test_a_stray_quote_is_an_error_naming_the_row_or_with_lenient_quotes_a_count(tmp_path):
    text = (HEADER + rows(4) + 'CN6,2012,甲;乙,"北京;上海\n' + rows(4, 7)
            + 'CN11,2012,甲;乙,"北京;上海\n' + rows(9, 12))
    path = write(tmp_path, "stray.csv", text)
    with pytest.raises(InputError, match=r"row 6 \(line 6\) opens a quote in column '申请人地址'"):
        read_records(path)
    with pytest.warns(UserWarning, match=r"5 line\(s\) were joined into 1 cell"):
        frame = read_records(path, lenient_quotes=True)
    assert len(frame) == 14  # 19 records, 5 of them read into row 6's address
    reading = _Reading()
    _, _, chunks = _iter_records(path, columns=None, encoding=None, sheet=None, chunk_rows=4,
                                 reading=reading, lenient_quotes=True)
    assert sum(len(c) for c in chunks) == 14
    assert reading.joined == [{"row": 6, "patent_id": "CN6", "column": "申请人地址", "lines": 5}]
    assert reading.rows_joined == 5


def test_a_stray_quote_after_a_multi_line_cell_names_its_physical_line(tmp_path):
    text = (HEADER + 'CN2,2012,"甲\n乙","北京\n上海"\n' + rows(2, 3)
            + 'CN5,2012,"北京某公司;乙,北京;上海\n' + rows(3, 6))
    path = write(tmp_path, "lines.csv", text)
    # row 2 takes lines 2-4 (two cells of two lines each), so row 5 starts on line 7
    with pytest.raises(InputError, match=r"row 5 \(line 7\) opens a quote .* never closes"):
        read_records(path)


def test_the_csv_field_limit_is_lifted_only_while_scanning(tmp_path):
    before = csv.field_size_limit()
    path = write(tmp_path, "long.csv", HEADER + f"CN2,2012,{'甲' * 200_000};乙,北京;上海\n"
                 + "CN3,2013,丙;丁\n")
    reading = _Reading()
    fmt, _, chunks = _iter_records(path, columns=None, encoding=None, sheet=None,
                                   chunk_rows=10, reading=reading)
    assert sum(len(c) for c in chunks) == 2
    assert _short_rows(path, fmt, reading) == [
        {"row": 3, "patent_id": "CN3", "fields": 3, "expected": 4}
    ]
    assert csv.field_size_limit() == before


# --- where the table is ---------------------------------------------------------------------


def test_header_row_skips_a_title_and_rows_keep_their_numbers(tmp_path):
    path = write(tmp_path, "title.csv", "专利检索结果\n\n" + HEADER + rows(2) + "CN4,2013,丙;丁\n")
    with pytest.raises(InputError, match=r"row 3 has the headers .* header_row=3"):
        read_records(path)
    reading = _Reading()
    fmt, _, chunks = _iter_records(path, columns=None, encoding=None, sheet=None,
                                   chunk_rows=10, reading=reading, header_row=3)
    frame = pd.concat(list(chunks))
    assert frame["row"].tolist() == [4, 5, 6]
    assert frame["patent_id"].tolist() == ["CN2", "CN3", "CN4"]
    assert _short_rows(path, fmt, reading) == [
        {"row": 6, "patent_id": "CN4", "fields": 3, "expected": 4}
    ]


def test_a_sep_line_sets_the_separator_and_header_row_counts_after_it(tmp_path):
    text = "sep=;\n标题\n" + (HEADER + "CN1,2012,甲|乙,北京|上海\n").replace(",", ";")
    path = write(tmp_path, "sep.csv", text)
    assert detect_format(path, header_row=2).separator == ";"
    frame = read_records(path, header_row=2)
    assert frame[["row", "patent_id", "applicants"]].values.tolist() == [[3, "CN1", "甲|乙"]]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", 10_000])
def test_header_row_must_be_a_row_number(tmp_path, bad):
    path = write(tmp_path, "p.csv", HEADER + rows(1))
    with pytest.raises(InputError, match=rf"header_row={bad!r}"):
        read_records(path, header_row=bad)


def test_header_row_and_sheet_in_a_workbook(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["导出说明"])
    data = book.create_sheet("数据")
    for row in [["检索式"], [], HEADER.strip().split(","), ["CN1", "2012", "甲;乙", "北京;上海"]]:
        data.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(InputError, match=r"sheet='数据' .* and header_row=3"):
        read_records(path)
    with pytest.raises(InputError, match=r"on sheet '数据', row 1 is not .* header_row=3"):
        read_records(path, sheet="数据")
    frame = read_records(path, sheet="数据", header_row=3)
    assert frame[["row", "patent_id"]].values.tolist() == [[4, "CN1"]]


def test_a_trailing_separator_keeps_ids_in_their_column(tmp_path):
    path = write(tmp_path, "trail.csv",
                 HEADER + "".join(f"CN{r},2012,甲;乙,北京;上海,\n" for r in range(2, 5)))
    frame = read_records(path)
    assert frame["patent_id"].tolist() == ["CN2", "CN3", "CN4"]
    assert frame["addresses"].tolist() == ["北京;上海"] * 3
