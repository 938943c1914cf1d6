"""Patent exports in: reading a CSV/TSV or Excel file into records with canonical columns.

:func:`read_records` reads a CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM,
GBK/GB18030, detected) or an Excel file (.xlsx, .xls) and renames the columns it recognises to
the canonical names ``patent_id``, ``date``, ``applicants``, ``addresses``, ``cities``
(:data:`DEFAULT_COLUMNS` lists the headers recognised without a mapping). Each record keeps its
spreadsheet row (header = row 1), so every later message can name the row of a fault.

The reader streams in chunks (``_iter_records``); :func:`pyreslib.ingest.ingest_file` consumes
the chunks as they come, so a file is read once. Faults of the file itself (a binary or
mislabelled file, an unknown or changing encoding, duplicated headers, missing columns) are
refused here with the file, the row and what to do (docs/method.md, section 1).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from pyreslib.errors import InputError

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
# Reading files
# ---------------------------------------------------------------------------------------------
_SAMPLE_BYTES = 1 << 20
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive (unpack it first)",
    b"7z\xbc\xaf": "a 7-zip archive (unpack it first)",
    b"Rar!": "a RAR archive (unpack it first)",
}


@dataclass(frozen=True)
class FileFormat:
    """How a file is read: ``kind`` (csv/xlsx/xls), ``encoding`` and ``separator`` for text."""

    kind: Literal["csv", "xlsx", "xls"]
    encoding: str | None = None
    separator: str | None = None


def detect_format(path: str | Path, encoding: str | None = None) -> FileFormat:
    """Tell an Excel workbook from a text table by its first bytes, then the text's encoding.

    Encodings are tried in this order: a byte-order mark (UTF-8, UTF-16), strict UTF-8, strict
    GB18030 (a superset of GBK and GB2312), then charset-normalizer's best guess. ``encoding``
    overrides the detection (the file is still checked to be decodable).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the patent export file inside it.")
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
        whole = len(handle.read(1)) == 0
    if not sample:
        raise InputError(f"{path}: the file is empty (0 bytes); export the patent records again.")
    suffix = path.suffix.lower()
    if sample.startswith(b"PK\x03\x04"):
        return FileFormat("xlsx")
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        return FileFormat("xls")
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raise InputError(
            f"{path}: named like an Excel file but is not one (truncated or mislabelled); open it "
            "in Excel and save it again, or export CSV."
        )
    for magic, what in _BINARY_MAGIC.items():
        if sample.startswith(magic):
            raise InputError(f"{path}: is {what}, not a table of patent records.")
    if encoding is None:
        encoding = _detect_encoding(path, sample, whole)
    else:
        _check_encoding_name(encoding)
        _decode_sample(path, sample, whole, encoding)
    text = _decode_sample(path, sample, whole, encoding)
    if "\x00" in text:
        raise InputError(
            f"{path}: contains binary data (NUL bytes), so it is not a text table; give a CSV, "
            "TSV or Excel export."
        )
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise InputError(f"{path}: the file has no header line (it is blank at the top).")
    return FileFormat("csv", encoding, _guess_separator(first_line, suffix))


def _guess_separator(first_line: str, suffix: str = "") -> str:
    if suffix == ".tsv" or first_line.count("\t") > max(first_line.count(","), 0):
        return "\t"
    if first_line.count(",") == 0 and first_line.count(";") > 0 and first_line.count("；") == 0:
        return ";"
    return ","


#: Encodings suggested when a name is not one Python knows (closest first).
_COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "utf-16",
                     "utf-16-le", "utf-16-be", "latin-1", "cp1252", "shift_jis", "euc-kr")


def _check_encoding_name(encoding: object) -> None:
    """An ``encoding`` argument must name a text encoding Python knows (not rot13 or zlib)."""
    try:
        info = codecs.lookup(encoding) if isinstance(encoding, str) else None
    except LookupError:
        info = None
    # Codecs such as rot13, base64, hex and zlib exist but turn bytes into bytes or str into
    # str; reading a file with them fails deep inside the reader.
    if info is None or not getattr(info, "_is_text_encoding", True):
        close = difflib.get_close_matches(str(encoding).lower(), _COMMON_ENCODINGS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"encoding={encoding!r} is not a text encoding Python can read a file with{hint}; "
            "use e.g. 'utf-8', 'gb18030' (GBK exports) or 'utf-16', or leave it out to detect "
            "(command line: drop --encoding)."
        )


