"""The stage models' node covariates: the covariates file read and checked, its coverage of the
stage networks, and each stage's values.

The covariates file is a long table, one row per city and year, with the columns
:data:`pyreslib.study.COVARIATE_COLUMNS`.  A city's node covariate in a stage is the mean of
its values over the stage's years that the file gives,

    xbar_ic = (1 / |Y_ic|) * sum_{y in Y_ic} x_icy,   Y_ic = {y in the stage : x_icy given},

then, by default, log-transformed and z-scored across the stage's cities,
z_ic = (ln xbar_ic - mean_i ln xbar_ic) / sd_i ln xbar_ic (population standard deviation).
A blank cell or a missing year is left out of the mean, never filled; which cells each mean
rests on is reported (:class:`pyreslib.stagemodels.coverage.CovariateCoverage`).

Three steps, each fast enough to run before any other work of a run
(:func:`pyreslib.analysis.run` reads the file before ingest and checks its coverage right
after it):

- :func:`read_covariates`: every cell of the file checked.  A blank or non-integer adcode or
  year, a (adcode, year) given twice, a value that is not a finite number, a cell running over
  several lines (an unclosed quote) are errors naming the file and the row (the header is
  row 1).  A blank value (or ``NA``, ``NaN``, ``null``, ``-``, ...: :data:`MISSING_MARKERS`)
  is a missing value, kept as NaN.
- :func:`covariate_coverage`: the file against the stage networks.  A city of a network
  without a value for a stage, or a stage mean the log transform cannot take (zero or
  negative), is an error naming the city (name and adcode) and the stage; the years missing
  are reported per city and stage.
- :func:`stage_node_covariates`: the values of one stage, as the ERGM takes them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib import study
from pyreslib.errors import InputError, excerpt
from pyreslib.stagemodels.coverage import (
    MESSAGE_LIMIT,
    VALUE_COLUMNS,
    CovariateCoverage,
    assess,
)
from pyreslib.stages import VALID_YEARS, parse_stages

__all__ = ["MISSING_MARKERS", "NODE_COVARIATES", "check_covariates", "covariate_coverage",
           "read_covariates", "stage_node_covariates"]

NODE_COVARIATES = {c.name: c.column for c in study.COVARIATES}
"""Formula name -> column of the covariates file (:data:`pyreslib.study.COVARIATES`)."""

MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "--", "—",
                             "..."})
"""What a value cell may hold to say "no value" (compared without case, after full-width forms
are folded: ``…`` is ``...``): a blank cell, R's and pandas' markers, and the dashes and dots
of statistical yearbooks."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INFINITE = re.compile(r"[+-]?(?:inf|infinity)", re.IGNORECASE)
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_ADCODES = (100000, 999999)


# ----------------------------------------------------------------------------------------------
# the file
# ----------------------------------------------------------------------------------------------


