"""The ``pyreslib`` command line: :func:`main` (:mod:`pyreslib.cli.main`), the subcommands
(:mod:`pyreslib.cli.networks`, :mod:`pyreslib.cli.run`) and exit codes and stop signals
(:mod:`pyreslib.cli.signals`)."""

from pyreslib.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
