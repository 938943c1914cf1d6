"""What the commands do with output folders, spreadsheet formulas and failed parts (issue 14),
through the command line: each case asserts the exit code, the message, and that no path of
the user's changed (SHA-256 of every file, and every path's mode and group, before and after).

- Output folders: a command writes a new folder, or replaces one that holds exactly what an
  earlier pyreslib run wrote there (its manifest); anything else is refused (exit 2) naming
  the files; never its own input; a full disk or a read-only folder is a message (exit 2)
  with nothing left behind; what a run killed with SIGKILL left is removed by the next run
  only when it proves to be pyreslib's (issue 25).
- Paths pyreslib did not create (issue 25): no command removes, renames or chmods them.
  Folders of the user's that look like pyreslib's working names (``.out.partial-99999``, a
  backup ``.out.old-2023`` of an earlier output, names with the marker but no journal), with
  their own modes, setgid bits, groups and a link, are planted beside and inside ``--out``
  for ``networks``, ``run`` and ``demo``, reruns, runs killed with SIGKILL and full disks;
  every path's bytes, mode and group are compared before and after.  A folder a command
  replaces (an empty ``mkdir -m 700 out``, an earlier output) passes on its mode, group and
  setgid bit.
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
import stat
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from tests.bad_inputs.folders import (
    can_mount,
    killed_run,
    other_group,
    plant_look_alikes,
    read_only_folder,
    tmpfs,
    tree_state,
)

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
    needs: set[str] = field(default_factory=set)  # "root" (mounts), "r" (ERGM fits), "slow"
    runs: int = 1  # the command runs this many times, into the same folder
    removes: Callable[[Path], set[str]] | None = None  # what it may remove (killed runs')


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
        from pyreslib.outputs import writing

        self.real, self.calls = writing._write_bytes, 0

    def __call__(self, path: Path, data: bytes) -> None:
        import errno

        self.calls += 1
        if self.calls == 3:
            self.real(path, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.real(path, data)


def _simulated_full_disk(tmp: Path) -> AbstractContextManager:
    return mock.patch("pyreslib.outputs.writing._write_bytes", _DiskFullOnThirdFile())


# ----------------------------------------------------------------------------------------------
# paths pyreslib did not create: look-alikes, modes, runs killed with SIGKILL (issue 25)
# ----------------------------------------------------------------------------------------------


def _run(tmp: Path, out: str = "out") -> list[str]:
    """``pyreslib run`` with [ergm] enabled = false (no R: seconds)."""
    return ["run", str(_project(tmp)), "--out", out, "--quiet"]


def _demo(tmp: Path, out: str = "out") -> list[str]:
    return ["demo", "--no-ergm", "--out", out, "--quiet"]


def _beside(args: Callable[[Path], list[str]], *, earlier: bool = False, marked: bool = False):
    """Look-alike folders of the user's beside ``out`` (and backups of an earlier output)."""
    def make(tmp: Path) -> list[str]:
        if earlier:
            _earlier_output(tmp)
        plant_look_alikes(tmp, earlier=tmp / "out" if earlier else None, marked=marked)
        return args(tmp)
    return make


def _inside(tmp: Path) -> list[str]:
    _earlier_output(tmp)
    plant_look_alikes(tmp / "out")
    return _networks(tmp)


def _backup(tmp: Path) -> list[str]:
    """``mv out .out.old-2023``: the user's backup of an earlier output, then a new run."""
    _earlier_output(tmp)
    (tmp / "out").rename(tmp / ".out.old-2023")
    return _networks(tmp)


def _written(tmp: Path) -> str:
    assert (tmp / "out" / ".pyreslib-manifest.json").is_file()
    names = [p.name for p in tmp.iterdir() if p.name != "out" and "out." in p.name]
    return f"out/ written; beside it {len(names)} look-alike(s) untouched (bytes, modes, groups)"


def _empty_out(mode: int, group: bool = False):
    def make(tmp: Path) -> list[str]:
        (tmp / "out").mkdir()
        (tmp / "out").chmod(mode)
        if group and (gid := other_group()) is not None:
            os.chown(tmp / "out", -1, gid)
        return _networks(tmp)
    return make


def _earlier_with(mode: int):
    def make(tmp: Path) -> list[str]:
        _earlier_output(tmp)
        if (gid := other_group()) is not None:
            os.chown(tmp / "out", -1, gid)
        (tmp / "out").chmod(mode)
        plant_look_alikes(tmp)
        return _networks(tmp)
    return make


