"""Patent records in: reading exports, mapping columns, splitting applicants, resolving cities.

The journey of a record (docs/method.md, section 1):

1. :func:`read_records` reads a CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM,
   GBK/GB18030, detected) or an Excel file (.xlsx, .xls) and renames the columns it recognises
   to the canonical names ``patent_id``, ``date``, ``applicants``, ``addresses``, ``cities``
   (:data:`DEFAULT_COLUMNS` lists the headers recognised without a mapping).
2. :func:`ingest_frame` / :func:`ingest_file` drop repeated patent ids (first copy kept; ids
   compared after Unicode NFKC normalisation, without whitespace, case-insensitively), read the
   year, assign each patent to its stage, split the multi-valued cells (the i-th address
   belongs to the i-th applicant), resolve every applicant to a city with
   :class:`pyreslib.cities.CityResolver`, and count city pairs and internal collaborations
   per stage (:mod:`pyreslib.network` builds the graphs).

Nothing is dropped silently. Rows left out (no id, no readable year, no applicants, a repeated
id whose row differs from the first copy) are listed in ``IngestResult.rejected``; applicants
whose city is unknown in ``IngestResult.unresolved``; exact repeats and records outside every
stage are counted in the :class:`IngestReport`, which also counts and lists what ingest decided
on its own (CSV rows with missing trailing fields read as empty, addresses naming two
provinces).  A file whose encoding changes part-way is refused with the row where it does.

Files are processed in chunks (``chunk_rows``), so memory grows with the number of distinct
patent ids and city pairs, not with the size of the file.

(Length: about 1,400 lines, over the project's 600, because reading an export (formats,
encodings, the true row of a fault) and resolving its records happen in one streaming pass
that shares the chunked reader and the accumulator's state; splitting the reader into its own
module is the next refactor of this file.)
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import gc
import io
import itertools
import json
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.cities import CityResolver, default_resolver
from pyreslib.errors import InputError
from pyreslib.study import STAGES as STUDY_STAGES


# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------
class Stage(NamedTuple):
    """A stage of the study: application years ``start`` to ``end``, both included."""

    label: str
    start: int
    end: int

    def contains(self, year: int) -> bool:
        return self.start <= year <= self.end


DEFAULT_STAGES: tuple[Stage, ...] = tuple(Stage(*stage) for stage in STUDY_STAGES)
"""The reference study's three stages."""

VALID_YEARS = (1900, 2100)
"""Years outside this range are data errors (rejected rows), not merely out of stage."""

_STAGE_TEXT = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def parse_stages(text: str | Iterable[str]) -> tuple[Stage, ...]:
    """Stages from ``"2011-2014,2015-2017,2018-2021"`` (a single year ``"2015"`` is allowed).

    Stages must not overlap (a patent belongs to one stage) and years must lie in
    :data:`VALID_YEARS`; any problem raises :class:`InputError` naming the offending part.
    """
    parts = [p.strip() for p in text.split(",")] if isinstance(text, str) else list(text)
    if not parts or all(not p for p in parts):
        raise InputError("stages: no stage given; write them like 2011-2014,2015-2017,2018-2021.")
    stages = []
    for part in parts:
        match = _STAGE_TEXT.match(part)
        if not match:
            raise InputError(
                f"stages: {part!r} is not a year range; write stages like 2011-2014,2015-2017."
            )
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if start > end:
            raise InputError(f"stages: {part!r} ends before it starts; write {end}-{start}.")
        for year in (start, end):
            if not VALID_YEARS[0] <= year <= VALID_YEARS[1]:
                raise InputError(
                    f"stages: year {year} in {part!r} is outside {VALID_YEARS[0]}-{VALID_YEARS[1]}."
                )
        label = f"{start}-{end}" if end != start else str(start)
        stages.append(Stage(label, start, end))
    return _check_stages(stages)


