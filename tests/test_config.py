"""Run configuration: what a valid config gives, and the exact messages of invalid ones."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pyreslib.config import EXAMPLE_TOML, Config, load_config, parse_config
from pyreslib.errors import ConfigError, InputError
from pyreslib.outputs import check_destination as check_output_dir


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a patents file and a covariates file."""
    (tmp_path / "patents.csv").write_text("申请号,申请日,申请人,申请人地址\n", encoding="utf-8")
    (tmp_path / "covariates.csv").write_text("adcode,year\n", encoding="utf-8")
    return tmp_path


def write(project: Path, text: str, name: str = "run.toml") -> Path:
    path = project / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(project: Path, text: str) -> str:
    """The message load_config gives for ``text`` written as run.toml (it must refuse it)."""
    with pytest.raises(ConfigError) as info:
        load_config(write(project, text))
    return str(info.value)


def test_minimal_config_takes_the_spec_defaults(project):
    cfg = load_config(write(project, '[input]\npatents = "patents.csv"\n'
                                     '[ergm]\nenabled = false\n'))
    assert cfg.input.patents == project / "patents.csv"
    assert cfg.stages.labels == ["2011-2014", "2015-2017", "2018-2021"]
    assert cfg.resilience.weights == "entropy"
    assert cfg.figures.classes == 5
    assert cfg.ergm.enabled is False
    assert cfg.source == (project / "run.toml").resolve()


def test_the_documented_example_is_valid(project):
    cfg = load_config(write(project, EXAMPLE_TOML))
    assert cfg.ergm.models == {"study": True, "extended": True}
    assert list(cfg.ergm.formulas()) == ["study", "extended"]
    assert cfg.ergm.pooled_model() == "study"
    assert cfg.input.covariates == project / "covariates.csv"


def test_the_demo_config_is_valid():
    from pyreslib.cli.run import demo_config_path

    data = tomllib.loads(demo_config_path().read_text(encoding="utf-8"))
    # the demo's files are written by pyreslib.datasets; validate everything else
    data["input"].pop("patents")
    data["input"].pop("covariates")
    data["ergm"]["enabled"] = False
    with pytest.raises(ConfigError, match="'input.patents' is required"):
        parse_config(data, where="demo.toml")
    assert data["input"]["synthetic"] is True


def test_unknown_key_names_the_key_and_suggests_the_right_one(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[ergm]\ngof_nsims = 10\n',
    )
    assert message == (
        "run.toml: unknown key 'ergm.gof_nsims' (did you mean 'ergm.gof_nsim'?); keys allowed "
        "in [ergm]: enabled, models, mcmc_profile, workers, pooled, gof_nsim, mcmc_samplesize, "
        "threshold, hosts, ssh_config."
    )


def test_unknown_section_is_an_unknown_top_level_key(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[ergms]\nenabled = false\n',
    )
    assert message.startswith(
        "run.toml: unknown key 'ergms' (did you mean 'ergm'?); keys allowed in the top level: "
        "title, seed, input, stages,"
    )


def test_wrong_type_names_the_key_the_expected_type_and_the_value(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'
        'gof_nsim = "50"\n',
    )
    assert message == "run.toml: key 'ergm.gof_nsim' must be an integer, got string '50'."


def test_a_boolean_is_not_an_integer(project):
    message = config_error(
        project,
        'seed = true\n[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n',
    )
    assert message == "run.toml: key 'seed' must be an integer, got boolean True."


def test_wrong_item_type_in_a_list(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[stages]\nlabels = [2011, 2015]\n'
        '[ergm]\nenabled = false\n',
    )
    assert message == (
        "run.toml: key 'stages.labels' must be an array of strings, got integer 2011."
    )


def test_value_outside_its_choices(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[resilience]\nweights = "pca"\n'
        '[ergm]\nenabled = false\n',
    )
    assert message == (
        "run.toml: key 'resilience.weights' must be one of 'entropy', 'equal', got 'pca'."
    )


def test_missing_file_names_the_key_and_the_resolved_path(project):
    message = config_error(
        project,
        '[input]\npatents = "missing.csv"\n[ergm]\nenabled = false\n',
    )
    assert message == (
        f"run.toml: key 'input.patents' names a file that does not exist: "
        f"{project.resolve() / 'missing.csv'} (relative paths are read from the config "
        f"file's folder, {project.resolve()})."
    )


def test_missing_required_key(project):
    with pytest.raises(ConfigError) as info:
        load_config(write(project, "[ergm]\nenabled = false\n"))
    assert str(info.value) == (
        "run.toml: key 'input.patents' is required: the patent export to read (a path "
        "relative to the config file)."
    )