def read_covariates(path: str | Path) -> pd.DataFrame:
    """The covariates file, every cell checked: one row per city and year.

    Parameters
    ----------
    path : str or Path
        A CSV (comma, semicolon or tab separated; UTF-8 with or without BOM, GB18030 or
        UTF-16) with the columns :data:`pyreslib.study.COVARIATE_COLUMNS`; other columns are
        ignored.

    Returns
    -------
    pandas.DataFrame
        ``adcode`` and ``year`` (int64) and the value columns (float64, NaN where the file
        gives no value), indexed by the file's row number (``row``; the header is row 1), with
        ``attrs["source"]`` the path.

    Raises
    ------
    InputError
        Naming the file and every row at fault (up to :data:`MESSAGE_LIMIT`): a missing
        column; a row with too few or too many cells; a cell running over several lines; a
        blank, non-integer or out-of-range adcode (six digits) or year
        (:data:`pyreslib.stages.VALID_YEARS`); a city and year given twice (rows are never
        averaged); a value that is not a number, or not a finite one (``inf``, ``1e999``).

    Notes
    -----
    A value cell that is blank or holds one of :data:`MISSING_MARKERS` is a missing value,
    not an error: :func:`covariate_coverage` reports which stage means it leaves with fewer
    years.  Cells are read after full-width forms are folded (``１０７３３０`` is 107330).
    A row whose cells are all blank is skipped.

    References
    ----------
    RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files" (quoting);
    docs/method.md, section 6 (the covariates and pyreslib's choices for them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "cov.csv").write_text(
    ...     "adcode,year,gdp_per_capita,education_spending,st_spending\\n"
    ...     "110000,2011,107330,40856.1,14867.7\\n"
    ...     "110000,2012,,41000,NA\\n", encoding="utf-8")
    >>> read_covariates(folder / "cov.csv")  # doctest: +NORMALIZE_WHITESPACE
         adcode  year  gdp_per_capita  education_spending  st_spending
    row
    2    110000  2011        107330.0             40856.1      14867.7
    3    110000  2012             NaN             41000.0          NaN
    >>> _ = (folder / "bad.csv").write_text(
    ...     "adcode,year,gdp_per_capita,education_spending,st_spending\\n"
    ...     "110000,2015.5,1,2,3\\n", encoding="utf-8")
    >>> try:
    ...     read_covariates(folder / "bad.csv")
    ... except InputError as exc:
    ...     print(str(exc).replace(str(folder), "<folder>"))
    covariates file <folder>/bad.csv, row 2: year '2015.5' is not a whole year; fix that row (the header is row 1).
    """
    path = Path(path)
    records = _records(_text_of(path), path)
    header = records[0][1] if records else []
    columns = _column_positions(header, records, path)
    problems: list[tuple[int, str]] = []
    width = len(header)
    rows: list[int] = []
    cells: list[list[str]] = []
    for line, record in records[1:]:
        if not any(c.strip() for c in record):
            continue  # a row of empty cells (a spreadsheet's blank row) holds nothing
        if len(record) < width:
            problems.append((line, (f"{len(record)} cells where the header has {width} (a "
                                    "cell or a separator is missing)")))
            continue
        if any(c.strip() for c in record[width:]):
            problems.append((line, f"{len(record)} cells where the header has {width}"))
            continue
        rows.append(line)
        cells.append([record[columns[c]] for c in study.COVARIATE_COLUMNS])
    frame = pd.DataFrame(index=pd.Index(rows, name="row", dtype="int64"))
    for i, column in enumerate(study.COVARIATE_COLUMNS):
        parse = _parse_keys if column in study.COVARIATE_KEYS else _parse_values
        frame[column], found = parse([c[i] for c in cells], rows, column)
        problems += found
    keys_ok = frame["adcode"].notna() & frame["year"].notna()
    problems += _duplicates(frame[keys_ok], "row")
    if problems:
        raise InputError(_problem_message(f"covariates file {path}", problems))
    frame = frame.astype({"adcode": "int64", "year": "int64"})
    frame.attrs["source"] = str(path)
    return frame


def _text_of(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"covariates file {path}: cannot read it ({exc.strerror or exc}).") \
            from None
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(f"covariates file {path}: an Excel workbook, not a CSV; save the sheet "
                         "as CSV (UTF-8) and name that file in [input] covariates.")
    encodings = ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else (
        "utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"covariates file {path}: neither UTF-8 nor GB18030 text; save it as "
                         "CSV (UTF-8).")
    if "\x00" in text:
        raise InputError(f"covariates file {path}: holds NUL bytes, so it is not a text file; "
                         "save the table as CSV (UTF-8).")
    return text


