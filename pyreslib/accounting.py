"""The accounting of an ingest: what happened to every row, and what it produced.

:class:`IngestReport` counts every row and applicant by what became of it (and lists what
ingest decided on its own); :class:`IngestResult` holds the stage networks with that report
and the row-by-row lists of what was left out.  :mod:`pyreslib.ingest` fills them in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from pyreslib.stages import Stage

__all__ = ["IngestReport", "IngestResult", "StageSummary"]


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