def test_ergm_needs_covariates(project):
    with pytest.raises(ConfigError, match=r"key 'input.covariates' is required when \[ergm\]"):
        load_config(write(project, '[input]\npatents = "patents.csv"\n'))


def test_bad_stage_label_names_the_key(project):
    path = write(project, '[input]\npatents = "patents.csv"\n[stages]\nlabels = ["2011-14"]\n'
                          '[ergm]\nenabled = false\n')
    with pytest.raises(ConfigError, match=r"^run.toml: key 'stages.labels': stages: '2011-14'"):
        load_config(path)


def test_numbers_out_of_range(project):
    message = config_error(
        project,
        '[input]\npatents = "patents.csv"\n[figures]\nclasses = 12\n'
        '[ergm]\nenabled = false\n',
    )
    assert message == "run.toml: key 'figures.classes' must be between 2 and 9, got 12."


def test_section_that_is_not_a_table(project):
    message = config_error(
        project,
        'ergm = 3\n[input]\npatents = "patents.csv"\n',
    )
    assert message == "run.toml: 'ergm' must be a table ([ergm]), got integer 3."


def test_invalid_toml_and_missing_config(project):
    with pytest.raises(ConfigError, match=r"^run.toml: not valid TOML"):
        load_config(write(project, "[input\n"))
    with pytest.raises(ConfigError) as info:
        load_config(project / "nope.toml")
    assert str(info.value) == f"config file not found: {project / 'nope.toml'}"


def test_config_errors_are_input_errors(project):
    # callers catching InputError (bad files/args) also catch config mistakes
    with pytest.raises(InputError):
        load_config(write(project, "[ergm]\nenabled = false\n"))


def test_overrides_are_validated_like_the_file(project):
    path = write(project, '[input]\npatents = "patents.csv"\n')
    cfg = load_config(path, {"ergm": {"enabled": False}})
    assert cfg.ergm.enabled is False
    with pytest.raises(ConfigError, match="key 'ergm.enabled' must be true or false"):
        load_config(path, {"ergm": {"enabled": "no"}})


def test_output_folder_must_be_inside_the_working_tree_unless_the_user_named_it(
        project, tmp_path_factory):
    cfg = load_config(write(project, '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'))
    inside = check_output_dir(project / "results", cfg, cwd=project)
    assert inside == (project / "results").resolve()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "out"
    with pytest.raises(ConfigError) as info:
        check_output_dir(elsewhere, cfg, cwd=project)
    assert str(info.value) == (
        f"output folder {elsewhere.resolve()} is outside the working tree {project.resolve()}; "
        "write inside it, or set allow_outside = true in [output] (pyreslib run/demo: "
        "--allow-outside, or name the folder on the command line with --out)."
    )
    allowed = cfg.with_overrides(output={"allow_outside": True})
    assert check_output_dir(elsewhere, allowed, cwd=project) == elsewhere.resolve()
    # a folder the user named (pyreslib run/demo --out) is theirs to choose
    assert check_output_dir(elsewhere, cfg, cwd=project, chosen=True) == elsewhere.resolve()
    with pytest.raises(ConfigError, match="is the working directory itself"):
        check_output_dir(project, cfg, cwd=project, chosen=True)


def test_the_configs_output_folder_is_read_from_its_folder_and_guarded(
        project, tmp_path_factory):
    cfg = load_config(write(project, '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'
                                     '[output]\nfolder = "results"\n'))
    assert check_output_dir(None, cfg, cwd=project) == (project / "results").resolve()
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    away = load_config(write(project, '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'
                                      f'[output]\nfolder = "{elsewhere / "out"}"\n'))
    # chosen=True does not apply to a folder that comes from the config
    with pytest.raises(ConfigError, match="is outside the working tree"):
        check_output_dir(None, away, cwd=project, chosen=True)
    bare = load_config(write(project, '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'))
    with pytest.raises(ConfigError, match=r"no output folder: give one on the command line"):
        check_output_dir(None, bare, cwd=project)


def test_to_dict_writes_file_names_not_machine_paths(project):
    cfg = load_config(write(project, '[input]\npatents = "patents.csv"\n[ergm]\nenabled = false\n'))
    plain = cfg.to_dict()
    assert plain["input"]["patents"] == "patents.csv"
    assert "source" not in plain
    assert isinstance(Config().to_dict()["stages"]["labels"], list)