def _kept_attributes(mode: int, group: bool = False):
    def check(tmp: Path) -> str:
        info = (tmp / "out").stat()
        assert stat.S_IMODE(info.st_mode) == mode, oct(info.st_mode)
        gid = other_group() if group else None
        if gid is not None:
            assert info.st_gid == gid
            if mode & stat.S_ISGID:  # the setgid bit did its work: the files have the group
                assert {p.stat().st_gid for p in (tmp / "out").rglob("*")} == {gid}
        shown = f"out/ is written with mode {oct(mode)[2:]}"
        return shown + (f" and group {gid}" if gid is not None else "")
    return check


_KILLED: dict[Path, int] = {}  # folder of a case -> the process id of its killed run


def _killed(args: Callable[[Path], list[str]], when: str = "write 3", *,
            earlier: bool = False, add_file: bool = False):
    """A run killed with SIGKILL (``when``: half-way through its 3rd file, or right after it
    moved the earlier output aside), look-alikes of the user's beside it, then the command
    again."""
    def make(tmp: Path) -> list[str]:
        if earlier:
            _earlier_output(tmp)
        plant_look_alikes(tmp)
        command = args(tmp)
        _KILLED[tmp] = pid = killed_run(tmp, command, when)
        if add_file:  # the user saves a file into what the killed run left
            partial = next(n for n in _leftovers(tmp, pid) if n.startswith(".out.partial-"))
            (tmp / partial / "notes.txt").write_text("mine", encoding="utf-8")
        return command
    return make


def _leftovers(tmp: Path, pid: int) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if f"-{pid}-pyreslib-" in p.name)


def _killed_leftovers(tmp: Path) -> set[str]:
    return set(_leftovers(tmp, _KILLED[tmp]))


def _tidied(tmp: Path) -> str:
    assert _leftovers(tmp, _KILLED[tmp]) == []
    assert (tmp / "out" / ".pyreslib-manifest.json").is_file()
    return "what the killed run left is gone (its journal proved it); out/ written"


def _kept_leftover(tmp: Path) -> str:
    left = _leftovers(tmp, _KILLED[tmp])
    assert [n.split("-")[0] for n in left] == [".out.journal", ".out.partial"], left
    assert (tmp / "out" / ".pyreslib-manifest.json").is_file()
    return f"{left[1].split('-pyreslib')[0]}-pyreslib-… kept (it holds notes.txt) and named"


