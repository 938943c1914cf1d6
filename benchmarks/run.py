"""Run every benchmark module and write BENCHMARKS.md.

Each ``benchmarks/bench_*.py`` exposes ``run(quick: bool) -> list[Measurement]``.  A
measurement times pyreslib and its anchor *in the same run* and reports the ratio; the anchor
is whatever the issue names (plain Rscript, igraph called directly, naive pandas, ...).

Usage: ``python benchmarks/run.py [--quick] [--only NAME] [--out BENCHMARKS.md]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Measurement, machine_description


def _modules(only: str | None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only in names:  # an exact module name runs that module alone
        return [only]
    return [n for n in names if only is None or only in n]


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _render(results: list[tuple[str, list[Measurement] | str]],
            started: dict[str, str] | None = None) -> str:
    now = _stamp()
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python benchmarks/run.py`); do not edit by hand.",
        "",
        f"- Date: {now} (each section gives the date of its own run)",
        f"- Machine: {machine_description()}",
        f"- Python {platform.python_version()}",
        "",
        "Method: every benchmark times pyreslib and the anchor the issue names in the same",
        "process run, alternating them, and reports the median of the repeats; the ratio is",
        "pyreslib / anchor (below 1 = pyreslib faster). Peak memory is the maximum resident",
        "set size of a child process doing only that work.",
        "",
        "The recovery study (`bench_recovery`, 1.5-2 hours) runs only when named alone",
        "(`benchmarks/run.py --only bench_recovery --merge`) or with `PYRESLIB_BENCH_RECOVERY=1`;",
        "otherwise its last section is kept with the date it ran.",
        "",
    ]
    for module, outcome in results:
        lines.append(f"## {module}")
        lines.append("")
        if isinstance(outcome, _Rendered):
            lines += [outcome.strip("\n"), "", f"(section kept from an earlier run of `{module}`)", ""]
            continue
        lines += [f"Run: started {(started or {}).get(module, now)}, finished by {now}", ""]
        if isinstance(outcome, str):
            lines += ["Failed:", "", "```", outcome.strip(), "```", ""]
            continue
        for m in outcome:
            lines += m.to_markdown()
    return "\n".join(lines) + "\n"


def _merge(previous: str, fresh: list[tuple[str, list[Measurement] | str]]):
    """Keep the previous file's sections of modules not run now (as rendered text)."""
    run_now = {name for name, _ in fresh}
    kept: list[tuple[str, list[Measurement] | str]] = []
    # a section written before sections carried their own date: the file's date is its date
    header_date = next((line.removeprefix("- Date: ").split(" (")[0]
                        for line in previous.splitlines() if line.startswith("- Date: ")), "?")
    for block in previous.split("\n## ")[1:]:
        name, _, body = block.partition("\n")
        if name.strip() not in run_now:
            lines = [line for line in body.splitlines()
                     if not line.startswith("(section kept from an earlier run")]
            if not any(line.startswith("Run: ") for line in lines):
                lines = ["", f"Run: {header_date}"] + lines
            kept.append((name.strip(), _Rendered("\n".join(lines))))
    return sorted(kept + fresh, key=lambda item: item[0])


class _Rendered(str):
    """A section carried over verbatim from an earlier BENCHMARKS.md."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", help="run only modules whose name contains this")
    parser.add_argument("--out", default=str(HERE.parent / "BENCHMARKS.md"))
    parser.add_argument("--merge", action="store_true",
                        help="replace only the sections of the modules run, keep the others")
    args = parser.parse_args(argv)
    results: list[tuple[str, list[Measurement] | str]] = []
    failed = False
    started: dict[str, str] = {}
    kept: list[str] = []
    for name in _modules(args.only):
        module = importlib.import_module(name)
        # a module that takes hours (the recovery study) runs only when named alone or asked
        # for by its environment variable; otherwise its last section is kept as it was
        switch = getattr(module, "SKIP_UNLESS_NAMED", None)
        if switch and not args.quick and args.only != name and os.environ.get(switch, "0") == "0":
            print(f"[bench] {name}: not rerun (--only {name}, or {switch}=1); last section kept")
            kept.append(name)
            continue
        print(f"[bench] {name} ...", flush=True)
        started[name] = _stamp()
        try:
            measurements = module.run(quick=args.quick)
            for m in measurements:
                print("   ", m.one_line(), flush=True)
            results.append((name, measurements))
        except Exception:  # noqa: BLE001 - a failing benchmark is reported, the others still run
            failed = True
            results.append((name, traceback.format_exc()))
            print(traceback.format_exc(), file=sys.stderr)
    if (args.merge or kept) and Path(args.out).is_file():
        results = _merge(Path(args.out).read_text(encoding="utf-8"), results)
    Path(args.out).write_text(_render(results, started), encoding="utf-8")
    print(f"[bench] wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
