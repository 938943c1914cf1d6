"""pyreslib.outputs: the output folder is written whole or not at all, and only replaces what
pyreslib wrote."""

from __future__ import annotations

import pytest

from pyreslib import analysis, outputs
from pyreslib.config import Config
from pyreslib.errors import ConfigError
from pyreslib.outputs import MARKER, atomic, check_destination
from tests.test_pipeline import _write_project

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
