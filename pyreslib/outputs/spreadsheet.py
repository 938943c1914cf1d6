"""Tables written for spreadsheets, safe to open: no cell is evaluated as a formula.

A spreadsheet (Excel, LibreOffice, Google Sheets) evaluates a CSV cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide one, so an
applicant named ``=HYPERLINK("http://...")`` or ``=cmd|' /C calc'!A0`` in a patent export
would run when the file is opened ("CSV injection", OWASP).  Every CSV pyreslib writes goes
through :func:`csv_text`, which applies OWASP's rule to *text* cells:

- a text cell (a ``str`` in the body, the index or the header) that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a single quote ``'`` in front, which a
  spreadsheet shows as text and never evaluates;
- numbers are data, never formulas: cells of numeric columns (``-1.23``, a negative
  coefficient) and text cells that are a plain decimal number (``-5``, ``+1.5e3``) are left
  as they are;
- lines end with CRLF (RFC 4180), so that a cell holding a line break of any kind is quoted
  and cannot start a new row.

The raw values stay available without the quote: results.json holds every number and label
of the report's tables, and the lists of unresolved applicants and rejected rows are also
written as JSON (:func:`records_json`) next to their CSV.  pyreslib writes no XLSX; a future
XLSX writer must pass its frames through :func:`neutralise_formulas` as well.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "LINE_END", "csv_text", "neutralise_cell", "neutralise_formulas",
           "records_json", "write_records"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell (OWASP, "CSV Injection")."""

LINE_END = "\r\n"
"""The line end of every CSV pyreslib writes (RFC 4180)."""

_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would evaluate; any other
    value (numbers, text that is a plain number, other text) unchanged."""
    if (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
            and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def _holds_text(dtype) -> bool:
    types = pd.api.types
    return not (types.is_numeric_dtype(dtype) or types.is_bool_dtype(dtype)
                or types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype))


def _neutralise_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(neutralise_cell(v) for v in t) for t in index],
            names=[neutralise_cell(n) for n in index.names])
    if not _holds_text(index.dtype):
        return index.rename(neutralise_cell(index.name))
    return pd.Index([neutralise_cell(v) for v in index], name=neutralise_cell(index.name),
                    dtype=object)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (body, index, header) cannot be evaluated by a
    spreadsheet; numeric columns are untouched (see the module docstring for the rule)."""
    safe = frame.copy()
    for position, dtype in enumerate(frame.dtypes):
        if _holds_text(dtype):
            column = frame.iloc[:, position].astype(object)
            safe.isetitem(position, column.map(neutralise_cell))
    safe.index = _neutralise_index(frame.index)
    safe.columns = _neutralise_index(frame.columns)
    return safe


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """``frame`` as CSV text with formulas neutralised, full precision and RFC 4180's CRLF
    line ends: with them every cell holding a line break (``\\r`` included) is quoted, so a
    carriage return inside an applicant's name cannot start a new row whose first cell a
    spreadsheet would evaluate."""
    return neutralise_formulas(frame).to_csv(index=index, lineterminator=LINE_END)


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records_json(frame: pd.DataFrame) -> str:
    """``frame`` as a JSON array of row objects with the raw values (nothing neutralised;
    missing values as null), for the JSON twin of a CSV."""
    rows = [json.dumps({str(k): _plain(v) for k, v in row.items()}, ensure_ascii=False)
            for row in frame.to_dict(orient="records")]
    return "[\n" + ",\n".join(rows) + ("\n" if rows else "") + "]\n"


def write_records(frame: pd.DataFrame, folder: str | Path, stem: str, *,
                  encoding: str = "utf-8") -> list[Path]:
    """Write a list of records as ``stem.csv`` (formulas neutralised, for spreadsheets) and
    ``stem.json`` (the raw values); returns both paths."""
    from pyreslib.outputs.folder import write_file

    folder = Path(folder)
    return [write_file(folder / f"{stem}.csv", csv_text(frame), encoding=encoding),
            write_file(folder / f"{stem}.json", records_json(frame))]
