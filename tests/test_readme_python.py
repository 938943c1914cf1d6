"""The Python walkthrough (docs/python.md) runs as written, its blocks one after another, and so
does the README's one example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.r


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def readme_python_blocks() -> list[str]:
    return python_blocks(CHECKOUT / "docs" / "python.md")


def test_the_from_python_section_has_the_after_the_fit_workflow():
    code = "\n".join(readme_python_blocks())
    for call in ("ergm.anova(", ".wald_test(", ".predict(", ".simulate(", ".save(",
                 "ergm.load(", ".to_latex("):
        assert call in code, call


def test_the_from_python_section_runs_as_written(tmp_path):
    script = tmp_path / "readme.py"
    script.write_text("\n\n".join(readme_python_blocks()), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=900, env=env, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Analysis of Deviance Table" in run.stdout and r"\begin{tabular}" in run.stdout
    assert (tmp_path / "stage3-extended.ergm.zip").is_file()


def test_the_readme_example_runs_as_written(tmp_path):
    (example,) = python_blocks(CHECKOUT / "README.md")
    script = tmp_path / "readme.py"
    script.write_text(example, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=900, env=env, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
