"""The ``pyreslib`` command line.

Subcommands are registered by ``add_<name>_command(subparsers)`` functions, one module each
(:mod:`pyreslib.cli.networks`, :mod:`pyreslib.cli.run`), each setting ``handler`` to a
function ``(args) -> int``; :func:`build_parser` calls them all.

Exit codes, the same for every subcommand, are listed in :mod:`pyreslib.cli.signals`: 0 done, 2
an error pyreslib raises on purpose (one paragraph on stderr, never a traceback), 3 a part of
the analysis failed, 128 + n stopped by signal n, 141 the standard output was closed.

Whatever the terminal: text it cannot show (Chinese names under ``PYTHONIOENCODING=ascii`` or
a Latin-1 locale, file names that are not valid UTF-8) is printed as backslash escapes, never
as a traceback, and an argument with a NUL character is an error (exit 2).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pyreslib.cli.networks import add_networks_command
from pyreslib.cli.run import add_run_commands
from pyreslib.cli.signals import (
    EXIT_USER_ERROR,
    interrupted_exit,
    stdout_closed,
    stdout_closed_exit,
    stop_signals,
)
from pyreslib.errors import PyreslibError, excerpt

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


def _printable(text: str) -> str:
    """``text`` with its whitespace runs as one space and every other character a terminal
    would not show as itself (NUL, ESC, zero-width marks) as a backslash escape."""
    text = " ".join(text.split())
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _print_error(command: str, exc: BaseException) -> None:
    message = _printable(str(exc))
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " … (message cut)"
    print(textwrap.fill(f"pyreslib {command}: error: {message}", width=100), file=sys.stderr)


def _show_warning(command: str):
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = textwrap.fill(f"pyreslib {command}: warning: {_printable(str(message))}",
                             width=100)
        print(text, file=file or sys.stderr)
    return show


@contextmanager
def _escaping_streams() -> Iterator[None]:
    """While the command runs, stdout and stderr write what their encoding cannot hold as
    backslash escapes (``\\u5317``) instead of raising UnicodeEncodeError."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors in ("strict", "surrogateescape") and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                continue
            changed.append((stream, errors))
    try:
        yield
    finally:
        for stream, errors in changed:
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError):
                pass  # closed, or its pipe is gone: nothing more is written to it


def _with_nul(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The message for the first argument holding a NUL character, or None.  No file name
    and no option can hold one (the system would cut the name there), and only a program
    calling main() can pass one at all."""
    # argparse lists a parser's arguments only in _actions (private, unchanged since 2.7)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for action in sub.choices[args.command]._actions:
        value = getattr(args, action.dest, None)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "\x00" in item:
                name = action.option_strings[0] if action.option_strings else action.metavar
                return (f"argument {name or action.dest}: {excerpt(item)} holds a NUL "
                        "character (\\x00), which no file name or option can contain; retype it.")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pyreslib`` command line with ``argv`` (default: ``sys.argv[1:]``); returns
    the exit code (the module docstring lists them)."""
    with _escaping_streams():
        try:
            return _main(argv)
        except BrokenPipeError:
            if not stdout_closed():
                raise  # another pipe broke: a bug to show, not the user's closed stdout
            return stdout_closed_exit()


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        sys.stdout.flush()  # --help into a closed pipe fails here, not at the interpreter's exit
        if exc.code in (0, None) and stdout_closed():
            return stdout_closed_exit()  # argparse itself ignores the failed write
        raise
    if (nul := _with_nul(parser, args)) is not None:
        _print_error(args.command, ValueError(nul))
        return EXIT_USER_ERROR
    with stop_signals() as received, warnings.catch_warnings():
        warnings.showwarning = _show_warning(args.command)
        try:
            code = int(args.handler(args) or 0)
            sys.stdout.flush()  # a closed pipe is found here, not at the interpreter's exit
            return code
        except BrokenPipeError:
            raise
        except SystemExit as exc:
            if isinstance(exc.__context__, BrokenPipeError):
                return stdout_closed_exit()  # rich's way to stop on a closed stdout
            raise
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
