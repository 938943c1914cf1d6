"""pyreslib.outputs: the output folder is written whole or not at all, and only replaces what
pyreslib wrote."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyreslib import analysis, outputs
from pyreslib.config import Config, load_config
from pyreslib.errors import ConfigError, OutputError
from pyreslib.outputs import MARKER, atomic, check_destination
from pyreslib.outputs.folder import check_folder, manifest, remove_leftovers, write_file
from pyreslib.outputs.spreadsheet import (
    FORMULA_TRIGGERS,
    csv_text,
    neutralise_formulas,
    records_json,
)
from tests.bad_inputs.folders import (
    can_mount,
    dead_pid,
    killed_run,
    read_only_folder,
    tmpfs,
    tree_hashes,
)
from tests.test_pipeline import _write_project

INGEST = Path(__file__).parent / "fixtures" / "ingest"

ANYWHERE = Config().with_overrides(output={"allow_outside": True})


def test_a_folder_appears_only_when_everything_was_written(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic(out) as partial:
        (partial / "results.json").write_text("{}", encoding="utf-8")
        raise RuntimeError("the disk is full")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary sibling
    with atomic(out) as partial:
        assert partial.parent == tmp_path and partial.name.startswith(".out.partial-")
        (partial / "results.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "results.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_earlier_output_is_replaced_as_a_whole(tmp_path):
    out = tmp_path / "out"
    with atomic(out) as partial:
        (partial / "old.csv").write_text("1", encoding="utf-8")
    check_destination(out, ANYWHERE)
    with atomic(out) as partial:
        (partial / "new.csv").write_text("2", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.csv"]


def test_destinations_that_are_not_ours_are_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="exists and is a file"):
        check_destination(tmp_path / "notes.txt", ANYWHERE)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not an earlier pyreslib output"):
        check_destination(thesis, ANYWHERE)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_destination(empty, ANYWHERE) == empty.resolve()


def test_one_result_written_twice_gives_the_same_results_json(tmp_path):
    config = _write_project(tmp_path, figures=False)
    result = analysis.run(config)
    first = outputs.write(result, tmp_path / "first", cwd=tmp_path)
    second = outputs.write(result, tmp_path / "second", cwd=tmp_path)
    assert (first.out_dir / "results.json").read_bytes() == (
        second.out_dir / "results.json").read_bytes()
    assert first.results == second.results
    assert [p.name for p in first.tables] == [p.name for p in second.tables]
    assert all(p.is_file() and p.is_relative_to(first.out_dir) for p in first.tables)


# ----------------------------------------------------------------------------------------------
# the manifest: only exactly what pyreslib wrote is ever replaced
# ----------------------------------------------------------------------------------------------


def _earlier_output(out):
    with atomic(out, command="run") as partial:
        write_file(partial / "results.json", "{}\n")
        write_file(partial / "tables" / "a.csv", "x\n1\n")
    return out


def test_the_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    out = _earlier_output(tmp_path / "out")
    data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert data["format"] == "pyreslib output manifest" and data["command"] == "run"
    assert data["files"] == [
        {"path": "results.json", "size": 3, "sha256": hashlib.sha256(b"{}\n").hexdigest()},
        {"path": "tables/a.csv", "size": 4, "sha256": hashlib.sha256(b"x\n1\n").hexdigest()},
    ]
    assert manifest(out, command="run") == data  # the manifest does not list itself


@pytest.mark.parametrize("change, named", [
    (lambda out: (out / "notes.txt").write_text("mine", encoding="utf-8"),
     "did not write there: notes.txt"),
    (lambda out: (out / "tables" / "a.csv").write_text("x\n2\n", encoding="utf-8"),
     "changed since pyreslib wrote them: tables/a.csv"),
    (lambda out: (out / "tables" / "mine").mkdir(), "did not write there: tables/mine/"),
    (lambda out: (out / "link").symlink_to(out.parent), "did not write there: link"),
    (lambda out: (out / MARKER).write_text("{}", encoding="utf-8"), "not a pyreslib manifest"),
])
def test_a_changed_or_added_file_makes_the_folder_not_ours(tmp_path, change, named):
    out = _earlier_output(tmp_path / "out")
    change(out)
    before = tree_hashes(out)
    with pytest.raises(ConfigError, match="is not an earlier pyreslib output") as info:
        check_destination(out, ANYWHERE)
    assert named in str(info.value)
    assert tree_hashes(out) == before


def test_a_deleted_file_does_not_matter(tmp_path):
    out = _earlier_output(tmp_path / "out")
    (out / "tables" / "a.csv").unlink()
    assert check_destination(out, ANYWHERE) == out.resolve()


def test_a_folder_of_an_older_pyreslib_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".pyreslib-run").write_text("old marker", encoding="utf-8")
    (out / "results.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="older pyreslib without a manifest"):
        check_destination(out, ANYWHERE)


def test_many_foreign_files_are_named_a_few_at_a_time(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for i in range(12):
        (out / f"f{i:02d}.txt").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"f00.txt, f01.txt, f02.txt and 9 more"):
        check_destination(out, ANYWHERE)


def test_a_file_added_while_the_run_was_computing_is_kept(tmp_path):
    out = _earlier_output(tmp_path / "out")
    check_destination(out, ANYWHERE)
    with pytest.raises(ConfigError, match="notes.txt"), atomic(out) as partial:
        write_file(partial / "results.json", "{}\n")
        (out / "notes.txt").write_text("written during the run", encoding="utf-8")
    assert (out / "notes.txt").is_file() and (out / "results.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_holding_an_input_or_the_working_directory_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "patents.csv").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds this command's own input patents.csv"):
        check_folder(data, inputs=[data / "patents.csv"], cwd=tmp_path)
    with pytest.raises(ConfigError, match="holds the working directory"):
        check_folder(tmp_path, cwd=data)
    with pytest.raises(ConfigError, match="is the working directory itself"):
        check_folder(data, cwd=data)


@pytest.mark.parametrize("inside", ["run.toml", "patents.csv", "covariates.csv"])
def test_a_run_config_or_input_inside_the_output_folder_is_refused(tmp_path, inside):
    _write_project(tmp_path, figures=False)
    results = tmp_path / "results"
    results.mkdir()
    (tmp_path / inside).rename(results / inside)  # the user moved it into the output folder
    config = (results if inside == "run.toml" else tmp_path) / "run.toml"
    text = config.read_text(encoding="utf-8")
    for name in ("patents.csv", "covariates.csv"):
        text = text.replace(f'"{name}"', f'"{(results if name == inside else tmp_path) / name}"')
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"own input {inside}"):
        check_destination(results, load_config(config), cwd=tmp_path)


# ----------------------------------------------------------------------------------------------
# leftovers of killed runs, full disks, read-only folders
# ----------------------------------------------------------------------------------------------


def test_leftovers_are_removed_only_when_their_journal_proves_them_pyreslibs(tmp_path):
    dead, alive = dead_pid(), os.getppid()
    look_alikes = [tmp_path / f".out.partial-{dead}", tmp_path / f".out.old-{dead}",
                   tmp_path / f".out.partial-{alive}-pyreslib-0123456789ab",
                   tmp_path / f".other.partial-{dead}"]
    for folder in look_alikes:
        folder.mkdir()
        (folder / "results.json").write_text("{", encoding="utf-8")  # cut short
    killed = killed_run(tmp_path, ["networks", str(INGEST / "patents_utf8.csv"), "--out", "out"])
    left = sorted(p.name for p in tmp_path.iterdir() if f"-{killed}-pyreslib-" in p.name)
    assert [name.split("-")[0] for name in left] == [".out.journal", ".out.partial"]
    with atomic(tmp_path / "out") as partial:
        write_file(partial / "results.json", "{}\n")
    assert not [p for p in tmp_path.iterdir() if f"-{killed}-pyreslib-" in p.name]
    for folder in look_alikes:  # the user's, whatever their names look like
        assert (folder / "results.json").read_text(encoding="utf-8") == "{"


def test_an_earlier_output_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    _earlier_output(tmp_path / "out")
    killed = killed_run(tmp_path, ["networks", str(INGEST / "patents_utf8.csv"), "--out", "out"],
                        "swap")
    assert not (tmp_path / "out").exists()
    remove_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "tables" / "a.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if f"-{killed}-pyreslib-" in p.name]
    # a backup the user made the same way (mv out .out.old-2023) is never put back
    (tmp_path / "out").rename(tmp_path / ".out.old-2023")
    remove_leftovers(tmp_path / "out")
    assert (tmp_path / ".out.old-2023" / MARKER).is_file() and not (tmp_path / "out").exists()


def test_a_leftover_that_holds_a_users_file_is_left_and_named(tmp_path):
    killed = killed_run(tmp_path, ["networks", str(INGEST / "patents_utf8.csv"), "--out", "out"])
    partial = next(p for p in tmp_path.iterdir() if p.name.startswith(f".out.partial-{killed}-"))
    (partial / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.warns(UserWarning, match="its journal does not list: notes.txt"):
        assert remove_leftovers(tmp_path / "out") == []
    assert (partial / "notes.txt").read_text(encoding="utf-8") == "mine"


def _fail_on_the_third_write(monkeypatch):
    """Fault injection at the one function that writes bytes (R is not involved): the third
    file gets half of its bytes, then the disk is full."""
    from pyreslib.outputs import writing

    calls = []
    real = writing._write_bytes

    def write(path, data):
        calls.append(path)
        if len(calls) == 3:
            real(path, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(writing, "_write_bytes", write)
    return calls


def test_a_full_disk_leaves_nothing_half_written(tmp_path, monkeypatch):
    calls = _fail_on_the_third_write(monkeypatch)
    with pytest.raises(OutputError, match=r"no space is left on the device \(while writing "
                                          r"tables/c.csv\)"), atomic(tmp_path / "out") as partial:
        for name in ("a", "b", "c"):
            write_file(partial / "tables" / f"{name}.csv", "x,y\n" * 1000)
        write_file(partial / "results.json", "{}")
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not can_mount(), reason="mounting a tmpfs needs root")
def test_a_real_full_disk_leaves_nothing_half_written(tmp_path):
    with tmpfs(tmp_path / "disk", size="16k") as disk:
        with pytest.raises(OutputError, match="no space is left"), \
                atomic(disk / "out") as partial:
            for i in range(10):
                write_file(partial / f"{i}.csv", "x" * 3000)
        assert list(disk.iterdir()) == []


def test_a_read_only_folder_is_refused_before_any_work(tmp_path):
    with read_only_folder(tmp_path / "locked") as locked:
        with pytest.raises(OutputError, match="is read-only"):
            check_destination(locked / "out", ANYWHERE)
        with pytest.raises(OutputError, match="read-only|not writable"), atomic(locked / "out"):
            pass
        assert list(locked.iterdir()) == []


# ----------------------------------------------------------------------------------------------
# spreadsheets never evaluate what pyreslib writes
# ----------------------------------------------------------------------------------------------


def test_text_cells_that_a_spreadsheet_would_evaluate_get_a_quote():
    frame = pd.DataFrame({
        "applicant": ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                      "\t=1", "\r=1", "普通公司", "-5", "+1.5e3", "a=b"],
        "coef": [-1.23, 2.0, -3.5, 0.0, 1, 2, 3, 4, 5, 6],
    }, index=pd.Index(["=a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], name="@id"))
    text = csv_text(frame, index=True)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 11  # the carriage return did not start a row
    assert rows[0] == ["'@id", "applicant", "coef"]
    assert [r[1] for r in rows[1:]] == [
        "'=HYPERLINK(\"http://x\",\"y\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "'\t=1",
        "'\r=1", "普通公司", "-5", "+1.5e3", "a=b"]
    assert rows[1][0] == "'=a"
    assert [r[2] for r in rows[1:4]] == ["-1.23", "2.0", "-3.5"]  # numbers stay numbers
    assert json.loads(records_json(frame))[0]["applicant"] == '=HYPERLINK("http://x","y")'


@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_no_written_text_cell_starts_a_formula_and_the_raw_value_is_recoverable(values):
    safe = neutralise_formulas(pd.DataFrame({"v": values}))["v"].tolist()
    for raw, cell in zip(values, safe):
        if cell != raw:
            assert cell == "'" + raw
        assert not cell.startswith(FORMULA_TRIGGERS) or float(cell) == float(raw)