def _check_stages(stages: Iterable[Stage | tuple]) -> tuple[Stage, ...]:
    stages = tuple(Stage(*s) for s in stages)
    if not stages:
        raise InputError("stages: no stage given; pass at least one Stage(label, start, end).")
    labels = [s.label for s in stages]
    for label in labels:
        if not re.fullmatch(r"[\w.-]+", label):
            raise InputError(
                f"stages: label {label!r} cannot be part of a file name; use letters, digits, "
                "'-', '_' or '.' (like 2011-2014)."
            )
    if len(set(labels)) != len(labels):
        raise InputError(f"stages: labels repeat in {labels}; give each stage its own label.")
    ordered = sorted(stages, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        if later.start <= earlier.end:
            raise InputError(
                f"stages: {earlier.label} and {later.label} overlap; a patent must belong to one "
                "stage."
            )
    for s in stages:
        if s.start > s.end or not (VALID_YEARS[0] <= s.start and s.end <= VALID_YEARS[1]):
            raise InputError(f"stages: {s} is not a valid year range.")
    return stages


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

DEFAULT_SEPARATORS = (";", "；")
"""Separators between the values of a multi-valued cell (mixing them in one cell is fine)."""


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


# ---------------------------------------------------------------------------------------------
# Report and result
# ---------------------------------------------------------------------------------------------
@dataclass
class StageSummary:
    """Counts of one stage: patents in it and the network built from them."""

    label: str
    patents: int = 0
    cross_city_patents: int = 0
    single_city_patents: int = 0
    cities: int = 0
    city_pairs: int = 0
    cross_city_collaborations: int = 0
    internal_collaborations: int = 0
    pairs_below_threshold: int = 0


@dataclass
class IngestReport:
    """What happened to every row of the input (all counts are of rows/patents/applicants).

    Identities that hold: ``rows_read = duplicates + rows_without_id + invalid_year +
    rows_without_applicants + out_of_stage + patents_kept`` and ``patents_kept =
    cross_city_patents + single_city_patents + single_applicant_patents +
    patents_without_resolved_applicant + patents_dropped_unresolved``.

    What ingest decided on its own is counted and listed: ``duplicates`` are rows whose patent
    id (compared after Unicode NFKC normalisation, without whitespace, case-insensitively: a
    full-width ``ＣＮ１`` is ``CN1``) repeats an earlier row's; the first copy is kept, and
    ``conflicting_duplicates`` of them differ from it in date, applicants or addresses (listed in
    the rejected rows with the row they repeat).  ``rows_padded``: CSV rows with fewer fields
    than the header, read with the missing trailing fields empty (``padded_rows`` lists row,
    patent id and field counts).  ``multi_province_addresses``: applicants whose address names
    two or more provinces (by full province or city names) and was resolved by the resolver's
    rules, first city named first (``multi_province`` lists row, patent id, address, provinces
    and the city chosen).
    """

    source: str = ""
    file_format: str = ""
    encoding: str = ""
    columns_used: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    duplicates: int = 0
    conflicting_duplicates: int = 0
    rows_padded: int = 0
    padded_rows: list[dict] = field(default_factory=list)
    rows_without_id: int = 0
    invalid_year: int = 0
    rows_without_applicants: int = 0
    out_of_stage: int = 0
    out_of_stage_years: dict[str, int] = field(default_factory=dict)
    patents_kept: int = 0
    applicants: int = 0
    applicants_resolved: int = 0
    unresolved_applicants: int = 0
    applicants_resolved_by_name: int = 0
    multi_province_addresses: int = 0
    multi_province: list[dict] = field(default_factory=list)
    repeated_applicants: int = 0
    empty_applicant_entries: int = 0
    rows_with_address_count_mismatch: int = 0
    cross_city_patents: int = 0
    single_city_patents: int = 0
    single_applicant_patents: int = 0
    patents_without_resolved_applicant: int = 0
    patents_dropped_unresolved: int = 0
    stages: list[StageSummary] = field(default_factory=list)
    stages_without_edges: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    def rows(self) -> list[tuple[str, str]]:
        """(what, count) lines in reading order, for printing."""
        lines = [
            ("rows read", self.rows_read),
            ("repeated patent ids dropped", self.duplicates),
            ("  of them with different content (listed)", self.conflicting_duplicates),
            ("rows with missing trailing fields (listed)", self.rows_padded),
            ("rows without a patent id", self.rows_without_id),
            ("rows with no readable year", self.invalid_year),
            ("rows without applicants", self.rows_without_applicants),
            ("patents outside every stage", self.out_of_stage),
            ("patents kept", self.patents_kept),
            ("  cross-city patents", self.cross_city_patents),
            ("  single-city patents (internal)", self.single_city_patents),
            ("  one resolved applicant only", self.single_applicant_patents),
            ("  no applicant resolved", self.patents_without_resolved_applicant),
            ("  dropped for an unresolved applicant", self.patents_dropped_unresolved),
            ("applicants", self.applicants),
            ("  resolved to a city", self.applicants_resolved),
            ("  of them by name (no address)", self.applicants_resolved_by_name),
            ("  unresolved", self.unresolved_applicants),
            ("addresses naming two provinces (listed)", self.multi_province_addresses),
            ("rows whose address count differs", self.rows_with_address_count_mismatch),
        ]
        return [(k, f"{v:,}") for k, v in lines]

    def __str__(self) -> str:
        head = f"Ingest report for {self.source} ({self.file_format}, {self.encoding})"
        width = max(len(k) for k, _ in self.rows())
        body = [f"  {k:<{width}}  {v:>12}" for k, v in self.rows()]
        stages = [
            f"  stage {s.label}: {s.patents:,} patents, {s.cities:,} cities, {s.city_pairs:,} "
            f"pairs, {s.cross_city_collaborations:,} cross-city and "
            f"{s.internal_collaborations:,} internal collaborations"
            for s in self.stages
        ]
        if self.stages_without_edges:
            stages.append(f"  stages without any edge: {', '.join(self.stages_without_edges)}")
        return "\n".join([head, *body, *stages])


@dataclass
class IngestResult:
    """Stage networks plus the accounting of every record.

    ``networks``: stage label -> :class:`networkx.Graph` (shared data model: int adcode nodes
    with ``name_zh``, ``name_en``, ``internal``; edge ``weight``; ``G.graph["stage"]``).
    ``internal``: every city's internal strength per stage (``stage, adcode, internal``),
    including cities with no cross-city pair, which are not nodes of the network.
    ``unresolved``: ``row, patent_id, applicant, address, reason`` per unresolved applicant.
    ``rejected``: ``row, patent_id, column, value, reason`` per row left out as unusable.
    """

    networks: dict[str, nx.Graph]
    report: IngestReport
    unresolved: pd.DataFrame
    rejected: pd.DataFrame
    internal: pd.DataFrame
    stages: tuple[Stage, ...]
    threshold: int = 1


# ---------------------------------------------------------------------------------------------
# The counting
# ---------------------------------------------------------------------------------------------
_PAIR_BASE = 1_000_000  # adcodes are 6-digit, so (stage, a, b) packs into one int64


@dataclass
class _Accumulator:
    stages: tuple[Stage, ...]
    resolver: CityResolver
    separators: tuple[str, ...]
    name_fallback: bool
    on_unresolved: str
    valid_years: tuple[int, int]
    report: IngestReport
    # normalised patent id -> (first row << 32) | 32-bit hash of its date, applicants, places
    seen_ids: dict = field(default_factory=dict)
    pair_keys: list = field(default_factory=list)
    internal_keys: list = field(default_factory=list)
    unresolved: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    out_of_stage_years: Counter = field(default_factory=Counter)
    stage_patents: np.ndarray | None = None
    stage_cross: np.ndarray | None = None
    stage_single: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.stages)
        self.stage_patents = np.zeros(n, np.int64)
        self.stage_cross = np.zeros(n, np.int64)
        self.stage_single = np.zeros(n, np.int64)
        lo, hi = self.valid_years
        self._stage_of_year = np.full(hi - lo + 1, -1, np.int64)
        for index, stage in enumerate(self.stages):
            a, b = max(stage.start, lo), min(stage.end, hi)
            self._stage_of_year[a - lo : b - lo + 1] = index

    def _reject(self, frame: pd.DataFrame, mask: np.ndarray, column: str, values, reason) -> None:
        if not mask.any():
            return
        self.rejected.append(
            pd.DataFrame(
                {
                    "row": frame["row"].to_numpy()[mask],
                    "patent_id": frame["patent_id"].to_numpy()[mask],
                    "column": column,
                    "value": np.asarray(values, dtype=object)[mask],
                    "reason": np.asarray(reason, dtype=object)[mask]
                    if not isinstance(reason, str)
                    else reason,
                }
            )
        )

    def add(self, frame: pd.DataFrame) -> None:
        """Count one chunk of canonical records."""
        # Paused per chunk, not for the whole file, so the collector still runs between chunks.
        with _gc_paused():
            self._add(frame)

    def _add(self, frame: pd.DataFrame) -> None:
        report = self.report
        report.rows_read += len(frame)
        if len(frame) == 0:
            return
        # Plain list comprehensions over the cells: several times faster than pandas' .str
        # accessor, which wraps every call in NA handling.
        # 1. ids: missing ids are rejected, repeats (within and across chunks) counted.
        stripped = [i.strip() for i in frame["patent_id"].tolist()]
        no_id = np.fromiter((not i for i in stripped), bool, len(stripped))
        self._reject(frame, no_id, "patent_id", stripped, "no patent id")
        report.rows_without_id += int(no_id.sum())
        repeated, conflicts = self._repeats(frame, stripped)
        repeated &= ~no_id
        report.duplicates += int(repeated.sum())
        if conflicts:
            mask = np.zeros(len(frame), bool)
            mask[list(conflicts)] = True
            reasons = np.full(len(frame), "", dtype=object)
            for k, first_row in conflicts.items():
                reasons[k] = (
                    f"repeats the patent id of row {first_row} with a different date, applicants "
                    f"or addresses; row {first_row}'s copy is kept"
                )
            self._reject(frame, mask, "patent_id", stripped, reasons)
            report.conflicting_duplicates += len(conflicts)
        frame = frame[~(no_id | repeated)]

        # 2. years, parsed once per distinct date text.
        codes, uniques = pd.factorize(frame["date"])
        parsed = [_parse_year(u, self.valid_years) for u in uniques]
        years = np.array([p[0] for p in parsed] or [0], np.int64)[codes]
        bad = years < 0
        if bad.any():
            reasons = np.array([p[1] for p in parsed], dtype=object)[codes]
            self._reject(frame, bad, "date", frame["date"].to_numpy(), reasons)
            report.invalid_year += int(bad.sum())
        frame, years = frame[~bad], years[~bad]

        # 3. applicants present?
        blank = " \t\r\n" + "".join(self.separators)
        cells = frame["applicants"].tolist()
        empty = np.fromiter((not c.strip(blank) for c in cells), bool, len(cells))
        self._reject(frame, empty, "applicants", cells, "no applicants")
        report.rows_without_applicants += int(empty.sum())
        frame, years = frame[~empty], years[~empty]

        # 4. stages.
        stage = self._stage_of_year[years - self.valid_years[0]]
        outside = stage < 0
        report.out_of_stage += int(outside.sum())
        self.out_of_stage_years.update(years[outside].tolist())
        frame, stage = frame[~outside], stage[~outside]
        report.patents_kept += len(frame)
        self.stage_patents += np.bincount(stage, minlength=len(self.stages))
        if len(frame) == 0:
            return
        self._count(frame, stage)

    def _repeats(self, frame: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray, dict[int, int]]:
        """Rows whose normalised id was seen before, and those of them whose content differs
        from the first copy's (position in ``frame`` -> the first copy's row)."""
        seen = self.seen_ids
        location = "cities" if "cities" in frame.columns else "addresses"
        # (row << 32) | a 32-bit hash of the row's date, applicants and places, per row
        digest = pd.util.hash_pandas_object(
            frame[["date", "applicants", location]], index=False
        ).to_numpy() & np.uint64(0xFFFFFFFF)
        packed = (frame["row"].to_numpy(np.uint64) << np.uint64(32)) | digest
        keys = [
            i.upper() if i.isascii() and " " not in i and "\t" not in i else _id_key(i)
            for i in ids
        ]
        flags: list[bool] = []
        flag = flags.append
        conflicts: dict[int, int] = {}
        for k, (key, value) in enumerate(zip(keys, packed.tolist(), strict=True)):
            first = seen.get(key)
            if first is None:
                seen[key] = value
                flag(False)
            else:
                flag(True)
                if (first ^ value) & 0xFFFFFFFF:
                    conflicts[k] = first >> 32
        return np.array(flags, dtype=bool), conflicts

    def _split(self, cells: list[str]) -> list[list[str]]:
        first, *others = self.separators
        if not others:
            return [c.split(first) for c in cells]
        if len(others) == 1:
            other = others[0]
            return [c.replace(other, first).split(first) for c in cells]
        return [_split_cell(c, first, others) for c in cells]

    def _count(self, frame: pd.DataFrame, stage: np.ndarray) -> None:
        report = self.report
        n = len(frame)
        location_role = "cities" if "cities" in frame.columns else "addresses"
        applicant_values = self._split(frame["applicants"].tolist())
        location_values = self._split(frame[location_role].tolist())
        lengths = np.fromiter((len(v) for v in applicant_values), np.int64, n)
        location_lengths = np.fromiter((len(v) for v in location_values), np.int64, n)
        mismatch = lengths != location_lengths
        # A lone empty location cell is "no address", not a count mismatch.
        no_location = np.fromiter((v == [""] for v in location_values), bool, n)
        report.rows_with_address_count_mismatch += int((mismatch & ~no_location).sum())
        for i in np.flatnonzero(mismatch):
            padded = location_values[i] + [""] * int(lengths[i])
            location_values[i] = padded[: lengths[i]]
        row_index = np.repeat(np.arange(n), lengths)
        long = pd.DataFrame(
            {
                "rix": row_index,
                "applicant": [a.strip() for items in applicant_values for a in items],
                "location": [a.strip() for items in location_values for a in items],
            }
        )
        empty = (long["applicant"] == "").to_numpy()
        report.empty_applicant_entries += int(empty.sum())
        long = long[~empty]
        name_codes, names = pd.factorize(long["applicant"])
        repeated = pd.Series(long["rix"].to_numpy() * (len(names) + 1) + name_codes).duplicated()
        repeated = repeated.to_numpy()
        report.repeated_applicants += int(repeated.sum())
        long = long[~repeated]

        # Resolve each distinct text once: the address, or the applicant's name without one.
        by_name = (long["location"] == "").to_numpy() & self.name_fallback
        texts = np.where(by_name, long["applicant"].to_numpy(), long["location"].to_numpy())
        codes, uniques = pd.factorize(texts)
        outcomes = [self.resolver.resolve(t) for t in uniques]
        adcode = np.array([o.adcode or -1 for o in outcomes], np.int64)[codes]
        resolved = adcode >= 0
        report.applicants += len(long)
        report.applicants_resolved += int(resolved.sum())
        report.applicants_resolved_by_name += int((resolved & by_name).sum())
        report.unresolved_applicants += int((~resolved).sum())
        provinces = np.array([len(o.provinces) > 1 for o in outcomes] or [False], bool)[codes]
        if provinces.any():
            report.multi_province_addresses += int(provinces.sum())
            names = self.resolver.cities["name_zh"]
            rix_m = long["rix"].to_numpy()[provinces]
            for r, pid, applicant, text, code in zip(
                frame["row"].to_numpy()[rix_m].tolist(),
                frame["patent_id"].to_numpy()[rix_m].tolist(),
                long["applicant"].to_numpy()[provinces].tolist(),
                texts[provinces].tolist(),
                codes[provinces].tolist(),
                strict=True,
            ):
                outcome = outcomes[code]
                report.multi_province.append(
                    {
                        "row": int(r),
                        "patent_id": pid,
                        "applicant": applicant,
                        "address": text,
                        "provinces": list(outcome.provinces),
                        "resolved_to": f"{outcome.adcode} {names.get(outcome.adcode, '')}",
                    }
                )
        if (~resolved).any():
            reasons = np.array([o.reason for o in outcomes], dtype=object)[codes][~resolved]
            rix = long["rix"].to_numpy()[~resolved]
            reasons = np.where(
                by_name[~resolved],
                np.char.add("no address; applicant name: ", reasons.astype(str)),
                reasons,
            )
            self.unresolved.append(
                pd.DataFrame(
                    {
                        "row": frame["row"].to_numpy()[rix],
                        "patent_id": frame["patent_id"].to_numpy()[rix],
                        "applicant": long["applicant"].to_numpy()[~resolved],
                        "address": long["location"].to_numpy()[~resolved],
                        "reason": reasons,
                    }
                )
            )

        rix_all = long["rix"].to_numpy()
        if self.on_unresolved == "skip_patent":
            spoiled = np.zeros(n, bool)
            spoiled[rix_all[~resolved]] = True
            report.patents_dropped_unresolved += int(spoiled.sum())
            keep = ~spoiled[rix_all]
            rix_all, adcode, resolved = rix_all[keep], adcode[keep], resolved[keep]
            counted = ~spoiled
        else:
            counted = np.ones(n, bool)
        rix = rix_all[resolved]
        cities = adcode[resolved]
        applicants_per_patent = np.bincount(rix, minlength=n)
        # Distinct (patent, city), sorted by patent then city.
        distinct = _sorted_distinct(rix * _PAIR_BASE + cities)
        patent_of = distinct // _PAIR_BASE
        city_of = distinct % _PAIR_BASE
        k = np.bincount(patent_of, minlength=n)

        cross = k >= 2
        single = (k == 1) & (applicants_per_patent >= 2)
        report.cross_city_patents += int(cross.sum())
        report.single_city_patents += int(single.sum())
        report.single_applicant_patents += int((counted & (applicants_per_patent == 1)).sum())
        report.patents_without_resolved_applicant += int(
            (counted & (applicants_per_patent == 0)).sum()
        )
        self.stage_cross += np.bincount(stage[cross], minlength=len(self.stages))
        self.stage_single += np.bincount(stage[single], minlength=len(self.stages))

        # Internal strength: +1 per patent whose (>= 2) applicants all sit in one city.
        single_rows = single[patent_of]
        self.internal_keys.append(stage[patent_of[single_rows]] * _PAIR_BASE + city_of[single_rows])

        # Pairs: within each patent's sorted distinct cities, every (i, i+d) is a pair a < b.
        pair_stage = stage[patent_of]
        max_k = int(k.max()) if len(k) else 0
        for d in range(1, max_k):
            same = patent_of[:-d] == patent_of[d:]
            if not same.any():
                break
            a, b = city_of[:-d][same], city_of[d:][same]
            self.pair_keys.append((pair_stage[:-d][same] * _PAIR_BASE + a) * _PAIR_BASE + b)

    def result(self, threshold: int) -> IngestResult:
        from pyreslib.network import stage_network

        report = self.report
        with_id = report.rows_read - report.rows_without_id - report.duplicates
        if with_id > 0 and report.invalid_year == with_id:
            bad_dates = next(f for f in self.rejected if f["column"].iloc[0] == "date")
            examples = ", ".join(repr(str(v)) for v in bad_dates["value"][:3])
            raise InputError(
                f"{report.source}: no row has a readable year in column "
                f"{report.columns_used.get('date')!r} (e.g. {examples}). Map the application "
                "date column with columns={'date': '<header>'} (--column date=<header>)."
            )
        report.out_of_stage_years = {str(y): c for y, c in sorted(self.out_of_stage_years.items())}
        pair_keys = np.concatenate(self.pair_keys) if self.pair_keys else np.array([], np.int64)
        keys, counts = _sorted_counts(pair_keys)
        pairs = pd.DataFrame(
            {
                "stage": keys // _PAIR_BASE // _PAIR_BASE,
                "city_a": keys // _PAIR_BASE % _PAIR_BASE,
                "city_b": keys % _PAIR_BASE,
                "weight": counts.astype(np.int64),
            }
        )
        internal_keys = (
            np.concatenate(self.internal_keys) if self.internal_keys else np.array([], np.int64)
        )
        ikeys, icounts = _sorted_counts(internal_keys)
        internal = pd.DataFrame(
            {
                "stage": ikeys // _PAIR_BASE,
                "adcode": ikeys % _PAIR_BASE,
                "internal": icounts.astype(np.int64),
            }
        )
        networks: dict[str, nx.Graph] = {}
        for index, st in enumerate(self.stages):
            stage_pairs = pairs[pairs["stage"] == index].drop(columns="stage")
            stage_internal = internal[internal["stage"] == index].set_index("adcode")["internal"]
            graph = stage_network(
                stage_pairs,
                stage_internal,
                stage=st.label,
                threshold=threshold,
                cities=self.resolver.cities,
            )
            networks[st.label] = graph
            report.stages.append(
                StageSummary(
                    label=st.label,
                    patents=int(self.stage_patents[index]),
                    cross_city_patents=int(self.stage_cross[index]),
                    single_city_patents=int(self.stage_single[index]),
                    cities=graph.number_of_nodes(),
                    city_pairs=graph.number_of_edges(),
                    cross_city_collaborations=int(graph.size(weight="weight")),
                    internal_collaborations=int(stage_internal.sum()),
                    pairs_below_threshold=int((stage_pairs["weight"] < threshold).sum()),
                )
            )
            if graph.number_of_edges() == 0:
                report.stages_without_edges.append(st.label)
        labels = {i: s.label for i, s in enumerate(self.stages)}
        internal.insert(0, "stage", internal.pop("stage").map(labels))
        return IngestResult(
            networks=networks,
            report=report,
            unresolved=_frame(
                self.unresolved, ["row", "patent_id", "applicant", "address", "reason"]
            ),
            rejected=_frame(self.rejected, ["row", "patent_id", "column", "value", "reason"]),
            internal=internal.reset_index(drop=True),
            stages=self.stages,
            threshold=threshold,
        )


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.sort + a boundary mask: faster than np.unique on int64 here)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _sorted_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and how often each occurs."""
    keys = np.sort(keys)
    if not len(keys):
        return keys, np.array([], np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.diff(np.r_[starts, len(keys)])


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(
            {c: pd.Series([], dtype="int64" if c == "row" else object) for c in columns}
        )
    return pd.concat(parts, ignore_index=True)[columns]


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists are made.

    Splitting cells creates one list per cell; each allocation burst triggers a collection that
    walks every live container, which made splitting 10-20 times slower than the splits
    themselves. The lists hold only strings, so nothing cyclic is left for the collector.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _id_key(patent_id: str) -> str:
    """A patent id as compared for repeats: NFKC-normalised (full-width ＣＮ１ is CN1), without
    any whitespace, upper case."""
    if not patent_id.isascii():
        patent_id = unicodedata.normalize("NFKC", patent_id)
    return "".join(patent_id.split()).upper()


def _split_cell(cell: str, first: str, others: list[str]) -> list[str]:
    """Split a multi-valued cell on any of the separators (mixed in one cell too)."""
    for other in others:
        cell = cell.replace(other, first)
    return cell.split(first)


_YEAR_TEXT = re.compile(r"^(\d{4})(?:\d{4}|\.0+)?(?:$|[-/.年\sT])")
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")


def _parse_year(text: str, valid_years: tuple[int, int]) -> tuple[int, str]:
    """(year, "") or (-1, why not) for a date cell: 2015, 2015-03-02, 2015年3月2日, 20150302,
    2015/3/2, 2015.03.02, or an Excel day serial (42064)."""
    text = str(text).strip()
    if not text:
        return -1, "no application date"
    match = _YEAR_TEXT.match(text)
    if match:
        year = int(match.group(1))
    else:
        serial = _EXCEL_SERIAL.match(text)
        if not serial:
            return -1, f"not a date or year: {text[:40]!r}"
        year = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(serial.group(1)))).year
    if not valid_years[0] <= year <= valid_years[1]:
        return -1, f"year {year} outside {valid_years[0]}-{valid_years[1]}"
    return year, ""


def ingest_frame(
    records: pd.DataFrame,
    *,
    stages: Iterable[Stage] | str = DEFAULT_STAGES,
    columns: Mapping[str, str] | None = None,
    threshold: int = 1,
    resolver: CityResolver | None = None,
    separators: tuple[str, ...] = DEFAULT_SEPARATORS,
    name_fallback: bool = True,
    on_unresolved: Literal["skip_applicant", "skip_patent"] = "skip_applicant",
    valid_years: tuple[int, int] = VALID_YEARS,
    chunk_rows: int = 250_000,
    source: str = "<frame>",
) -> IngestResult:
    """Stage networks from an in-memory table of patent records (see :func:`ingest_file`).

    ``records`` has canonical columns (as :func:`read_records` returns) or headers that
    :data:`DEFAULT_COLUMNS` / ``columns`` map; a missing ``row`` column is numbered as a
    spreadsheet would (first record = row 2).
    """
    if not isinstance(records, pd.DataFrame):
        raise InputError(f"records: expected a pandas DataFrame, got {type(records).__name__}.")
    headers = [str(c) for c in records.columns]
    mapping = _map_columns(headers, columns, source)
    frame = records.rename(columns={v: k for k, v in mapping.items()})
    frame = frame[[*(["row"] if "row" in frame.columns else []), *mapping]]
    for role in mapping:
        frame[role] = frame[role].fillna("").astype(str)
    if "row" not in frame.columns:
        frame.insert(0, "row", np.arange(2, len(frame) + 2, dtype=np.int64))
    report = IngestReport(
        source=source, file_format="frame", encoding="", columns_used=dict(mapping)
    )
    accumulator = _new_accumulator(
        stages, report, resolver, separators, name_fallback, on_unresolved, valid_years, threshold
    )
    for start in range(0, len(frame), chunk_rows):
        accumulator.add(frame.iloc[start : start + chunk_rows])
    return accumulator.result(threshold)


def ingest_file(
    path: str | Path,
    *,
    stages: Iterable[Stage] | str = DEFAULT_STAGES,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    threshold: int = 1,
    sheet: str | int | None = None,
    resolver: CityResolver | None = None,
    separators: tuple[str, ...] = DEFAULT_SEPARATORS,
    name_fallback: bool = True,
    on_unresolved: Literal["skip_applicant", "skip_patent"] = "skip_applicant",
    valid_years: tuple[int, int] = VALID_YEARS,
    chunk_rows: int = 250_000,
) -> IngestResult:
    """Read a patent export and build one city network per stage (docs/method.md, section 1).

    Counting rule, per stage: a city pair (a, b), a != b, gains 1 for every patent with
    applicants in both a and b (a patent with applicants in k distinct cities adds 1 to each of
    its k(k-1)/2 pairs); a city's internal strength gains 1 for every patent with two or more
    (distinct) applicants, all in that city.

    Parameters beyond the obvious:

    threshold
        Pairs with fewer collaborations are left out of the network (default 1 keeps all);
        their number is in the stage summary.
    resolver
        The :class:`~pyreslib.cities.CityResolver` (e.g. prefecture-level units only).
    separators
        Separators of multi-valued cells.
    name_fallback
        An applicant without an address (fewer addresses than applicants, as in exports that
        give only the first applicant's address) is resolved from its name
        ("南京大学" -> 南京); counted in ``applicants_resolved_by_name``.
    on_unresolved
        ``"skip_applicant"`` (default): a patent counts among its resolved applicants;
        ``"skip_patent"``: a patent with any unresolved applicant is left out (counted).
    valid_years
        A year outside this range is a data error (row rejected), not "out of stage".
    chunk_rows
        Rows processed at a time; bounds memory on very large files.
    """
    if isinstance(stages, str):
        stages = parse_stages(stages)
    reading = _Reading()
    fmt, mapping, chunks = _iter_records(
        path, columns=columns, encoding=encoding, sheet=sheet, chunk_rows=chunk_rows,
        reading=reading,
    )
    report = IngestReport(
        source=str(path),
        file_format=fmt.kind,
        encoding=fmt.encoding or "",
        columns_used=dict(mapping),
    )
    accumulator = _new_accumulator(
        stages, report, resolver, separators, name_fallback, on_unresolved, valid_years, threshold
    )
    for chunk in chunks:
        accumulator.add(chunk)
    report.padded_rows = _short_rows(Path(path), fmt, reading)
    report.rows_padded = len(report.padded_rows)
    return accumulator.result(threshold)


def _new_accumulator(
    stages, report, resolver, separators, name_fallback, on_unresolved, valid_years, threshold
) -> _Accumulator:
    if isinstance(stages, str):
        stages = parse_stages(stages)
    stages = _check_stages(stages)
    if on_unresolved not in {"skip_applicant", "skip_patent"}:
        raise InputError(f"on_unresolved={on_unresolved!r}: use 'skip_applicant' or 'skip_patent'.")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise InputError(f"threshold={threshold!r}: must be a whole number >= 1.")
    if not separators or any(not s for s in separators):
        raise InputError(f"separators={separators!r}: give one or more non-empty separators.")
    return _Accumulator(
        stages=stages,
        resolver=resolver or default_resolver(),
        separators=tuple(separators),
        name_fallback=name_fallback,
        on_unresolved=on_unresolved,
        valid_years=tuple(valid_years),
        report=report,
    )
