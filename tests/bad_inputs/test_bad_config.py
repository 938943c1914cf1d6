"""Bad run configurations through the command line: exit code 2, one paragraph on stderr that
names the file and key, no traceback, and no output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyreslib.cli import main
from tests.bad_inputs.folders import tree_hashes

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
    # every number is bounded before any work (issue 14): no MemoryError, no bad_alloc
    "seed above 2^63": (GOOD.replace("seed = 1", "seed = 18446744073709551621"),
                        ["key 'seed' must be between 1 and 2,147,483,647"]),
    "seed of 2^31 (R's seed is 32-bit)": (GOOD.replace("seed = 1", "seed = 2147483648"),
                                          ["key 'seed' must be between 1 and 2,147,483,647"]),
    "dpi of 2^40": (GOOD + "[figures]\ndpi = 1099511627776\n",
                    ["key 'figures.dpi' must be between 10 and 600"]),
    "top_n of a billion": (GOOD + "[figures]\ntop_n = 1000000000\n",
                           ["key 'figures.top_n' must be between 1 and 100"]),
    "repeats of 10^12": (GOOD + "[robustness]\nrepeats = 1000000000000\n",
                         ["key 'robustness.repeats' must be between 1 and 10,000"]),
    "Infomap trials of 2^31": (GOOD + "[communities]\ntrials = 2147483648\n",
                               ["key 'communities.trials' must be between 1 and 1,000"]),
    "mcmc_samplesize of 2^31": (
        GOOD + "[ergm]\nmcmc_samplesize = 2147483648\n",
        ["key 'ergm.mcmc_samplesize' must be 0 (ergm's default) or between 100 and 1,000,000"]),
    "gof_nsim of 2^31": (GOOD + "[ergm]\ngof_nsim = 2147483648\n",
                         ["key 'ergm.gof_nsim' must be 0 (skip) or between 2 and 10,000"]),
    "significant_digits of 40": (GOOD + "[output]\nsignificant_digits = 40\n",
                                 ["key 'output.significant_digits' must be between 1 and 17"]),
    "strategies = []": (GOOD + "[robustness]\nstrategies = []\n",
                        ["key 'robustness.strategies' is empty",
                         "set [robustness] enabled = false"]),
    "ergm.models = [] with ERGM on": (GOOD + "[ergm]\nmodels = []\n",
                                      ["key 'ergm.models' is empty",
                                       "set [ergm] enabled = false"]),
    "a model listed twice": (GOOD + '[ergm]\nmodels = ["study", "study"]\n',
                             ["'study' more than once"]),
    "a 100 kB model name (quoted as an excerpt)": (
        GOOD + f'[ergm]\nmodels = ["{"x" * 100_000}"]\n', ["ergm.models", "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...."]),
    "saved with a UTF-8 BOM (read; the typo is named)": (
        "\ufeff" + GOOD + "[ergm]\nmodel = ['study']\n", ["unknown key 'ergm.model'"]),
    # a NUL character names no file and no setting (issue 25): a message, not a ValueError
    "a NUL character in input.patents": (
        GOOD.replace('"patents.csv"', '"pat\\u0000ents.csv"'),
        ["run.toml: key 'input.patents': the path 'pat\\x00ents.csv' holds a NUL character"]),
    "a NUL character in input.covariates": (
        GOOD.replace('"covariates.csv"', '"covariates.csv\\u0000.txt"'),
        ["key 'input.covariates'", "holds a NUL character (\\x00)"]),
    "a NUL character in output.folder": (
        GOOD + '[output]\nfolder = "res\\u0000ults"\n',
        ["key 'output.folder': the path 'res\\x00ults' holds a NUL character"]),
    "a NUL character in the title": (
        GOOD.replace('title = "t"', 'title = "t\\u0000"'),
        ["key 'title': the text 't\\x00' holds a NUL character"]),
    "a NUL character in a column mapping": (
        GOOD + 'columns = { applicants = "申请\\u0000人" }\n',
        ["key 'input.columns.applicants'", "holds a NUL character"]),
}


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "patents.csv").write_text("申请号,申请日,申请人,申请人地址\nCN1,2012,甲;乙,北京;上海\n",
                                          encoding="utf-8")
    (tmp_path / "covariates.csv").write_text("adcode,year,gdp_per_capita,education_spending,"
                                             "st_spending\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def assert_refused_naming(project: Path, text: str, words, capsys) -> None:
    """``pyreslib run`` on the config ``text`` exits 2 before any work, with a short message
    holding every one of ``words``, and leaves the project folder as it was."""
    (project / "run.toml").write_text(text, encoding="utf-8")
    before = tree_hashes(project)
    assert main(["run", "run.toml", "--out", "out"]) == 2
    err = capsys.readouterr().err
    flat = " ".join(err.split())
    for word in words:
        assert word in flat, err
    assert "Traceback" not in err and len(err) < 1000
    assert tree_hashes(project) == before  # no file changed, none appeared (no "out")


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_exits_2_with_a_message_naming_the_key(case, project: Path, capsys):
    assert_refused_naming(project, *CASES[case], capsys)


def test_an_output_folder_from_the_config_outside_the_working_tree_is_refused(
        project: Path, capsys, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "out"
    (project / "run.toml").write_text(GOOD + f'[output]\nfolder = "{elsewhere}"\n',
                                      encoding="utf-8")
    assert main(["run", "run.toml"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "outside the working tree" in err and "allow_outside" in err
    assert not elsewhere.exists()
    # named on the command line, the same folder is the user's choice: the run gets past
    # the folder check (and stops at this project's empty patent file)
    assert main(["run", "run.toml", "--out", str(elsewhere)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "outside the working tree" not in err and "no cross-city collaboration" in err
    assert not elsewhere.exists()



def test_a_config_path_with_a_nul_character_is_a_message(project: Path, capsys):
    from pyreslib.config import load_config
    from pyreslib.errors import ConfigError

    with pytest.raises(ConfigError, match=r"config file: the path 'run\\x00.toml' holds a NUL"):
        load_config("run\x00.toml")
    # through the command line the argument itself is refused, before any config is read
    assert main(["run", "run\x00.toml", "--out", "out"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "argument CONFIG.toml: 'run\\x00.toml' holds a NUL character" in err
    assert "Traceback" not in err and "\x00" not in err
