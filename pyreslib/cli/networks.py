"""The ``pyreslib networks`` subcommand: patent records in, one city network per stage out."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pyreslib.errors import InputError
from pyreslib.study import STAGE_LABELS

__all__ = ["add_networks_command"]


def add_networks_command(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "networks",
        help="patent records in, one city network per stage out",
        description=(
            "Read a patent export (CSV/TSV/XLSX/XLS; UTF-8 or GBK), resolve every applicant to a "
            "city and write per stage the city-pair edge list and the node list, with "
            "ingest_report.json and unresolved.csv saying what happened to every record."
        ),
    )
    parser.add_argument("patents_file", metavar="PATENTS_FILE", help="the patent export")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder: new, empty or exactly an earlier pyreslib output "
                        "(replaced as a whole); never the folder holding PATENTS_FILE")
    parser.add_argument(
        "--stages",
        default=",".join(STAGE_LABELS),
        help="comma-separated year ranges (default: %(default)s)",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=HEADER",
        help="map a column role (patent_id, date, applicants, addresses, cities) to your header; "
        "repeatable, e.g. --column applicants=权利人",
    )
    parser.add_argument("--encoding", help="text encoding (default: detected; e.g. gb18030)")
    parser.add_argument("--sheet", help="Excel sheet name or 0-based number (default: the first)")
    parser.add_argument(
        "--threshold",
        type=_threshold,
        default=1,
        help="leave out pairs with fewer collaborations, 1 to 1,000,000 (default: %(default)s)",
    )
    parser.add_argument(
        "--prefecture-level-only",
        action="store_true",
        help="resolve only to the 337 prefecture-level units (county-level units "
        "such as 仙桃 stay unresolved)",
    )
    parser.add_argument(
        "--skip-patents-with-unresolved",
        action="store_true",
        help="leave out a patent when any of its applicants is unresolved "
        "(default: count it among its resolved applicants)",
    )
    parser.add_argument(
        "--no-name-fallback",
        action="store_true",
        help="do not resolve applicants that lack an address by their name",
    )
    parser.add_argument(
        "--excel-friendly",
        action="store_true",
        help="write CSVs as UTF-8 with BOM, so Excel shows Chinese names (in every CSV, text "
        "a spreadsheet would run as a formula starts with ')",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print the report")
    parser.set_defaults(handler=_run_networks)
    return parser


def _threshold(text: str) -> int:
    from pyreslib.config import StagesConfig, bounds

    low, high = bounds(StagesConfig, "threshold")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_excerpt(text)} is not a whole number") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"must be between {low:,} and {high:,}, got {_excerpt(text)}")
    return value


def _excerpt(text: str, limit: int = 40) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _parse_column_options(options: Sequence[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for option in options:
        role, sep, header = option.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise InputError(
                f"--column {_excerpt(option)}: write it as ROLE=HEADER, e.g. applicants=申请人."
            )
        columns[role.strip()] = header.strip()
    return columns


def _run_networks(args: argparse.Namespace) -> int:
    from pyreslib.cities import default_resolver
    from pyreslib.ingest import ingest_file
    from pyreslib.outputs.folder import check_folder
    from pyreslib.outputs.networks import write_stage_outputs
    from pyreslib.stages import parse_stages

    check_folder(args.out, inputs=[args.patents_file])  # a bad --out is refused before any work
    stages = parse_stages(args.stages)
    sheet = args.sheet
    if sheet is not None and sheet.isdigit():
        sheet = int(sheet)
    result = ingest_file(
        args.patents_file,
        stages=stages,
        columns=_parse_column_options(args.column),
        encoding=args.encoding,
        threshold=args.threshold,
        sheet=sheet,
        resolver=default_resolver(args.prefecture_level_only),
        name_fallback=not args.no_name_fallback,
        on_unresolved="skip_patent" if args.skip_patents_with_unresolved else "skip_applicant",
    )
    written = write_stage_outputs(
        result, args.out, encoding="utf-8-sig" if args.excel_friendly else "utf-8",
        inputs=[args.patents_file],
    )
    if not args.quiet:
        _print_report(result.report)
        print(f"wrote {len(written)} files to {args.out}")
    return 0


def _print_report(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Ingest report: {report.source}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, count in report.rows():
        table.add_row(what, count)
    console.print(table)
    stages = Table(title="Stages", title_justify="left")
    for column in ("stage", "patents", "cities", "pairs", "cross-city", "internal"):
        stages.add_column(column, justify="right" if column != "stage" else "left")
    for s in report.stages:
        stages.add_row(
            s.label,
            f"{s.patents:,}",
            f"{s.cities:,}",
            f"{s.city_pairs:,}",
            f"{s.cross_city_collaborations:,}",
            f"{s.internal_collaborations:,}",
        )
    console.print(stages)
    if report.stages_without_edges:
        console.print(f"[yellow]stages without any edge: {', '.join(report.stages_without_edges)}")
