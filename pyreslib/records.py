"""Patent exports in: reading a CSV/TSV or Excel file into records with canonical columns.

:func:`read_records` reads a CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM,
GBK/GB18030, detected) or an Excel file (.xlsx, .xls) and renames the columns it recognises to
the canonical names ``patent_id``, ``date``, ``applicants``, ``addresses``, ``cities``
(:data:`DEFAULT_COLUMNS` lists the headers recognised without a mapping). Each record keeps its
spreadsheet row (header = row 1, or ``header_row``), so every later message can name the row
of a fault.

The reader streams in chunks (``_iter_records``); :func:`pyreslib.ingest.ingest_file` consumes
the chunks as they come, so a file is read once -- a pipe (``/dev/stdin``, ``<(...)``) is read
once into memory (:mod:`pyreslib.sources`).  Faults of the file itself are refused here with
the file, the row and what to do (docs/method.md, section 1):

- a binary or mislabelled file, an unknown or changing encoding, duplicated headers, missing
  columns;
- a header that is not on the first row (a title above it) or a table on another sheet: the
  message names the row or sheet where the headers are and the ``header_row`` or ``sheet`` to
  pass.  Excel's ``sep=;`` first line is read as the separator;
- a quote that does not close where its cell ends.  The CSV reader then reads every line up to
  the next quote into that one cell, and the records on those lines vanish.  A cell with a
  line break in which a later line reads as a record of the file (an id and a readable date in
  their columns) is such a cell: an error naming its row, unless ``lenient_quotes=True``, which
  keeps the lines joined and counts them;
- a first record with one field more than the header (pandas would silently take the ids for
  an index): read right when the extra field is empty (a separator ending every line),
  refused otherwise.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pyreslib import quotes
from pyreslib.errors import InputError, excerpt
from pyreslib.sources import (
    _SAMPLE_BYTES,
    FileFormat,
    Source,
    _BlankHeader,
    _csv_fields_unbounded,
    _csv_records,
    _decode_sample,
    _detect,
    _guess_separator,
    _mixed_encoding,
    detect_format,
    open_source,
)

__all__ = ["DEFAULT_COLUMNS", "REQUIRED_COLUMNS", "FileFormat", "detect_format", "read_records"]

# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "patent_id": (
        "patent_id",
        "id",
        "申请号",
        "公开(公告)号",
        "公开号",
        "公告号",
        "专利号",
        "application_number",
        "publication_number",
    ),
    "date": (
        "application_date",
        "date",
        "year",
        "申请日",
        "申请年",
        "申请日期",
        "application_year",
    ),
    "applicants": ("applicants", "applicant", "申请人", "申请(专利权)人", "专利权人", "assignees"),
    "addresses": ("addresses", "applicant_addresses", "申请人地址", "地址", "address"),
    "cities": ("cities", "city", "applicant_cities", "城市", "申请人城市"),
}
"""Headers recognised without a mapping, per canonical column, in order of preference.

