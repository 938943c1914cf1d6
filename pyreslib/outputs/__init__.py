"""Writing an analysis: results.json, tables/, figures/, report.html and ingest/, atomically.

::

    from pyreslib import analysis, outputs
    result = analysis.run("study.toml")
    written = outputs.write(result, "results")   # -> WrittenRun(out_dir, results, figures, tables)

What lands in the folder (docs/results-schema.md):

- ``results.json``: every number the report shows (:mod:`pyreslib.outputs.results_json`);
- ``tables/``: every table as CSV, Markdown and LaTeX; ``figures/``: every figure as PNG
  (:mod:`pyreslib.outputs.sections` chooses them);
- ``report.html``: self-contained, readable offline (:mod:`pyreslib.report` renders it);
- ``ingest/``: what happened to every record (report, unresolved applicants, rejected rows).

The folder is written whole or not at all (:mod:`pyreslib.outputs.folder`, the one place
that decides where outputs may go): a failed or interrupted write leaves no folder that looks
complete, and only an earlier pyreslib output is ever replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyreslib.outputs.folder import MARKER, atomic, check_destination
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


def write(result: AnalysisResult, out_dir: str | Path, *, cwd: str | Path | None = None,
          progress: Progress | None = None) -> WrittenRun:
    """Write every output of ``result`` into ``out_dir``, atomically.

    ``out_dir`` must pass :func:`check_destination` (inside ``cwd``, default the current
    directory, unless ``output.allow_outside``; new, empty or an earlier pyreslib output).
    """
    from pyreslib import report
    from pyreslib.outputs import sections

    cfg = result.config
    out = check_destination(out_dir, cfg, cwd=cwd)
    synthetic = result.synthetic
    with atomic(out) as folder:
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
                for table in section.tables:
                    tables += report.write_table(table, folder / "tables", synthetic=synthetic)
            s.advance()
        with step(progress, "results.json + report.html", 2) as s:
            (folder / "results.json").write_text(
                dumps_results(results, cfg.output.significant_digits), encoding="utf-8")
            s.advance("results.json")
            report.write_report(folder / "report.html", report_sections, title=cfg.title,
                                synthetic=synthetic, notice=result.notice or "",
                                source=cfg.input.patents.name, stages=cfg.stages.labels,
                                seed=cfg.seed)
            s.advance("report.html")
        figures = [f.path for entries in figure_entries.values() for f in entries]
    return WrittenRun(out_dir=out, results=results,
                      figures=tuple(out / p.relative_to(folder) for p in figures),
                      tables=tuple(out / p.relative_to(folder) for p in tables))


def _write_ingest(result: AnalysisResult, folder: Path) -> None:
    folder.mkdir()
    (folder / "ingest_report.json").write_text(
        json.dumps(ingest_report_dict(result), ensure_ascii=False, indent=2, sort_keys=True)
        + "\n", encoding="utf-8")
    result.ingest.unresolved.to_csv(folder / "unresolved.csv", index=False)
    result.ingest.rejected.to_csv(folder / "rejected.csv", index=False)
