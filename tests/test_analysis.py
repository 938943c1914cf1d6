"""pyreslib.analysis: the whole computation in memory, as a Python user calls it."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pyreslib import analysis
from pyreslib._resources import project_root
from pyreslib.analysis import ERGMFit, ERGMStep
from pyreslib.progress import Progress
from tests.test_pipeline import STAGES, _write_project

ROOT = project_root()


class Recorder(Progress):
    def __init__(self):
        self.events = []

    def started(self, step, total):
        self.events.append(("started", step, total))

    def advanced(self, step, detail=""):
        self.events.append(("advanced", step))

    def finished(self, step):
        self.events.append(("finished", step))


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    config = _write_project(folder)
    before = sorted(p.name for p in folder.iterdir())
    recorder = Recorder()
    result = analysis.run(config, progress=recorder)
    return folder, before, result, recorder


def test_the_result_has_a_field_per_step_and_writes_nothing(computed):
    folder, before, result, _ = computed
    assert sorted(p.name for p in folder.iterdir()) == before
    assert list(result.networks) == STAGES
    assert list(result.indicators.network.index) == STAGES
    assert set(result.indicators.centralities["stage"]) == set(STAGES)
    assert list(result.communities) == STAGES
    assert list(result.resilience.network.D.index) == STAGES
    assert list(result.robustness.index.index) == STAGES
    assert result.ergm is None  # [ergm] enabled = false in this project
    assert result.ingest.report.patents_kept > 0
    frame = result.to_frame()
    assert list(frame.index) == STAGES
    assert frame.loc[STAGES[0], "cities"] == result.networks[STAGES[0]].number_of_nodes()
    assert "test run" in result.summary()


def test_the_result_is_immutable(computed):
    _, _, result, _ = computed
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.networks = {}
    with pytest.raises(TypeError):
        result.networks["2030-2031"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.resilience.network = None


def test_progress_is_told_every_step_in_order(computed):
    _, _, _, recorder = computed
    started = [e[1] for e in recorder.events if e[0] == "started"]
    assert started == ["ingest", "network metrics", "communities (Infomap)", "resilience",
                       "robustness", "spatial autocorrelation", "cascades", "rich club", "k-core"]
    for name in started:
        begin = recorder.events.index(("started", name, next(
            e[2] for e in recorder.events if e[:2] == ("started", name))))
        end = recorder.events.index(("finished", name))
        advances = [e for e in recorder.events[begin:end] if e == ("advanced", name)]
        assert len(advances) == recorder.events[begin][2]  # every unit reported, then finished


def test_the_computation_knows_nothing_about_rich(tmp_path):
    config = _write_project(tmp_path, figures=False)
    code = ("import sys; from pyreslib import analysis; analysis.run(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))")
    done = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True,
                          text=True, check=True, cwd=tmp_path)
    assert done.stdout.strip() == "[]"


def test_ergm_failures_list_fits_then_goodness_of_fit_runs():
    fits = {
        ("2011-2014", "study"): ERGMFit("2011-2014", "study", error="degenerate"),
        ("2011-2014", "extended"): ERGMFit("2011-2014", "extended", gof_error="R failed"),
        ("2015-2017", "study"): ERGMFit("2015-2017", "study", error="no covariates"),
    }
    step = ERGMStep(fits=fits, comparison=None)
    assert step.failures() == [("2011-2014", "study", "degenerate"),
                               ("2015-2017", "study", "no covariates"),
                               ("2011-2014", "extended gof", "R failed")]
    assert step.results() == {} and step.pooled is None
    assert step.estimates().empty


def _readme_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [m for m in re.findall(r"^python -c .*$", readme, flags=re.MULTILINE)
               if "from pyreslib import analysis" in m]
    return line


@pytest.mark.r
@pytest.mark.slow
@pytest.mark.skipif(ROOT is None, reason="needs the checkout (README.md, data/demo)")
def test_the_readme_snippet_gets_the_whole_result_without_writing_files():
    def files() -> dict[str, tuple[int, int]]:
        skip = {".git", ".venv", ".rlib", "__pycache__", ".pytest_cache", ".hypothesis",
                ".ruff_cache"}
        found = {}
        for folder, subfolders, names in os.walk(ROOT):
            subfolders[:] = [d for d in subfolders if d not in skip]
            for name in names:
                stat = (Path(folder) / name).stat()
                found[os.path.relpath(Path(folder) / name, ROOT)] = (stat.st_size,
                                                                    stat.st_mtime_ns)
        return found

    argv = shlex.split(_readme_snippet())
    assert argv[0] == "python"
    before = files()
    done = subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert files() == before
    printed = done.stdout
    for label in ("2011-2014", "2015-2017", "2018-2021"):
        assert label in printed
    assert "SYNTHETIC" in printed and "ERGM study on 2018-2021: AIC" in printed
    # the numbers are those `pyreslib demo` writes (same config, same seed)
    demo = json.loads((ROOT / "data" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    cities = {s["stage"]: s["cities"] for s in demo["stage_aggregates"]}
    assert re.search(rf"2018-2021\s+{cities['2018-2021']}\s", printed)