def _records(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every record; a record over several lines is an error (a
    covariates file holds one number per cell, so it is an unclosed quote)."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = next((d for d in (",", ";", "\t") if set(study.COVARIATE_KEYS)
                      <= {c.strip().strip('"') for c in first.split(d)}), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if end > start and any("\n" in c or "\r" in c for c in cells):
                raise InputError(
                    f"covariates file {path}, row {start}: a cell runs over rows {start}-{end}, "
                    "which a quote opened and not closed does; close the quote (or remove "
                    "it) on that row.")
            if cells:
                records.append((start, cells))
            start = end + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(
                f"covariates file {path}, row {start}: a quote opened on this row is never "
                f"closed, so rows {start}-{reader.line_num} would be one cell; close the quote "
                "(or remove it) on that row.") from None
        raise InputError(f"covariates file {path}, row {start}: not valid CSV ({exc}); check "
                         "the quotes on that row.") from None
    return records


def _column_positions(header: list[str], records, path: Path) -> dict[str, int]:
    names = [h.strip().lstrip("\ufeff") for h in header]
    columns = study.COVARIATE_COLUMNS
    twice = sorted({n for n in names if n in columns and names.count(n) > 1})
    if twice:
        raise InputError(f"covariates file {path}: column(s) {twice} appear more than once in "
                         "the header; keep one of each.")
    missing = [c for c in columns if c not in names]
    if missing:
        later = next((line for line, cells in records[1:6]
                      if set(columns) <= {c.strip() for c in cells}), None)
        hint = (f"; the header seems to be row {later}: delete the rows above it" if later
                else "")
        found = excerpt(", ".join(names)) if names else "nothing"
        raise InputError(
            f"covariates file {path}: missing column(s) {missing}; expected "
            f"{list(columns)} (one row per city and year), found {found} in row 1{hint}.")
    return {c: names.index(c) for c in columns}


def _cleaned(cell: str) -> str:
    """A cell without surrounding spaces, full-width forms folded (NFKC) when it has any."""
    cell = cell.strip()
    return cell if cell.isascii() else unicodedata.normalize("NFKC", cell).strip()


def _value(cell: str, match=_NUMBER.fullmatch) -> float:
    """The number a cell writes (after :func:`_cleaned`), NaN when it writes none."""
    cell = _cleaned(cell)
    return float(cell) if match(cell) else np.nan


