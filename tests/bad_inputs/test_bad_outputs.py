"""What the commands do with output folders, spreadsheet formulas and failed parts (issue 14),
through the command line: each case asserts the exit code, the message, and that no file of
the user's changed (SHA-256 of every file in the folder before and after).

- Output folders: a command writes a new folder, or replaces one that holds exactly what an
  earlier pyreslib run wrote there (its manifest); anything else is refused (exit 2) naming
  the files; never its own input; a full disk or a read-only folder is a message (exit 2)
  with nothing left behind; leftovers of killed runs are removed.
- Formula injection: text a spreadsheet would evaluate reaches no CSV as a formula; the raw
  value is in the JSON twin.
- Outcomes: a run whose requested ERGM fit failed exits 3 and says so even with --quiet;
  --keep-going makes it 0.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from tests.bad_inputs.folders import can_mount, dead_pid, read_only_folder, tmpfs, tree_hashes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
HOSTILE = (
    "申请号,申请日,申请人,申请人地址\n"
    "CN1,2012-01-01,甲;乙,北京;上海\n"
    'CN2,2012-01-01,"=HYPERLINK(""http://evil"",""x"");乙","@SUM(1+1);上海"\n'
)


@dataclass
class Case:
    """``setup(tmp)`` makes the user's folder and returns the command's arguments."""

    setup: Callable[[Path], list[str]]
    code: int
    words: list[str]
    writes: str | None = None  # the folder the command may create (relative to tmp)
    cwd: str = "."
    context: Callable[[Path], AbstractContextManager] | None = None
    check: Callable[[Path], str] | None = None  # more assertions; returns what it showed
    needs: set[str] = field(default_factory=set)  # "root" (mounts), "r" (ERGM fits)


def _patents(tmp: Path, name: str = "patents.csv", text: str | None = None) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        path.write_bytes((FIXTURES / "patents_utf8.csv").read_bytes())
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _networks(tmp: Path, out: str = "out", *extra: str) -> list[str]:
    return ["networks", str(_patents(tmp)), "--out", out, "--quiet", *extra]


def _earlier_output(tmp: Path) -> None:
    from pyreslib.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["networks", str(FIXTURES / "patents_utf8.csv"), "--out",
                     str(tmp / "out"), "--quiet"]) == 0


def _then(setup: Callable[[Path], None], args: Callable[[Path], list[str]] = _networks):
    def make(tmp: Path) -> list[str]:
        _earlier_output(tmp)
        setup(tmp)
        return args(tmp)
    return make


def _user_folder(tmp: Path) -> list[str]:
    (tmp / "out").mkdir()
    (tmp / "out" / "thesis.docx").write_bytes(b"chapter 1")
    return _networks(tmp)


def _own_input(tmp: Path) -> list[str]:
    patents = _patents(tmp, "d/x.csv")
    return ["networks", str(patents), "--out", "d"]


def _legacy(tmp: Path) -> list[str]:
    (tmp / "out").mkdir()
    (tmp / "out" / ".pyreslib-run").write_text("written by pyreslib run\n", encoding="utf-8")
    (tmp / "out" / "results.json").write_text("{}\n", encoding="utf-8")
    return _networks(tmp)


def _project(tmp: Path, *, ergm: bool = False) -> Path:
    from tests.test_pipeline import _write_project

    return _write_project(tmp, ergm=ergm, figures=False)


def _config_inside_out(tmp: Path) -> list[str]:
    config = _project(tmp)
    (tmp / "results").mkdir()
    text = config.read_text(encoding="utf-8")
    for name in ("patents.csv", "covariates.csv"):
        text = text.replace(f'"{name}"', f'"../{name}"')
    (tmp / "results" / "run.toml").write_text(text, encoding="utf-8")
    config.unlink()
    return ["run", "results/run.toml", "--out", "results"]


def _read_only(tmp: Path) -> list[str]:
    return _networks(tmp, "locked/out")


def _full_disk_run(tmp: Path) -> list[str]:
    _project(tmp)  # the config and its input; the tmpfs is mounted at tmp/disk
    return ["run", "../run.toml", "--out", "res", "--quiet"]


class _DiskFullOnThirdFile:
    """Fault injection at pyreslib's one byte writer (not R): the third file gets half of its
    bytes, then the disk is full."""

    def __init__(self) -> None:
        from pyreslib.outputs import folder

        self.real, self.calls = folder._write_bytes, 0

    def __call__(self, path: Path, data: bytes) -> None:
        import errno

        self.calls += 1
        if self.calls == 3:
            self.real(path, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.real(path, data)


def _simulated_full_disk(tmp: Path) -> AbstractContextManager:
    return mock.patch("pyreslib.outputs.folder._write_bytes", _DiskFullOnThirdFile())


def _leftover(tmp: Path) -> list[str]:
    leftover = tmp / f".out.partial-{dead_pid()}"
    leftover.mkdir()
    (leftover / "stage_2011-2014_edges.csv").write_text("city_a,city_b,wei", encoding="utf-8")
    return _networks(tmp)


def _no_leftover(tmp: Path) -> str:
    assert [p.name for p in tmp.iterdir() if p.name.startswith(".out")] == []
    assert (tmp / "out" / ".pyreslib-manifest.json").is_file()
    return "the killed run's .out.partial-<pid> removed; out/ written"


def _replaced(tmp: Path) -> str:
    listed = json.loads((tmp / "out" / ".pyreslib-manifest.json").read_text())["files"]
    assert {f["path"] for f in listed} | {".pyreslib-manifest.json"} == {
        p.name for p in (tmp / "out").iterdir()}
    return f"replaced: out/ holds the {len(listed)} files its new manifest lists"


def _hostile(tmp: Path, *extra: str) -> list[str]:
    return ["networks", str(_patents(tmp, "hostile.csv", HOSTILE)), "--out", "out", "--quiet",
            *extra]


def _formulas_are_text(folder: Path, encoding: str = "utf-8") -> str:
    table = pd.read_csv(folder / "unresolved.csv", encoding=encoding, dtype=str)
    assert table["applicant"].tolist() == ["'=HYPERLINK(\"http://evil\",\"x\")"]
    assert table["address"].tolist() == ["'@SUM(1+1)"]
    raw = json.loads((folder / "unresolved.json").read_text(encoding="utf-8"))
    assert raw[0]["applicant"] == '=HYPERLINK("http://evil","x")'
    return (f"unresolved.csv: {table['applicant'][0]} (raw in unresolved.json: "
            f"{raw[0]['applicant']})")


def _hostile_run(tmp: Path) -> list[str]:
    config = _project(tmp)
    with (tmp / "patents.csv").open("a", encoding="utf-8") as handle:
        handle.write('CN9,2012-03-01,"=HYPERLINK(""http://evil"",""x"");乙",'
                     '"@SUM(1+1);上海市浦东新区科技路2号"\n')
    return ["run", str(config), "--out", "res", "--quiet"]


def _failing_ergm(tmp: Path, *extra: str) -> list[str]:
    """One stage whose network is a single pair: the ERGM fit fails."""
    config = _project(tmp, ergm=True)
    lines = (tmp / "patents.csv").read_text(encoding="utf-8").splitlines()
    pair = "CNX1,2016-03-01,甲公司;乙公司,北京市海淀区科技路1号;上海市浦东新区科技路2号"
    (tmp / "patents.csv").write_text("\n".join([lines[0], pair]) + "\n", encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('labels = ["2011-2014", "2015-2017"]',
                                   'labels = ["2015-2017"]'), encoding="utf-8")
    return ["run", str(config), "--out", "res", "--quiet", *extra]


def _failure_recorded(tmp: Path) -> str:
    failures = json.loads((tmp / "res" / "results.json").read_text())["ergm_failures"]
    assert [(f["stage"], f["model"]) for f in failures] == [("2015-2017", "study")]
    return "outputs written; results.json ergm_failures lists the fit"


CASES: dict[str, Case] = {
    # output folders
    "networks --out the folder holding its input": Case(
        _own_input, 2, ["holds this command's own input x.csv", "never writes over its input"]),
    "networks --out the working directory": Case(
        lambda tmp: _networks(tmp, "."), 2, ["is the working directory itself"]),
    "networks --out a folder of the user's files": Case(
        _user_folder, 2, ["did not write", "thesis.docx"]),
    "networks --out an earlier output plus a user's file": Case(
        _then(lambda tmp: (tmp / "out" / "notes.txt").write_text("mine", encoding="utf-8")),
        2, ["did not write there: notes.txt"]),
    "networks --out an earlier output with an edited file": Case(
        _then(lambda tmp: (tmp / "out" / "internal.csv").write_text("edited", encoding="utf-8")),
        2, ["changed since pyreslib wrote them: internal.csv"]),
    "networks --out an earlier output, unchanged (replaced)": Case(
        _then(lambda tmp: None), 0, [], writes="out", check=_replaced),
    "networks --out a folder of an older pyreslib (bare marker)": Case(
        _legacy, 2, ["older pyreslib without a manifest"]),
    "run with its config inside --out": Case(
        _config_inside_out, 2, ["holds this command's own input run.toml"]),
    "networks --out inside a read-only folder": Case(
        _read_only, 2, ["read-only"], context=lambda tmp: read_only_folder(tmp / "locked")),
    "networks on a full disk (fault at the byte writer)": Case(
        _networks, 2, ["no space is left on the device", "Nothing was left behind"],
        context=_simulated_full_disk),
    "networks on a full disk (16 kB tmpfs)": Case(
        lambda tmp: _networks(tmp, "disk/out"), 2, ["no space is left on the device"],
        context=lambda tmp: tmpfs(tmp / "disk", size="16k"), needs={"root"}),
    "run on a full disk (32 kB tmpfs)": Case(
        _full_disk_run, 2, ["no space is left on the device", "Nothing was left behind"],
        cwd="disk", context=lambda tmp: tmpfs(tmp / "disk", size="32k"), needs={"root"}),
    "leftover of a killed run next to --out": Case(
        _leftover, 0, [], writes="out", check=_no_leftover),
    # formula injection
    "formulas in networks' unresolved.csv": Case(
        _hostile, 0, [], writes="out", check=lambda tmp: _formulas_are_text(tmp / "out")),
    "formulas in networks' unresolved.csv, --excel-friendly": Case(
        lambda tmp: _hostile(tmp, "--excel-friendly"), 0, [], writes="out",
        check=lambda tmp: _formulas_are_text(tmp / "out", "utf-8-sig")),
    "formulas in run's ingest/unresolved.csv": Case(
        _hostile_run, 0, [], writes="res",
        check=lambda tmp: _formulas_are_text(tmp / "res" / "ingest")),
    # outcomes
    "run whose requested ERGM fit failed (--quiet)": Case(
        _failing_ergm, 3, ["1 requested part(s) of the analysis failed", "ERGM study on 2015-2017",
                           "exit 3, or 0 with --keep-going"],
        writes="res", check=_failure_recorded, needs={"r"}),
    "run whose requested ERGM fit failed, --keep-going": Case(
        lambda tmp: _failing_ergm(tmp, "--keep-going"), 0, ["exit 0 (--keep-going)"],
        writes="res", check=_failure_recorded, needs={"r"}),
}


def missing_need(case: Case) -> str | None:
    """Why ``case`` cannot run on this machine, or None."""
    if "root" in case.needs and not can_mount():
        return "mounting a tmpfs needs root"
    return None


def run_case(case: Case, tmp: Path) -> tuple[int, str, str]:
    """Set the case up in ``tmp``, run the command there; (exit code, stderr, what check
    showed).  Asserts that no file of the user's changed."""
    from pyreslib.cli import main

    here = os.getcwd()
    with contextlib.ExitStack() as stack:
        if case.context is not None:
            stack.enter_context(case.context(tmp))
        args = case.setup(tmp)
        before = tree_hashes(tmp)
        err = io.StringIO()
        os.chdir(tmp / case.cwd)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(args)
        finally:
            os.chdir(here)
        writes = (Path(case.cwd) / case.writes).as_posix() if case.writes else None
        after = tree_hashes(tmp, skip=writes)
        kept = {k: v for k, v in before.items() if not k.startswith(".out.partial-")}
        if writes:
            kept = {k: v for k, v in kept.items() if not k.startswith(writes + "/")}
        assert after == kept, "a file of the user's changed, appeared or went missing"
        if code != 0:
            # nothing half-written anywhere: no output folder, no temporary sibling
            assert not any(p.name.startswith(".") and ".partial-" in p.name
                           for p in tmp.rglob("*")), list(tmp.rglob("*"))
        shown = case.check(tmp) if case.check and code == case.code else ""
    return code, err.getvalue(), shown


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[pytest.mark.r, pytest.mark.slow] if "r" in case.needs else [])
    for name, case in sorted(CASES.items())])
def test_output_case(name, tmp_path):
    case = CASES[name]
    if (why := missing_need(case)):
        pytest.skip(why)
    code, err, _ = run_case(case, tmp_path)
    assert code == case.code, err
    flat = " ".join(err.split())
    for word in case.words:
        assert word in flat, flat
    assert "Traceback" not in err
