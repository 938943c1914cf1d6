"""The ``pyreslib`` command line.

Subcommands are registered by small ``_add_<name>_command(subparsers)`` functions, each setting
``handler`` to a function ``(args) -> int``; :func:`build_parser` calls them all.

Exit codes, for every subcommand:

- 0: done;
- 2 (:data:`EXIT_USER_ERROR`): an error pyreslib raises on purpose
  (:class:`~pyreslib.errors.PyreslibError`: bad input, config or argument, an output folder
  that is refused, a full disk or a read-only folder), printed as one paragraph on stderr,
  never as a traceback;
- 3 (:data:`EXIT_PART_FAILED`): ``run``/``demo`` finished and wrote its outputs, but a part of
  the analysis that was asked for failed (an ERGM fit, a goodness of fit); ``--keep-going``
  makes this 0;
- 128 + n: stopped by signal n: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP.  All
  three are handled alike: the work stops, the temporary output folder is removed, nothing
  that looks finished is left behind.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pyreslib.errors import InputError, PyreslibError
from pyreslib.study import STAGE_LABELS

EXIT_USER_ERROR = 2
EXIT_PART_FAILED = 3
MAX_MESSAGE = 1500  # characters of an error message printed, at most


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyreslib",
        description="Resilience and formation of collaborative innovation networks between cities.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_networks_command(sub)
    __import__("pyreslib.cli_run").cli_run.add_run_commands(sub)  # run, demo
    return parser


def _add_networks_command(sub) -> argparse.ArgumentParser:
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
    from pyreslib.ingest import ingest_file, parse_stages
    from pyreslib.network import write_stage_outputs
    from pyreslib.outputs.folder import check_folder

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


_RECEIVED: list[int] = []  # signals that asked the running command to stop
_ARMED: set[int] = set()  # the stop signals main() handles while a command runs


def _ask_r_to_stop() -> bool:
    """Set the embedded R's interrupt flag, if R is loaded: R unwinds at its next check of it
    (ergm's MCMC loops check often) and rpy2 raises in Python.  True if R is loaded."""
    openrlib = sys.modules.get("rpy2.rinterface_lib.openrlib")
    rlib = getattr(openrlib, "rlib", None)
    if rlib is None:
        return False
    rlib.R_interrupts_pending = 1
    return True


def _stop(signum, frame) -> None:
    """The handler of SIGINT, SIGTERM and SIGHUP while a command runs (see _stop_signals)."""
    _RECEIVED.append(signum)
    on_sigint = signal.getsignal(signal.SIGINT)
    if (signum != signal.SIGINT and callable(on_sigint)
            and on_sigint not in (_stop, signal.default_int_handler)):
        on_sigint(signal.SIGINT, frame)  # the ERGM bridge's: it asks R to stop
        return
    if _called_back_by_r(frame) and _ask_r_to_stop():
        return  # an exception raised here would be lost in rpy2's callback
    raise KeyboardInterrupt


def _called_back_by_r(frame) -> bool:
    """Whether Python runs inside one of rpy2's callbacks (R computing, calling back to
    process events or print), i.e. rpy2's callbacks module is on the stack."""
    while frame is not None:
        if frame.f_globals.get("__name__") == "rpy2.rinterface_lib.callbacks":
            return True
        frame = frame.f_back
    return False


def check_stop_signals() -> None:
    """Called between units of work (the command line's progress display does): raise
    KeyboardInterrupt if a stop signal arrived that has not stopped the work yet, and take
    SIGINT back from rpy2, which resets it to Python's default when R starts."""
    if _RECEIVED:
        raise KeyboardInterrupt
    if (signal.SIGINT in _ARMED and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _stop)


@contextmanager
def _stop_signals() -> Iterator[list[int]]:
    """While the body runs, SIGINT (Ctrl-C), SIGTERM and SIGHUP all stop the work the same
    way; yields the list of signals received.

    Python code is stopped by KeyboardInterrupt.  While the ERGM bridge runs R it has its own
    SIGINT handler, which asks R to stop: SIGTERM and SIGHUP are passed to it.  While R runs
    outside the bridge (starting up, converting data), the signal reaches Python inside one
    of rpy2's callbacks, where an exception would be lost: then R is asked to stop, and the
    error that follows ends the command as interrupted.  A signal that was ignored when
    pyreslib started (``nohup``) stays ignored.
    """
    _RECEIVED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield _RECEIVED
        return
    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # SIGHUP does not exist on Windows
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _stop)
    _ARMED.update(previous)
    try:
        yield _RECEIVED
    finally:
        _ARMED.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _print_error(command: str, exc: BaseException) -> None:
    message = " ".join(str(exc).split())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " … (message cut)"
    print(textwrap.fill(f"pyreslib {command}: error: {message}", width=100), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with _stop_signals() as received:
        try:
            return int(args.handler(args) or 0)
        except KeyboardInterrupt:
            return _interrupted(received)
        except Exception as exc:
            if received:  # what the stop signal caused (R unwinding, say): not an error
                return _interrupted(received)
            if not isinstance(exc, PyreslibError):
                raise
            _print_error(args.command, exc)
            return EXIT_USER_ERROR


def _interrupted(received: list[int]) -> int:
    signum = received[0] if received else signal.SIGINT
    print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
    return 128 + signum


if __name__ == "__main__":
    raise SystemExit(main())
