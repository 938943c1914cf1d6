"""The ``pyreslib networks`` subcommand: patent records in, one city network per stage out."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pyreslib.cli.options import header_row_number, threshold_number
from pyreslib.errors import InputError
from pyreslib.study import STAGE_LABELS

__all__ = ["add_networks_command", "print_applicants_to_place"]


def add_networks_command(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "networks",
        help="patent records in, one city network per stage out",
        description=(
            "Read a patent export (CSV/TSV/XLSX/XLS; UTF-8 or GBK), resolve every applicant to a "
            "city and write per stage the city-pair edge list and the node list, with "
            "ingest_report.json and unresolved.csv saying what happened to every record, and "
            "unresolved_applicants.csv: one row per unresolved name, to fill in and pass back "
            "with --applicant-cities."
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
    parser.add_argument("--header-row", type=header_row_number, metavar="N",
                        help="the spreadsheet row that holds the headers, when a title stands "
                        "above them (default: detected on the first row)")
    parser.add_argument("--lenient-quotes", action="store_true",
                        help="read a CSV whose quotes do not close by joining the lines they "
                        "swallow, and say how many (default: refuse it, naming the first row)")
    parser.add_argument(
        "--threshold",
        type=threshold_number,
        default=1,
        help="leave out pairs with fewer collaborations, 1 to 1,000,000 (default: %(default)s)",
    )
    parser.add_argument(
        "--applicant-cities",
        metavar="FILE",
        help="your table of applicant -> city (CSV/XLSX with the columns applicant,city; city "
        "a name, short name or adcode) for applicants without an address; a filled-in "
        "unresolved_applicants.csv is one. It comes after the applicant's address and before "
        "a city in the name or the institutions list",
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

    inputs = [args.patents_file, *([args.applicant_cities] if args.applicant_cities else [])]
    check_folder(args.out, inputs=inputs)  # a bad --out is refused before any work
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
        applicant_cities=args.applicant_cities,
        name_fallback=not args.no_name_fallback,
        on_unresolved="skip_patent" if args.skip_patents_with_unresolved else "skip_applicant",
        header_row=args.header_row,
        lenient_quotes=args.lenient_quotes,
    )
    written = write_stage_outputs(
        result, args.out, encoding="utf-8-sig" if args.excel_friendly else "utf-8",
        inputs=inputs,
    )
    if not args.quiet:
        _print_report(result.report)
        print_applicants_to_place(result, "unresolved_applicants.csv", "--applicant-cities")
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


def print_applicants_to_place(result, listing: str, option: str) -> None:
    """The five unresolved applicants whose placing would add the most collaborations, and
    how to place them (``listing``: where the list is; ``option``: how to pass it back)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    top = result.applicants_to_place(5)
    if top.empty:
        return
    names = result.report.unresolved_names
    table = Table(
        title=escape(f"Unresolved applicants that would add the most collaborations (of "
                     f"{names:,} names in {listing}: fill in its city column and pass it with "
                     f"{option})"),
        title_justify="left",
    )
    for column in ("applicant", "patents", "collab. at stake", "reason"):
        table.add_column(column, justify="left" if column in ("applicant", "reason") else "right")
    for row in top.itertuples(index=False):
        table.add_row(escape(row.applicant), f"{row.patents:,}", f"{row.collaborations_at_stake:,}",
                      row.reason.replace("_", " "))
    Console().print(table)
