"""Bad inputs to the spatial, cascade and rich-club steps (issue 26): each is a typed pyreslib
error that names the argument, the city or the value and says what to do.

Three tables, in the formats the other suites use, so that TESTING.md's generator
(tests/bad_inputs/catalogue.py) can list them:

- ``CASES``: the Python API, ``name -> (make, error type, message pattern)`` as in
  test_bad_ergm.py;
- ``CONFIG_CASES``: the same mistakes in a run configuration, ``name -> (toml, fragments)``
  as in test_bad_config.py: exit code 2, one paragraph naming the key, no output folder;
- ``RUN_CASES``: settings only the stage networks can judge (weights that leave every city of
  a stage isolated, k above a stage's cities): the run goes on and a note says what was left
  out and what to change, ``name -> (extra toml, note fragments)``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from pyreslib import cascade, richclub, spatial
from pyreslib.errors import InputError
from tests.bad_inputs.test_bad_config import (  # noqa: F401  (project: the fixture)
    GOOD,
    assert_refused_naming,
    project,
)

CODES = [110000, 120000, 130100, 130600, 131000, 130900, 131100, 130200]
VALUES = pd.Series([7.0, 5, 1, 2, 3, 2, 1, 4], index=CODES)
FAR = [110000, 460200, 650100, 540100]  # Beijing, Sanya, Urumqi, Lhasa: no two share a border


def knn():
    return spatial.spatial_weights(CODES, "knn", k=3)


def with_gap():
    gap = VALUES.copy()
    gap[130600] = np.nan
    return gap


CASES = {
    # a quantity with missing cities
    "a quantity without a value for one city of the weights": (
        lambda: spatial.moran(VALUES.drop(131100), knn()), InputError,
        (r"no value for 1 cities of the weights: 131100 衡水市; supply them, or build the "
         r"weights without them")),
    "a quantity with a missing value (NaN)": (
        lambda: spatial.local_moran(with_gap(), knn()), InputError,
        r"1 cities have a missing or infinite value: 130600 保定市; drop them"),
    "a quantity with a city the weights do not have": (
        lambda: spatial.getis_ord(pd.concat([VALUES, pd.Series({310000: 1.0})]), knn()),
        InputError, r"1 cities are not cities of the weights: 310000 上海市"),
    "a stage table with a missing value": (
        lambda: spatial.stage_spatial_autocorrelation({"2011-2014": with_gap().to_frame("x")},
                                                      kind="knn", k=2),
        InputError, r"quantities\['2011-2014'\]: 1 cities have a missing value: 130600 保定市"),
    "a constant quantity": (
        lambda: spatial.geary(VALUES * 0 + 3, knn()), InputError,
        r"every city has the same value \(3\.0\); a constant has variance zero"),
    # weights that leave every city isolated
    "queen weights that leave every city isolated": (
        lambda: spatial.spatial_weights(FAR, "queen"), InputError,
        (r"queen weights leave every one of the 4 cities isolated .* use kind='knn' or "
         r"kind='distance'")),
    "a distance band that leaves every city isolated": (
        lambda: spatial.spatial_weights(FAR, "distance", cutoff_km=50), InputError,
        (r"no two of these cities are within cutoff_km=50 km \(the closest pair is .* km "
         r"apart\); raise cutoff_km")),
    "a weights matrix without a positive weight": (
        lambda: spatial.weights_from_matrix(pd.DataFrame(0.0, index=list("abcd"),
                                                         columns=list("abcd"))),
        InputError, r"custom weights leave every one of the 4 cities isolated"),
    "k nearest cities above the number of other cities": (
        lambda: spatial.spatial_weights(CODES, "knn", k=8), InputError,
        r"k=8: knn weights need an integer k with 1 <= k <= n-1 = 7"),
    # alpha < 0
    "a negative cascade tolerance alpha": (
        lambda: cascade.stage_cascades({"ring": nx.cycle_graph(6)}, alphas=[0.5, -0.1]),
        InputError, (r"alpha = -0\.1: the tolerance must be a finite number >= 0 \(capacity = "
                     r"\(1 \+ alpha\) \* initial load\)")),
    "a significance level below 0": (
        lambda: spatial.local_moran(VALUES, knn(), alpha=-0.05), InputError,
        r"alpha=-0\.05: use a significance level between 0 and 1"),
    # permutation counts out of range
    "no permutations": (
        lambda: spatial.moran(VALUES, knn(), permutations=0), InputError,
        r"permutations=0: use an integer from 1 to 100,000"),
    "more permutations than allowed": (
        lambda: spatial.local_moran(VALUES, knn(), permutations=100_001), InputError,
        r"permutations=100001: use an integer from 1 to 100,000"),
    "a fractional permutation count": (
        lambda: spatial.geary(VALUES, knn(), permutations=99.5), InputError,
        r"permutations=99\.5: use an integer"),
    "a rich club without null draws": (
        lambda: richclub.rich_club(nx.karate_club_graph(), nulls=0), InputError,
        r"nulls = 0: give a whole number of null draws, 1 \.\. 100000"),
    "more random cascade triggers than cities": (
        lambda: cascade.stage_cascades({"ring": nx.cycle_graph(6)}, triggers=["random"],
                                       repeats=7),
        InputError, r"repeats = 7 but stage 'ring' has 6 cities; give at most 6"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_spatial_and_cascade_input_is_a_clear_message(case):
    make, error, pattern = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spatial.IsolateWarning)
        with pytest.raises(error, match=pattern):
            make()


CONFIG_CASES = {
    "[cascade] alphas = [-0.1]": (
        GOOD + "[cascade]\nalphas = [0.2, -0.1]\n",
        ["run.toml: key 'cascade.alphas': every alpha must be in [0, 100), got -0.1",
         "capacity is (1 + alpha) times its initial load"]),
    "[cascade] alpha_start below 0": (
        GOOD + "[cascade]\nalpha_start = -0.5\n",
        ["key 'cascade.alpha_start' must be in [0, 100), got -0.5"]),
    "[cascade] alpha_stop below alpha_start": (
        GOOD + "[cascade]\nalpha_start = 0.8\nalpha_stop = 0.2\n",
        ["key 'cascade.alpha_stop' (0.2) is below 'cascade.alpha_start' (0.8)"]),
    "[cascade] an alpha listed twice": (
        GOOD + "[cascade]\nalphas = [0.1, 0.5, 0.1]\n",
        ["key 'cascade.alphas' lists 0.1 more than once"]),
    "[cascade] a grid of a million alphas": (
        GOOD + "[cascade]\nalpha_stop = 50.0\nalpha_step = 0.001\n",
        ["give 50,001 tolerances; give at most 1,001"]),
    "[cascade] triggers = [] with cascades on": (
        GOOD + "[cascade]\ntriggers = []\n",
        ["key 'cascade.triggers' is empty", "set [cascade] enabled = false"]),
    "[spatial] permutations = 0": (
        GOOD + "[spatial]\npermutations = 0\n",
        ["key 'spatial.permutations' must be between 1 and 100,000, got 0"]),
    "[spatial] local_permutations of a million": (
        GOOD + "[spatial]\nlocal_permutations = 1000000\n",
        ["key 'spatial.local_permutations' must be between 1 and 100,000"]),
    "[spatial] an unknown quantity": (
        GOOD + "[spatial]\nquantities = [\"node_resilience\", \"gdp\"]\n",
        ["key 'spatial.quantities' must be one of 'node_resilience', 'degree'", "got 'gdp'"]),
    "[spatial] quantities = [] with the step on": (
        GOOD + "[spatial]\nquantities = []\n",
        ["key 'spatial.quantities' is empty", "set [spatial] enabled = false"]),
    "[spatial] unknown weights": (
        GOOD + "[spatial]\nweights = \"rook\"\n",
        ["key 'spatial.weights' must be one of 'queen', 'knn', 'distance', got 'rook'"]),
    "[spatial] alpha = 0": (
        GOOD + "[spatial]\nalpha = 0\n",
        ["key 'spatial.alpha' must be in [0.0001, 0.5), got 0.0"]),
    "[richclub] a single null draw": (
        GOOD + "[richclub]\nnulls = 1\n",
        ["key 'richclub.nulls' must be between 2 and 10,000, got 1"]),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_a_bad_spatial_or_cascade_setting_exits_2_naming_the_key(case, project: Path, capsys):  # noqa: F811
    assert_refused_naming(project, *CONFIG_CASES[case], capsys)


RUN_CASES = {
    "distance weights that isolate every city of every stage": (
        "[spatial]\nweights = \"distance\"\ncutoff_km = 1.0\n",
        ["spatial: stage 2011-2014 left out: distance weights leave every one of the",
         "raise cutoff_km", "spatial: no stage could be tested",
         "set [spatial] enabled = false"]),
    "k nearest cities above a stage's cities": (
        "[spatial]\nweights = \"knn\"\nk = 500\n",
        [("spatial: stage 2011-2014 left out: k=500: knn weights need an integer k with "
         "1 <= k <= n-1")]),
    "more random cascade triggers than a stage's cities": (
        "[cascade]\nrepeats = 1000\ntriggers = [\"random\"]\nalphas = [0.0, 0.5]\n",
        ["fewer than [cascade] repeats = 1000: each city triggers one random cascade"]),
}


@pytest.fixture(scope="module")
def small_project(tmp_path_factory):
    from tests.test_pipeline import _write_project

    folder = tmp_path_factory.mktemp("small")
    return _write_project(folder, figures=False)


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_settings_a_stage_cannot_use_leave_it_out_with_a_note(case, small_project):
    from pyreslib import analysis

    extra, fragments = RUN_CASES[case]
    text = small_project.read_text(encoding="utf-8")
    variant = small_project.with_name(f"case_{sorted(RUN_CASES).index(case)}.toml")
    # the small project's config switches richclub on by default; keep the run short
    variant.write_text(text + extra + "[richclub]\nnulls = 2\nswaps_per_link = 2\n",
                       encoding="utf-8")
    result = analysis.run(variant)
    notes = " ".join(" ".join(result.notes).split())
    for fragment in fragments:
        assert fragment in notes, notes