def _utf16_without_bom(sample: bytes, whole: bool) -> str | None:
    """'utf-16-le' or 'utf-16-be' if ``sample`` reads as UTF-16 text without a byte-order mark.

    A table's commas, digits and line breaks are ASCII, which UTF-16 stores with a zero high
    byte: many NUL bytes on one side of every byte pair (odd offsets little-endian, even ones
    big-endian) and almost none on the other.  The text must then decode strictly and hold
    no control characters but tab and line breaks.
    """
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    nul_even, nul_odd = sample[0:n:2].count(0), sample[1:n:2].count(0)
    pairs = n // 2
    for encoding, high, low in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if high < 0.1 * pairs or low > 0.01 * pairs:
            continue
        try:
            text = codecs.getincrementaldecoder(encoding)("strict").decode(sample[:n], final=whole)
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
            return encoding
    return None


def _detect_encoding(path: Path, sample: bytes, whole: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample, whole)
        if utf16:
            return utf16
        raise InputError(
            f"{path}: contains binary data (NUL bytes) and does not read as UTF-16 either, so "
            "it is not a text table; give a CSV, TSV or Excel export (or pass encoding=... if "
            "you know it)."
        )
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError as exc:
        valid_before = sample[: exc.start]
        line = valid_before.count(b"\n") + 1
        if whole and exc.reason == "unexpected end of data":
            raise InputError(
                f"{path}: ends in the middle of a UTF-8 character (line {line}); the file is "
                "truncated. Export or copy it again."
            ) from None
        if any(byte >= 0x80 for byte in valid_before):
            # Chinese UTF-8 text up to here, then bytes that are not: two encodings in one file
            # (often rows pasted from a GBK export). GB18030 would decode it all into nonsense.
            raise _mixed_encoding(path, "utf-8") from None
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(sample, final=whole)
        return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise InputError(
            f"{path}: the text is in no encoding pyreslib can recognise (tried UTF-8, GBK/GB18030); "
            "pass the encoding explicitly (encoding=..., command line --encoding)."
        )
    return best.encoding


def _decode_sample(path: Path, sample: bytes, whole: bool, encoding: str) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=whole)
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line} is not valid {encoding} ({exc.reason} at byte {exc.start}); "
            "the file may be truncated or in another encoding. Leave encoding unset to detect "
            "it, or pass the right one (e.g. 'gb18030' for GBK exports)."
        ) from None


def _iter_raw_chunks(
    path: Path, fmt: FileFormat, sheet: str | int | None, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """The file's rows as string frames (original headers), ``chunk_rows`` at a time."""
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
                    path,
                    sheet_name=0 if sheet is None else sheet,
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
        if frame.shape[1] == 0:
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
            path,
            sep=fmt.separator,
            encoding=fmt.encoding,
            dtype=object,  # plain Python str cells (na_filter=False): faster than the str dtype
            keep_default_na=False,
            na_filter=False,
            chunksize=chunk_rows,
            skip_blank_lines=True,
            quoting=csv.QUOTE_MINIMAL,
        )
        with reader:
            yield from reader
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no header and no rows; export it again.") from None
    except pd.errors.ParserError as exc:
        raise InputError(
            f"{path}: not a consistent {_separator_name(fmt.separator)}-separated table ({exc}). "
            "A cell that contains the separator must be quoted; a truncated file ends mid-row."
        ) from None
    except UnicodeDecodeError:
        # The reader decodes ahead of the rows it has handed out, so rows_done says little
        # about where the bad bytes are: find them.
        raise _mixed_encoding(path, fmt.encoding or "utf-8", fmt.separator) from None


def _first_undecodable(path: Path, encoding: str, separator: str | None = None):
    """Where ``path`` stops being valid ``encoding``: (line, row, byte offset, reason), or None.

    ``line`` counts physical lines; ``row`` is the spreadsheet row of the record the bad bytes
    are in (header = row 1; quoted cells may span lines; blank lines are not records, as
    when reading).  Reads the file once, in blocks.
    """
    where: dict[str, object] = {}

    def good_lines() -> Iterator[str]:
        carry, offset, partial = b"", 0, ""
        with path.open("rb") as handle:
            while True:
                block = handle.read(1 << 20)
                data = carry + block
                try:
                    text = data.decode(encoding)
                    carry = b""
                except UnicodeDecodeError as exc:
                    if block and exc.end >= len(data) - 3:  # a character cut by the block end
                        text, carry = data[: exc.start].decode(encoding), data[exc.start :]
                    else:
                        text = data[: exc.start].decode(encoding)
                        where.update(offset=offset + exc.start, reason=exc.reason)
                lines = (partial + text).split("\n")
                partial = lines.pop()
                where["lines"] = where.get("lines", 0) + len(lines)
                yield from (line + "\n" for line in lines)
                offset += len(data) - len(carry)
                if "offset" in where or not block:
                    return

    records = sum(
        1 for record in csv.reader(good_lines(), delimiter=separator or ",") if record
    )
    if "offset" not in where:
        return None
    return int(where["lines"]) + 1, records + 1, int(where["offset"]), str(where["reason"])


