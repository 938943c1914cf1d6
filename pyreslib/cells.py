"""The cells of a patent record: ids compared for repeats, dates read as years, and
multi-valued cells (applicants, addresses) split into their values.

Ids (:func:`id_key`)
    Compared after Unicode NFKC normalisation (full-width ``ＣＮ１`` is ``CN1``), without
    whitespace, in upper case.  A Chinese application number is the same with and without
    its country prefix ``CN`` (or the ``ZL`` of a patent number) and with or without its
    check digit: ``CN201110234567.8``, ``ZL201110234567.8``, ``201110234567.8`` and
    ``201110234567`` are one application.  An application number is 8 digits (before
    October 2003) or 12 digits, optionally followed by ``.`` and the check digit (0-9 or X);
    13 digits are 12 with the check digit appended.  Publication numbers (``CN102345678A``)
    and other ids keep their prefix: only application numbers are rewritten.
Dates (:func:`parse_year`)
    Read after NFKC normalisation, so full-width digits and separators
    (``２０１５－０３－０４``, ``２０１５／３／４``) read like ASCII ones; the dashes ‐ – — − are
    dashes too.
Multi-valued cells (:func:`split_cells`)
    Values are separated by any of :data:`DEFAULT_SEPARATORS` (``;``, ``；``, ``|``, mixed
    in one cell too).  A cell holding none of them whose values stand on separate lines (a
    line break inside the cell, as Excel's Alt+Enter makes) is split at its line breaks; in a
    cell that has a separator, a line break is only a wrapped line.  The enumeration comma
    ``、`` is not split on by default: addresses use it inside one address (``中关村南大街
    5号1、2号楼``), so splitting would misalign the i-th address with the i-th applicant.
    :func:`unsplit_lists` finds the cells that look like lists joined by a separator that is
    not split on (``甲公司、乙大学``, ``甲公司，乙大学``, ``甲公司/乙大学``), so that they can
    be counted and listed; pass ``separators=(";", "；", "|", "、")`` to split on ``、``.

Examples
--------
>>> from pyreslib.cells import id_key, parse_year, split_cells, unsplit_lists
>>> id_key(" ｃｎ２０１１１０２３４５６７.８ "), id_key("201110234567.8"), id_key("CN102345678A")
('201110234567', '201110234567', 'CN102345678A')
>>> parse_year("２０１５－０３－０４", (1900, 2100)), parse_year("2015年3月2日", (1900, 2100))
((2015, ''), (2015, ''))
>>> split_cells(["甲公司;乙大学；丙研究院", "甲公司 | 乙大学", "甲公司\\n乙大学"])
[['甲公司', '乙大学', '丙研究院'], ['甲公司 ', ' 乙大学'], ['甲公司', '乙大学']]
>>> unsplit_lists(["甲公司;乙大学", "甲公司、乙大学", "Apple, Inc."])
[(1, '、')]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SEPARATORS",
    "LIST_MARKS",
    "id_key",
    "id_keys",
    "parse_year",
    "split_cell",
    "split_cells",
    "unsplit_lists",
]

DEFAULT_SEPARATORS = (";", "；", "|")
"""Separators between the values of a multi-valued cell (mixing them in one cell is fine).