Matching ignores case, surrounding spaces and full-width brackets (公开（公告）号 = 公开(公告)号).
``addresses`` and ``cities`` are alternatives: one of them is needed; when both are present the
``cities`` column is used and ``addresses`` kept for the reports.
"""

REQUIRED_COLUMNS = ("patent_id", "date", "applicants")



def _normalise_header(header: object) -> str:
    text = str(header).replace("\ufeff", "").strip().lower()
    return text.replace("（", "(").replace("）", ")").replace(" ", "_")


def _map_columns(
    headers: list[str], columns: Mapping[str, str] | None, source: str
) -> dict[str, str]:
    """Canonical name -> header in the file, from the user's mapping and the defaults."""
    columns = dict(columns or {})
    unknown = set(columns) - set(DEFAULT_COLUMNS)
    if unknown:
        raise InputError(
            f"columns: {sorted(unknown)} are not column roles; the roles are "
            f"{list(DEFAULT_COLUMNS)} (e.g. columns={{'applicants': '申请人'}})."
        )
    normalised: dict[str, list[str]] = {}
    for header in headers:
        normalised.setdefault(_normalise_header(header), []).append(header)
    mapping: dict[str, str] = {}
    for role, header in columns.items():
        if header not in headers:
            raise InputError(
                f"{source}: columns[{role!r}] = {header!r} is not a column of the file; its "
                f"columns are {headers}."
            )
        mapping[role] = header
    for role, aliases in DEFAULT_COLUMNS.items():
        if role in mapping:
            continue
        for alias in aliases:
            found = normalised.get(_normalise_header(alias))
            if found:
                mapping[role] = found[0]
                break
    for role, header in mapping.items():
        twins = [
            h
            for h in headers
            if h == header or re.fullmatch(re.escape(str(header)) + r"\.\d+", str(h))
        ]
        if len(normalised.get(_normalise_header(header), [])) > 1 or len(twins) > 1:
            raise InputError(
                f"{source}: the file has more than one column named {header!r}; rename the "
                f"copies or map the one to use with columns={{{role!r}: ...}}."
            )
    missing = [r for r in REQUIRED_COLUMNS if r not in mapping]
    if "addresses" not in mapping and "cities" not in mapping:
        missing.append("addresses (or cities)")
    if missing:
        hints = "; ".join(
            f"{r.split()[0]}: one of {list(DEFAULT_COLUMNS[r.split()[0]])}" for r in missing
        )
        raise InputError(
            f"{source}: required column(s) {missing} not found among the headers {headers}. "
            f"Headers recognised: {hints}. Map yours with columns={{'<role>': '<header>'}} "
            "(command line: --column <role>=<header>)."
        )
    return mapping


# ---------------------------------------------------------------------------------------------
# Finding the table: a title row above the header, the table on a later sheet
# ---------------------------------------------------------------------------------------------
_SCAN_ROWS = 30  # rows searched for a header when the expected row is not one


def _header_in(rows: list[list[str]], columns: Mapping[str, str] | None, skip: int) -> int:
    """The 1-based row of ``rows`` (not ``skip``) whose cells are the headers of a patent
    table, or 0."""
    for k, cells in enumerate(rows[:_SCAN_ROWS], start=1):
        if k == skip or len([c for c in cells if c.strip()]) < 3:
            continue
        try:
            _map_columns([str(c) for c in cells], columns, "")
        except InputError:
            continue
        return k
    return 0


def _row_text(cells: list[str]) -> str:
    shown = [str(c).strip() for c in cells if str(c).strip()]
    return f"reads {excerpt(', '.join(shown), 60)}" if shown else "is blank"


def _headers_text(cells: list[str], columns: Mapping[str, str] | None) -> str:
    mapping = _map_columns([str(c) for c in cells], columns, "")
    return ", ".join(mapping.values())


def _csv_table_hint(
    text: str, fmt: FileFormat, header_row: int, columns: Mapping[str, str] | None, where: str
) -> str | None:
    """What to pass when the CSV's header is not on ``header_row`` but on another early row."""
    lines = text.lstrip("\ufeff").splitlines()[fmt.skip_lines : fmt.skip_lines + _SCAN_ROWS]
    with _csv_fields_unbounded():
        rows = [next(csv.reader([line], delimiter=_guess_separator(line)), []) for line in lines]
    found = _header_in(rows, columns, header_row)
    if not found:
        return None
    here = rows[header_row - 1] if header_row <= len(rows) else []
    return (
        f"{where}: row {header_row} is not the table's header (it {_row_text(here)}); row "
        f"{found} has the headers ({_headers_text(rows[found - 1], columns)}). Pass "
        f"header_row={found} (command line --header-row {found}) to read the table from there."
    )


