"""Bad covariates files through the command line (issue 25, item 4): exit 2 before any step
after ingest, one paragraph on stderr that names the file and the row (or the city and the
stage) and says what to do, no traceback, no output folder (CASES); a bad ``[covariates]``
section of the config (CONFIG_CASES).  And files with gaps: the run reads them and says which
stage means rest on fewer years, with the rule (REPORT_CASES).

The project is the hand-made one of tests/test_pipeline.py (16 cities, stages 2011-2014 and
2015-2017, covariates for every city and year 2011-2017, city by city: Beijing 2011-2017 are
rows 2-8, Tianjin 2011 row 9; the header is row 1); each case edits its covariates file's
lines or the config.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from pyreslib import study
from tests.bad_inputs.folders import tree_hashes
from tests.test_pipeline import _write_project

Lines = list[str]


def cell(row: int, column: str, value: str) -> Callable[[Lines], Lines]:
    """The file with the cell of ``column`` in row ``row`` (the header is row 1) set."""

    def edit(lines: Lines) -> Lines:
        out = list(lines)
        cells = out[row - 1].split(",")
        cells[list(study.COVARIATE_COLUMNS).index(column)] = value
        out[row - 1] = ",".join(cells)
        return out

    return edit


def without(prefix: str) -> Callable[[Lines], Lines]:
    """The file without the rows that start with ``prefix`` ("330600," a city, "330600,2012,"
    one of its years)."""
    return lambda lines: [line for line in lines if not line.startswith(prefix)]


def for_city(adcode: int, column: str, value: str) -> Callable[[Lines], Lines]:
    """The file with ``column`` of every row of the city ``adcode`` set to ``value``."""
    index = list(study.COVARIATE_COLUMNS).index(column)

    def edit(lines: Lines) -> Lines:
        out = []
        for line in lines:
            cells = line.split(",")
            if cells[0] == str(adcode):
                cells[index] = value
            out.append(",".join(cells))
        return out

    return edit


def also(*edits: Callable[[Lines], Lines]) -> Callable[[Lines], Lines]:
    def edit(lines: Lines) -> Lines:
        for one in edits:
            lines = one(lines)
        return lines

    return edit


# name -> (edit of the covariates file's lines, words the message must hold)
CASES: dict[str, tuple[Callable[[Lines], Lines], list[str]]] = {
    # a (adcode, year) twice: an error, never an average
    "a city and year given twice, one a typo (Beijing's GDP x 1000)": (
        lambda lines: [*lines, cell(1, "gdp_per_capita", "52000000")([lines[5]])[0]],
        ["covariates.csv, row 114: adcode 110000, year 2015 again (first in row 6)",
         "pyreslib does not average them"]),
    "a city and year given twice with the same values": (
        lambda lines: [*lines[:3], lines[2], *lines[3:]],
        ["row 4: adcode 110000, year 2012 again (first in row 3, with the same values)"]),
    "a year written twice under two spellings (2012 and 2012.0)": (
        lambda lines: [*lines, lines[2].replace(",2012,", ",2012.0,")],
        ["row 114: adcode 110000, year 2012 again"]),
    # blank and non-integer adcodes and years
    "a blank adcode": (cell(4, "adcode", ""),
                       [("covariates.csv, row 4: adcode is blank; every row needs the city's "
                         "adcode (six digits")]),
    "an adcode of spaces": (cell(4, "adcode", "   "), ["row 4: adcode is blank"]),
    "an adcode written as a city name": (cell(4, "adcode", "北京"),
                                         ["row 4: adcode '北京' is not a number"]),
    "a five-digit adcode": (cell(4, "adcode", "11000"),
                            ["row 4: adcode '11000' is not an adcode of six digits"]),
    "a blank year": (cell(9, "year", ""), ["row 9: year is blank"]),
    "a year 2015.5": (cell(9, "year", "2015.5"), ["row 9: year '2015.5' is not a whole year"]),
    "a year '2015年'": (cell(9, "year", "2015年"), ["row 9: year '2015年' is not a number"]),
    "a two-digit year": (cell(9, "year", "15"), ["row 9: year '15' is outside 1900-2100"]),
    # values that are not finite numbers
    "inf in one cell": (cell(7, "gdp_per_capita", "inf"),
                        [("covariates.csv, row 7: gdp_per_capita holds 'inf', not a finite "
                         "number")]),
    "-Infinity in one cell": (cell(7, "st_spending", "-Infinity"),
                              ["row 7: st_spending holds '-Infinity', not a finite number"]),
    "1e999 (overflows to inf)": (cell(7, "education_spending", "1e999"),
                                 ["row 7: education_spending holds '1e999', not a finite"]),
    "a thousands separator": (cell(7, "gdp_per_capita", '"107,330"'),
                              [("row 7: gdp_per_capita holds '107,330': write numbers without "
                               "thousands separators (107330)")]),
    "text in a value cell": (cell(7, "gdp_per_capita", "n.a"),
                             ["row 7: gdp_per_capita holds 'n.a', not a number"]),
    "many bad cells at once": (
        also(cell(3, "gdp_per_capita", "inf"), cell(5, "year", "x"), cell(8, "adcode", "")),
        ["3 problems: row 3: gdp_per_capita holds 'inf'", "row 5: year 'x' is not a number",
         "row 8: adcode is blank"]),
    # rows whose cells cannot be told apart
    "a quote opened and never closed": (
        cell(6, "gdp_per_capita", '"52000'),
        ["row 6: a quote opened on this row is never closed, so rows 6-"]),
    "a row with a cell missing": (lambda lines: [*lines[:5], "110000,2015,1,1", *lines[5:]],
                                  ["row 6: 4 cells where the header has 5"]),
    "a title row above the header": (lambda lines: ["城市协变量", *lines],
                                     ["the header seems to be row 2: delete the rows above it"]),
    # the stage networks' cities: named with the stage, after ingest, before metrics
    "a city of the networks not in the file": (
        without("330600,"),
        ["绍兴市 Shaoxing (330600) in 2011-2014, 2015-2017: not in the file",
         "run without the ERGM step (--no-ergm, or [ergm] enabled = false)"]),
    "a city with rows only for other years": (
        also(without("321100,"), lambda lines: [*lines, "321100,2010,1,1,1"]),
        [("镇江市 Zhenjiang (321100) in 2011-2014: no row for 2011-2014 (its rows are for "
         "2010)")]),
    "a city whose GDP is blank in every year of a stage": (
        also(*(cell(row, "gdp_per_capita", "") for row in range(2, 6))),  # Beijing 2011-14
        [("北京市 Beijing (110000) in 2011-2014: gdp_per_capita blank in every year of "
         "2011-2014")]),
    "a negative GDP under the log transform": (
        for_city(330600, "gdp_per_capita", "-5"),
        ["the log transform needs positive stage means",
         "绍兴市 Shaoxing (330600) in 2011-2014: gdp_per_capita mean -5",
         "set log = false in the config's [covariates] section"]),
    "zero S&T spending in every year of a city": (
        for_city(131000, "st_spending", "0"),
        ["廊坊市 Langfang (131000) in 2011-2014: st_spending mean 0"]),
}

# name -> (text added to the config, words the message must hold)
CONFIG_CASES: dict[str, tuple[str, list[str]]] = {
    "[covariates] log as a string": ('[covariates]\nlog = "no"\n',
                                     ["key 'covariates.log' must be true or false"]),
    "[covariates] standardise as 0": ("[covariates]\nstandardise = 0\n",
                                      ["key 'covariates.standardise' must be true or false"]),
    "a misspelt [covariates] key": ("[covariates]\nstandardize = false\n",
                                    [("unknown key 'covariates.standardize' (did you mean "
                                     "'covariates.standardise'?)")]),
    "[covariates] log as 1": ("[covariates]\nlog = 1\n",
                              ["key 'covariates.log' must be true or false, got integer 1"]),
}

# name -> (edit, words the stage notes must hold): read, and said
REPORT_CASES: dict[str, tuple[Callable[[Lines], Lines], list[str]]] = {
    "a blank cell": (cell(3, "gdp_per_capita", ""),
                     [("2011-2014: 1 of the stage's 16 cities lacks values for some of its 4 "
                      "years"), ("北京市 Beijing (110000): gdp_per_capita without 2012 (blank, "
                      "row 3)")]),
    "NA and a dash for missing values": (
        also(cell(3, "gdp_per_capita", "NA"), cell(9, "st_spending", "-")),
        ["北京市 Beijing (110000): gdp_per_capita without 2012 (blank, row 3)",
         "天津市 Tianjin (120000): st_spending without 2011 (blank, row 9)"]),
    "a year missing for a city": (without("120000,2016,"),
                                  ["2015-2017: 1 of the stage's 16 cities lacks values",
                                   ("天津市 Tianjin (120000): every covariate without 2016 "
                                   "(no row)")]),
    "two years missing in two stages": (
        also(without("110000,2011,"), without("110000,2017,")),
        ["2011-2014", "北京市 Beijing (110000): every covariate without 2011 (no row)",
         "2015-2017", "every covariate without 2017 (no row)"]),
    "a zero in one year of a positive mean": (
        cell(2, "st_spending", "0"),
        [("北京市 Beijing (110000) has st_spending of zero or below in 2011-2014 (2011: 0, "
         "row 2); its stage mean"), "is positive and was logged"]),
}


def make_project(folder: Path, edit: Callable[[Lines], Lines] | None = None,
                 config_extra: str = "") -> Path:
    """The project with the ERGM step on (the study model, in this process, no goodness of
    fit), its covariates file edited by ``edit``; returns the config."""
    config = _write_project(folder, ergm=True, figures=False)
    text = config.read_text(encoding="utf-8").replace("gof_nsim = 10", "gof_nsim = 0\nworkers = 0")
    config.write_text(text + config_extra, encoding="utf-8")
    if edit is not None:
        path = folder / "covariates.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return config


def run_case(name: str, folder: Path) -> tuple[int, str]:
    """Run ``pyreslib run`` on the project of case ``name`` (of CASES or CONFIG_CASES) in
    ``folder``; (exit code, stderr)."""
    import os

    from pyreslib.cli import main

    if name in CASES:
        config = make_project(folder, CASES[name][0])
    else:
        config = make_project(folder, config_extra=CONFIG_CASES[name][0])
    err = io.StringIO()
    here = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", config.name, "--out", "out", "--quiet"])
    finally:
        os.chdir(here)
    return code, err.getvalue()


def report_case(name: str, folder: Path) -> str:
    """The notes the ERGM step of case ``name`` (of REPORT_CASES) starts with: the covariates
    read and checked against the stage networks as a run does, without fitting."""
    from pyreslib.analysis import _ingest
    from pyreslib.config import load_config
    from pyreslib.stagemodels.covariates import covariate_coverage, read_covariates

    cfg = load_config(make_project(folder, REPORT_CASES[name][0]))
    coverage = covariate_coverage(read_covariates(cfg.input.covariates), _ingest(cfg).networks,
                                  log=cfg.covariates.log, for_config=True)
    return " ".join(coverage.notes)


@pytest.mark.parametrize("case", sorted(CASES) + sorted(CONFIG_CASES))
def test_a_bad_covariates_file_exits_2_naming_the_row_or_city(case, tmp_path):
    words = CASES[case][1] if case in CASES else CONFIG_CASES[case][1]
    code, err = run_case(case, tmp_path)
    flat = " ".join(err.split())
    assert code == 2, err
    for word in words:
        assert word in flat, err
    assert "Traceback" not in err and len(err) < 2000
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", sorted(CASES)[:3])
def test_the_users_files_are_left_as_they_were(case, tmp_path):
    make_project(tmp_path, CASES[case][0])
    before = tree_hashes(tmp_path)
    run_case(case, tmp_path)  # writes the same project again, byte for byte, then fails
    assert tree_hashes(tmp_path) == before


@pytest.mark.parametrize("case", sorted(REPORT_CASES))
def test_gaps_are_read_and_said_per_city_and_stage_with_the_rule(case, tmp_path):
    from pyreslib.stagemodels.coverage import RULE

    said = report_case(case, tmp_path)
    for word in REPORT_CASES[case][1]:
        assert word in said, said
    if "zero" not in case:
        assert RULE in said