``|`` is a common list separator of database exports and spreadsheets; no Chinese name or address
contains it.  Line breaks separate the values of a cell that has none of these
(:func:`split_cells`).
"""

LIST_MARKS = ("、", "，", ",", "/", "|", ";", "；")
"""Characters that join the values of a list when they stand between two Chinese characters:
a cell where one of them does and is not among the separators split on is reported by
:func:`unsplit_lists`."""

_ID_PREFIXES = ("CN", "ZL")


def _application_number(key: str) -> str | None:
    """The 8 or 12 digits of a Chinese application number (``key`` without its prefix, upper
    case, no whitespace), or None when ``key`` is not one."""
    if key.isdigit():
        n = len(key)
        return key if n in (8, 12) else key[:12] if n == 13 else None
    digits, dot, check = key.partition(".")
    if dot and len(digits) in (8, 12) and digits.isdigit() and check in _CHECK_DIGITS:
        return digits
    return None


_CHECK_DIGITS = frozenset("0123456789X")


def _key_of(key: str) -> str:
    """A normalised id (NFKC, no whitespace, upper case) as compared: application numbers
    without the ``CN``/``ZL`` prefix and the check digit."""
    body = key[2:] if key[:2] in _ID_PREFIXES else key
    number = _application_number(body) if body[:1].isdigit() else None
    return key if number is None else number


def id_key(patent_id: str) -> str:
    """A patent id as compared for repeats.

    NFKC-normalised (full-width ＣＮ１ is CN1), without any whitespace, upper case; an
    application number without its ``CN``/``ZL`` prefix and check digit (module docstring).

    Parameters
    ----------
    patent_id : str
        The id cell as read.

    Returns
    -------
    str
        The key two rows share when they are the same patent.

    Examples
    --------
    >>> id_key("cn 201110234567.8"), id_key("CN1"), id_key("ZL97123456.X")
    ('201110234567', 'CN1', '97123456')
    """
    if not patent_id.isascii():
        patent_id = unicodedata.normalize("NFKC", patent_id)
    return _key_of("".join(patent_id.split()).upper())


def id_keys(patent_ids: Sequence[str]) -> list[str]:
    """:func:`id_key` of every id of a column, with a fast path for plain ASCII ids.

    Examples
    --------
    >>> id_keys(["CN201110234567.8", "2011102345678", "ＣＮ１"])
    ['201110234567', '201110234567', 'CN1']
    """
    slow = id_key
    keys = [i.upper() if i.isascii() and " " not in i and "\t" not in i else slow(i)
            for i in patent_ids]
    # Only keys of an application number's lengths (with or without prefix and check digit)
    # are looked at further: ids of other shapes cost one len() each.
    key_of, lengths = _key_of, _APPLICATION_LENGTHS
    return [key_of(k) if len(k) in lengths else k for k in keys]


_APPLICATION_LENGTHS = frozenset({8, 10, 12, 13, 14, 15, 16})


def split_cell(cell: str, first: str, others: Sequence[str]) -> list[str]:
    """Split one multi-valued cell on ``first`` and ``others`` (mixed in one cell too); a cell
    with none of them is split at its line breaks (:func:`split_cells` does whole columns).

    Examples
    --------
    >>> split_cell("甲;乙|丙", ";", ["|"]), split_cell("甲\\r\\n乙", ";", [])
    (['甲', '乙', '丙'], ['甲', '乙'])
    """
    for other in others:
        cell = cell.replace(other, first)
    parts = cell.split(first)
    if len(parts) == 1 and ("\n" in cell or "\r" in cell):
        return cell.strip().splitlines() or [""]
    return parts


def split_cells(
    cells: Sequence[str], separators: Sequence[str] = DEFAULT_SEPARATORS
) -> list[list[str]]:
    """Split every cell of a column into its values (values keep surrounding spaces).

    A value is what lies between two separators (``separators``, any of them, mixed); a cell
    holding none of them is split at its line breaks (``\\n``, ``\\r\\n``, ``\\r``), leading
    and trailing ones dropped.  Empty values are kept (``"甲;;乙"`` has three), so that the
    caller can count them.

    Parameters
    ----------
    cells : sequence of str
        One column of a chunk of records.
    separators : sequence of str
        Non-empty separators; the first is the one the others are replaced by.

    Returns
    -------
    list of list of str
        The values of each cell, in order.

    Examples
    --------
    >>> split_cells(["甲;乙", "丙\\n丁", "戊;\\n己"], [";"])
    [['甲', '乙'], ['丙', '丁'], ['戊', '\\n己']]
    """
    first, *others = separators
    # One C-speed scan of the whole column tells which separators and line breaks occur at all;
    # then one pass of str.replace per separator present, over a list (the per-cell function
    # call of a general loop costs more than the splitting itself on a million-row file).
    text = "".join(cells)
    others = [o for o in others if o in text]
    if not others:
        parts = [c.split(first) for c in cells]
    elif len(others) == 1:
        (o1,) = others
        parts = [c.replace(o1, first).split(first) for c in cells]
    elif len(others) == 2:
        o1, o2 = others
        parts = [c.replace(o1, first).replace(o2, first).split(first) for c in cells]
    else:
        return [split_cell(c, first, others) for c in cells]
    if "\n" in text or "\r" in text:
        for i, values in enumerate(parts):
            if len(values) == 1 and ("\n" in values[0] or "\r" in values[0]):
                parts[i] = values[0].strip().splitlines() or [""]
    return parts


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def unsplit_lists(
    cells: Sequence[str], separators: Sequence[str] = DEFAULT_SEPARATORS
) -> list[tuple[int, str]]:
    """Cells that look like lists joined by a mark that is not among ``separators``.

    A cell is such a list when one of :data:`LIST_MARKS` that is not a separator stands
    between two Chinese characters (spaces around it allowed): ``甲公司、乙大学``,
    ``甲公司 / 乙大学``.  Latin names with commas (``Apple, Inc.``) are not lists by this rule.
    Splitting on ``、`` is left to the user (module docstring), so such cells are reported.

    Parameters
    ----------
    cells : sequence of str
        The applicants column (or any multi-valued column) of a chunk.
    separators : sequence of str
        The separators the cells are split on.

    Returns
    -------
    list of (int, str)
        Position in ``cells`` and the mark found (the first in the cell), in order.

    Examples
    --------
    >>> unsplit_lists(["甲公司、乙大学", "甲;乙", "北京大学，清华大学"])
    [(0, '、'), (2, '，')]
    >>> unsplit_lists(["甲公司、乙大学"], separators=[";", "、"])
    []
    """
    marks = [m for m in LIST_MARKS if m not in separators]
    text = "\x00".join(cells)
    # The common case (no mark anywhere in the chunk) costs one join and a few C-speed scans.
    present = [m for m in marks if m in text]
    if not present:
        return []
    pattern = re.compile(
        f"[{_CJK}]\\s*([{re.escape(''.join(present))}])\\s*[{_CJK}]"
    )
    ends = np.cumsum(np.fromiter((len(c) + 1 for c in cells), np.int64, len(cells)))
    found: dict[int, str] = {}
    for match in pattern.finditer(text):
        index = int(np.searchsorted(ends, match.start(1), side="right"))
        found.setdefault(index, match.group(1))
    return sorted(found.items())


_YEAR_TEXT = re.compile(r"^(\d{4})(?:\d{4}|\.0+)?(?:$|[-/.年\sT_\u2010-\u2015\u2212])")
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")


def parse_year(text: str, valid_years: tuple[int, int]) -> tuple[int, str]:
    """The application year of a date cell, or why there is none.

    Reads 2015, 2015-03-02, 2015年3月2日, 20150302, 2015/3/2, 2015.03.02, an Excel day serial
    (42064), and all of these in full-width characters (NFKC: ``２０１５－０３－０２``).

    Parameters
    ----------
    text : str
        The date cell.
    valid_years : (int, int)
        Years outside this range (both ends included) are refused.

    Returns
    -------
    (int, str)
        ``(year, "")``, or ``(-1, reason)`` when the cell gives no year in range.

    Examples
    --------
    >>> parse_year("２０１５／３／４", (1900, 2100)), parse_year("1850", (1900, 2100))
    ((2015, ''), (-1, 'year 1850 outside 1900-2100'))
    """
    original = text = str(text).strip()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return -1, "no application date"
    match = _YEAR_TEXT.match(text)
    if match:
        year = int(match.group(1))
    else:
        serial = _EXCEL_SERIAL.match(text)
        if not serial:
            return -1, f"not a date or year: {original[:40]!r}"
        year = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(serial.group(1)))).year
    if not valid_years[0] <= year <= valid_years[1]:
        return -1, f"year {year} outside {valid_years[0]}-{valid_years[1]}"
    return year, ""
