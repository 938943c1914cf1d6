"""The city table and the resolver that turns an address (or a city cell) into a city adcode.

The table is ``data/china_cities.csv`` (369 units: 337 prefecture-level units plus 32
county-level units governed directly by a province; see ``data/PROVENANCE.md``), with the
aliases of ``data/china_city_aliases.csv`` (old names, old prefectures, "X州" forms).

Resolution follows PROVENANCE.md's advice:

* one Aho-Corasick automaton (pyahocorasick) holds every full name, short name, alias and
  English name of a city and every province name, so a text is scanned once whatever the
  number of cities;
* overlapping hits keep the leftmost-longest one (马鞍山 wins over 鞍山, 大兴安岭 over 兴安,
  吉林省 over 吉林);
* a short name followed by 区/县/路/街/镇/乡 names a district or a street, not the city
  (北京市朝阳区 is Beijing, not Liaoning's 朝阳; 上海市南京路 is Shanghai);
* the province named in the text decides between cities that share a name
  (吉林, 海南, and the English Suzhou, Taizhou, Fuzhou, Yichun, Yulin);
* of the cities left, the first one named wins, because Chinese addresses run from large to
  small (江苏省南京市玄武区...).

An address that names no city, only a province, or an ambiguous name without the province that
settles it, is *not* guessed: :meth:`CityResolver.resolve` returns no adcode, a reason the
caller writes to its "unresolved" report, and the kind of that reason (``"province_only"``,
``"ambiguous"`` or ``"unknown"``).

An organisation's *name* is read more strictly (:meth:`CityResolver.resolve_name`): only a
prefecture-level unit counts (a county-level unit only by its full name, since short ones such
as 东方 or 新星 are common words in firm names), a few brand words that hold a city's name are
not places (:data:`NAME_WORDS_NOT_PLACES`), a province does not count, and a name that names
two different cities is ambiguous rather than guessed.

Examples
--------
>>> from pyreslib.cities import default_resolver
>>> resolver = default_resolver()
>>> resolver.resolve("江苏省南京市玄武区中山路1号").adcode
320100
>>> resolver.resolve("吉林").kind
'ambiguous'
>>> resolver.resolve_name("国网江苏省电力有限公司南京供电分公司").adcode
320100
>>> resolver.resolve_name("浙江吉利控股集团有限公司").kind
'province_only'
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import ahocorasick
import pandas as pd

from pyreslib._resources import data_dir
from pyreslib.errors import InputError

PREFECTURE_LEVEL_KINDS = frozenset(
    {"municipality", "prefecture_city", "autonomous_prefecture", "prefecture", "league"}
)
"""The ``kind`` values of the 337 prefecture-level units (PROVENANCE.md)."""

#: Characters that, right after a city's *short* name, show the name is a district, county or
#: street (朝阳区, 南京路) rather than the city itself.
DEFAULT_NOT_A_CITY_SUFFIXES = "区县路街镇乡道巷"

#: Short forms of the autonomous regions (the other provinces just drop 省).
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}

_ADCODE_TEXT = re.compile(r"^\s*(\d{6})(\d{6})?\s*$")

#: Why a text resolved to no city: it names only a province, it names a place that could be
#: more than one unit (or, in a name, two different cities), or it names no place pyreslib knows.
UNRESOLVED_KINDS = ("province_only", "ambiguous", "unknown")

NAME_WORDS_NOT_PLACES = ("阿里巴巴", "阿里云", "大理石", "中山医院")
"""Words of organisations' names that hold a city's short name but name no place: Alibaba and
Alibaba Cloud (阿里, the Ngari prefecture of Tibet; both are in Hangzhou), marble (大理), and
Zhongshan Hospital (中山, after Sun Yat-sen: the hospitals of Fudan and Xiamen universities).
:meth:`CityResolver.resolve_name` reads a name as if these words were not in it."""


@functools.cache
def _read_cities() -> pd.DataFrame:
    path = data_dir() / "china_cities.csv"
    table = pd.read_csv(path, dtype={"adcode": "int64"})
    return table


def city_table(kinds: Collection[str] | None = None) -> pd.DataFrame:
    """The bundled city table, one row per unit, columns as in PROVENANCE.md.

    ``adcode`` is an int; ``kinds`` (e.g. :data:`PREFECTURE_LEVEL_KINDS`) keeps only those
    kinds of unit. A fresh copy is returned, so callers may modify it.
    """
    table = _read_cities()
    if kinds is not None:
        unknown = set(kinds) - set(table["kind"])
        if unknown:
            raise InputError(
                f"kinds={sorted(unknown)!r} are not kinds of unit in china_cities.csv; "
                f"use some of {sorted(set(table['kind']))!r}."
            )
        table = table[table["kind"].isin(list(kinds))]
    return table.reset_index(drop=True).copy()


@functools.cache
def alias_table() -> pd.DataFrame:
    """``data/china_city_aliases.csv``: alias_zh, alias_en, adcode (current unit), type, note."""
    return pd.read_csv(
        data_dir() / "china_city_aliases.csv",
        dtype={"adcode": "int64", "old_adcode": "Int64"},
        keep_default_na=False,
        na_values={"old_adcode": [""]},
    )


@functools.cache
def border_table() -> pd.DataFrame:
    """``data/china_city_borders.csv``: adcode_a < adcode_b for every pair sharing a land border."""
    return pd.read_csv(
        data_dir() / "china_city_borders.csv", dtype={"adcode_a": "int64", "adcode_b": "int64"}
    )


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one text: ``adcode`` (None if unresolved) and why not.

    ``kind``: ``""`` when resolved, else why not, one of :data:`UNRESOLVED_KINDS`.
    ``provinces``: the provinces the text names for certain (by a province name or a city's
    full name), when it names more than one -- an address such as 江苏省南京市…浙江省杭州市 is
    resolved by the rules above (the first city named) but the caller should say so.
    """

    adcode: int | None
    reason: str = ""
    provinces: tuple[str, ...] = ()
    kind: str = ""  # "" when resolved, else one of UNRESOLVED_KINDS