class _FullDiskBeside:
    """A tmpfs at ``disk``: look-alikes of the user's beside ``disk/out``, then only 8 kB
    left for the command."""

    def __init__(self, tmp: Path):
        self.mount = tmpfs(tmp / "disk", size="512k")

    def __enter__(self) -> Path:
        disk = self.mount.__enter__()
        plant_look_alikes(disk)
        free = os.statvfs(disk)
        (disk / "filler.bin").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 8192))
        return disk

    def __exit__(self, *exc) -> None:
        self.mount.__exit__(*exc)


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
    # paths pyreslib did not create (issue 25)
    "look-alike folders beside a new --out (networks)": Case(
        _beside(_networks), 0, [], writes="out", check=_written),
    "look-alike folders beside a new --out (run, [ergm] enabled = false)": Case(
        _beside(_run), 0, [], writes="out", check=_written),
    "look-alike folders beside a new --out (demo --no-ergm)": Case(
        _beside(_demo), 0, [], writes="out", check=_written, needs={"slow"}),
    "look-alikes and backups beside an earlier output, networks twice": Case(
        _beside(_networks, earlier=True), 0, [], writes="out", check=_written, runs=2),
    "look-alike folders beside --out, run twice": Case(
        _beside(_run), 0, [], writes="out", check=_written, runs=2),
    "working names with pyreslib's marker and token but no journal, beside --out": Case(
        _beside(_networks, marked=True), 0,
        ["left", ".out.partial-", "-pyreslib-0123456789ab alone", "it has no pyreslib journal",
         ".out.journal-", "it is not a pyreslib journal"], writes="out", check=_written),
    "a backup made with mv out .out.old-2023, then networks --out out": Case(
        _backup, 0, [], writes="out", check=_written),
    "look-alike folders inside an earlier output": Case(
        _inside, 2, ["it holds files pyreslib did not write there: .out"]),
    "an empty --out made with mkdir -m 700": Case(
        _empty_out(0o700), 0, [], writes="out", check=_kept_attributes(0o700)),
    "an empty --out with the setgid bit and another group (2750)": Case(
        _empty_out(0o2750, group=True), 0, [], writes="out",
        check=_kept_attributes(0o2750, group=True)),
    "an earlier output made 2750 with another group, replaced": Case(
        _earlier_with(0o2750), 0, [], writes="out", check=_kept_attributes(0o2750, group=True)),
    "a run killed (kill -9) while writing, then networks again": Case(
        _killed(_networks), 0, [], writes="out", check=_tidied, removes=_killed_leftovers),
    "a run killed (kill -9) while writing, then run again": Case(
        _killed(_run), 0, [], writes="out", check=_tidied, removes=_killed_leftovers),
    "a run killed (kill -9) while swapping folders, then networks again": Case(
        _killed(_networks, "swap", earlier=True), 0, [], writes="out", check=_tidied,
        removes=_killed_leftovers),
    "a killed run's leftover holding a user's file, then networks again": Case(
        _killed(_networks, add_file=True), 0,
        ["left", "alone", "its journal does not list: notes.txt"], writes="out",
        check=_kept_leftover),
    "look-alikes beside --out on a full disk (fault at the byte writer)": Case(
        _beside(_networks), 2, ["no space is left on the device", "Nothing was left behind"],
        context=_simulated_full_disk),
    "look-alikes beside --out on a full disk (tmpfs)": Case(
        lambda tmp: _networks(tmp, "disk/out"), 2, ["no space is left on the device"],
        context=_FullDiskBeside, needs={"root"}),
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
    """Set the case up in ``tmp``, run the command there (``case.runs`` times); (exit code,
    stderr, what check showed).  Asserts that no path of the user's changed: every file's
    bytes, every path's kind, mode (setgid bit included) and group are as before, but for
    the folder the case writes and the killed run's leftovers it may remove."""
    from pyreslib.cli import main

    here = os.getcwd()
    with contextlib.ExitStack() as stack:
        if case.context is not None:
            stack.enter_context(case.context(tmp))
        args = case.setup(tmp)
        before = tree_state(tmp)
        removes = case.removes(tmp) if case.removes else set()
        err = io.StringIO()
        os.chdir(tmp / case.cwd)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                for _ in range(case.runs):
                    code = main(args)
        finally:
            os.chdir(here)
        writes = (Path(case.cwd) / case.writes).as_posix() if case.writes else None
        after = tree_state(tmp, skip=writes)
        gone = {writes} if writes else set()
        gone |= {(Path(case.cwd) / name).as_posix() for name in removes}
        kept = {k: v for k, v in before.items()
                if not any(k == g or k.startswith(g + "/") for g in gone)}
        changed = sorted(set(kept.items()) ^ set(after.items()))
        assert after == kept, f"a path of the user's changed, appeared or went missing: {changed}"
        if code != 0:
            # nothing half-written anywhere: no output folder, no working name of this run
            assert not any("-pyreslib-" in p.name and p.relative_to(tmp).as_posix() not in before
                           for p in tmp.rglob("*")), list(tmp.rglob("*"))
        shown = case.check(tmp) if case.check and code == case.code else ""
    return code, err.getvalue(), shown


def _marks(case: Case) -> list:
    return ([pytest.mark.r] if "r" in case.needs else []) + (
        [pytest.mark.slow] if case.needs & {"r", "slow"} else [])


@pytest.mark.parametrize("name", [pytest.param(name, marks=_marks(case))
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


# ----------------------------------------------------------------------------------------------
# run and demo on any terminal and into a closed pipe (issue 25)
# ----------------------------------------------------------------------------------------------


def _command_line(command: str, tmp: Path, out: str) -> list[str]:
    return (_run(tmp, out) if command == "run" else _demo(tmp, out))[:-1]  # not --quiet


@pytest.mark.parametrize("command", ["run", "demo"])
def test_run_and_demo_print_to_an_ascii_terminal(tmp_path, command):
    args = _command_line(command, tmp_path, "结果")
    done = subprocess.run([sys.executable, "-m", "pyreslib", *args], cwd=tmp_path,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"}, capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in done.stderr
    assert b"\\u7ed3\\u679c" in done.stdout  # wrote .../结果, as the terminal can show it
    assert (tmp_path / "结果" / ".pyreslib-manifest.json").is_file()


@pytest.mark.parametrize("command", ["run", "demo"])
def test_run_and_demo_into_a_closed_pipe_exit_141(tmp_path, command):
    child = subprocess.Popen([sys.executable, "-m", "pyreslib",
                              *_command_line(command, tmp_path, "out")],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=600) == 141, err[-2000:]
    assert "standard output was closed (exit 141)" in err and "Traceback" not in err
    assert not [p.name for p in tmp_path.iterdir() if "-pyreslib-" in p.name]
    if (tmp_path / "out").exists():  # written before the summary it was printing: complete
        assert (tmp_path / "out" / ".pyreslib-manifest.json").is_file()
