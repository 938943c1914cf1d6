"""Writing an analysis: results.json, tables/, figures/, report.html and ingest/, atomically.

::

    from pyreslib import analysis, outputs
    result = analysis.run("study.toml")
    written = outputs.write(result, "results")   # -> WrittenRun(out_dir, results, figures, tables)

What lands in the folder (docs/results-schema.md):

- ``results.json``: every number the report shows (:mod:`pyreslib.outputs.results_json`);
- ``tables/``: every table as CSV, Markdown and LaTeX; ``figures/``: every figure as PNG
  (:mod:`pyreslib.outputs.sections` chooses them);
- ``report.html``: self-contained, readable offline (:mod:`pyreslib.outputs.report` renders it);
- ``ingest/``: what happened to every record (report, unresolved applicants row by row and
  one row per name ready to fill in as ``[input] applicant_cities``, the names placed without
  their address, rejected rows; each list as CSV and as JSON with the raw values);
- ``.pyreslib-manifest.json``: every file above with its size and SHA-256, written last.

The folder is written whole or not at all (:mod:`pyreslib.outputs.folder`, the one place
that decides where outputs may go): a failed or interrupted write leaves no folder that looks
complete, and an existing folder is replaced only when it holds exactly the files an earlier
pyreslib run wrote there.  Every CSV is safe to open in a spreadsheet: text cells that a
spreadsheet would evaluate as a formula get a leading ``'``
(:mod:`pyreslib.outputs.spreadsheet`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyreslib.outputs.folder import MARKER, atomic, check_destination, write_file
from pyreslib.outputs.results_json import (
    RESULTS_SCHEMA_VERSION,
    dumps_results,
    ingest_report_dict,
    results_dict,
    round_floats,
)
from pyreslib.progress import Progress, step

if TYPE_CHECKING:
    from pyreslib.analysis import AnalysisResult

__all__ = [
    "MARKER",
    "RESULTS_SCHEMA_VERSION",
    "WrittenRun",
    "check_destination",
    "dumps_results",
    "results_dict",
    "round_floats",
    "write",
]


@dataclass(frozen=True)
class WrittenRun:
    """What :func:`write` wrote: the folder, what results.json holds, and the files."""

    out_dir: Path
    results: dict[str, Any]
    figures: tuple[Path, ...]
    tables: tuple[Path, ...]


def write(result: AnalysisResult, out_dir: str | Path | None, *,
          cwd: str | Path | None = None, progress: Progress | None = None,
          chosen: bool = False) -> WrittenRun:
    """Write every output of ``result`` into ``out_dir``, atomically.

    ``out_dir`` must pass :func:`check_destination`: new, empty or exactly an earlier
    pyreslib output, not holding the run's inputs, and inside ``cwd`` (default the current
    directory) unless ``output.allow_outside`` or ``chosen`` (the user named the folder, as
    ``--out`` does); ``None`` writes to the config's ``output.folder``.  A full disk or a
    read-only folder raises :class:`~pyreslib.errors.OutputError` and leaves nothing behind.
    """
    from pyreslib.outputs import report, sections

    cfg = result.config
    out = check_destination(out_dir, cfg, cwd=cwd, chosen=chosen)
    synthetic = result.synthetic
    with atomic(out, command="run") as folder:
        results = results_dict(result)
        figure_entries = {}
        if cfg.figures.enabled:
            figure_entries = sections.write_figures(result, folder / "figures",
                                                    progress=progress)
        with step(progress, "tables") as s:
            _write_ingest(result, folder / "ingest")
            report_sections = sections.report_sections(result, figure_entries)
            tables = []
            for section in report_sections:
                for table in section.all_tables():
                    tables += report.write_table(table, folder / "tables", synthetic=synthetic)
            s.advance()
        with step(progress, "results.json + report.html", 2) as s:
            write_file(folder / "results.json",
                       dumps_results(results, cfg.output.significant_digits))
            s.advance("results.json")
            report.write_report(folder / "report.html", report_sections, title=cfg.title,
                                synthetic=synthetic, notice=result.notice or "",
                                source=cfg.input.patents.name,
                                stages=[s.label for s in result.ingest.stages], seed=cfg.seed)
            s.advance("report.html")
        figures = [f.path for entries in figure_entries.values() for f in entries]
    return WrittenRun(out_dir=out, results=results,
                      figures=tuple(out / p.relative_to(folder) for p in figures),
                      tables=tuple(out / p.relative_to(folder) for p in tables))


def _write_ingest(result: AnalysisResult, folder: Path) -> None:
    from pyreslib.outputs.spreadsheet import write_records

    write_file(folder / "ingest_report.json",
               json.dumps(ingest_report_dict(result), ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n")
    write_records(result.ingest.unresolved, folder, "unresolved")
    # one row per unresolved name, ready to fill in and pass back as [input] applicant_cities
    write_records(result.ingest.unresolved_names, folder, "unresolved_applicants")
    write_records(result.ingest.placed_by_name, folder, "placed_by_name")
    write_records(result.ingest.rejected, folder, "rejected")