_NO_PLACE_IN_NAME = Resolution(None, "no city name in it", kind="unknown")


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int  # exclusive
    key: str
    cities: tuple[int, ...]  # adcodes this key can name
    provinces: tuple[str, ...]  # provinces this key can name (province_zh)
    short: bool  # a bare short name (subject to the district-suffix rule)


class CityResolver:
    """Resolve free-text addresses, city names and adcodes to city adcodes.

    Parameters
    ----------
    kinds
        Kinds of unit a text may resolve to (None: all 369 of ``china_cities.csv``;
        :data:`PREFECTURE_LEVEL_KINDS` for a strictly prefecture-level network, in which case a
        county-level unit such as 仙桃 stays unresolved).
    english
        Also match English names (whole words, case-insensitive: "Nanjing", "Xi'an", "Xian").
    not_a_city_suffixes
        Characters that, right after a short name, mark it as a district or street name.

    Every distinct text is resolved once and cached, so resolving a column of a million
    addresses costs one automaton scan per *distinct* address.
    """

    def __init__(
        self,
        *,
        kinds: Collection[str] | None = None,
        english: bool = True,
        not_a_city_suffixes: str = DEFAULT_NOT_A_CITY_SUFFIXES,
    ) -> None:
        self.cities = city_table(kinds).set_index("adcode", drop=False)
        self.english = english
        self.not_a_city_suffixes = frozenset(not_a_city_suffixes)
        self._province_of = self.cities["province_zh"].to_dict()
        self._name_of = self.cities["name_zh"].to_dict()
        self._prefecture_level = frozenset(
            self.cities.loc[self.cities["kind"].isin(PREFECTURE_LEVEL_KINDS), "adcode"]
        )
        self._automaton = self._build_automaton()
        self._cache: dict[str, Resolution] = {}
        self._name_cache: dict[str, Resolution] = {}

    # -- building ---------------------------------------------------------------------------
    def _build_automaton(self) -> ahocorasick.Automaton:
        entries: dict[str, tuple[set[int], set[str], bool]] = {}

        def add(
            key: str, *, city: int | None = None, province: str | None = None, short: bool = False
        ) -> None:
            key = key.strip().lower()
            if len(key) < 2:
                return
            cities, provinces, is_short = entries.setdefault(key, (set(), set(), short))
            if city is not None:
                cities.add(city)
            if province is not None:
                provinces.add(province)
            entries[key] = (cities, provinces, is_short and short)

        municipalities = set(self.cities.loc[self.cities["kind"] == "municipality", "province_zh"])
        for row in self.cities.itertuples(index=False):
            add(row.name_zh, city=row.adcode)
            add(row.short_zh, city=row.adcode, short=True)
            if self.english:
                for variant in _english_variants(row.name_en):
                    add(variant, city=row.adcode)
                    # "Jilin City" is the city even where "Jilin" alone could be the province.
                    add(f"{variant} city", city=row.adcode)
        all_cities = city_table()
        for province_zh, province_en in (
            all_cities[["province_zh", "province_en"]].drop_duplicates().itertuples(index=False)
        ):
            if province_zh in municipalities:
                continue  # 北京市 etc. are already city keys naming the same unit
            add(province_zh, province=province_zh)
            add(
                _PROVINCE_SHORT.get(province_zh, province_zh.removesuffix("省")),
                province=province_zh,
                short=True,
            )
            if self.english:
                add(province_en, province=province_zh)
        for alias in alias_table().itertuples(index=False):
            if alias.adcode in self._province_of:
                add(alias.alias_zh, city=alias.adcode)
                if self.english and alias.alias_en:
                    for variant in _english_variants(alias.alias_en):
                        add(variant, city=alias.adcode)

        automaton = ahocorasick.Automaton()
        for key, (cities, provinces, short) in entries.items():
            automaton.add_word(key, (key, tuple(sorted(cities)), tuple(sorted(provinces)), short))
        automaton.make_automaton()
        return automaton

    # -- resolving --------------------------------------------------------------------------
    def resolve(self, text: object) -> Resolution:
        """Resolve one text (address, city name, English name or adcode); cached per text."""
        text = _as_text(text)
        cached = self._cache.get(text)
        if cached is None:
            cached = self._resolve_uncached(text)
            self._cache[text] = cached
        return cached

    def resolve_name(self, name: object) -> Resolution:
        """The city an organisation's name places it in, if the name says so unambiguously.

        Parameters
        ----------
        name
            An applicant's name (normalise it first, see
            :func:`pyreslib.applicants.normalise_name`).

        Returns
        -------
        Resolution
            The city, or no adcode with the reason and its kind (:data:`UNRESOLVED_KINDS`).

        Notes
        -----
        Stricter than :meth:`resolve`, because a name is not an address: a city counts only if
        it is a prefecture-level unit (a county-level unit only by its full name, 仙桃市: short
        ones such as 东方 and 新星 are common words in firm names); the words of
        :data:`NAME_WORDS_NOT_PLACES` are not places; a province counts only to settle which
        city a name such as 吉林 is (国网江苏省电力有限公司南京供电分公司 → 南京, but
        浙江吉利控股集团有限公司 names only a province); and a name naming two different
        cities (上海汽车集团股份有限公司北京分公司) is ambiguous, not guessed. Cached per
        name.

        Examples
        --------
        >>> from pyreslib.cities import default_resolver
        >>> resolver = default_resolver()
        >>> resolver.resolve_name("华北电力大学(保定)").adcode
        130600
        >>> resolver.resolve_name("东方电气集团").kind  # 东方, Hainan, is county-level
        'unknown'
        >>> resolver.resolve_name("上海汽车集团股份有限公司北京分公司").kind
        'ambiguous'
        """
        text = _as_text(name)
        cached = self._name_cache.get(text)
        if cached is None:
            cached = self._resolve_name_uncached(text)
            self._name_cache[text] = cached
        return cached

    def _resolve_name_uncached(self, text: str) -> Resolution:
        stripped = text.strip()
        if not stripped:
            return Resolution(None, "empty name", kind="unknown")
        if next(self._automaton.iter(stripped.lower()), None) is None:
            return _NO_PLACE_IN_NAME  # most names: no key at all, so nothing to weigh
        for word in NAME_WORDS_NOT_PLACES:
            # masked, not removed: the characters around it must not join into a city's name
            stripped = stripped.replace(word, "\u25a1" * len(word))
        hits = []
        for hit in self._hits(stripped):
            cities = tuple(
                c
                for c in hit.cities
                if c in self._prefecture_level or hit.key == self._name_of[c].lower()
            )
            if cities or hit.provinces:
                hits.append(_Hit(hit.start, hit.end, hit.key, cities, hit.provinces, hit.short))
        city_hits = [h for h in hits if h.cities]
        stated = {p for h in hits if not h.cities for p in h.provinces}
        named: list[int] = []
        ambiguous: list[str] = []
        for hit in city_hits:
            if hit.provinces:
                # 吉林 is the province where a city of it is named too (吉林长春...)
                others = {
                    self._province_of[h.cities[0]]
                    for h in city_hits
                    if h is not hit and len(h.cities) == 1 and not h.provinces
                }
                if set(hit.provinces) & others:
                    continue
            if hit.provinces or len(hit.cities) > 1:
                in_stated = [c for c in hit.cities if self._province_of[c] in stated]
                if len(in_stated) == 1:
                    named.append(in_stated[0])
                else:
                    ambiguous.append(self._ambiguity(hit))
                continue
            named.append(hit.cities[0])
        if ambiguous:
            return Resolution(None, "; ".join(dict.fromkeys(ambiguous)), kind="ambiguous")
        distinct = list(dict.fromkeys(named))
        if len(distinct) == 1:
            return Resolution(distinct[0])
        if distinct:
            cities = "、".join(self._name_of[c] for c in distinct)
            return Resolution(
                None,
                f"ambiguous: the name names {len(distinct)} cities ({cities}); which one is "
                "the applicant's is not written",
                kind="ambiguous",
            )
        provinces = sorted({p for h in hits for p in h.provinces})
        if provinces:
            return Resolution(
                None, f"names only a province ({'、'.join(provinces)}), no city",
                kind="province_only",
            )
        return _NO_PLACE_IN_NAME

    def resolve_many(self, texts: Iterable[object]) -> pd.DataFrame:
        """Resolve every text; a frame with ``text``, ``adcode`` (nullable Int64), ``reason``.

        Each distinct text is scanned once.
        """
        texts = pd.Series(list(texts), dtype=object)
        distinct = pd.unique(texts)
        outcomes = [self.resolve(t) for t in distinct]
        adcode = dict(zip(distinct, (o.adcode for o in outcomes)))
        reason = dict(zip(distinct, (o.reason for o in outcomes)))
        return pd.DataFrame(
            {
                "text": texts,
                "adcode": pd.array(texts.map(adcode), dtype="Int64"),
                "reason": texts.map(reason),
            }
        )

    def _resolve_uncached(self, text: str) -> Resolution:
        outcome = self._resolve_text(text)
        if outcome.adcode is None:
            return outcome
        hits = self._hits(text.strip())
        # Provinces named for certain: full province names (浙江省) and cities named in full
        # (南京市); not bare short names (浙江大学, 南京路 name a university and a street).
        named = {p for h in hits if not h.cities and not h.short and not h.key.isascii()
                 for p in h.provinces}
        named |= {
            self._province_of[h.cities[0]]
            for h in hits
            if len(h.cities) == 1 and not h.provinces and not h.short and not h.key.isascii()
        }
        if len(named) > 1:
            return Resolution(outcome.adcode, outcome.reason, tuple(sorted(named)))
        return outcome

    def _resolve_text(self, text: str) -> Resolution:
        stripped = text.strip()
        if not stripped:
            return Resolution(None, "empty address", kind="unknown")
        code = _ADCODE_TEXT.match(stripped)
        if code:
            return self._resolve_adcode(code.group(1), stripped)
        hits = self._hits(stripped)
        city_hits = [h for h in hits if h.cities]
        if not city_hits and not stripped.isascii():
            # full-width letters and digits (ＳＨＡＮＧＨＡＩ) and compatibility forms read as
            # the ordinary ones; tried only when the text as written names no city
            folded = unicodedata.normalize("NFKC", stripped)
            if folded != stripped:
                return self._resolve_text(folded)
        if not city_hits:
            traditional = _traditional_characters(stripped)
            if traditional:
                return Resolution(
                    None,
                    f"written in traditional characters ({'、'.join(traditional[:4])}): city "
                    "names are matched in simplified characters; convert the export (e.g. with "
                    "OpenCC) or place the applicant with an applicant table (--applicant-cities)",
                    kind="unknown",
                )
            provinces = sorted({p for h in hits for p in h.provinces})
            if provinces:
                return Resolution(
                    None, f"names only a province ({'、'.join(provinces)}), no city",
                    kind="province_only",
                )
            return Resolution(
                None,
                "no city name found (a county or district alone, such as 昆山, is not enough: "
                "the address must name its city)",
                kind="unknown",
            )

        # Provinces the text names for certain: keys that can only be a province.
        stated = {p for h in hits if not h.cities for p in h.provinces}
        ambiguous_notes: list[str] = []
        for hit in city_hits:
            candidates = hit.cities
            if hit.provinces:
                # 吉林 / 海南 / Jilin / Hainan: the province when another city of it is named
                # (吉林长春), the city when its province is named separately (青海省海南).
                named_elsewhere = {
                    self._province_of[h.cities[0]]
                    for h in city_hits
                    if h is not hit and len(h.cities) == 1 and not h.provinces
                }
                if set(hit.provinces) & named_elsewhere:
                    continue
            if hit.provinces or len(candidates) > 1:
                in_stated = [c for c in candidates if self._province_of[c] in stated]
                if len(in_stated) == 1:
                    return Resolution(in_stated[0])
                ambiguous_notes.append(self._ambiguity(hit))
                continue
            city = candidates[0]
            if stated and self._province_of[city] not in stated:
                # A city of another province before one of the stated province (江苏省...朝阳
                # 大厦) is a firm's or a building's name: prefer a city of the stated province.
                in_stated = [
                    h.cities[0]
                    for h in city_hits
                    if len(h.cities) == 1 and self._province_of[h.cities[0]] in stated
                ]
                if in_stated:
                    return Resolution(in_stated[0])
            return Resolution(city)
        return Resolution(None, "; ".join(dict.fromkeys(ambiguous_notes)), kind="ambiguous")

    def _resolve_adcode(self, code6: str, original: str) -> Resolution:
        code = int(code6)
        for candidate in (code, code // 100 * 100, code // 10000 * 10000):
            if candidate in self._province_of:
                return Resolution(candidate)
        return Resolution(
            None, f"adcode {original} is not a city of the table (or its county)", kind="unknown"
        )

    def _ambiguity(self, hit: _Hit) -> str:
        names = [f"{self._name_of[c]} ({self._province_of[c]})" for c in hit.cities]
        names += [f"the province {p}" for p in hit.provinces]
        return f"ambiguous: {hit.key!r} can be {' or '.join(names)}; add the province or the full city name"

    def _hits(self, text: str) -> list[_Hit]:
        lowered = text.lower()
        raw: list[_Hit] = []
        for end_index, (key, cities, provinces, short) in self._automaton.iter(lowered):
            start = end_index - len(key) + 1
            end = end_index + 1
            if key.isascii():
                # English names must be whole words ("Yulin" is not in "Yulinxxx").
                before = lowered[start - 1] if start > 0 else " "
                after = lowered[end] if end < len(lowered) else " "
                if before.isascii() and before.isalnum() or after.isascii() and after.isalnum():
                    continue
            raw.append(_Hit(start, end, key, cities, provinces, short))
        # Leftmost-longest, non-overlapping.
        raw.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept: list[_Hit] = []
        covered_to = 0
        for hit in raw:
            if hit.start < covered_to:
                continue
            kept.append(hit)
            covered_to = hit.end
        return [
            h
            for h in kept
            if not (h.short and h.end < len(text) and text[h.end] in self.not_a_city_suffixes)
        ]


@functools.cache
def _place_characters() -> frozenset[str]:
    """Every character of the bundled city, province and alias names."""
    folder = data_dir()
    names = pd.concat([pd.read_csv(folder / "china_cities.csv", dtype=str)[col]
                       for col in ("name_zh", "province_zh")]
                      + [pd.read_csv(folder / "china_city_aliases.csv", dtype=str)["alias_zh"]])
    return frozenset("".join(names.dropna()))


def _traditional_characters(text: str) -> list[str]:
    """The Chinese characters of ``text`` that simplified Chinese does not use (outside
    GB2312, and in no bundled place name), in order: a sign of a traditional-character text."""
    found: list[str] = []
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" and ch not in found and ch not in _place_characters():
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                found.append(ch)
    return found


def _as_text(text: object) -> str:
    if isinstance(text, str):
        return text
    return "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)


def _english_variants(name: str) -> list[str]:
    """Spellings of an English name people type: with and without the apostrophe, ü as u/v."""
    variants = {name, name.replace("'", ""), name.replace("'", " ")}
    for v in list(variants):
        if "ü" in v:
            variants |= {v.replace("ü", "u"), v.replace("ü", "v")}
    return sorted(variants)


@functools.cache
def default_resolver(prefecture_level_only: bool = False) -> CityResolver:
    """A shared :class:`CityResolver` with the default settings (built once per process).

    ``prefecture_level_only`` resolves only to the 337 prefecture-level units
    (:data:`PREFECTURE_LEVEL_KINDS`): a county-level unit such as 仙桃 stays unresolved.
    """
    return CityResolver(kinds=PREFECTURE_LEVEL_KINDS if prefecture_level_only else None)
