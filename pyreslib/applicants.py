"""Placing the applicants an address does not place: a user's table, a city written in the
name, and the institutions of higher education (docs/method.md, section 1).

Exports from CNIPA and the commercial databases usually give an address for the first
applicant only, so every other applicant has to be placed from its name. One precedence holds
for every applicant, and the route that placed it is counted (:data:`ROUTES`):

1. ``address``: the applicant's own address (or city cell), by
   :meth:`pyreslib.cities.CityResolver.resolve`;
2. ``user_table``: the user's table of applicant -> city (:func:`read_applicant_cities`), also
   for an applicant whose address names no city;
3. ``city_in_name``: one prefecture-level city written in the name
   (:meth:`~pyreslib.cities.CityResolver.resolve_name`: 国网江苏省电力有限公司南京供电分公司 ->
   南京). When the name begins with an institution of the list below, only the text after the
   institution's own name is read (华北电力大学（保定） -> 保定, 清华大学深圳研究生院 -> 深圳,
   but 中山大学 is not in 中山);
4. ``institution``: the city of the institution the name is, or begins with, in the Ministry
   of Education's list of 2,631 institutions of higher education (``data/china_universities.csv``:
   吉林大学 and 吉林大学第一医院 -> 长春, 河北工业大学 -> 天津 although its name holds a province).

Routes 3 and 4 apply only to an applicant without an address (an address that names no city,
such as "Stuttgart, Germany", is evidence that the applicant is not in a city of the table) and
only while ``name_fallback`` is on; the user's table is the user's word and always applies.
A name that names only a province, an ambiguous place (吉林, two different cities) or no place
at all stays unresolved with that reason (:data:`pyreslib.cities.UNRESOLVED_KINDS`).

Names are compared after :func:`normalise_name`, the one normalisation of the user's table,
the institutions list and the applicants.

Examples
--------
>>> from pyreslib.applicants import ApplicantCities, ApplicantPlacer
>>> placer = ApplicantPlacer(table=ApplicantCities.from_mapping({"国家电网有限公司": "北京"}))
>>> [placer.place_name(n).route for n in ("国家电网有限公司", "吉林大学第一医院")]
['user_table', 'institution']
>>> placer.place_name("浙江吉利控股集团有限公司").reason
'province_only'
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import numpy as np
import pandas as pd

from pyreslib._resources import data_dir
from pyreslib.cities import UNRESOLVED_KINDS, CityResolver, Resolution, default_resolver
from pyreslib.errors import InputError
from pyreslib.records import _iter_raw_chunks, _normalise_header
from pyreslib.sources import detect_format

__all__ = ["ROUTES", "ApplicantCities", "ApplicantPlacer", "Institutions", "PlacedEntries",
           "Placement", "institution_table", "normalise_name", "read_applicant_cities"]

ROUTES = ("address", "user_table", "city_in_name", "institution")
"""The routes that place an applicant, in order of precedence."""

#: Brackets of every shape, unified to ASCII parentheses (NFKC has already folded the
#: full-width （）［］｛｝ into their ASCII forms).
_BRACKETS = str.maketrans("[{【〔〖〈「『]}】〕〗〉」』", "((((((((" + "))))))))")

#: Headers of the user's table, compared as the patent export's headers are.
_TABLE_HEADERS = {
    "applicant": ("applicant", "applicants", "申请人", "name"),
    "city": ("city", "城市", "adcode"),
}


def normalise_name(name: object) -> str:
    """An applicant's name as compared: the one normalisation of applicants, tables and lists.

    Unicode NFKC (full-width letters, digits and brackets folded to their half-width forms),
    every bracket shape unified to ``(`` ``)`` (【】〔〕〖〗〈〉「」『』 and ``[]{}``), every
    whitespace removed, letters case-folded, and a leading ``'`` dropped (the quote a
    spreadsheet-safe CSV puts before a cell that would read as a formula).

    Parameters
    ----------
    name
        The name as written.

    Returns
    -------
    str
        The comparison key.

    Examples
    --------
    >>> normalise_name("华北电力大学（保定）")
    '华北电力大学(保定)'
    >>> normalise_name(" 国网　江苏【南京】 ") == normalise_name("国网江苏(南京)")
    True
    >>> normalise_name("ＢＹＤ Company")
    'bydcompany'

    References
    ----------
    Unicode Standard Annex #15, Unicode Normalization Forms (NFKC: compatibility decomposition,
    then canonical composition), https://unicode.org/reports/tr15/.
    """
    text = "" if name is None else str(name)
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: most names are
        text = unicodedata.normalize("NFKC", text)
    text = "".join(text.translate(_BRACKETS).split()).lstrip("'").casefold()
    # case-folding and removed spaces can leave a sequence NFKC composes: compose it again, so
    # that the key of a key is the key
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize(
        "NFKC", text)


# ---------------------------------------------------------------------------------------------
# The institutions of higher education
# ---------------------------------------------------------------------------------------------
@functools.cache
def _read_institutions() -> pd.DataFrame:
    return pd.read_csv(
        data_dir() / "china_universities.csv", dtype={"moe_code": str, "adcode": "int64"}
    )


def institution_table() -> pd.DataFrame:
    """``data/china_universities.csv``: the Ministry of Education's 2,631 institutions.

    Columns ``name_zh, moe_code, listed_city, adcode, province_zh, level, private``
    (data/PROVENANCE.md says where the list comes from and its limits). A fresh copy.

    References
    ----------
    Ministry of Education of the PRC, 全国普通高等学校名单 (list of regular institutions of
    higher education), as of 2017-05-31.

    Examples
    --------
    >>> table = institution_table()
    >>> len(table), int(table.loc[table["name_zh"] == "吉林大学", "adcode"].iloc[0])
    (2631, 220100)
    """
    return _read_institutions().copy()


class Institutions:
    """The institutions of a list, found at the start of a name.

    One Aho-Corasick automaton holds every institution's normalised name, so a name is
    scanned once (up to the longest institution's length) whatever the size of the list.

    Parameters
    ----------
    table
        ``name_zh`` and ``adcode`` columns (default: :func:`institution_table`).

    Examples
    --------
    >>> Institutions().match(normalise_name("吉林大学第一医院"))
    ('吉林大学', '吉林大学', 220100)
    >>> Institutions().match("国家电网有限公司") is None
    True
    """

    def __init__(self, table: pd.DataFrame | None = None) -> None:
        table = institution_table() if table is None else table
        entries: dict[str, tuple[str, int]] = {}
        for name, adcode in zip(table["name_zh"], table["adcode"], strict=True):
            key = normalise_name(name)
            if key in entries and entries[key][1] != int(adcode):
                raise InputError(
                    f"institutions: {name!r} and {entries[key][0]!r} are the same name after "
                    "normalisation but have different cities; keep one."
                )
            entries.setdefault(key, (str(name), int(adcode)))
        self._automaton = ahocorasick.Automaton()
        for key, (name, adcode) in entries.items():
            self._automaton.add_word(key, (key, name, adcode))
        self._automaton.make_automaton()
        self._longest = max((len(k) for k in entries), default=0)
        self.size = len(entries)

    def match(self, key: str) -> tuple[str, str, int] | None:
        """(normalised name, name as listed, adcode) of the longest institution the normalised
        name ``key`` is or begins with; None if it begins with none."""
        best = None
        if not self.size:
            return None
        for end, found in self._automaton.iter(key, 0, min(len(key), self._longest)):
            if end + 1 == len(found[0]) and (best is None or len(found[0]) > len(best[0])):
                best = found
        return best


@functools.cache
def default_institutions() -> Institutions:
    """The bundled list as an :class:`Institutions` (built once per process)."""
    return Institutions()


# ---------------------------------------------------------------------------------------------
# The user's table
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicantCities:
    """A user's table of applicants and their cities, resolved and keyed by normalised name.

    ``adcodes``: normalised name -> adcode; ``rows``: normalised name -> the table's row
    (header = row 1); ``source``: where it came from; ``blank_rows``: rows left without a city
    (a list of unresolved applicants filled in part), skipped.
    """

    source: str
    adcodes: Mapping[str, int]
    rows: Mapping[str, int] = field(default_factory=dict)
    blank_rows: int = 0
    unit: str = "row"  # what ``rows`` count: a file's "row", a mapping's "entry"

    def __len__(self) -> int:
        return len(self.adcodes)

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, object], *, resolver: CityResolver | None = None,
        source: str = "applicant_cities",
    ) -> ApplicantCities:
        """A table from ``{applicant: city}`` (a city's name, short name or adcode).

        Examples
        --------
        >>> table = ApplicantCities.from_mapping({"比亚迪股份有限公司": "深圳"})
        >>> dict(table.adcodes)
        {'比亚迪股份有限公司': 440300}
        """
        if not isinstance(mapping, Mapping):
            raise InputError(
                f"applicant_cities: expected a file or a mapping of applicant to city, got "
                f"{type(mapping).__name__}."
            )
        rows = ((i, str(k), "" if v is None else str(v))
                for i, (k, v) in enumerate(mapping.items(), start=1))
        return _table_from_rows(source, rows, resolver or default_resolver(), "entry")


def read_applicant_cities(
    path: str | Path, *, resolver: CityResolver | None = None, sheet: str | int | None = None
) -> ApplicantCities:
    """Read a user's table of applicant -> city (CSV/TSV or XLSX with ``applicant,city``).

    ``city`` is a city's name, short name or adcode, resolved like any address by
    ``resolver``; names are matched after :func:`normalise_name`. Other columns are ignored,
    so ``unresolved_applicants.csv`` with its ``city`` column filled in is a valid table; a
    row whose ``city`` is empty is skipped (counted in ``blank_rows``). The text encoding is
    detected as for a patent export (:func:`pyreslib.sources.detect_format`).

    Parameters
    ----------
    path
        The table.
    resolver
        The resolver of the ingest it serves (default: all 369 units).
    sheet
        The Excel sheet (default: the first).

    Returns
    -------
    ApplicantCities

    Raises
    ------
    InputError
        Naming the file and row: a city that resolves to no unit, the same applicant (after
        normalisation) with two cities, a city without an applicant; naming the file: no
        ``applicant`` or ``city`` column, an empty file, a table with no city at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "mine.csv").write_text("applicant,city\\n国家电网有限公司,北京\\n",
    ...                                      encoding="utf-8")
    >>> dict(read_applicant_cities(folder / "mine.csv").adcodes)
    {'国家电网有限公司': 110000}
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(
            f"{path}: the applicant-cities table is empty (0 bytes); give a CSV or XLSX with a "
            "header row applicant,city and one applicant a row."
        )
    fmt = detect_format(path)
    chunks = list(_iter_raw_chunks(path, fmt, sheet, 100_000))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    where = str(path) if fmt.kind == "csv" else (
        f"{path} (sheet {sheet!r})" if sheet is not None else f"{path} (first sheet)")
    headers = [str(h) for h in frame.columns]
    found = {}
    for role, aliases in _TABLE_HEADERS.items():
        wanted = {_normalise_header(a) for a in aliases}
        matches = [h for h in headers if _normalise_header(h) in wanted]
        if not matches:
            raise InputError(
                f"{where}: no column {role!r} among the headers {headers}; an applicant-cities "
                f"table needs the columns applicant,city (headers recognised for {role}: "
                f"{list(aliases)}){_other_sheets(path, fmt.kind, sheet)}."
            )
        if len(matches) > 1:
            raise InputError(f"{where}: more than one {role} column ({matches}); keep one.")
        found[role] = matches[0]
    if frame.empty:
        raise InputError(f"{where}: has a header but no rows; add one applicant a row.")
    names = frame[found["applicant"]].fillna("").astype(str).tolist()
    cities = frame[found["city"]].fillna("").astype(str).tolist()
    rows = zip(range(2, len(frame) + 2), names, cities, strict=True)
    return _table_from_rows(str(path), rows, resolver or default_resolver(), "row")


def _other_sheets(path: Path, kind: str, sheet: str | int | None) -> str:
    """Where in a workbook the table is, when it is not on the sheet read."""
    if kind == "csv":
        return ""
    try:
        with pd.ExcelFile(path) as workbook:
            names = list(workbook.sheet_names)
            holding = [
                name for name in names
                if {"applicant", "city"} <= {_normalise_header(h) for h in pd.read_excel(
                    workbook, sheet_name=name, nrows=0).columns}
            ]
    except Exception:  # noqa: BLE001 - only a hint; the error above stands without it
        return ""
    if holding:
        return (f"; the sheet {holding[0]!r} has them: put it first in the workbook "
                f"(or pass sheet={holding[0]!r} in Python)")
    return f"; the workbook's sheets are {names}"


def _table_from_rows(
    source: str, rows: Iterable[tuple[int, str, str]], resolver: CityResolver, unit: str
) -> ApplicantCities:
    adcodes: dict[str, int] = {}
    first_row: dict[str, int] = {}
    written: dict[str, str] = {}
    bad: list[str] = []
    blank = 0
    for row, name, city in rows:
        key, city = normalise_name(name), city.strip()
        if not city:
            if key:
                blank += 1
            continue
        if not key:
            raise InputError(f"{source}, {unit} {row}: the city {city!r} has no applicant name; "
                             "fill the applicant or delete the row.")
        outcome = resolver.resolve(city)
        if outcome.adcode is None:
            bad.append(f"{unit} {row} ({city!r} for {name.strip()!r}: {outcome.reason})")
            continue
        if key in adcodes and adcodes[key] != outcome.adcode:
            same = ("" if written[key] == name.strip()
                    else f" (written {written[key]!r} in {unit} {first_row[key]})")
            raise InputError(
                f"{source}, {unit}s {first_row[key]} and {row}: applicant {name.strip()!r}{same} "
                f"is given two cities, {_city_label(resolver, adcodes[key])} and "
                f"{_city_label(resolver, outcome.adcode)}; keep one of the {unit}s (names are "
                "compared after folding full-width forms, spaces and brackets)."
            )
        if key not in adcodes:
            adcodes[key], first_row[key], written[key] = outcome.adcode, row, name.strip()
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise InputError(
            f"{source}: {len(bad)} {unit}(s) name no city pyreslib can place: {shown}. Write a "
            "city's name (南京市), short name (南京) or adcode (320100), or leave the city empty "
            "to skip the row."
        )
    if not adcodes:
        raise InputError(
            f"{source}: no {unit} gives a city; fill the city column (a name such as 南京, or an "
            "adcode) for the applicants you know."
        )
    return ApplicantCities(source=source, adcodes=adcodes, rows=first_row, blank_rows=blank,
                           unit=unit)


def _city_label(resolver: CityResolver, adcode: int) -> str:
    return f"{resolver.cities.at[adcode, 'name_zh']} ({adcode})"


def as_applicant_cities(
    value: str | Path | Mapping[str, object] | ApplicantCities | None, resolver: CityResolver
) -> ApplicantCities | None:
    """The ``applicant_cities`` argument of an ingest as a table read with its resolver."""
    if value is None or isinstance(value, ApplicantCities):
        if value is not None:
            outside = [k for k, a in value.adcodes.items() if a not in resolver.cities.index]
            if outside:
                raise InputError(
                    f"{value.source}: applicant {outside[0]!r} is placed in unit "
                    f"{value.adcodes[outside[0]]}, which this ingest does not resolve to "
                    "(prefecture-level units only?); read the table with the ingest's resolver."
                )
        return value
    if isinstance(value, str | Path):
        return read_applicant_cities(value, resolver=resolver)
    return ApplicantCities.from_mapping(value, resolver=resolver)


# ---------------------------------------------------------------------------------------------
# Placing
# ---------------------------------------------------------------------------------------------
class Placement(NamedTuple):
    """Where one applicant was placed: ``adcode`` (None: unresolved), the ``route`` (one of
    :data:`ROUTES`) or the ``reason`` it stayed unresolved (one of
    :data:`~pyreslib.cities.UNRESOLVED_KINDS`), and ``detail``: the evidence or why not.

    A named tuple, not a dataclass: one is made per distinct name, and there may be 100,000s."""

    adcode: int | None
    route: str = ""
    reason: str = ""
    detail: str = ""


# an address that names no city and no table row: the address's reason stands (compared by
# identity in _columns)
_KEEP_ADDRESS = Placement(None, "", "", "the address's reason stands")


@dataclass
class PlacedEntries:
    """Per applicant entry of a chunk: ``adcode`` (-1 unresolved), ``route`` (index into
    :data:`ROUTES`, -1 unresolved), ``reason`` (index into ``UNRESOLVED_KINDS``, -1 placed),
    ``detail`` (evidence or why not; "" for the address route), ``key`` (normalised name; None
    for the address route), and ``multi_province``: (entry, Resolution) of addresses naming two
    provinces."""

    adcode: np.ndarray
    route: np.ndarray
    reason: np.ndarray
    detail: np.ndarray
    key: np.ndarray
    multi_province: list[tuple[int, Resolution]]


class ApplicantPlacer:
    """Place applicants by the precedence of the module docstring; cached per distinct name.

    Parameters
    ----------
    resolver
        Resolves addresses, the table's cities and cities in names (default: all 369 units).
    table
        The user's :class:`ApplicantCities`, or None.
    automatic
        Place applicants without an address by a city in the name or the institutions list
        (routes 3 and 4; ``name_fallback`` of the ingest).
    institutions
        The list of route 4 (default: the bundled one).

    Examples
    --------
    >>> placer = ApplicantPlacer()
    >>> placer.place_name("华北电力大学（保定）")[:2]
    (130600, 'city_in_name')
    >>> placer.place_name("国家电网有限公司", has_address=True).detail
    "the address's reason stands"
    """

    def __init__(
        self, resolver: CityResolver | None = None, table: ApplicantCities | None = None, *,
        automatic: bool = True, institutions: Institutions | None = None,
    ) -> None:
        self.resolver = resolver or default_resolver()
        self.table = table
        self.automatic = automatic
        self._institutions = institutions
        # raw name -> (key, placement with a failed address, placement without an address)
        self._cache: dict[str, tuple[str, Placement, Placement]] = {}

    @property
    def institutions(self) -> Institutions:
        if self._institutions is None:
            self._institutions = default_institutions()
        return self._institutions

    def place_name(self, name: str, *, has_address: bool = False) -> Placement:
        """Where an applicant the address did not place goes (``has_address``: it had one
        that names no city, so only the user's table may place it)."""
        looked = self._lookup(name)
        return looked[2] if has_address else looked[1]

    def _lookup(self, name: str) -> tuple:
        """(key, placement without an address, placement with a failed one, then each of the
        two as the columns :meth:`place` gathers, :func:`_columns`); cached per name."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        key = normalise_name(name)
        adcode = self.table.adcodes.get(key) if self.table is not None else None
        if adcode is not None:
            without = failed = Placement(
                adcode, "user_table", "", f"{Path(self.table.source).name}, "
                f"{self.table.unit} {self.table.rows.get(key)}")
        elif self.automatic:
            without, failed = self._by_name(key), _KEEP_ADDRESS
        else:
            without = Placement(None, "", "unknown", "not read (name_fallback is off)")
            failed = _KEEP_ADDRESS
        cached = (key, without, failed, *_columns(without),
                  *(_KEEP_COLUMNS if failed is _KEEP_ADDRESS else _columns(failed)))
        self._cache[name] = cached
        return cached

    def _by_name(self, key: str) -> Placement:
        match = self.institutions.match(key)
        rest = key[len(match[0]):] if match else key
        found = self.resolver.resolve_name(rest) if rest else None
        after = f" after the institution {match[1]}" if match else ""
        if found is not None and found.adcode is not None:
            return Placement(found.adcode, "city_in_name", "",
                             f"{self._city_name(found.adcode)} in the name{after}")
        if match is None:
            return Placement(None, "", found.kind or "unknown", found.reason)
        if found is not None and found.kind in ("province_only", "ambiguous"):
            # 清华大学浙江研究院: a campus or branch elsewhere, not the institution's own city
            return Placement(None, "", found.kind, f"{found.reason}{after}")
        if self._city_name(match[2]) is None:
            return Placement(None, "", "unknown",
                             f"the institution {match[1]} is in unit {match[2]}, which this "
                             "ingest does not resolve to")
        return Placement(match[2], "institution", "",
                         f"{match[1]} ({self._city_name(match[2])}), china_universities.csv")

    @functools.cached_property
    def _city_names(self) -> dict[int, str]:
        return self.resolver.cities["name_zh"].to_dict()

    def _city_name(self, adcode: int) -> str | None:
        return self._city_names.get(adcode)

    def place(self, applicants: np.ndarray, locations: np.ndarray) -> PlacedEntries:
        """Place a chunk's applicant entries (object arrays of names and addresses, "" for
        none); each distinct address and each distinct name is looked at once."""
        m = len(applicants)
        adcode = np.full(m, -1, np.int64)
        route = np.full(m, -1, np.int8)
        reason = np.full(m, -1, np.int8)
        detail = np.full(m, "", dtype=object)
        key = np.full(m, None, dtype=object)
        multi: list[tuple[int, Resolution]] = []
        has_location = locations != ""
        at = np.flatnonzero(has_location)
        if len(at):
            codes, texts = pd.factorize(locations[at])
            outcomes = [self.resolver.resolve(t) for t in texts]
            found = np.array([-1 if o.adcode is None else o.adcode for o in outcomes],
                             np.int64)[codes]
            adcode[at] = found
            route[at[found >= 0]] = 0
            failed = found < 0
            if failed.any():
                reason[at[failed]] = np.array([_reason_index(o.kind) for o in outcomes],
                                              np.int8)[codes[failed]]
                detail[at[failed]] = np.array([o.reason for o in outcomes],
                                              dtype=object)[codes[failed]]
            several = [i for i, o in enumerate(outcomes) if len(o.provinces) > 1]
            if several:
                multi = [(int(at[i]), outcomes[codes[i]])
                         for i in np.flatnonzero(np.isin(codes, several))]
        need = np.flatnonzero(adcode < 0)
        if len(need):
            codes, names = pd.factorize(applicants[need])
            columns = list(zip(*(self._lookup(n) for n in names), strict=True))
            key[need] = np.array(columns[0], dtype=object)[codes]
            # without an address the first set of columns applies, with a failed one the second
            with_address = has_location[need]
            keep = with_address & np.array(columns[12], bool)[codes]
            chosen, codes, with_address = need[~keep], codes[~keep], with_address[~keep]
            for target, first, second, dtype in ((adcode, 3, 8, np.int64),
                                                  (route, 4, 9, np.int8),
                                                  (reason, 5, 10, np.int8)):
                target[chosen] = np.where(with_address, np.array(columns[second], dtype)[codes],
                                          np.array(columns[first], dtype)[codes])
            texts = np.where(with_address, np.array(columns[11], dtype=object)[codes],
                             np.array(columns[6], dtype=object)[codes])
            # as unresolved.csv has always said it: what the name gave, for want of an address
            unplaced = ~with_address & (adcode[chosen] < 0)
            texts[unplaced] = ["no address; applicant name: " + t for t in texts[unplaced]]
            detail[chosen] = texts
        return PlacedEntries(adcode, route, reason, detail, key, multi)


_ROUTE_INDEX = {route: i for i, route in enumerate(ROUTES)} | {"": -1}
_REASON_INDEX = {kind: i for i, kind in enumerate(UNRESOLVED_KINDS)} | {"": -1}


def _columns(placement: Placement) -> tuple[int, int, int, str, bool]:
    """A placement as the columns :meth:`ApplicantPlacer.place` gathers: adcode (-1 for none),
    route index (-1), reason index (-1), detail, and whether it keeps the address's reason."""
    adcode, route, reason, detail = placement
    return (-1 if adcode is None else adcode, _ROUTE_INDEX[route], _REASON_INDEX[reason],
            detail, placement is _KEEP_ADDRESS)


_KEEP_COLUMNS = _columns(_KEEP_ADDRESS)


def _reason_index(kind: str) -> int:
    return _REASON_INDEX[kind]
