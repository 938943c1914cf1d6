"""An input file before its rows: what a path names, its bytes (read once when they cannot
be read twice), and what they are -- an Excel workbook or a text table, in which encoding,
with which separator.

:func:`open_source` looks at what a path names before anything reads it:

- a regular file is read where it lies, and may be read again (to find the row of a fault);
- a pipe -- ``/dev/stdin`` fed by ``|``, a process substitution ``<(...)``, a named pipe made
  by ``mkfifo`` -- can be read only once, so it is read whole into memory, up to
  :data:`PIPE_LIMIT` bytes, and every later reading uses that copy.  A named pipe that
  nothing writes to is refused after :data:`PIPE_WAIT` seconds rather than waited on for ever;
  a pipe whose writer is running is waited on for as long as the writer takes;
- a folder, a device (``/dev/zero``, ``/dev/null``, a terminal), a socket, a path that does
  not exist or cannot be read are refused with an :class:`~pyreslib.errors.InputError` that
  says which of these it is and what to give instead.

:func:`detect_format` then tells a workbook from a text table by its first bytes, and a text
table's encoding and separator (a first line ``sep=;``, as Excel writes, is the separator).
Text tables are read again record by record by the csv module only to find where a fault is
(``_csv_records``), with the csv module's 131,072-character field limit lifted, since pandas,
which reads the rows, has none.

Examples
--------
>>> import pathlib, tempfile
>>> from pyreslib.sources import open_source
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "p.csv").write_bytes(b"id\\n1\\n")
>>> source = open_source(folder / "p.csv")
>>> source.data is None, source.read(3)
(True, b'id\\n')
>>> open_source(folder)
Traceback (most recent call last):
...
pyreslib.errors.InputError: ... is a folder, not a file; give the export file inside it.
>>> open_source("/dev/zero")
Traceback (most recent call last):
...
pyreslib.errors.InputError: /dev/zero: is a device (a character special file), not a file ...
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import io
import os
import re
import select
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from pyreslib.errors import InputError

__all__ = ["PIPE_LIMIT", "PIPE_WAIT", "FileFormat", "Source", "detect_format", "open_source"]

PIPE_LIMIT = 2 << 30
"""Bytes read from a pipe at most (2 GiB): a pipe is held in memory whole."""

PIPE_WAIT = 3.0
"""Seconds to wait for something to start writing into a named pipe before refusing it."""

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Source:
    """An input file: its ``path`` and, when it was a pipe, its ``data`` (read once).

    ``kind`` is ``"file"`` or ``"pipe"``.  :meth:`open` gives a fresh binary handle at the
    start every time, from the file or from the copy in memory.
    """

    path: Path
    data: bytes | None = None

    @property
    def kind(self) -> str:
        return "file" if self.data is None else "pipe"

    def open(self) -> BinaryIO:
        """A binary handle positioned at the start (the caller closes it)."""
        return self.path.open("rb") if self.data is None else io.BytesIO(self.data)

    def read(self, size: int = -1) -> bytes:
        """The first ``size`` bytes (all with -1)."""
        if self.data is not None:
            return self.data if size < 0 else self.data[:size]
        with self.path.open("rb") as handle:
            return handle.read(size)

    def reader_input(self) -> Path | BinaryIO:
        """What pandas' readers are given: the path, or a handle on the copy in memory."""
        return self.path if self.data is None else io.BytesIO(self.data)


