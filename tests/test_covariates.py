"""The covariates file: read and checked in full before any work, checked against the stage
networks right after ingest, and reported (issue 25, item 4).

Each stage mean is the mean over the years the file gives; the tests below say so with hand
calculations, check every class of bad cell with several inputs, and show that a bad file stops
a run before any step after ingest starts.  The bad files run through the command line are in
tests/bad_inputs/test_bad_covariates.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import analysis, study
from pyreslib.errors import InputError
from pyreslib.progress import Progress
from pyreslib.stagemodels import stage_models, study_model
from pyreslib.stagemodels.covariates import (
    check_covariates,
    covariate_coverage,
    read_covariates,
    stage_node_covariates,
)
from pyreslib.stagemodels.coverage import RULE
from tests.test_pipeline import _write_project

HEADER = ",".join(study.COVARIATE_COLUMNS)
DEMO = Path(__file__).parents[1] / "data" / "demo" / "city_covariates.csv"


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "cov.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_covariates(path)
    return str(info.value)


def table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(study.COVARIATE_COLUMNS))


# ----------------------------------------------------------------------------------------------
# a good file
# ----------------------------------------------------------------------------------------------


def test_a_good_file_reads_as_one_row_per_city_and_year_indexed_by_its_row(tmp_path):
    path = write(tmp_path, "110000,2011,107330,40856.1,14867.7", "120000,2011,74930,11919.4,1465.6")
    frame = read_covariates(path)
    assert list(frame.columns) == list(study.COVARIATE_COLUMNS)
    assert frame.index.name == "row" and list(frame.index) == [2, 3]
    assert frame["adcode"].dtype == "int64" and frame["year"].dtype == "int64"
    assert frame.loc[3, "gdp_per_capita"] == 74930.0
    assert frame.attrs["source"] == str(path)


def test_the_demo_file_reads_as_pandas_reads_it():
    frame = read_covariates(DEMO)
    plain = pd.read_csv(DEMO)
    assert len(frame) == len(plain) == 337 * 11
    np.testing.assert_array_equal(frame.to_numpy(), plain[list(study.COVARIATE_COLUMNS)].to_numpy())


@pytest.mark.parametrize("cell, value", [
    ("", math.nan), ("  ", math.nan), ("NA", math.nan), ("n/a", math.nan), ("#N/A", math.nan),
    ("NaN", math.nan), ("null", math.nan), ("-", math.nan), ("—", math.nan), ("…", math.nan),
    ("１０７３３０", 107330.0), (" 12.5 ", 12.5), ("1e5", 100000.0), ("+7", 7.0), (".5", 0.5),
])
def test_a_value_cell_is_a_number_or_says_there_is_none(tmp_path, cell, value):
    frame = read_covariates(write(tmp_path, f'110000,2011,"{cell}",1,1'))
    got = frame.loc[2, "gdp_per_capita"]
    assert (math.isnan(got) and math.isnan(value)) or got == value


@pytest.mark.parametrize("adcode, year", [("110000.0", "2011.0"), (" 110000 ", "２０１１"),
                                          ("1.1e5", "2011")])
def test_an_integer_written_as_a_whole_float_or_in_full_width_is_that_integer(tmp_path, adcode,
                                                                              year):
    frame = read_covariates(write(tmp_path, f"{adcode},{year},1,1,1"))
    assert (frame.loc[2, "adcode"], frame.loc[2, "year"]) == (110000, 2011)


@pytest.mark.parametrize("encoding, separator", [("utf-8-sig", ","), ("gb18030", ","),
                                                 ("utf-16", ","), ("utf-8", ";"),
                                                 ("utf-8", "\t")])
def test_encodings_and_separators_of_spreadsheet_exports(tmp_path, encoding, separator):
    text = "\r\n".join([HEADER + ",城市", "110000,2011,1,2,3,北京"]).replace(",", separator)
    (tmp_path / "cov.csv").write_bytes(text.encode(encoding))
    frame = read_covariates(tmp_path / "cov.csv")
    assert frame.loc[2].tolist() == [110000, 2011, 1.0, 2.0, 3.0]


def test_blank_rows_are_skipped_and_rows_keep_their_line_numbers(tmp_path):
    frame = read_covariates(write(tmp_path, "", ",,,,", "110000,2011,1,1,1"))
    assert list(frame.index) == [4]


def test_a_header_only_file_is_an_empty_table(tmp_path):
    # nothing is wrong with the file itself; the cities it lacks are named after ingest
    assert read_covariates(write(tmp_path)).empty


# ----------------------------------------------------------------------------------------------
# bad cells: the file and every row at fault are named
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, said", [
    (["110000,2011,107330,1,1", "110000,2011,1073300000,1,1"],
     ("row 3: adcode 110000, year 2011 again (first in row 2); give each city and year one row: "
     "pyreslib does not average them")),
    (["110000,2011,5,1,1", "120000,2011,5,1,1", "110000,2011,5,1,1"],
     "row 4: adcode 110000, year 2011 again (first in row 2, with the same values)"),
    (["110000,2011,5,1,1", "110000.0,2011.0,6,1,1"], "row 3: adcode 110000, year 2011 again"),
    (["110000,2011,,,", "110000,2011,,,"], "row 3: adcode 110000, year 2011 again"),
])
def test_a_city_and_year_given_twice_is_an_error_not_an_average(tmp_path, rows, said):
    message = refused(write(tmp_path, *rows))
    assert f"covariates file {tmp_path / 'cov.csv'}" in message and said in message


def test_every_repeated_city_and_year_is_listed(tmp_path):
    rows = [f"1{i:02d}000,2011,1,1,1" for i in range(10, 13)] * 2
    message = refused(write(tmp_path, *rows))
    assert "3 problems" in message
    assert all(f"row {r}: adcode 1{i:02d}000" in message for r, i in zip((5, 6, 7), (10, 11, 12),
                                                                         strict=True))


@pytest.mark.parametrize("row, said", [
    (",2011,1,1,1", "row 2: adcode is blank; every row needs the city's adcode (six digits"),
    ("  ,2011,1,1,1", "row 2: adcode is blank"),
    ("NA,2011,1,1,1", "row 2: adcode is blank"),
    ("110000,,1,1,1", "row 2: year is blank; every row needs the calendar year"),
    ("110000,2015.5,1,1,1", "row 2: year '2015.5' is not a whole year"),
    ("110000,2015a,1,1,1", "row 2: year '2015a' is not a number; write the calendar year"),
    ("110000,二〇一五,1,1,1", "row 2: year '二〇一五' is not a number"),
    ("110000,15,1,1,1", "row 2: year '15' is outside 1900-2100"),
    ("110000,20155,1,1,1", "row 2: year '20155' is outside 1900-2100"),
    ("110000.5,2011,1,1,1", "row 2: adcode '110000.5' is not a whole number"),
    ("11000,2011,1,1,1", "row 2: adcode '11000' is not an adcode of six digits"),
    ("北京,2011,1,1,1", "row 2: adcode '北京' is not a number; write the city's adcode"),
])
def test_an_adcode_or_year_that_is_blank_or_not_an_integer_is_an_error(tmp_path, row, said):
    message = refused(write(tmp_path, "120000,2011,1,1,1", row.replace("row 2", "")))
    said = said.replace("row 2", "row 3")
    assert said in message, message
    assert str(tmp_path / "cov.csv") in message and "(the header is row 1)" in message


@pytest.mark.parametrize("cell, said", [
    ("inf", "gdp_per_capita holds 'inf', not a finite number"),
    ("-inf", "holds '-inf', not a finite number"),
    ("Infinity", "holds 'Infinity', not a finite number"),
    ("1e999", "holds '1e999', not a finite number"),
    ("abc", "holds 'abc', not a number"),
    ('"107,330"', "holds '107,330': write numbers without thousands separators (107330)"),
    ("1_000", "holds '1_000', not a number"),
    ("0x10", "holds '0x10', not a number"),
])
def test_a_value_that_is_not_a_finite_number_is_an_error_naming_the_row(tmp_path, cell, said):
    message = refused(write(tmp_path, "110000,2011,1,1,1", f"110000,2012,{cell},1,1"))
    assert f"row 3: {said}" in message or said in message and "row 3" in message, message


def test_one_message_names_every_bad_row_up_to_a_limit(tmp_path):
    rows = [f"110000,{2000 + i},inf,1,1" for i in range(12)]
    message = refused(write(tmp_path, *rows))
    assert message.count("not a finite number") == 8 and "and 4 more" in message
    assert "12 problems: row 2:" in message


@pytest.mark.parametrize("rows, said", [
    (['110000,2011,"107330,1,1', "120000,2011,1,1,1", "130100,2011,1,1,1"],
     "row 2: a quote opened on this row is never closed, so rows 2-4 would be one cell"),
    (['110000,2011,"107330,1,1', '120000,2011,1,1,1"', "130100,2011,1,1,1"],
     "row 2: a cell runs over rows 2-3, which a quote opened and not closed does"),
    (['110000,2011,"1\n2",1,1'], "row 2: a cell runs over rows 2-3"),
    (['110000,2011,"1"2,1,1'], "row 2: not valid CSV"),
    (["110000,2011,1,1"], ("row 2: 4 cells where the header has 5 (a cell or a separator is "
                          "missing)")),
    (["110000,2011,1,1,1,9"], "row 2: 6 cells where the header has 5"),
])
def test_a_row_whose_cells_cannot_be_told_apart_is_an_error(tmp_path, rows, said):
    assert said in refused(write(tmp_path, *rows))


def test_trailing_empty_cells_of_a_spreadsheet_export_are_fine(tmp_path):
    assert len(read_covariates(write(tmp_path, "110000,2011,1,1,1,,"))) == 1


@pytest.mark.parametrize("header, said", [
    ("adcode,year,gdp,education_spending,st_spending",
     "missing column(s) ['gdp_per_capita']; expected ['adcode', 'year', 'gdp_per_capita'"),
    (HEADER + ",year", "column(s) ['year'] appear more than once"),
])
def test_the_header_must_name_each_column_once(tmp_path, header, said):
    assert said in refused(write(tmp_path, "110000,2011,1,1,1", header=header))


def test_a_title_row_above_the_header_is_recognised(tmp_path):
    message = refused(write(tmp_path, HEADER, "110000,2011,1,1,1", header="城市协变量 2011-2021"))
    assert "found '城市协变量 2011-2021' in row 1; the header seems to be row 2: delete the rows " \
           "above it" in message


@pytest.mark.parametrize("content, said", [
    (b"PK\x03\x04rest-of-a-zip", "an Excel workbook, not a CSV; save the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0old-excel", "an Excel workbook"),
    (b"adcode,year\x00\x00", "holds NUL bytes"),
    (HEADER.encode() + b"\n110000,2011,\xff\xfe\xfa,1,1\n", "neither UTF-8 nor GB18030"),
])
def test_a_file_that_is_not_a_csv_says_what_it_is(tmp_path, content, said):
    (tmp_path / "cov.csv").write_bytes(content)
    assert said in refused(tmp_path / "cov.csv")


# ----------------------------------------------------------------------------------------------
# a table built in Python
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, said", [
    ([(110000, 2011, 1.0, 1.0, 1.0), (110000, 2011, 2.0, 1.0, 1.0)],
     "index 1: adcode 110000, year 2011 again (first in index 0)"),
    ([(110000, 2011, np.inf, 1.0, 1.0)], "index 0: gdp_per_capita inf is not a finite number"),
    ([(110000, 2011.5, 1.0, 1.0, 1.0)], "index 0: year 2011.5 is not an integer"),
    ([(None, 2011, 1.0, 1.0, 1.0)], "index 0: adcode None is not an integer"),
    ([(110000, 2011, "x", 1.0, 1.0)], "index 0: gdp_per_capita 'x' is not a finite number"),
])
def test_a_table_from_python_is_checked_like_a_file(rows, said):
    with pytest.raises(InputError, match="^covariates, ") as info:
        check_covariates(table(rows))
    assert said in str(info.value)


def test_stage_models_refuse_a_table_with_a_repeated_city_and_year_before_any_stage():
    graph = nx.Graph([(110000, 120000)])
    rows = [(110000, 2011, 1.0, 1.0, 1.0), (120000, 2011, 2.0, 2.0, 2.0),
            (120000, 2011, 3.0, 3.0, 3.0)]
    with pytest.raises(InputError, match="adcode 120000, year 2011 again"):
        stage_models({"2011": graph}, table(rows), [study_model()])


# ----------------------------------------------------------------------------------------------
# stage means over the years present, and what they rest on
# ----------------------------------------------------------------------------------------------

THREE = table([
    (110000, 2011, 10.0, 1.0, 4.0), (110000, 2012, 30.0, 3.0, 4.0),
    (120000, 2011, 5.0, 2.0, 4.0), (120000, 2012, np.nan, 6.0, 4.0),
    (130100, 2011, 8.0, 1.0, 4.0),                      # 2012 has no row
])
CITIES3 = [110000, 120000, 130100]


def test_a_stage_mean_is_the_mean_over_the_years_present_by_hand():
    raw = stage_node_covariates(THREE, CITIES3, (2011, 2012), log=False, standardise=False)
    assert raw["economic"].tolist() == [20.0, 5.0, 8.0]    # (10+30)/2, 5 alone, 8 alone
    assert raw["education"].tolist() == [2.0, 4.0, 1.0]
    logged = stage_node_covariates(THREE, CITIES3, (2011, 2012), log=True, standardise=False)
    np.testing.assert_allclose(logged["economic"], np.log([20.0, 5.0, 8.0]))
    z = stage_node_covariates(THREE, CITIES3, (2011, 2012))
    x = np.log([20.0, 5.0, 8.0])
    np.testing.assert_allclose(z["economic"], (x - x.mean()) / x.std())
    assert (z["science"] == 0).all()  # the same for every city: centred, not divided by 0


def test_the_coverage_names_each_missing_value_with_its_reason_and_row():
    graph = nx.Graph([(110000, 120000), (120000, 130100)])
    coverage = covariate_coverage(THREE, {"2011-2012": graph})
    missing = coverage.to_frame()
    assert missing[["adcode", "covariate", "year", "reason"]].values.tolist() == [
        [120000, "gdp_per_capita", 2012, "blank"],
        [130100, "gdp_per_capita", 2012, "no row"],
        [130100, "education_spending", 2012, "no row"],
        [130100, "st_spending", 2012, "no row"],
    ]
    gaps = coverage.gaps()
    assert gaps["years_used"].tolist() == [1, 1, 1, 1] and set(gaps["years"]) == {2}
    (note, constant) = coverage.notes
    assert "2011-2012: 2 of the stage's 3 cities lack values for some of its 2 years" in note
    assert RULE in note
    assert "天津市 Tianjin (120000): gdp_per_capita without 2012 (blank)" in note
    assert "石家庄市 Shijiazhuang (130100): every covariate without 2012 (no row)" in note
    assert "st_spending is the same for every city of 2011-2012" in constant
    assert not coverage.complete and "3 cities, years 2011-2012, 4 values missing" in str(coverage)


def test_a_blank_cell_is_reported_with_its_row_in_the_file(tmp_path):
    path = write(tmp_path, "110000,2011,1,1,1", "110000,2012,,1,1", "120000,2011,2,2,2",
                 "120000,2012,3,3,3")
    coverage = covariate_coverage(read_covariates(path),
                                  {"2011-2012": nx.Graph([(110000, 120000)])})
    assert coverage.to_frame()["row"].tolist() == [3]
    assert "北京市 Beijing (110000): gdp_per_capita without 2012 (blank, row 3)" in coverage.notes[0]
    assert coverage.notes[0].startswith("covariates (cov.csv), 2011-2012: 1 of the stage's 2 "
                                        "cities lacks values")


def test_a_complete_file_has_nothing_to_report():
    frame = read_covariates(DEMO)
    networks = {label: nx.complete_graph([110000, 120000, 310000])
                for label in study.STAGE_LABELS}
    coverage = covariate_coverage(frame, networks)
    assert coverage.complete and coverage.notes == ()


@pytest.mark.parametrize("drop, said", [
    (lambda t: t[t["adcode"] != 130100],
     "石家庄市 Shijiazhuang (130100) in 2011-2012: not in the file"),
    (lambda t: t[~((t["adcode"] == 130100) & (t["year"] <= 2012))].assign(
        year=lambda f: f["year"].where(f["adcode"] != 130100, 2015)),
     "石家庄市 Shijiazhuang (130100) in 2011-2012: no row for 2011-2012 (its rows are for 2015)"),
    (lambda t: t.assign(gdp_per_capita=t["gdp_per_capita"].where(t["adcode"] != 110000)),
     "北京市 Beijing (110000) in 2011-2012: gdp_per_capita blank in every year of 2011-2012"),
    (lambda t: t.assign(**{c: t[c].where(t["adcode"] != 120000)
                           for c in study.COVARIATE_COLUMNS[2:]}),
     "天津市 Tianjin (120000) in 2011-2012: every value blank in every year of 2011-2012"),
])
def test_a_city_of_the_networks_without_values_for_a_stage_is_named_with_the_stage(drop, said):
    graph = nx.Graph([(110000, 120000), (120000, 130100)])
    two = pd.concat([THREE, table([(130100, 2015, 1.0, 1.0, 1.0)])], ignore_index=True)
    with pytest.raises(InputError) as info:
        covariate_coverage(drop(two), {"2011-2012": graph})
    message = str(info.value)
    assert "of the stage networks has no covariate values for a stage" in message
    assert said in message, message
    assert "Add the rows missing (one per city and year), or leave those cities out" in message


def test_a_missing_city_in_a_runs_config_is_told_the_options_a_run_has():
    graph = nx.Graph([(110000, 429004)])  # 仙桃, a county-level city
    with pytest.raises(InputError) as info:
        covariate_coverage(THREE, {"2011-2012": graph, "2013-2014": graph}, for_config=True)
    message = str(info.value)
    assert "仙桃市 Xiantao (429004) in 2011-2012, 2013-2014: not in the file" in message
    assert "北京市 Beijing (110000) in 2013-2014: no row for 2013-2014" in message
    assert "set [input] prefecture_level_only = true to leave county-level units such as 仙桃市 " \
           "Xiantao (429004) out of the networks" in message
    assert "(--no-ergm, or [ergm] enabled = false)" in message
    assert "log=False" not in message


@pytest.mark.parametrize("values, said", [
    ([-5.0, -5.0], "gdp_per_capita mean -5 (2011: -5; 2012: -5)"),
    ([0.0, 0.0], "gdp_per_capita mean 0"),
    ([-30.0, 10.0], "gdp_per_capita mean -10"),
])
def test_a_stage_mean_the_log_cannot_take_is_an_error_naming_city_stage_and_switch(values,
                                                                                  said):
    bad = THREE.copy()
    bad.loc[bad["adcode"] == 110000, "gdp_per_capita"] = values
    networks = {"2011-2012": nx.Graph([(110000, 120000), (120000, 130100)])}
    with pytest.raises(InputError) as info:
        covariate_coverage(bad, networks, for_config=True)
    message = str(info.value)
    assert "the log transform needs positive stage means, and 1 is zero or negative" in message
    assert f"北京市 Beijing (110000) in 2011-2012: {said}" in message
    assert "set log = false in the config's [covariates] section" in message
    with pytest.raises(InputError, match="or pass log=False"):
        covariate_coverage(bad, networks)
    # without the log the same values are used as they are
    assert covariate_coverage(bad, networks, log=False).log is False
    raw = stage_node_covariates(bad, CITIES3, (2011, 2012), log=False, standardise=False)
    assert raw.loc["110000", "economic"] == np.mean(values)


def test_a_year_of_zero_with_a_positive_stage_mean_is_logged_and_noted():
    bad = THREE.copy()
    bad.loc[(bad["adcode"] == 110000) & (bad["year"] == 2011), "gdp_per_capita"] = 0.0
    coverage = covariate_coverage(bad, {"2011-2012": nx.Graph([(110000, 120000)])})
    assert any("北京市 Beijing (110000) has gdp_per_capita of zero or below in 2011-2012 "
               "(2011: 0); its stage mean 15 is positive and was logged" in n
               for n in coverage.notes)


def test_missing_cities_and_non_positive_means_are_told_in_one_message():
    bad = THREE.copy()
    bad.loc[bad["adcode"] == 110000, "st_spending"] = -1.0
    with pytest.raises(InputError) as info:
        covariate_coverage(bad, {"2011-2012": nx.Graph([(110000, 310000)])}, for_config=True)
    message = str(info.value)
    assert "上海市 Shanghai (310000) in 2011-2012: not in the file" in message
    assert ". The log transform needs positive stage means" in message


rows_strategy = st.lists(
    st.tuples(st.sampled_from([110000, 120000, 130100]), st.integers(2010, 2014),
              st.one_of(st.none(), st.floats(0.5, 1e6))),
    min_size=1, max_size=30, unique_by=lambda r: (r[0], r[1]))


@settings(max_examples=60, deadline=None)
@given(rows_strategy)
def test_stage_means_are_nanmeans_and_every_missing_value_is_reported(rows):
    frame = table([(a, y, v, 1.0, 1.0) for a, y, v in rows]).astype({"gdp_per_capita": float})
    cities = sorted({a for a, _, v in rows if v is not None and 2011 <= _ <= 2013})
    if not cities:
        return
    graph = nx.Graph()
    graph.add_nodes_from(cities)
    given_cells = {(a, y): v for a, y, v in rows}
    try:
        coverage = covariate_coverage(frame, {"2011-2013": graph}, log=False)
    except InputError as exc:  # a city with a value but a blank education cell: never here
        raise AssertionError(exc) from None
    expected_missing = sum(given_cells.get((a, y)) is None for a in cities
                           for y in range(2011, 2014))
    assert (coverage.to_frame()["covariate"] == "gdp_per_capita").sum() == expected_missing
    raw = stage_node_covariates(frame, cities, (2011, 2013), log=False, standardise=False)
    for a in cities:
        present = [v for (c, y), v in given_cells.items()
                   if c == a and 2011 <= y <= 2013 and v is not None]
        assert raw.loc[str(a), "economic"] == pytest.approx(np.mean(present), rel=1e-12)


# ----------------------------------------------------------------------------------------------
# a run: checked before any other step, the transform from the config
# ----------------------------------------------------------------------------------------------


class Steps(Progress):
    """Records the steps a run started and finished."""

    def __init__(self):
        self.started_steps: list[str] = []
        self.finished_steps: list[str] = []

    def started(self, step, total):
        self.started_steps.append(step)

    def finished(self, step):
        self.finished_steps.append(step)


def project(tmp_path: Path, *, covariates=None, config_extra: str = "") -> Path:
    """The hand-made project of tests/test_pipeline.py with ERGMs on (study model, exact
    MLE, in this process), its covariates file passed through ``covariates`` (lines -> lines)."""
    config = _write_project(tmp_path, ergm=True, figures=False)
    text = config.read_text(encoding="utf-8").replace("gof_nsim = 10", "gof_nsim = 0\nworkers = 0")
    config.write_text(text + config_extra, encoding="utf-8")
    if covariates is not None:
        path = tmp_path / "covariates.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(covariates(lines)) + "\n", encoding="utf-8")
    return config


def replace_cell(lines, row: int, column: str, value: str):
    """``lines`` with the cell of ``column`` in file row ``row`` (the header is row 1) set."""
    out = list(lines)
    cells = out[row - 1].split(",")
    cells[list(study.COVARIATE_COLUMNS).index(column)] = value
    out[row - 1] = ",".join(cells)
    return out


@pytest.mark.parametrize("edit, said", [
    (lambda lines: [*lines, lines[5]], "row 114: adcode 110000, year 2015 again"),
    (lambda lines: replace_cell(lines, 4, "adcode", ""), "row 4: adcode is blank"),
    (lambda lines: replace_cell(lines, 9, "year", "2015.5"), "row 9: year '2015.5' is not a whole"),
    (lambda lines: replace_cell(lines, 7, "gdp_per_capita", "inf"), "row 7: gdp_per_capita holds"),
])
def test_a_bad_file_stops_the_run_before_ingest(tmp_path, edit, said):
    config = project(tmp_path, covariates=edit)
    # a patent file ingest would refuse: the covariates' error comes first, so ingest never ran
    (tmp_path / "patents.csv").write_text("申请号,申请日,申请人,申请人地址\n", encoding="utf-8")
    steps = Steps()
    with pytest.raises(InputError, match="covariates file") as info:
        analysis.run(config, progress=steps)
    assert said in str(info.value)
    assert steps.started_steps == ["ingest"] and steps.finished_steps == []


@pytest.mark.parametrize("edit, said", [
    (lambda lines: [line for line in lines if not line.startswith("330600,")],
     "绍兴市 Shaoxing (330600) in 2011-2014, 2015-2017: not in the file"),
    (lambda lines: [line for line in lines if not line.startswith("330600,201")]
     + ["330600,2010,1,1,1"],
     ("绍兴市 Shaoxing (330600) in 2011-2014: no row for 2011-2014 (its rows are for 2010); "
     "绍兴市 Shaoxing (330600) in 2015-2017: no row for 2015-2017 (its rows are for 2010)")),
    (lambda lines: [replace_cell([line], 1, "gdp_per_capita", "-3")[0]
                    if line.startswith("110000,") else line for line in lines],
     "北京市 Beijing (110000) in 2011-2014: gdp_per_capita mean -3"),
])
def test_a_city_without_usable_covariates_stops_the_run_right_after_ingest(tmp_path, edit,
                                                                           said):
    steps = Steps()
    with pytest.raises(InputError) as info:
        analysis.run(project(tmp_path, covariates=edit), progress=steps)
    assert said in str(info.value)
    assert steps.started_steps == ["ingest"] and steps.finished_steps == []


def test_log_false_in_the_config_lets_a_non_positive_mean_through(tmp_path):
    from pyreslib.config import load_config

    config = project(tmp_path, covariates=lambda lines: [
        replace_cell([line], 1, "gdp_per_capita", "-3")[0] if line.startswith("110000,")
        else line for line in lines], config_extra="[covariates]\nlog = false\n")
    cfg = load_config(config)
    assert (cfg.covariates.log, cfg.covariates.standardise) == (False, True)
    ingest = analysis._ingest(cfg)
    covariates = read_covariates(cfg.input.covariates)
    coverage = covariate_coverage(covariates, ingest.networks, log=False, for_config=True)
    # the step builds every stage's model with the config's transform (no R needed to see it)
    built, failed = stage_models(ingest.networks, covariates, [study_model()], log=False)
    assert failed == {}
    node = built[("2011-2014", "study")].node_covariates
    assert node.loc["110000", "economic"] == node["economic"].min()  # -3, z-scored, no log
    assert coverage.log is False


@pytest.mark.r
def test_a_run_with_gaps_fits_and_says_which_means_use_fewer_years(tmp_path):
    from pyreslib import outputs

    def gaps(lines):
        lines = replace_cell(lines, 3, "gdp_per_capita", "")   # 110000, 2012: blank
        return [line for line in lines if not line.startswith("120000,2016,")]

    config = project(tmp_path, covariates=gaps)
    result = analysis.run(config)
    notes = result.ergm.notes
    assert any("2011-2014: 1 of the stage's 16 cities lacks" in n and
               "北京市 Beijing (110000): gdp_per_capita without 2012 (blank, row 3)" in n
               for n in notes)
    assert any("2015-2017" in n and "天津市 Tianjin (120000): every covariate without 2016 "
               "(no row)" in n for n in notes)
    assert result.ergm.covariates.to_frame()["year"].tolist() == [2012, 2016, 2016, 2016]
    outputs.write(result, tmp_path / "out", cwd=tmp_path)
    written = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert any("gdp_per_capita without 2012 (blank, row 3)" in n for n in written["ergm_notes"])
    assert written["config"]["covariates"] == {"log": True, "standardise": True}
    # the transform of the config reaches the fits: without the log the estimates differ
    (tmp_path / "raw").mkdir()
    unlogged = analysis.run(project(tmp_path / "raw", covariates=gaps,
                                    config_extra="[covariates]\nlog = false\n"))
    key = ("2011-2014", "study")
    logged_fit = result.ergm.fits[key].results.params
    raw_fit = unlogged.ergm.fits[key].results.params
    assert logged_fit["edges"] != pytest.approx(raw_fit["edges"], rel=1e-6)