# ----------------------------------------------------------------------------------------------
# every number has a range, checked before any work
# ----------------------------------------------------------------------------------------------

MINIMAL = '[input]\npatents = "patents.csv"\ncovariates = "covariates.csv"\n'


def _numbers(cls=Config, prefix=""):
    """(key, field) of every int and float key of the config, sections included."""
    import dataclasses
    import typing

    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _numbers(hints[f.name], f"{f.name}.")
        elif hints[f.name] in (int, float):
            yield prefix + f.name, f


def _with(key: str, value) -> str:
    section, _, name = key.rpartition(".")
    if not section:
        return f"{name} = {value}\n" + MINIMAL
    return MINIMAL + f"[{section}]\n{name} = {value}\n"


def test_every_config_number_has_a_documented_range():
    keys = dict(_numbers())
    assert len(keys) == 35
    reference = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for key, f in keys.items():
        assert "bounds" in f.metadata, key
        low, high = f.metadata["bounds"]
        assert low <= f.default <= high or (f.metadata["zero"] and f.default == 0), key
        high_text = f"{high:,}" if isinstance(high, int) else f"< {high:g}"
        line = rf"^{key.rpartition('.')[2]} = .*#.*{re.escape(high_text)}"
        assert re.search(line, reference, flags=re.MULTILINE), \
            f"docs/configuration.md: no range of {key}"


@pytest.mark.parametrize("key", [k for k, _ in _numbers()])
def test_numbers_beyond_their_range_are_refused_with_the_range(project, key):
    f = dict(_numbers())[key]
    high = f.metadata["bounds"][1]
    for value in (2**63 + 5, -(2**31), high + 1 if isinstance(high, int) else high):
        message = config_error(project, _with(key, value))
        assert message.startswith(f"run.toml: key '{key}' must be "), message
        assert f"{high:,}" in message or f"{high:g}" in message
        assert len(message) < 200


def test_the_seed_fits_r_and_infomap(project):
    assert load_config(write(project, _with("seed", 2**31 - 1))).seed == 2**31 - 1
    for seed in (0, 2**31, 2**64):
        assert "must be between 1 and 2,147,483,647" in config_error(project, _with("seed", seed))


def test_zero_means_the_default_where_documented(project):
    cfg = load_config(write(project, MINIMAL + "[ergm]\nmcmc_samplesize = 0\ngof_nsim = 0\n"))
    assert cfg.ergm.mcmc_samplesize == 0 and cfg.ergm.gof_nsim == 0
    message = config_error(project, MINIMAL + "[ergm]\nmcmc_samplesize = 5\n")
    assert message == ("run.toml: key 'ergm.mcmc_samplesize' must be 0 (ergm's default) or "
                       "between 100 and 1,000,000, got 5.")
    assert "must be in [0, 1), got nan" in config_error(
        project, MINIMAL + "[resilience]\nfloor = nan\n")


@pytest.mark.parametrize("section, key, off", [
    ("robustness", "strategies", "[robustness] enabled = false"),
    ("ergm", "models", "[ergm] enabled = false"),
])
def test_an_empty_list_for_a_step_that_is_on_is_an_error(project, section, key, off):
    message = config_error(project, MINIMAL + f"[{section}]\n{key} = []\n")
    assert message == (f"run.toml: key '{section}.{key}' is empty; list at least one, or set "
                       f"{off} to switch the step off.")
    cfg = load_config(write(project, MINIMAL + f"[{section}]\nenabled = false\n{key} = []\n"))
    assert not getattr(getattr(cfg, section), key)  # [] (ergm.models: {}, no model)


def test_an_item_listed_twice_is_an_error(project):
    message = config_error(project, MINIMAL + '[robustness]\nstrategies = ["degree", "degree"]\n')
    assert message == ("run.toml: key 'robustness.strategies' lists 'degree' more than once; "
                       "give each once.")


def test_a_config_saved_with_a_byte_order_mark_reads(project):
    path = project / "run.toml"
    path.write_bytes("\ufeff".encode() + ('title = "网络"\n' + MINIMAL).encode("utf-8"))
    assert load_config(path).title == "网络"
    path.write_bytes(MINIMAL.encode("utf-16"))
    with pytest.raises(ConfigError, match="saved as UTF-16; save the config as UTF-8"):
        load_config(path)


def test_messages_quote_only_an_excerpt_of_long_values(project):
    long = "x" * 100_000
    for text in (MINIMAL + f'[ergm]\nmodels = ["{long}"]\n',
                 MINIMAL + f'[stages]\nlabels = ["{long}"]\n',
                 MINIMAL + f"[ergm]\n{long} = 1\n",
                 f'seed = "{long}"\n' + MINIMAL):
        message = config_error(project, text)
        assert len(message) < 400, message[:500]