def open_source(path: str | Path, *, what: str = "export") -> Source:
    """The :class:`Source` behind ``path``, or an :class:`InputError` saying what it is.

    Parameters
    ----------
    path : str or Path
        A file, or a pipe (``/dev/stdin``, ``/dev/fd/N`` of a process substitution, a FIFO).
    what : str
        What the file should be, for messages ("export", "table").

    Returns
    -------
    Source
        ``data`` is None for a regular file; a pipe's whole content otherwise.

    Raises
    ------
    InputError
        The path does not exist, cannot be read, or names a folder, device or socket; a pipe
        holds more than :data:`PIPE_LIMIT` bytes or nothing writes to it.

    Examples
    --------
    >>> import os, pathlib, tempfile, threading
    >>> fifo = pathlib.Path(tempfile.mkdtemp()) / "in.fifo"
    >>> os.mkfifo(fifo)
    >>> writer = threading.Thread(target=lambda: fifo.write_bytes(b"id\\n1\\n"))
    >>> writer.start()
    >>> source = open_source(fifo)
    >>> writer.join()
    >>> source.kind, source.read(), source.read()  # read once, kept in memory
    ('pipe', b'id\\n1\\n', b'id\\n1\\n')
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(
                f"{path}: is a symbolic link to {os.readlink(path)!r}, which does not exist; "
                "give the file it should point to."
            ) from None
        raise InputError(f"{path}: no such file.") from None
    except NotADirectoryError:
        raise InputError(
            f"{path}: no such file (a part of the path before the name is a file, not a folder)."
        ) from None
    except PermissionError:
        raise InputError(
            f"{path}: cannot be read (permission denied on a folder of the path); copy the file "
            "somewhere you can read, or fix its permissions."
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    mode = info.st_mode
    if stat.S_ISREG(mode):
        if not os.access(path, os.R_OK):
            raise InputError(
                f"{path}: cannot be read (permission denied); fix its permissions or copy it."
            )
        return Source(path)
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a file; give the {what} file inside it.")
    if stat.S_ISFIFO(mode):
        return Source(path, _read_pipe(path))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a character special file" if stat.S_ISCHR(mode) else "a block special file"
        if _is_terminal(path):
            raise InputError(
                f"{path}: is a terminal, not a file; give the {what}'s path, or pipe it in "
                "(pyreslib ... /dev/stdin < patents.csv)."
            )
        raise InputError(
            f"{path}: is a device ({kind}), not a file of records; give the {what} file's path."
        )
    if stat.S_ISSOCK(mode):
        raise InputError(f"{path}: is a socket, not a file; give the {what} file's path.")
    raise InputError(f"{path}: is not a regular file; give the {what} file's path.")


def _is_terminal(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.isatty(fd)
    finally:
        os.close(fd)


def _read_pipe(path: Path, limit: int | None = None, wait: float | None = None) -> bytes:
    """A pipe's whole content, read once.

    Opened without blocking, so that a named pipe nothing has opened for writing does not
    hang the open.  A read that would block means a writer is connected: wait for it.  An
    empty read means no writer: either it has finished (a hang-up) or none has come yet, for
    which :data:`PIPE_WAIT` seconds are allowed.
    """
    limit = PIPE_LIMIT if limit is None else limit
    wait = PIPE_WAIT if wait is None else wait
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"{path}: the pipe cannot be opened ({exc.strerror or exc}).") from None
    blocks: list[bytes] = []
    size = 0
    writer_seen = False
    deadline = time.monotonic() + wait
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        while True:
            try:
                block = os.read(fd, _BLOCK)
            except BlockingIOError:  # a writer is connected but has written nothing yet
                writer_seen = True
                poller.poll()
                continue
            if block:
                writer_seen = True
                size += len(block)
                if size > limit:
                    raise InputError(
                        f"{path}: more than {limit / (1 << 30):.0f} GiB came through the pipe, "
                        "which pyreslib would have to hold in memory; save the data to a file "
                        "and give that file's path."
                    )
                blocks.append(block)
                continue
            if writer_seen:
                break
            left = deadline - time.monotonic()
            events = poller.poll(max(left, 0.0) * 1000) if left > 0 else []
            if events and not any(e & select.POLLIN for _, e in events):
                break  # a writer came and went without writing: an empty pipe
            if not events:
                try:
                    block = os.read(fd, _BLOCK)
                except BlockingIOError:
                    writer_seen = True
                    continue
                if not block:
                    raise InputError(
                        f"{path}: is a named pipe (FIFO) and nothing wrote to it within "
                        f"{wait:g} s; start the program that writes into it first, or give a "
                        "regular file."
                    )
                writer_seen = True
                blocks.append(block)
                size += len(block)
    finally:
        os.close(fd)
    return b"".join(blocks)


# ---------------------------------------------------------------------------------------------
# What the bytes are
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
_SEP_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class FileFormat:
    """How a file is read: ``kind`` (csv/xlsx/xls), ``encoding`` and ``separator`` for text.

    ``skip_lines`` is 1 when the first line is Excel's ``sep=;`` hint (read as the separator,
    not as a row); ``source`` is where the bytes come from (a pipe's are held in memory).
    """

    kind: Literal["csv", "xlsx", "xls"]
    encoding: str | None = None
    separator: str | None = None
    skip_lines: int = 0
    source: Source | None = field(default=None, repr=False, compare=False)


def detect_format(
    path: str | Path, encoding: str | None = None, *, header_row: int = 1
) -> FileFormat:
    """Tell an Excel workbook from a text table by its first bytes, then the text's encoding.

    Encodings are tried in this order: a byte-order mark (UTF-8, UTF-16), strict UTF-8, strict
    GB18030 (a superset of GBK and GB2312), then charset-normalizer's best guess. ``encoding``
    overrides the detection (the file is still checked to be decodable).  A first line
    ``sep=;`` (written by Excel) sets the separator; otherwise it is guessed from the header
    line (row ``header_row``).  A pipe is read once (:func:`open_source`).

    Parameters
    ----------
    path : str or Path
        The export.
    encoding : str, optional
        The text encoding, instead of detecting it.
    header_row : int
        The row of the header (1 = the first line, after a ``sep=`` line).

    Returns
    -------
    FileFormat

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
    >>> _ = path.write_text("sep=;\\n申请号;申请日\\n", encoding="utf-8")
    >>> detect_format(path)
    FileFormat(kind='csv', encoding='utf-8', separator=';', skip_lines=1)
    """
    return _detect(open_source(path), encoding, header_row)


def _detect(source: Source, encoding: str | None, header_row: int = 1) -> FileFormat:
    path = source.path
    head = source.read(_SAMPLE_BYTES + 1)
    sample, whole = head[:_SAMPLE_BYTES], len(head) <= _SAMPLE_BYTES
    if not sample:
        raise InputError(f"{path}: the file is empty (0 bytes); export the patent records again.")
    suffix = path.suffix.lower()
    if sample.startswith(b"PK\x03\x04"):
        return FileFormat("xlsx", source=source)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        return FileFormat("xls", source=source)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raise InputError(
            f"{path}: named like an Excel file but is not one (truncated or mislabelled); open it "
            "in Excel and save it again, or export CSV."
        )
    for magic, what in _BINARY_MAGIC.items():
        if sample.startswith(magic):
            raise InputError(f"{path}: is {what}, not a table of patent records.")
    if encoding is None:
        encoding = _detect_encoding(source, sample, whole)
    else:
        _check_encoding_name(encoding)
    text = _decode_sample(path, sample, whole, encoding)
    if "\x00" in text:
        raise InputError(
            f"{path}: contains binary data (NUL bytes), so it is not a text table; give a CSV, "
            "TSV or Excel export."
        )
    lines = text.lstrip("\ufeff").splitlines() if text.strip() else []
    sep_line = _SEP_LINE.fullmatch(lines[0]) if lines else None
    skip = 1 if sep_line else 0
    index = skip + header_row - 1
    header_line = lines[index] if index < len(lines) else ""
    if not header_line.strip():
        raise _BlankHeader(
            f"{path}: the file has no header line (row {header_row} is blank or missing).",
            FileFormat("csv", encoding, ",", skip, source) if lines else None,
        )
    separator = sep_line.group(1) if sep_line else _guess_separator(header_line, suffix)
    return FileFormat("csv", encoding, separator, skip, source)


class _BlankHeader(InputError):
    """The header row is blank; ``fmt`` is how the rest would be read (None: no text at all),
    so that the caller can look for the header on another row."""

    def __init__(self, message: str, fmt: FileFormat | None):
        super().__init__(message)
        self.fmt = fmt


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


def _detect_encoding(source: Source, sample: bytes, whole: bool) -> str:
    path = source.path
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
            raise _mixed_encoding(source, "utf-8") from None
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



@contextlib.contextmanager
def _csv_fields_unbounded() -> Iterator[None]:
    """Lift the csv module's 131,072-character field limit (a process-wide setting) while a
    file is scanned record by record: pandas, which reads the records, has no such limit."""
    before = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _csv_records(
    source: Source, fmt: FileFormat, header_row: int, errors: str = "strict"
) -> Iterator[tuple[int, int, list[str]]]:
    """(row, first line, fields) of every record of a CSV, numbered as the reader numbers
    them: the header is ``header_row``, blank lines are not records; the header comes first."""
    with io.TextIOWrapper(source.open(), encoding=fmt.encoding, errors=errors, newline="") as text:
        for _ in range(fmt.skip_lines):
            text.readline()
        reader = csv.reader(text, delimiter=fmt.separator or ",")
        skipped, row, line = 0, header_row - 1, fmt.skip_lines
        with _csv_fields_unbounded():
            for record in reader:
                start, line = line + 1, reader.line_num + fmt.skip_lines
                if skipped < header_row - 1:  # rows above the header count as lines do
                    skipped += 1
                    continue
                if record:
                    row += 1
                    yield row, start, record


def _first_undecodable(source: Source, encoding: str, separator: str | None = None):
    """Where ``source`` stops being valid ``encoding``: (line, row, byte offset, reason), or None.

    ``line`` counts physical lines; ``row`` is the spreadsheet row of the record the bad bytes
    are in (header = row 1; quoted cells may span lines; blank lines are not records, as
    when reading).  Reads the file once, in blocks.
    """
    where: dict[str, object] = {}

    def good_lines() -> Iterator[str]:
        carry, offset, partial = b"", 0, ""
        with source.open() as handle:
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

    with _csv_fields_unbounded():
        records = sum(
            1 for record in csv.reader(good_lines(), delimiter=separator or ",") if record
        )
    if "offset" not in where:
        return None
    return int(where["lines"]) + 1, records + 1, int(where["offset"]), str(where["reason"])


def _mixed_encoding(source: Source, encoding: str, separator: str | None = None) -> InputError:
    """The error for a file whose bytes stop being ``encoding`` part-way, naming where."""
    path = source.path
    found = _first_undecodable(source, encoding, separator)
    if found is None:  # pragma: no cover - only called after a decoding error
        return InputError(f"{path}: is not valid {encoding} text; pass encoding=...")
    line, row, offset, reason = found
    return InputError(
        f"{path}: mixes encodings: row {row:,} (line {line:,}, byte {offset:,}) is not valid "
        f"{encoding} ({reason}) while the rows before it are. Re-save the whole file in one "
        "encoding (UTF-8), or pass encoding=... to read it as one (e.g. 'gb18030' for GBK)."
    )


def _separator_name(separator: str | None) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon"}.get(separator or ",", repr(separator))

