"""Quotes that do not close: the CSV fault that loses rows without a word.

A cell that opens a quote (``"北京某公司;…``) and does not close it where the cell ends makes
every CSV reader read on, across line ends, up to the next quote in the file: the lines in
between become part of that one cell and the records on them vanish.  When the next quote is
another stray one the row count still adds up, so nothing fails.

A cell holding such lines is recognised by what it holds: a line break, and after it a line
that reads as a record of the file -- split at the separator, it has an id in the id column
(one word, at most 40 characters) and a readable date in the date column (when the columns are
not known: as many fields as the header).  A cell of several lines typed in Excel (applicants
one per line) has no such line.  :func:`pyreslib.records.read_records` refuses a file with such
a cell, naming its row, or with ``lenient_quotes=True`` keeps the lines joined and counts them.

Examples
--------
>>> from pyreslib.quotes import swallowed
>>> swallowed("北京某公司;乙,北京;上海\\nCN3,2013,丙;丁,南京;天津\\nCN4,2013,丙", ",", 4, 0, 1)
['CN3,2013,丙;丁,南京;天津', 'CN4,2013,丙']
>>> swallowed("甲公司\\n乙公司", ",", 4, 0, 1)
[]
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from typing import Literal

import pandas as pd

from pyreslib.cells import parse_year
from pyreslib.errors import InputError, excerpt
from pyreslib.sources import (
    FileFormat,
    Source,
    _csv_fields_unbounded,
    _csv_records,
    _separator_name,
)
from pyreslib.stages import VALID_YEARS

__all__ = ["check_chunk", "parser_error", "swallowed"]

Positions = Callable[[list[str]], tuple[int | None, int | None]]


def _record_like(line: str, separator: str, width: int, id_at: int | None, date_at: int | None):
    """Whether a line inside a cell reads as a record of the file: an id and a readable date in
    their columns (or, when those are not known, as many fields as the header)."""
    if separator not in line:
        return False
    if '"' in line:  # quoted fields: split as the reader would
        with _csv_fields_unbounded():
            fields = next(csv.reader([line], delimiter=separator), [])
    else:
        fields = line.split(separator)
    if id_at is None or date_at is None:
        return width >= 3 and len(fields) >= width
    if len(fields) <= max(id_at, date_at):
        return False
    patent_id, date = fields[id_at].strip(), fields[date_at].strip()
    return (
        date[:1].isdigit()  # (full-width digits too) a cheap test before parsing the date
        and 0 < len(patent_id) <= 40
        and len(patent_id.split()) == 1
        and parse_year(date, VALID_YEARS)[0] > 0
    )


def swallowed(
    cell: str, separator: str, width: int, id_at: int | None, date_at: int | None
) -> list[str]:
    """The lines after the first of a cell that read as records of the file.

    Parameters
    ----------
    cell : str
        A cell as the CSV reader returned it.
    separator : str
        The file's field separator.
    width : int
        The number of fields of the header.
    id_at, date_at : int or None
        The 0-based columns of the patent id and the date, when known.

    Returns
    -------
    list of str
        Those lines, in order: empty for an ordinary cell, one line or more for a cell whose
        quote did not close where it should have.

    Examples
    --------
    >>> swallowed("甲公司\\nCN5,2012-01-01,乙,北京", ",", 4, 0, 1)
    ['CN5,2012-01-01,乙,北京']
    """
    lines = cell.splitlines()[1:]
    return [line for line in lines if _record_like(line, separator, width, id_at, date_at)]


def _broken_quote(
    source: Source, fmt: FileFormat, header_row: int, row: int, column: str, cell: str,
    joined: Sequence[str], *, end: Literal["cell", "ragged", "file"] = "cell",
) -> InputError:
    """The error for row ``row``'s ``cell`` in ``column``, whose quote does not close.

    ``end`` is where the reader stopped: at a later quote, the row then reading right
    (``"cell"``: a lenient read can go on) or with the wrong number of fields (``"ragged"``),
    or at the end of the file (``"file"``).  The physical line of the row is found by reading
    the file again.
    """
    line = next((start for r, start, _ in _csv_records(source, fmt, header_row, "replace")
                 if r == row), None)
    where = f"row {row:,}" + (f" (line {line:,})" if line else "")
    taken = len(cell.splitlines()) - 1
    records = (
        f"{len(joined):,} of them records of their own (e.g. {excerpt(joined[0], 60)})"
        if joined else "none of them a record of its own"
    )
    if end == "file":
        return InputError(
            f"{source.path}: {where} opens a quote in column {column!r} that never closes: the "
            f"file ends inside it, {taken:,} line(s) later, {records}. The file is truncated "
            "(export or copy it again) or the quote is stray: remove it, or close it where the "
            "cell ends (a lenient read cannot help: nothing after the quote ends it)."
        )
    opening = (
        f"{source.path}: {where} opens a quote in column {column!r} that does not close where "
        f"the cell ends, so the next {taken:,} line(s) were read into that cell, {records}. "
        "Remove the stray quote (\") or close it where the cell ends"
    )
    if end == "ragged":
        return InputError(
            opening + "; the row it makes has the wrong number of fields, so the file cannot "
            "be read on past it."
        )
    return InputError(
        opening + "; or read on with lenient_quotes=True (command line --lenient-quotes), "
        f"which keeps the lines joined into row {row:,} and counts them."
    )


def parser_error(
    source: Source, fmt: FileFormat, header_row: int, message: str, positions: Positions
) -> InputError:
    """The error for a CSV that the reader cannot split into rows.

    The file is read again record by record: a cell whose quote does not close and that holds
    lines reading as records is named by row, line and column (the quote runs to the end of
    the file, or its joined lines leave a row with the wrong number of fields); otherwise the
    reader's own ``message`` is passed on with what usually causes it.

    Parameters
    ----------
    source : Source
        The file (a pipe's copy in memory).
    fmt : FileFormat
        How it is read.
    header_row : int
        The row of the header.
    message : str
        pandas' ParserError message.
    positions : callable
        The 0-based id and date columns of a header (None where it has none).

    Returns
    -------
    InputError

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from pyreslib.sources import detect_format
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = path.write_text('id,date,x\\n1,2012,"a\\n2,2012,b\\n', encoding="utf-8")
    >>> fmt = detect_format(path)
    >>> print(parser_error(fmt.source, fmt, 1, "EOF inside string", lambda h: (0, 1)))
    /...p.csv: row 2 (line 2) opens a quote in column 'x' that never closes: the file ends ...
    """
    separator = fmt.separator or ","
    records = _csv_records(source, fmt, header_row, "replace")
    header = next(records, (0, 0, []))[2]
    id_at, date_at = positions(header)
    at_end = "EOF inside string" in message
    last = None
    for row, _, record in records:
        for k, cell in enumerate(record):
            if "\n" in cell or "\r" in cell:
                joined = swallowed(cell, separator, len(header), id_at, date_at)
                if joined:
                    column = header[k] if k < len(header) else f"field {k + 1}"
                    return _broken_quote(source, fmt, header_row, row, column, cell, joined,
                                        end="file" if at_end else "ragged")
        last = (row, record)
    if at_end and last is not None:
        row, record = last
        column = header[len(record) - 1] if len(record) <= len(header) else f"field {len(record)}"
        return _broken_quote(source, fmt, header_row, row, column, record[-1], [], end="file")
    return InputError(
        f"{source.path}: not a consistent {_separator_name(fmt.separator)}-separated table "
        f"({message.strip()}). A cell that contains the separator must be quoted; a truncated "
        "file ends mid-row."
    )



def check_chunk(
    chunk: pd.DataFrame,
    fmt: FileFormat,
    header_row: int,
    first_row: int,
    id_at: int | None,
    date_at: int | None,
    *,
    lenient: bool = False,
) -> list[dict]:
    """The cells of a CSV chunk whose quote did not close, or the error for the first.

    One join per column decides whether any of its cells has a line break, so a file without
    multi-line cells costs a few C-speed scans and no work per row.

    Parameters
    ----------
    chunk : pandas.DataFrame
        Rows as read (all columns, original headers), the first being row ``first_row``.
    fmt : FileFormat
        The file's format (its ``source`` is read again for the line of a fault).
    header_row, first_row : int
        The header's row and the chunk's first row.
    id_at, date_at : int or None
        The id and date columns (0-based), when known.
    lenient : bool
        Return the cells instead of raising for the first.

    Returns
    -------
    list of dict
        ``row``, ``patent_id``, ``column`` and ``lines`` (lines joined into the cell) of each
        such cell, in row order; empty when there are none.

    Raises
    ------
    InputError
        Unless ``lenient``, for the first such cell naming its row and the lines it took.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.sources import FileFormat
    >>> chunk = pd.DataFrame({"id": ["CN2", "CN3"], "date": ["2012", "2013"],
    ...                       "x": ["a\\nCN4,2013,b\\nCN5,2013,", "c"]})
    >>> check_chunk(chunk, FileFormat("csv", "utf-8", ","), 1, 2, 0, 1, lenient=True)
    [{'row': 2, 'patent_id': 'CN2', 'column': 'x', 'lines': 2}]
    """
    separator = fmt.separator or ","
    headers = [str(h) for h in chunk.columns]
    found = []
    for k, header in enumerate(headers):
        values = chunk.iloc[:, k].to_numpy(dtype=object)
        text = "".join(values)
        if ("\n" not in text and "\r" not in text) or separator not in text:
            continue
        for i in [i for i, v in enumerate(values) if ("\n" in v or "\r" in v) and separator in v]:
            joined = swallowed(values[i], separator, len(headers), id_at, date_at)
            if joined:
                found.append((i, header, values[i], joined))
    if not found:
        return []
    found.sort(key=lambda f: f[0])
    if not lenient:
        i, header, cell, joined = found[0]
        raise _broken_quote(fmt.source, fmt, header_row, first_row + i,
                           header, cell, joined)
    ids = chunk.iloc[:, id_at].to_numpy(dtype=object) if id_at is not None else None
    return [
        {"row": first_row + i, "patent_id": "" if ids is None else str(ids[i]),
         "column": header, "lines": len(cell.splitlines()) - 1}
        for i, header, cell, _ in found
    ]
