"""Patent records in: reading exports, mapping columns, splitting applicants, resolving cities.

The journey of a record (docs/method.md, section 1):

1. :func:`pyreslib.records.read_records` reads a CSV/TSV or Excel
   export and renames the columns it recognises to the canonical names ``patent_id``,
   ``date``, ``applicants``, ``addresses``, ``cities`` (formats, encodings and the headers
   recognised are documented in :mod:`pyreslib.records`).
2. :func:`ingest_frame` / :func:`ingest_file` drop repeated patent ids (first copy kept; ids
   compared after Unicode NFKC normalisation, without whitespace, case-insensitively), read the
   year, assign each patent to its stage, split the multi-valued cells (the i-th address
   belongs to the i-th applicant), place every applicant in a city
   (:class:`pyreslib.applicants.ApplicantPlacer`: its address, the user's table, a city in
   its name, the institutions list), and count city pairs and internal collaborations per
   stage (:mod:`pyreslib.network` builds the graphs).

Nothing is dropped silently. Rows left out (no id, no readable year, no applicants, a repeated
id whose row differs from the first copy) are listed in ``IngestResult.rejected``; applicants
whose city is unknown in ``IngestResult.unresolved`` (row by row) and
``IngestResult.unresolved_names`` (one row per name, ready to fill in as the user's table); exact repeats and records outside every
stage are counted in the :class:`IngestReport`, which also counts and lists what ingest decided
on its own (CSV rows with missing trailing fields read as empty, addresses naming two
provinces).  A file whose encoding changes part-way is refused with the row where it does.

Files are processed in chunks (``chunk_rows``), so memory grows with the number of distinct
patent ids and city pairs, not with the size of the file.
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.accounting import (
    IngestReport,
    IngestResult,
    StageSummary,
    placed_by_name,
    placed_by_name_part,
    unresolved_names,
)
from pyreslib.applicants import ApplicantCities, ApplicantPlacer, as_applicant_cities
from pyreslib.cells import DEFAULT_SEPARATORS, id_keys, parse_year, split_cells, unsplit_lists
from pyreslib.cities import UNRESOLVED_KINDS, CityResolver, default_resolver
from pyreslib.errors import InputError
from pyreslib.records import _iter_records, _map_columns, _Reading, _short_rows
from pyreslib.stages import DEFAULT_STAGES, VALID_YEARS, Stage, check_stages, parse_stages

# ---------------------------------------------------------------------------------------------
# The counting
# ---------------------------------------------------------------------------------------------
_PAIR_BASE = 1_000_000  # adcodes are 6-digit, so (stage, a, b) packs into one int64


@dataclass
class _Accumulator:
    stages: tuple[Stage, ...]
    resolver: CityResolver
    placer: ApplicantPlacer
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
    placed_by_name: list = field(default_factory=list)
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
        parsed = [parse_year(u, self.valid_years) for u in uniques]
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
        # lists joined by a mark the cells are not split on (甲公司、乙大学): counted and listed
        unsplit = unsplit_lists(frame["applicants"].tolist(), self.separators)
        if unsplit:
            row_of, id_of = frame["row"].to_numpy(), frame["patent_id"].to_numpy()
            cell_of = frame["applicants"].to_numpy()
            report.rows_with_unsplit_list += len(unsplit)
            report.unsplit_lists += [
                {"row": int(row_of[k]), "patent_id": id_of[k], "applicants": cell_of[k],
                 "mark": mark}
                for k, mark in unsplit
            ]

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
        keys = id_keys(ids)
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
        return split_cells(cells, self.separators)

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

        # Place every applicant (pyreslib.applicants: address, the user's table, a city in the
        # name, the institutions list), each distinct address and name looked at once.
        placed = self.placer.place(long["applicant"].to_numpy(), long["location"].to_numpy())
        adcode = placed.adcode
        resolved = adcode >= 0
        report.count_placements(placed.route, placed.reason)
        rix_all = long["rix"].to_numpy()
        for entry, outcome in placed.multi_province:
            r = rix_all[entry]
            report.list_multi_province(
                int(frame["row"].iat[r]), frame["patent_id"].iat[r],
                long["applicant"].iat[entry], long["location"].iat[entry], outcome.provinces,
                f"{outcome.adcode} {self.resolver.cities['name_zh'].get(outcome.adcode, '')}",
            )
        # one row per distinct name and chunk, summed over the chunks at the end
        part = placed_by_name_part(placed, long["applicant"].to_numpy())
        if part is not None:
            self.placed_by_name.append(part)

        # Distinct (patent, city) of the placed applicants, sorted by patent then city.
        distinct = _sorted_distinct(rix_all[resolved] * _PAIR_BASE + adcode[resolved])
        if (~resolved).any():
            # what placing each unresolved applicant would add at most: one collaboration
            # with each distinct city of its patent's placed applicants
            cities_per_patent = np.bincount(distinct // _PAIR_BASE, minlength=n)
            rix = rix_all[~resolved]
            self.unresolved.append(
                pd.DataFrame(
                    {
                        "row": frame["row"].to_numpy()[rix],
                        "patent_id": frame["patent_id"].to_numpy()[rix],
                        "applicant": long["applicant"].to_numpy()[~resolved],
                        "address": long["location"].to_numpy()[~resolved],
                        "reason": placed.detail[~resolved],
                        # kept for unresolved_applicants.csv, not for unresolved.csv
                        "key": placed.key[~resolved],
                        "stage": stage[rix],
                        "kind": np.array(UNRESOLVED_KINDS, dtype=object)[
                            placed.reason[~resolved]
                        ],
                        "ties": cities_per_patent[rix],
                    }
                )
            )

        if self.on_unresolved == "skip_patent":
            spoiled = np.zeros(n, bool)
            spoiled[rix_all[~resolved]] = True
            report.patents_dropped_unresolved += int(spoiled.sum())
            keep = ~spoiled[rix_all]
            rix_all, resolved = rix_all[keep], resolved[keep]
            distinct = distinct[~spoiled[distinct // _PAIR_BASE]]
            counted = ~spoiled
        else:
            counted = np.ones(n, bool)
        applicants_per_patent = np.bincount(rix_all[resolved], minlength=n)
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
        entries = _frame(self.unresolved, [*_UNRESOLVED_COLUMNS, "key", "stage", "kind", "ties"])
        to_fill = unresolved_names(
            entries.drop(columns="reason").rename(columns={"kind": "reason",
                                                           "address": "where"})
            .assign(detail=entries["reason"]),
            [s.label for s in self.stages],
        )
        report.unresolved_names = len(to_fill)
        return IngestResult(
            networks=networks,
            report=report,
            unresolved=entries[_UNRESOLVED_COLUMNS],
            unresolved_names=to_fill,
            placed_by_name=placed_by_name(self.placed_by_name,
                                          self.resolver.cities["name_zh"].to_dict()),
            rejected=_frame(self.rejected, ["row", "patent_id", "column", "value", "reason"]),
            internal=internal.reset_index(drop=True),
            stages=self.stages,
            threshold=threshold,
        )


_UNRESOLVED_COLUMNS = ["row", "patent_id", "applicant", "address", "reason"]


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


def ingest_frame(
    records: pd.DataFrame,
    *,
    stages: Iterable[Stage] | str = DEFAULT_STAGES,
    columns: Mapping[str, str] | None = None,
    threshold: int = 1,
    resolver: CityResolver | None = None,
    applicant_cities: str | Path | Mapping[str, str] | ApplicantCities | None = None,
    separators: tuple[str, ...] = DEFAULT_SEPARATORS,
    name_fallback: bool = True,
    on_unresolved: Literal["skip_applicant", "skip_patent"] = "skip_applicant",
    valid_years: tuple[int, int] = VALID_YEARS,
    chunk_rows: int = 250_000,
    source: str = "<frame>",
) -> IngestResult:
    """Stage networks from an in-memory table of patent records (see :func:`ingest_file`).

    ``records`` has canonical columns (as :func:`read_records` returns) or headers that
    :data:`pyreslib.records.DEFAULT_COLUMNS` / ``columns`` map; a missing ``row`` column is numbered as a
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
        stages, report, resolver, applicant_cities, separators, name_fallback, on_unresolved,
        valid_years, threshold,
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
    applicant_cities: str | Path | Mapping[str, str] | ApplicantCities | None = None,
    separators: tuple[str, ...] = DEFAULT_SEPARATORS,
    name_fallback: bool = True,
    on_unresolved: Literal["skip_applicant", "skip_patent"] = "skip_applicant",
    valid_years: tuple[int, int] = VALID_YEARS,
    chunk_rows: int = 250_000,
    header_row: int | None = None,
    lenient_quotes: bool = False,
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
    applicant_cities
        The user's table of applicant -> city: a CSV/XLSX file with the columns
        ``applicant,city`` (:func:`pyreslib.applicants.read_applicant_cities`; a filled-in
        ``unresolved_applicants.csv`` is one), a mapping ``{applicant: city}``, or an
        :class:`~pyreslib.applicants.ApplicantCities`. It places an applicant whose address
        is missing or names no city, before anything read from the name.
    separators
        Separators of multi-valued cells.
    name_fallback
        An applicant without an address (fewer addresses than applicants, as in exports that
        give only the first applicant's address) is placed from its name: a city written in
        it, or the institution of higher education it is or begins with (吉林大学第一医院 ->
        长春); the precedence is in :mod:`pyreslib.applicants` and docs/method.md, section 1.
        Counted by route in ``applicants_by_route``.
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
        reading=reading, header_row=header_row, lenient_quotes=lenient_quotes,
    )
    report = IngestReport(
        source=str(path),
        file_format=fmt.kind,
        encoding=fmt.encoding or "",
        columns_used=dict(mapping),
    )
    accumulator = _new_accumulator(
        stages, report, resolver, applicant_cities, separators, name_fallback, on_unresolved,
        valid_years, threshold,
    )
    for chunk in chunks:
        accumulator.add(chunk)
    report.joined_rows, report.rows_joined = reading.joined, reading.rows_joined
    report.padded_rows = _short_rows(Path(path), fmt, reading)
    report.rows_padded = len(report.padded_rows)
    return accumulator.result(threshold)


def _new_accumulator(
    stages, report, resolver, applicant_cities, separators, name_fallback, on_unresolved,
    valid_years, threshold,
) -> _Accumulator:
    if isinstance(stages, str):
        stages = parse_stages(stages)
    stages = check_stages(stages)
    if on_unresolved not in {"skip_applicant", "skip_patent"}:
        raise InputError(f"on_unresolved={on_unresolved!r}: use 'skip_applicant' or 'skip_patent'.")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise InputError(f"threshold={threshold!r}: must be a whole number >= 1.")
    if not separators or any(not s for s in separators):
        raise InputError(f"separators={separators!r}: give one or more non-empty separators.")
    resolver = resolver or default_resolver()
    table = as_applicant_cities(applicant_cities, resolver)
    if table is not None:
        report.applicant_cities = Path(table.source).name
        report.applicant_cities_names = len(table)
        report.applicant_cities_blank_rows = table.blank_rows
    return _Accumulator(
        stages=stages,
        resolver=resolver,
        placer=ApplicantPlacer(resolver, table, automatic=name_fallback),
        separators=tuple(separators),
        name_fallback=name_fallback,
        on_unresolved=on_unresolved,
        valid_years=tuple(valid_years),
        report=report,
    )