def _excel_table_hint(
    source: Source,
    fmt: FileFormat,
    sheet: str | int | None,
    header_row: int,
    columns: Mapping[str, str] | None,
) -> str | None:
    """Where the patent table is when it is not on ``sheet`` at ``header_row``: another row of
    the sheet, or another sheet of the workbook."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
            sheets = pd.read_excel(
                source.reader_input(), sheet_name=None, header=None, nrows=_SCAN_ROWS,
                dtype=str, engine="openpyxl" if fmt.kind == "xlsx" else "xlrd",
            )
    except Exception:  # noqa: BLE001 - only a hint: the caller's message stands without it
        return None
    names = list(sheets)
    if not names:
        return None
    current = names[sheet] if isinstance(sheet, int) and 0 <= sheet < len(names) else (
        sheet if sheet in sheets else names[0]
    )
    rows = {name: frame.fillna("").astype(str).values.tolist() for name, frame in sheets.items()}
    here = rows[current][header_row - 1] if header_row <= len(rows[current]) else []
    found = _header_in(rows[current], columns, header_row)
    if found:
        return (
            f"{source.path}: on sheet {current!r}, row {header_row} is not the table's header (it "
            f"{_row_text(here)}); row {found} has the headers "
            f"({_headers_text(rows[current][found - 1], columns)}). Pass header_row={found} "
            f"(command line --header-row {found})."
        )
    for name in names:
        found = _header_in(rows[name], columns, 0) if name != current else 0
        if found:
            also = (
                f" and header_row={found} (--header-row {found})" if found != 1 else ""
            )
            return (
                f"{source.path}: sheet {current!r} has no patent table (its row {header_row} "
                f"{_row_text(here)}); sheet {name!r} has one, with the headers "
                f"({_headers_text(rows[name][found - 1], columns)}) on row {found}. Pass "
                f"sheet={name!r} (command line --sheet {name}){also}."
            )
    return None


def _iter_raw_chunks(
    path: str | Path,
    fmt: FileFormat,
    sheet: str | int | None,
    chunk_rows: int,
    *,
    header_row: int = 1,
    allow_empty: bool = False,
) -> Iterator[pd.DataFrame]:
    """The file's rows as string frames (original headers), ``chunk_rows`` at a time.

    ``allow_empty`` yields an empty frame for an empty sheet instead of refusing it (the
    caller then says where the table is)."""
    source = fmt.source or Source(Path(path))
    path = source.path
    if fmt.kind in {"xlsx", "xls"}:
        engine_kwargs = {}
        if fmt.kind == "xls":
            # xlrd prints its complaints about damaged files to stdout unless given a log file
            engine_kwargs["logfile"] = io.StringIO()
        try:
            with warnings.catch_warnings():
                # pandas 3 deprecates xlrd in favour of calamine, which is not among our
                # dependencies; xlrd is the reader we pin for legacy .xls exports.
                warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
                frame = pd.read_excel(
                    source.reader_input(),
                    sheet_name=0 if sheet is None else sheet,
                    header=header_row - 1,
                    dtype=str,
                    engine="openpyxl" if fmt.kind == "xlsx" else "xlrd",
                    engine_kwargs=engine_kwargs,
                )
        except (zipfile.BadZipFile, EOFError, OSError, IndexError) as exc:
            # IndexError: xlrd runs off the end of a truncated .xls's sector table
            raise InputError(
                f"{path}: the Excel file is damaged or truncated ({exc}); save it again from Excel."
            ) from None
        except (ValueError, KeyError) as exc:
            text = str(exc).lower()
            if sheet is not None and ("not found" in text or "is invalid" in text):
                raise InputError(
                    f"{path}: sheet {sheet!r} not found ({exc}); give a sheet name or a 0-based "
                    "sheet number that the workbook has."
                ) from None
            raise InputError(f"{path}: cannot read it as an Excel workbook ({exc}).") from None
        except Exception as exc:  # noqa: BLE001 - damaged workbooks raise arbitrary types
            raise InputError(
                f"{path}: cannot read it as an Excel workbook ({type(exc).__name__}: {exc}); "
                "save it again from Excel or export CSV."
            ) from None
        if frame.shape[1] == 0 and not allow_empty:
            raise InputError(
                f"{path}: the sheet is empty; put the patent table on the first sheet "
                "or pass sheet=."
            )
        frame = frame.fillna("").astype(str).astype(object)
        for start in range(0, max(len(frame), 1), chunk_rows):
            yield frame.iloc[start : start + chunk_rows]
        return
    if sheet is not None:
        raise InputError(f"sheet={sheet!r}: {path} is a text table, not an Excel workbook.")
    try:
        reader = pd.read_csv(
            source.reader_input(),
            sep=fmt.separator,
            encoding=fmt.encoding,
            dtype=object,  # plain Python str cells (na_filter=False): faster than the str dtype
            keep_default_na=False,
            na_filter=False,
            chunksize=chunk_rows,
            skip_blank_lines=True,
            skiprows=fmt.skip_lines + header_row - 1 or None,
            quoting=csv.QUOTE_MINIMAL,
        )
        with reader:
            yield from reader
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no header and no rows; export it again.") from None
    except pd.errors.ParserError as exc:
        raise quotes.parser_error(source, fmt, header_row, str(exc), _default_positions) from None
    except UnicodeDecodeError:
        # The reader decodes ahead of the rows it has handed out, so rows_done says little
        # about where the bad bytes are: find them.
        raise _mixed_encoding(source, fmt.encoding or "utf-8", fmt.separator) from None


def _short_rows(path: Path, fmt: FileFormat, reading: _Reading) -> list[dict]:
    """The rows among ``reading.empty_last`` that have fewer fields than the header.

    The CSV reader pads a short row with empty fields, which looks exactly like a row with
    empty trailing cells; only rows whose last field came out empty can be such rows, so the
    file is read a second time (by the csv module, record by record) only when there are any
    (a pipe's copy in memory, not the pipe).
    """
    if fmt.kind != "csv" or not reading.empty_last:
        return []
    source = fmt.source or Source(Path(path))
    found = []
    for row, _, record in _csv_records(source, fmt, reading.header_row):
        if row in reading.empty_last and len(record) < reading.fields:
            found.append(
                {
                    "row": row,
                    "patent_id": reading.empty_last[row],
                    "fields": len(record),
                    "expected": reading.fields,
                }
            )
    return found


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------
def _positions(headers: list[str], mapping: Mapping[str, str]) -> tuple[int | None, int | None]:
    """The 0-based columns of the patent id and the date among ``headers``."""
    where = {h: k for k, h in enumerate(headers)}
    return where.get(mapping.get("patent_id")), where.get(mapping.get("date"))


def _default_positions(headers: list[str]) -> tuple[int | None, int | None]:
    """:func:`_positions` of a header read without a mapping (None, None if it maps not)."""
    try:
        return _positions(headers, _map_columns(headers, None, ""))
    except InputError:
        return None, None


def _canonical(chunk: pd.DataFrame, mapping: dict[str, str], first_row: int) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            role: pd.Series(chunk[header].to_numpy(dtype=object), dtype=object)
            for role, header in mapping.items()
        }
    )
    # A spreadsheet's row number: the header is row header_row (1), the first record the next.
    out.insert(0, "row", np.arange(first_row, first_row + len(out), dtype=np.int64))
    return out


@dataclass
class _Reading:
    """What reading a file learned besides its records: the header's width and the rows whose
    last field is empty (the only rows a CSV reader may have padded); the header's row; with
    ``lenient_quotes``, the cells whose quote did not close (``joined``: row, patent id, column
    and the number of lines joined into the cell)."""

    fields: int = 0
    empty_last: dict[int, str] = field(default_factory=dict)  # row -> patent id
    header_row: int = 1
    lenient_quotes: bool = False
    joined: list[dict] = field(default_factory=list)

    @property
    def rows_joined(self) -> int:
        """Lines read into a cell whose quote did not close (lenient reads only)."""
        return sum(j["lines"] for j in self.joined)


def _unshift(chunk: pd.DataFrame, headers: list[str], first_row: int, path: Path) -> pd.DataFrame:
    """Undo pandas' reading of a CSV whose first record has one field more than the header:
    it takes the first column for the index and shifts the others left.  Right when the extra
    field is empty (a separator at the end of each data line); refused otherwise."""
    extra = chunk.iloc[:, -1].to_numpy(dtype=object)
    full = np.flatnonzero(extra != "")
    if full.size:
        raise InputError(
            f"{path}: row {first_row + int(full[0]):,} has {len(headers) + 1} fields, one more "
            f"than the header's {len(headers)}; a cell that contains the separator must be "
            "quoted (or the header lacks a column name)."
        )
    values = [chunk.index.to_numpy(dtype=object),
              *(chunk.iloc[:, k].to_numpy(dtype=object) for k in range(len(headers) - 1))]
    return pd.DataFrame(dict(zip(headers, values, strict=True)))


def _iter_records(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None,
    encoding: str | None,
    sheet: str | int | None,
    chunk_rows: int,
    reading: _Reading | None = None,
    header_row: int | None = None,
    lenient_quotes: bool = False,
) -> tuple[FileFormat, dict[str, str], Iterator[pd.DataFrame]]:
    path = Path(path)
    reading = _Reading() if reading is None else reading
    header_row = _check_header_row(header_row)
    reading.header_row, reading.lenient_quotes = header_row, bool(lenient_quotes)
    source = open_source(path)
    try:
        fmt = _detect(source, encoding, header_row)
    except _BlankHeader as exc:
        text = _decode_sample(path, source.read(_SAMPLE_BYTES), False, exc.fmt.encoding) if (
            exc.fmt) else ""
        hint = _csv_table_hint(text, exc.fmt, header_row, columns, str(path)) if text else None
        raise InputError(hint or str(exc)) from None
    chunks = _iter_raw_chunks(path, fmt, sheet, chunk_rows, header_row=header_row,
                              allow_empty=True)

    def where_is_the_table() -> str | None:
        if fmt.kind == "csv":
            text = _decode_sample(path, source.read(_SAMPLE_BYTES), False, fmt.encoding)
            return _csv_table_hint(text, fmt, header_row, columns, str(path))
        return _excel_table_hint(source, fmt, sheet, header_row, columns)

    try:
        first = next(chunks, None)
    except InputError as exc:  # a title row of one field makes the first chunk ragged
        raise InputError(where_is_the_table() or str(exc)) from None
    if first is None or len(first.columns) == 0:
        hint = where_is_the_table()
        if hint:
            raise InputError(hint)
        if fmt.kind != "csv":
            raise InputError(
                f"{path}: the sheet is empty; put the patent table on the first sheet or pass "
                "sheet= (command line --sheet)."
            )
        raise InputError(f"{path}: the file has no header and no rows; export it again.")
    headers = [str(h) for h in first.columns]
    shifted = fmt.kind == "csv" and not isinstance(first.index, pd.RangeIndex)
    if (
        len(headers) == 1
        and fmt.kind == "csv"
        and not any(
            _normalise_header(headers[0]) in {_normalise_header(a) for a in v}
            for v in DEFAULT_COLUMNS.values()
        )
    ):
        raise InputError(
            where_is_the_table()
            or f"{path}: is not a table: its first line has a single column "
            f"{headers[0][:60]!r}. Give a CSV/TSV/Excel export with a header row (patent id, "
            "date, applicants, addresses)."
        )
    try:
        mapping = _map_columns(headers, columns, str(path))
    except InputError as exc:
        raise InputError(where_is_the_table() or str(exc)) from None
    if len(first) == 0:
        raise InputError(f"{path}: has a header but no records.")

    reading.fields = len(headers)
    id_at, date_at = _positions(headers, mapping)

    def generate() -> Iterator[pd.DataFrame]:
        next_row = header_row + 1
        for chunk in _chain(first, chunks):
            if shifted:
                chunk = _unshift(chunk, headers, next_row, path)
            missing = [h for h in mapping.values() if h not in chunk.columns]
            if missing:  # only possible if the reader misbehaves; fail loudly, not silently
                raise InputError(f"{path}: columns {missing} vanished while reading.")
            if fmt.kind == "csv":
                reading.joined += quotes.check_chunk(
                    chunk, fmt, reading.header_row, next_row, id_at, date_at,
                    lenient=reading.lenient_quotes,
                )
            records = _canonical(chunk, mapping, next_row)
            if fmt.kind == "csv" and len(headers) > 1:
                last = chunk.iloc[:, -1].to_numpy(dtype=object)
                empty = np.flatnonzero(last == "")
                reading.empty_last.update(
                    zip((empty + next_row).tolist(),
                        records["patent_id"].to_numpy()[empty].tolist(), strict=True)
                )
            yield records
            next_row += len(chunk)

    return fmt, mapping, generate()


def _check_header_row(header_row: object) -> int:
    if header_row is None:
        return 1
    if isinstance(header_row, bool) or not isinstance(header_row, (int, np.integer)) or not (
        1 <= header_row <= 1000
    ):
        raise InputError(
            f"header_row={header_row!r}: give the row number of the header, a whole number from "
            "1 (the first row) to 1000 (command line --header-row N)."
        )
    return int(header_row)


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def read_records(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    lenient_quotes: bool = False,
) -> pd.DataFrame:
    """Read a patent export into a frame with canonical column names.

    Parameters
    ----------
    path : str or Path
        A CSV/TSV or Excel export, or a pipe (``/dev/stdin``), which is read once.
    columns : mapping, optional
        Role -> your header (``{"applicants": "权利人"}``) where :data:`DEFAULT_COLUMNS` does
        not recognise it.
    encoding : str, optional
        The text encoding, instead of detecting it.
    sheet : str or int, optional
        The Excel sheet (name or 0-based position; default the first).
    header_row : int, optional
        The row of the header when rows (a title) stand above it (default 1).  Rows keep
        their numbers: with ``header_row=3`` the first record is row 4.
    lenient_quotes : bool
        A CSV cell whose quote does not close where the cell ends takes the lines after it,
        up to the next quote, into itself.  By default that is an error naming the row;
        ``True`` reads on and warns how many lines were joined into which rows.

    Returns
    -------
    pandas.DataFrame
        ``row`` (the spreadsheet row: header = ``header_row``), then those of ``patent_id``,
        ``date``, ``applicants``, ``addresses``, ``cities`` the file has, all as strings
        (multi-valued cells still joined).

    Raises
    ------
    InputError
        The file is not a readable table of patent records; the message names the file, row
        and cause, and what to pass (``header_row``, ``sheet``, ``columns``, ``encoding``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = path.write_text("检索结果\\n申请号,申请日,申请人,申请人地址\\nCN1,2012,甲;乙,北京;上海\\n",
    ...                     encoding="utf-8")
    >>> read_records(path)
    Traceback (most recent call last):
    ...
    pyreslib.errors.InputError: ...: row 1 is not the table's header (it reads '检索结果'); row 2 ...
    >>> read_records(path, header_row=2)[["row", "patent_id", "applicants"]]
       row patent_id applicants
    0    3       CN1        甲;乙
    """
    reading = _Reading()
    _, _, chunks = _iter_records(
        path, columns=columns, encoding=encoding, sheet=sheet, chunk_rows=1_000_000,
        reading=reading, header_row=header_row, lenient_quotes=lenient_quotes,
    )
    frame = pd.concat(list(chunks), ignore_index=True)
    if reading.joined:
        first = reading.joined[0]
        warnings.warn(
            f"{path}: read leniently: {reading.rows_joined:,} line(s) were joined into "
            f"{len(reading.joined):,} cell(s) whose quote does not close (first: row "
            f"{first['row']:,}, column {first['column']!r}, {first['lines']:,} line(s)); they "
            "are not rows of their own.",
            UserWarning,
            stacklevel=2,
        )
    return frame
