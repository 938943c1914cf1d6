"""The ``pyreslib`` command line.

Subcommands are registered by ``add_<name>_command(subparsers)`` functions, one module each
(:mod:`pyreslib.cli.networks`, :mod:`pyreslib.cli.run`), each setting ``handler`` to a
function ``(args) -> int``; :func:`build_parser` calls them all.

Exit codes (:mod:`pyreslib.cli.signals`), for every subcommand:

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
import sys
import textwrap
from collections.abc import Sequence

from pyreslib.cli.networks import add_networks_command
from pyreslib.cli.run import add_run_commands
from pyreslib.cli.signals import EXIT_USER_ERROR, interrupted_exit, stop_signals
from pyreslib.errors import PyreslibError

__all__ = ["build_parser", "main"]

MAX_MESSAGE = 1500  # characters of an error message printed, at most


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyreslib",
        description="Resilience and formation of collaborative innovation networks between cities.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    add_networks_command(sub)
    add_run_commands(sub)  # run, demo
    return parser


def _print_error(command: str, exc: BaseException) -> None:
    message = " ".join(str(exc).split())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " … (message cut)"
    print(textwrap.fill(f"pyreslib {command}: error: {message}", width=100), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with stop_signals() as received:
        try:
            return int(args.handler(args) or 0)
        except KeyboardInterrupt:
            return interrupted_exit(received)
        except Exception as exc:
            if received:  # what the stop signal caused (R unwinding, say): not an error
                return interrupted_exit(received)
            if not isinstance(exc, PyreslibError):
                raise
            _print_error(args.command, exc)
            return EXIT_USER_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