# ---- [ergm] models: built-in names and custom formulas ------------------------------------

ERGM_BASE = '[input]\npatents = "patents.csv"\ncovariates = "covariates.csv"\n'


def test_an_old_list_of_model_names_still_works(project):
    cfg = load_config(write(project, ERGM_BASE + '[ergm]\nmodels = ["study", "extended"]\n'))
    assert cfg.ergm.models == {"study": True, "extended": True}
    assert cfg.ergm.formulas()["extended"].endswith(
        "gwesp(0.5, fixed=TRUE) + gwdegree(0.5, fixed=TRUE) + edgecov('memory')")


def test_custom_models_sit_beside_the_built_in_ones_in_a_table(project):
    cfg = load_config(write(project, ERGM_BASE + """[ergm]
mcmc_profile = "default"
workers = 0
[ergm.models]
study = true
extended = false
mine = "edges + nodecov('education') + edgecov('proximity') + edgecov('memory')"
"""))
    assert cfg.ergm.formulas() == {
        "study": cfg.ergm.formulas()["study"],
        "mine": "edges + nodecov('education') + edgecov('proximity') + edgecov('memory')"}
    assert cfg.ergm.mcmc_profile == "default" and cfg.ergm.workers == 0
    assert cfg.to_dict()["ergm"]["models"]["extended"] is False


@pytest.mark.parametrize("models, expected", [
    ('mine = "edges + nodecov(\'gdp\')"',
     ("run.toml: key 'ergm.models.mine': ERGM formula \"edges + nodecov('gdp')\": argument "
     "'attr' of nodecov() at position 16 names node covariate 'gdp', which was not given; "
     "available: ['economic', 'education', 'science']. (covariates of a run: node economic, "
     "education, science; edge proximity, adjacency, memory)")),
    ('mine = "edges + system(\'rm\')"', ("key 'ergm.models.mine': ERGM formula \"edges + "
     "system('rm')\": 'system' at position 8 is not an ergm term pyreslib knows.")),
    ('study = "edges"', "key 'ergm.models.study' is a built-in model: give true or false"),
    ("mine = true", "key 'ergm.models.mine' must be an ERGM formula"),
    ('"2x" = "edges"', "key 'ergm.models.2x': a model name is a letter followed by"),
    ('mine = "edges + offset(nodecov(\'economic\'))"',
     ("key 'ergm.models.mine': offset term offset(nodecov('economic')) needs fixed "
     "coefficients")),
    ("study = false", "key 'ergm.models' is empty"),
])
def test_a_bad_model_entry_names_the_key_and_the_bad_term(project, models, expected):
    message = config_error(project, ERGM_BASE + "[ergm.models]\n" + models + "\n")
    assert expected in message


def test_unknown_model_names_in_a_list_point_to_the_table(project):
    message = config_error(project, ERGM_BASE + '[ergm]\nmodels = ["mine"]\n')
    assert message == ("run.toml: key 'ergm.models' must be one of 'study', 'extended' (a "
                       "model of your own goes in a table: [ergm.models] with "
                       'mine = "edges + ..."), got \'mine\'.')


def test_the_pooled_model_must_be_fitted_and_have_no_memory_term(project):
    message = config_error(project, ERGM_BASE + '[ergm]\npooled = "extended"\n')
    assert "key 'ergm.pooled': model 'extended' uses edgecov('memory')" in message
    message = config_error(project, ERGM_BASE + '[ergm]\npooled = "mine"\n')
    assert "key 'ergm.pooled' must name a model that is fitted ('study', 'extended')" in message
    # not set: the study model when it is fitted, else none; "" switches it off
    without_study = load_config(write(project, ERGM_BASE + '[ergm]\nmodels = ["extended"]\n'))
    assert without_study.ergm.pooled_model() is None
    off = load_config(write(project, ERGM_BASE + '[ergm]\npooled = ""\n'))
    assert off.ergm.pooled_model() is None


def test_mcmc_profile_and_workers_are_checked(project):
    assert "key 'ergm.mcmc_profile' must be one of 'sized', 'hummel', 'fast', 'default'" in config_error(
        project, ERGM_BASE + '[ergm]\nmcmc_profile = "turbo"\n')
    assert "key 'ergm.workers' must be between 0 and 64, got 65" in config_error(
        project, ERGM_BASE + "[ergm]\nworkers = 65\n")
