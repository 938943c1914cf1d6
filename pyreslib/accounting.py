"""The accounting of an ingest: what happened to every row, and what it produced.

:class:`IngestReport` counts every row and applicant by what became of it (and lists what
ingest decided on its own); :class:`IngestResult` holds the stage networks with that report
and the row-by-row lists of what was left out; :func:`unresolved_names` and
:func:`placed_by_name` list the applicants one row per name (what is left, ready to fill in as
the user's table; what was placed without an address).  :mod:`pyreslib.ingest` fills them in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.applicants import ROUTES, PlacedEntries
from pyreslib.cities import UNRESOLVED_KINDS
from pyreslib.stages import Stage

__all__ = [
    "PLACED_BY_NAME_COLUMNS",
    "UNRESOLVED_NAME_COLUMNS",
    "IngestReport",
    "IngestResult",
    "StageSummary",
    "placed_by_name",
    "unresolved_names",
]


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

    Applicants: ``applicants = applicants_resolved + unresolved_applicants``;
    ``applicants_by_route`` counts the resolved ones by the route that placed them (``address``,
    ``user_table``, ``city_in_name``, ``institution``: docs/method.md, section 1) and
    ``unresolved_by_reason`` the others by why not (``province_only``, ``ambiguous``,
    ``unknown``); each sums to its total. ``applicants_resolved_by_name`` is the sum of the
    three routes other than the address. ``unresolved_names``: distinct unresolved names (the
    rows of ``unresolved_applicants.csv``). ``applicant_cities``: the file name of the user's
    table ("" without one), with ``applicant_cities_names`` names and
    ``applicant_cities_blank_rows`` rows left without a city (skipped).
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
    rows_joined: int = 0
    joined_rows: list[dict] = field(default_factory=list)
    rows_with_unsplit_list: int = 0
    unsplit_lists: list[dict] = field(default_factory=list)
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
    applicants_by_route: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROUTES, 0))
    unresolved_by_reason: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(UNRESOLVED_KINDS, 0)
    )
    unresolved_names: int = 0
    applicant_cities: str = ""
    applicant_cities_names: int = 0
    applicant_cities_blank_rows: int = 0
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

    def count_placements(self, route: np.ndarray, reason: np.ndarray) -> None:
        """Count a chunk's applicants by the route that placed each (index into ROUTES, -1:
        unresolved) and the reason the others were not (index into UNRESOLVED_KINDS)."""
        resolved = route >= 0
        self.applicants += len(route)
        self.applicants_resolved += int(resolved.sum())
        self.applicants_resolved_by_name += int((route >= 1).sum())
        self.unresolved_applicants += int((~resolved).sum())
        by_route = np.bincount(route[resolved], minlength=len(ROUTES))
        for name, count in zip(ROUTES, by_route.tolist(), strict=True):
            self.applicants_by_route[name] += count
        by_reason = np.bincount(reason[~resolved], minlength=len(UNRESOLVED_KINDS))
        for kind, count in zip(UNRESOLVED_KINDS, by_reason.tolist(), strict=True):
            self.unresolved_by_reason[kind] += count

    def list_multi_province(self, row: int, patent_id: str, applicant: str, address: str,
                            provinces: Iterable[str], resolved_to: str) -> None:
        """Count and list an address naming two or more provinces, and the city chosen."""
        self.multi_province_addresses += 1
        self.multi_province.append({"row": row, "patent_id": patent_id, "applicant": applicant,
                                    "address": address, "provinces": list(provinces),
                                    "resolved_to": resolved_to})

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
            ("lines joined into a cell by an open quote (listed)", self.rows_joined),
            ("applicant cells that look like unsplit lists (listed)", self.rows_with_unsplit_list),
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
            ("    by their address", self.applicants_by_route["address"]),
            ("    by the user's table", self.applicants_by_route["user_table"]),
            ("    by a city in the name", self.applicants_by_route["city_in_name"]),
            ("    by the institutions list", self.applicants_by_route["institution"]),
            ("  unresolved", self.unresolved_applicants),
            ("    naming only a province", self.unresolved_by_reason["province_only"]),
            ("    naming an ambiguous place", self.unresolved_by_reason["ambiguous"]),
            ("    naming no known place", self.unresolved_by_reason["unknown"]),
            ("  distinct unresolved names (listed)", self.unresolved_names),
            ("addresses naming two provinces (listed)", self.multi_province_addresses),
            ("rows whose address count differs", self.rows_with_address_count_mismatch),
        ]
        if self.applicant_cities:
            lines.insert(lines.index(("applicants", self.applicants)),
                         (f"names in the user's table ({self.applicant_cities})",
                          self.applicant_cities_names))
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
    ``unresolved_names``: one row per distinct unresolved name, most patents first
    (``applicant, city, patents, collaborations_at_stake, stages, reason, detail, example_row,
    example_patent_id``; ``city`` empty, to fill in and pass back as the user's table).
    ``placed_by_name``: one row per distinct name placed without its address
    (``applicant, adcode, name_zh, route, evidence, patents``), to check what was placed by name.
    """

    networks: dict[str, nx.Graph]
    report: IngestReport
    unresolved: pd.DataFrame
    rejected: pd.DataFrame
    internal: pd.DataFrame
    stages: tuple[Stage, ...]
    threshold: int = 1
    unresolved_names: pd.DataFrame = field(default_factory=pd.DataFrame)
    placed_by_name: pd.DataFrame = field(default_factory=pd.DataFrame)

    def applicants_to_place(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` unresolved names whose placing would add the most collaborations
        (``collaborations_at_stake``, then patents), from :attr:`unresolved_names`."""
        names = self.unresolved_names
        if names.empty:
            return names
        return names.sort_values(["collaborations_at_stake", "patents", "example_row"],
                                 ascending=[False, False, True], kind="stable").head(n)


# ---------------------------------------------------------------------------------------------
# Applicants one row per name: what is left, ready to fill; what was placed by name
# ---------------------------------------------------------------------------------------------
UNRESOLVED_NAME_COLUMNS = ["applicant", "city", "patents", "collaborations_at_stake", "stages",
                           "reason", "detail", "example_row", "example_patent_id"]
"""Columns of ``unresolved_applicants.csv``: one row per distinct unresolved name (normalised),
most patents first, then most collaborations at stake, then in the order the names first
appear; ``city`` is empty, to fill in and pass back as the user's table."""

PLACED_BY_NAME_COLUMNS = ["applicant", "adcode", "name_zh", "route", "evidence", "patents"]
"""Columns of ``placed_by_name.csv``: every distinct name placed without its address."""


def placed_by_name_part(placed: PlacedEntries, applicants: np.ndarray) -> pd.DataFrame | None:
    """One chunk's names placed without their address (``placed``: the chunk's
    :class:`~pyreslib.applicants.PlacedEntries`), one row per distinct name, or None."""
    by_name = placed.route >= 1
    if not by_name.any():
        return None
    return pd.DataFrame(
        {
            "key": placed.key[by_name],
            "applicant": applicants[by_name],
            "adcode": placed.adcode[by_name],
            "route": np.array(ROUTES, dtype=object)[placed.route[by_name]],
            "evidence": placed.detail[by_name],
            "patents": 1,
        }
    ).groupby("key", sort=False, as_index=False).agg(
        applicant=("applicant", "first"), adcode=("adcode", "first"), route=("route", "first"),
        evidence=("evidence", "first"), patents=("patents", "sum"),
    )


def unresolved_names(entries: pd.DataFrame, stage_labels: Iterable[str]) -> pd.DataFrame:
    """One row per distinct unresolved name, from the unresolved entries of an ingest.

    ``entries`` has ``key, applicant, row, patent_id, stage`` (index into ``stage_labels``),
    ``reason`` (a kind), ``detail`` and ``ties``: the distinct cities of the patent's placed
    applicants, i.e. the collaborations placing the applicant would add at most (one pair
    with each, or one internal collaboration when it shares the only one's city).
    """
    labels = list(stage_labels)
    if entries.empty:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c in (
            "patents", "collaborations_at_stake", "example_row") else object)
            for c in UNRESOLVED_NAME_COLUMNS})
    onehot = {f"s{i}": entries["stage"].to_numpy() == i for i in range(len(labels))}
    frame = entries.assign(**onehot)
    grouped = frame.groupby("key", sort=False)
    out = grouped.agg(applicant=("applicant", "first"), patents=("row", "size"),
                      collaborations_at_stake=("ties", "sum"), reason=("reason", "first"),
                      detail=("detail", "first"), example_row=("row", "first"),
                      example_patent_id=("patent_id", "first"),
                      **{k: (k, "max") for k in onehot})
    stages = np.array([", ".join(lab for i, lab in enumerate(labels) if flags[i])
                       for flags in out[list(onehot)].to_numpy()], dtype=object)
    out = out.assign(city="", stages=stages).reset_index(drop=True)
    # ties keep the order in which the names first appear in the file (numeric sort keys:
    # sorting 100,000s of names as text costs more than the rest of the listing)
    out = out.sort_values(["patents", "collaborations_at_stake", "example_row"],
                          ascending=[False, False, True], kind="stable")
    return out[UNRESOLVED_NAME_COLUMNS].reset_index(drop=True).astype(
        {"patents": "int64", "collaborations_at_stake": "int64", "example_row": "int64"})


def placed_by_name(parts: list[pd.DataFrame], city_names: Mapping[int, str]) -> pd.DataFrame:
    """One row per distinct name placed without its address, from per-chunk parts with
    ``key, applicant, adcode, route, evidence, patents``; most patents first, then in the order
    the names first appear."""
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("adcode", "patents")
                                          else object) for c in PLACED_BY_NAME_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)
    out = frame.groupby("key", sort=False).agg(
        applicant=("applicant", "first"), adcode=("adcode", "first"), route=("route", "first"),
        evidence=("evidence", "first"), patents=("patents", "sum")).reset_index(drop=True)
    out.insert(2, "name_zh", out["adcode"].map(city_names))
    # ties keep the order in which the names first appear in the file
    out = out.sort_values("patents", ascending=False, kind="stable")
    return out[PLACED_BY_NAME_COLUMNS].reset_index(drop=True)