def _mixed_encoding(path: Path, encoding: str, separator: str | None = None) -> InputError:
    """The error for a file whose bytes stop being ``encoding`` part-way, naming where."""
    found = _first_undecodable(path, encoding, separator)
    if found is None:  # pragma: no cover - only called after a decoding error
        return InputError(f"{path}: is not valid {encoding} text; pass encoding=...")
    line, row, offset, reason = found
    return InputError(
        f"{path}: mixes encodings: row {row:,} (line {line:,}, byte {offset:,}) is not valid "
        f"{encoding} ({reason}) while the rows before it are. Re-save the whole file in one "
        "encoding (UTF-8), or pass encoding=... to read it as one (e.g. 'gb18030' for GBK)."
    )


def _short_rows(path: Path, fmt: FileFormat, reading: _Reading) -> list[dict]:
    """The rows among ``reading.empty_last`` that have fewer fields than the header.

    The CSV reader pads a short row with empty fields, which looks exactly like a row with
    empty trailing cells; only rows whose last field came out empty can be such rows, so the
    file is read a second time (by the csv module, record by record) only when there are any.
    """
    if fmt.kind != "csv" or not reading.empty_last:
        return []
    found = []
    with path.open(encoding=fmt.encoding, newline="") as handle:
        records = (r for r in csv.reader(handle, delimiter=fmt.separator or ",") if r)
        for row, record in enumerate(records, start=1):
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


def _separator_name(separator: str | None) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon"}.get(separator or ",", repr(separator))


def _canonical(chunk: pd.DataFrame, mapping: dict[str, str], first_row: int) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            role: pd.Series(chunk[header].to_numpy(dtype=object), dtype=object)
            for role, header in mapping.items()
        }
    )
    # A spreadsheet's row number: header is row 1, the first record row 2.
    out.insert(0, "row", np.arange(first_row, first_row + len(out), dtype=np.int64))
    return out


@dataclass
class _Reading:
    """What reading a file learned besides its records: the header's width and the rows whose
    last field is empty (the only rows a CSV reader may have padded)."""

    fields: int = 0
    empty_last: dict[int, str] = field(default_factory=dict)  # row -> patent id


def _iter_records(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None,
    encoding: str | None,
    sheet: str | int | None,
    chunk_rows: int,
    reading: _Reading | None = None,
) -> tuple[FileFormat, dict[str, str], Iterator[pd.DataFrame]]:
    path = Path(path)
    reading = _Reading() if reading is None else reading
    fmt = detect_format(path, encoding)
    chunks = _iter_raw_chunks(path, fmt, sheet, chunk_rows)
    first = next(chunks, None)
    if first is None or (len(first) == 0 and len(first.columns) == 0):
        raise InputError(f"{path}: the file has no header and no rows; export it again.")
    headers = [str(h) for h in first.columns]
    if (
        len(headers) == 1
        and fmt.kind == "csv"
        and not any(
            _normalise_header(headers[0]) in {_normalise_header(a) for a in v}
            for v in DEFAULT_COLUMNS.values()
        )
    ):
        raise InputError(
            f"{path}: is not a table: its first line has a single column {headers[0][:60]!r}. "
            "Give a CSV/TSV/Excel export with a header row (patent id, date, applicants, "
            "addresses)."
        )
    mapping = _map_columns(headers, columns, str(path))
    if len(first) == 0:
        raise InputError(f"{path}: has a header but no records.")

    reading.fields = len(headers)

    def generate() -> Iterator[pd.DataFrame]:
        next_row = 2
        for chunk in _chain(first, chunks):
            missing = [h for h in mapping.values() if h not in chunk.columns]
            if missing:  # only possible if the reader misbehaves; fail loudly, not silently
                raise InputError(f"{path}: columns {missing} vanished while reading.")
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


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def read_records(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a patent export into a frame with canonical column names.

    Columns: ``row`` (the spreadsheet row: header = 1), then those of ``patent_id``, ``date``,
    ``applicants``, ``addresses``, ``cities`` the file has, all as strings (multi-valued cells
    still joined). ``columns`` maps a role to your header (``{"applicants": "权利人"}``) where
    :data:`DEFAULT_COLUMNS` does not recognise it; ``encoding`` overrides detection; ``sheet``
    picks an Excel sheet (name or 0-based position).
    """
    _, _, chunks = _iter_records(
        path, columns=columns, encoding=encoding, sheet=sheet, chunk_rows=1_000_000
    )
    return pd.concat(list(chunks), ignore_index=True)
