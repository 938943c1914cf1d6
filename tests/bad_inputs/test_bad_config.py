"""Bad run configurations through the command line: exit code 2, one paragraph on stderr that
names the file and key, no traceback, and no output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyreslib.cli import main

GOOD = """title = "t"
seed = 1
[input]
patents = "patents.csv"
covariates = "covariates.csv"
"""

CASES = {
    "unknown key": (GOOD + "[ergm]\nmodel = ['study']\n", ["run.toml", "unknown key 'ergm.model'"]),
    "wrong type": (GOOD.replace("seed = 1", "seed = 'one'"), ["run.toml", "seed"]),
    "missing patents file": (GOOD.replace("patents.csv", "absent.csv"), ["absent.csv"]),
    "formula injection as a model name": (
        GOOD + "[ergm]\nmodels = [\"study + system('touch pwned')\"]\n",
        ["run.toml", "ergm.models"]),
    "R code as a model name": (GOOD + "[ergm]\nmodels = [\"`q`()\"]\n", ["ergm.models"]),
    "not TOML at all": ("this is { not toml", ["run.toml"]),
    "negative repeats": (GOOD + "[robustness]\nrepeats = -5\n", ["robustness.repeats"]),
    "boolean where a number belongs": (GOOD + "[ergm]\ngof_nsim = true\n", ["ergm.gof_nsim"]),
}


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "patents.csv").write_text("申请号,申请日,申请人,申请人地址\nCN1,2012,甲;乙,北京;上海\n",
                                          encoding="utf-8")
    (tmp_path / "covariates.csv").write_text("adcode,year,gdp_per_capita,education_spending,"
                                             "st_spending\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_exits_2_with_a_message_naming_the_key(case, project: Path, capsys):
    text, words = CASES[case]
    (project / "run.toml").write_text(text, encoding="utf-8")
    assert main(["run", "run.toml", "--out", "out"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err
    assert "Traceback" not in err
    assert not (project / "out").exists()


def test_output_outside_the_working_tree_is_refused(project: Path, capsys, tmp_path_factory):
    (project / "run.toml").write_text(GOOD, encoding="utf-8")
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "out"
    assert main(["run", "run.toml", "--out", str(elsewhere)]) == 2
    assert "allow_outside" in capsys.readouterr().err
    assert not elsewhere.exists()
