"""The cells of a patent record: ids compared for repeats, dates read as years, and
multi-valued cells (applicants, addresses) split into their values.

Examples
--------
>>> from pyreslib.cells import id_key, parse_year, split_cell
>>> id_key(" ｃｎ２０１１ ")
'CN2011'
>>> parse_year("2015年3月2日", (1900, 2100))
(2015, '')
>>> split_cell("甲公司;乙大学；丙研究院", ";", ["；"])
['甲公司', '乙大学', '丙研究院']
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = ["DEFAULT_SEPARATORS", "id_key", "parse_year", "split_cell"]

DEFAULT_SEPARATORS = (";", "；")
"""Separators between the values of a multi-valued cell (mixing them in one cell is fine)."""


def id_key(patent_id: str) -> str:
    """A patent id as compared for repeats: NFKC-normalised (full-width ＣＮ１ is CN1), without
    any whitespace, upper case."""
    if not patent_id.isascii():
        patent_id = unicodedata.normalize("NFKC", patent_id)
    return "".join(patent_id.split()).upper()


def split_cell(cell: str, first: str, others: list[str]) -> list[str]:
    """Split a multi-valued cell on any of the separators (mixed in one cell too)."""
    for other in others:
        cell = cell.replace(other, first)
    return cell.split(first)


_YEAR_TEXT = re.compile(r"^(\d{4})(?:\d{4}|\.0+)?(?:$|[-/.年\sT])")
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")


def parse_year(text: str, valid_years: tuple[int, int]) -> tuple[int, str]:
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