def _numbers(cells: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(written as a number, its value or NaN) of each cell, in one pass of plain Python
    (faster here than pandas' string methods)."""
    values = np.fromiter(map(_value, cells), dtype=float, count=len(cells))
    return ~np.isnan(values), values


def _parse_keys(texts: list[str], rows: list[int],
                column: str) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """An identifying column: every cell an integer in its range."""
    number, values = _numbers(texts)
    with np.errstate(invalid="ignore"):
        whole = number & np.isfinite(values) & (values == np.round(values))
    low, high = _ADCODES if column == "adcode" else VALID_YEARS
    inside = whole & (values >= low) & (values <= high)
    what = ("the city's adcode (six digits, such as 110000 for Beijing)" if column == "adcode"
            else "the calendar year")
    problems = []
    for i in np.flatnonzero(~inside):
        row, cell = rows[i], _cleaned(texts[i])
        if cell.casefold() in MISSING_MARKERS:
            problems.append((row, f"{column} is blank; every row needs {what}"))
        elif not number[i]:
            problems.append((row, f"{column} {excerpt(cell, 30)} is not a number; write {what}"))
        elif not whole[i]:
            noun = "number" if column == "adcode" else "year"
            problems.append((row, f"{column} {excerpt(cell, 30)} is not a whole {noun}"))
        elif column == "adcode":
            problems.append((row, (f"adcode {excerpt(cell, 30)} is not an adcode of six "
                                   "digits, such as 110000 for Beijing")))
        else:
            problems.append((row, f"year {excerpt(cell, 30)} is outside {low}-{high}"))
    return np.where(inside, values, np.nan), problems


def _parse_values(texts: list[str], rows: list[int],
                  column: str) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """A value column: a finite number, or a missing-value marker (NaN)."""
    number, values = _numbers(texts)
    finite = number & np.isfinite(values)
    problems = []
    for i in np.flatnonzero(~finite):
        row, cell = rows[i], _cleaned(texts[i])
        if cell.casefold() in MISSING_MARKERS:
            continue
        shown = excerpt(cell, 30)
        if number[i] or _INFINITE.fullmatch(cell):
            problems.append((row, f"{column} holds {shown}, not a finite number"))
        elif _THOUSANDS.fullmatch(cell):
            problems.append((row, (f"{column} holds {shown}: write numbers without "
                                   f"thousands separators ({cell.replace(',', '')})")))
        else:
            problems.append((row, f"{column} holds {shown}, not a number"))
    return np.where(finite, values, np.nan), problems


def _duplicates(frame: pd.DataFrame, row_word: str) -> list[tuple[int, str]]:
    """Each (adcode, year) given again, named at its later row with the first one."""
    keys = ["adcode", "year"]
    repeated = frame.duplicated(keys, keep=False)
    problems = []
    for (adcode, year), group in frame[repeated].groupby(keys, sort=False):
        first = group.index[0]
        values = group[list(VALUE_COLUMNS)]
        same = bool((values.iloc[1:].to_numpy() == values.iloc[0].to_numpy()).all()
                    or values.isna().all().all())
        for later in group.index[1:]:
            problems.append((later, (
                f"adcode {int(adcode)}, year {int(year)} again (first in {row_word} {first}"
                f"{', with the same values' if same else ''}); give each city and year one "
                "row: pyreslib does not average them")))
    return problems


def _problem_message(where: str, problems: list[tuple], word: str = "row") -> str:
    """One message for every problem found: ``word`` is "row" (the file's rows; the header is
    row 1) or "index" (a table's index labels)."""
    problems = sorted(problems, key=lambda p: (str(type(p[0])), p[0]))
    tail = " (the header is row 1)" if word == "row" else ""

    def name(label) -> str:
        return f"{word} {label}" if word == "row" else f"{word} {label!r}"

    if len(problems) == 1:
        label, text = problems[0]
        return f"{where}, {name(label)}: {text}; fix that row{tail}."
    shown = "; ".join(f"{name(label)}: {text}" for label, text in problems[:MESSAGE_LIMIT])
    more = (f"; and {len(problems) - MESSAGE_LIMIT} more" if len(problems) > MESSAGE_LIMIT
            else "")
    return f"{where}: {len(problems)} problems: {shown}{more}. Fix those rows{tail}."


# ----------------------------------------------------------------------------------------------
# a table given from Python
# ----------------------------------------------------------------------------------------------


def check_covariates(covariates: pd.DataFrame) -> pd.DataFrame:
    """``covariates`` checked as :func:`read_covariates` checks a file, for a table built in
    Python: the columns, integer adcodes and years, one row per city and year, finite values.

    Parameters
    ----------
    covariates : pandas.DataFrame
        With the columns :data:`pyreslib.study.COVARIATE_COLUMNS` (NaN: no value).

    Returns
    -------
    pandas.DataFrame
        The table with int64 ``adcode`` and ``year`` and float64 values (a new object).

    Raises
    ------
    InputError
        Naming each bad row by its index label (the file's row for a table from
        :func:`read_covariates`).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"adcode": [110000, 110000], "year": [2011, 2011],
    ...                       "gdp_per_capita": [1.0, 2.0], "education_spending": [1.0, 1.0],
    ...                       "st_spending": [1.0, 1.0]})
    >>> try:
    ...     check_covariates(table)
    ... except InputError as exc:
    ...     print(exc)
    covariates, index 1: adcode 110000, year 2011 again (first in index 0); give each city and year one row: pyreslib does not average them; fix that row.
    """
    source = covariates.attrs.get("source")
    where = f"covariates file {source}" if source else "covariates"
    from_file = covariates.index.name == "row"
    word = "row" if from_file else "index"
    missing = [c for c in study.COVARIATE_COLUMNS if c not in covariates.columns]
    if missing:
        raise InputError(f"{where}: missing column(s) {missing}; expected "
                         f"{list(study.COVARIATE_COLUMNS)} (one row per city and year).")
    table = covariates[list(study.COVARIATE_COLUMNS)].copy()
    problems: list[tuple] = []
    for column in study.COVARIATE_COLUMNS:
        given = table[column]
        values = pd.to_numeric(given, errors="coerce").astype(float)
        if column in study.COVARIATE_KEYS:
            bad = ~(np.isfinite(values) & (values == np.round(values)))
            what = "not an integer"
        else:
            bad = (values.isna() & given.notna()) | np.isinf(values)
            what = "not a finite number"
        problems += [(row, f"{column} {_shown(given[row])} is {what}")
                     for row in table.index[bad.to_numpy()]]
        table[column] = values
    if not problems:
        problems = _duplicates(table, word)
    if problems:
        raise InputError(_problem_message(where, problems, word))
    table.attrs = dict(covariates.attrs)
    return table.astype({"adcode": "int64", "year": "int64"})


def _shown(value: object) -> str:
    """A cell of a table for a message: a string as an excerpt, a number as Python writes it."""
    if isinstance(value, np.generic):
        value = value.item()
    return excerpt(value, 30) if isinstance(value, str) else repr(value)


def covariate_coverage(covariates: pd.DataFrame, networks: Mapping[str, nx.Graph], *,
                       log: bool = True, standardise: bool = True,
                       for_config: bool = False) -> CovariateCoverage:
    """Check that ``covariates`` give every city of every stage network its node covariates,
    and report which years each stage mean rests on.

    Parameters
    ----------
    covariates : pandas.DataFrame
        The covariates table (:func:`read_covariates`, or one built in Python:
        :func:`check_covariates` checks it).
    networks : mapping of str to networkx.Graph
        Stage label (``"2011-2014"``) -> stage network, adcode nodes.
    log, standardise : bool
        The transform the ERGMs will use (:func:`stage_node_covariates`).
    for_config : bool
        Word the advice for a run's config (``[covariates] log = false``, ``--no-ergm``)
        instead of for Python arguments (``log=False``).

    Returns
    -------
    CovariateCoverage
        The missing values, tidy, and notes saying which means use fewer years.

    Raises
    ------
    InputError
        Naming every city (name and adcode) and stage that has no value for some covariate
        (not in the file, no row in the stage's years, or every cell blank), and, under
        ``log``, every stage mean that is zero or negative, with what to do.

    Notes
    -----
    A city's value in a stage is :data:`pyreslib.stagemodels.coverage.RULE`: with years
    missing the mean rests on the years present, which the notes say per city and stage.  Under ``log`` a year's value of zero or
    below is allowed when the stage mean is positive (the log is taken of the mean), and
    noted.

    References
    ----------
    docs/method.md, section 6: the reference study states neither units, logs nor averaging
    of its covariates; these are pyreslib's choices.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> table = pd.DataFrame({"adcode": [110000, 110000, 120000], "year": [2011, 2012, 2011],
    ...                       "gdp_per_capita": [5.0, 7.0, 3.0],
    ...                       "education_spending": [1.0, 2.0, 3.0],
    ...                       "st_spending": [1.0, 2.0, 3.0]})
    >>> coverage = covariate_coverage(table, {"2011-2012": nx.Graph([(110000, 120000)])})
    >>> coverage.gaps()[["stage", "adcode", "covariate", "years_used", "missing"]]
           stage  adcode           covariate  years_used        missing
    0  2011-2012  120000      gdp_per_capita           1  2012 (no row)
    1  2011-2012  120000  education_spending           1  2012 (no row)
    2  2011-2012  120000         st_spending           1  2012 (no row)
    >>> print(coverage.notes[0])
    covariates, 2011-2012: 1 of the stage's 2 cities lacks values for some of its 2 years, and a city's covariate in a stage is the mean of its values in the stage's years that the file gives (a blank cell or a missing year is left out of the mean, not filled): 天津市 Tianjin (120000): every covariate without 2012 (no row).
    >>> try:
    ...     covariate_coverage(table, {"2013-2014": nx.Graph([(110000, 120000)])})
    ... except InputError as exc:
    ...     print(exc)
    covariates: 2 cities of the stage networks have no covariate values for a stage, so their stage means cannot be taken: 北京市 Beijing (110000) in 2013-2014: no row for 2013-2014 (its rows are for 2011-2012); 天津市 Tianjin (120000) in 2013-2014: no row for 2013-2014 (its rows are for 2011). Add the rows missing (one per city and year), or leave those cities out of the networks.
    """
    table = check_covariates(covariates)
    stages = {label: _years_of(label) for label in networks}
    cities = {label: sorted(int(c) for c in graph.nodes) for label, graph in networks.items()}
    return assess(table, stages, cities, log=log, standardise=standardise,
                   for_config=for_config)


def stage_node_covariates(
    covariates: pd.DataFrame,
    adcodes: Sequence[int],
    years: tuple[int, int],
    *,
    log: bool = True,
    standardise: bool = True,
) -> pd.DataFrame:
    """Node covariates of one stage: mean over the stage's years, then log and z-score.

    Parameters
    ----------
    covariates : pandas.DataFrame
        The long table (:func:`read_covariates`), columns ``adcode, year, gdp_per_capita,
        education_spending, st_spending``.
    adcodes : sequence of int
        The stage's cities.
    years : (int, int)
        First and last year of the stage.
    log, standardise : bool
        Take the natural log of the stage means; then z-score each covariate across the
        stage's cities (population standard deviation; a covariate with standard deviation 0
        is centred only).

    Returns
    -------
    pandas.DataFrame
        Indexed by adcode (as str), columns ``economic, education, science``: formula names
        (:data:`NODE_COVARIATES`).

    Raises
    ------
    InputError
        A city without any value in the stage, or a stage mean of zero or below under
        ``log``: named with the stage (:func:`covariate_coverage`, whose rule this is).

    Notes
    -----
    With ``x̄_i`` the mean of city i over the stage's years present (NaN cells left out),
    ``z_i = (ln x̄_i - m) / s`` where ``m`` and ``s`` are the mean and the population standard
    deviation of ``ln x̄`` over the stage's cities.

    References
    ----------
    docs/method.md, section 6.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"adcode": [110000, 110000, 120000], "year": [2011, 2012, 2011],
    ...                       "gdp_per_capita": [5.0, 7.0, 3.0],
    ...                       "education_spending": [1.0, 2.0, 3.0],
    ...                       "st_spending": [1.0, 2.0, 3.0]})
    >>> stage_node_covariates(table, [110000, 120000], (2011, 2012), log=False,
    ...                       standardise=False)
            economic  education  science
    110000       6.0        1.5      1.5
    120000       3.0        3.0      3.0
    """
    table = check_covariates(covariates)
    start, end = years
    label = f"{start}-{end}"
    coverage = assess(table, {label: (start, end)}, {label: [int(a) for a in adcodes]},
                       log=log, standardise=standardise, for_config=False)
    frame = coverage.means[label].rename(columns={v: k for k, v in NODE_COVARIATES.items()})
    if log:
        frame = np.log(frame)
    if standardise:
        sd = frame.std(ddof=0).replace(0, 1.0)
        frame = (frame - frame.mean()) / sd
    frame.index = [str(a) for a in frame.index]
    return frame


def _years_of(label: str) -> tuple[int, int]:
    (stage,) = parse_stages([label])
    return stage.start, stage.end
