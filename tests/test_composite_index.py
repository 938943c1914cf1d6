"""Normalising indicators to [floor, 1] and entropy weights, by hand and as properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import composite_index
from pyreslib.errors import InputError

STAGES = ["2011-2014", "2015-2017", "2018-2021"]


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"avg_path_length": [4.0, 3.0, 2.0], "avg_clustering": [0.1, 0.5, 0.3],
         "nodes": [92, 158, 257]},
        index=pd.Index(STAGES, name="stage"),
    )


# ---------------------------------------------------------------- normalisation


def test_minmax_by_hand_with_directions_and_floor():
    scores, notes = composite_index.normalise(
        table(), {"avg_path_length": -1, "avg_clustering": +1}, floor=0.0
    )
    assert list(scores.columns) == ["avg_path_length", "avg_clustering"]  # "nodes" ignored
    assert scores["avg_path_length"].tolist() == pytest.approx([0, 0.5, 1])  # shorter is better
    assert scores["avg_clustering"].tolist() == pytest.approx([0, 1, 0.5])
    assert notes == []
    floored, _ = composite_index.normalise(table(), {"avg_clustering": +1}, floor=0.2)
    assert floored["avg_clustering"].tolist() == pytest.approx([0.2, 1, 0.6])  # 0.2 + 0.8 v


def test_logistic_by_hand():
    scores, _ = composite_index.normalise(
        table(), {"avg_path_length": -1}, method="logistic", floor=0.0
    )
    # z = (x - 3) / sd with the population sd sqrt(2/3); direction -1 flips the sign
    z = np.array([1.0, 0.0, -1.0]) / math.sqrt(2 / 3)
    assert scores["avg_path_length"].tolist() == pytest.approx((1 / (1 + np.exp(z))).tolist())


def test_a_constant_column_is_noted():
    flat = pd.DataFrame({"x": [2.0, 2.0, 2.0]})
    scores, notes = composite_index.normalise(flat, {"x": 1}, floor=0.0)
    assert scores["x"].tolist() == [1.0, 1.0, 1.0] and "does not vary" in notes[0]
    scores, notes = composite_index.normalise(flat, {"x": 1}, method="logistic", floor=0.0)
    assert scores["x"].tolist() == [0.5, 0.5, 0.5] and "0.5" in notes[0]


def test_a_custom_normalisation_is_checked():
    def ranks(column, direction):
        return (direction * column).rank(pct=True)

    scores, _ = composite_index.normalise(table(), {"avg_clustering": 1}, method=ranks, floor=0)
    assert scores["avg_clustering"].tolist() == pytest.approx([1 / 3, 1, 2 / 3])
    with pytest.raises(InputError, match="outside \\[0, 1\\] for 'avg_clustering'"):
        composite_index.normalise(table(), {"avg_clustering": 1}, method=lambda c, d: 5 * c)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="floor must be in"):
        composite_index.normalise(table(), {"avg_clustering": 1}, floor=1.0)
    with pytest.raises(InputError, match="direction of indicator 'avg_clustering'"):
        composite_index.normalise(table(), {"avg_clustering": 2})
    with pytest.raises(InputError, match="unknown normalisation 'zscore'"):
        composite_index.normalise(table(), {"avg_clustering": 1}, method="zscore")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=8),
    st.sampled_from(["minmax", "logistic"]),
    st.sampled_from([1, -1]),
    st.floats(0, 0.9),
)
def test_scores_lie_in_floor_to_one_and_keep_the_order(values, method, direction, floor):
    column = pd.DataFrame({"x": values})
    scores = composite_index.normalise(column, {"x": direction}, method=method, floor=floor)[0]
    v = scores["x"].to_numpy()
    assert (v >= floor - 1e-12).all() and (v <= 1 + 1e-12).all()
    # a better raw value never gets a lower score
    order = np.argsort(direction * np.asarray(values), kind="stable")
    assert (np.diff(v[order]) >= -1e-12).all()


# ---------------------------------------------------------------- entropy weights


def test_entropy_weights_by_hand():
    table = pd.DataFrame(
        {"flat": [1.0, 1.0, 1.0], "one_hot": [1.0, 0.0, 0.0], "half": [0.5, 0.5, 0.0]}
    )
    w, notes = composite_index.entropy_weights(table)
    # flat: e = 1 -> d = 0; one_hot: e = 0 -> d = 1; half: e = ln 2 / ln 3
    d_half = 1 - math.log(2) / math.log(3)
    assert w.tolist() == pytest.approx([0, 1 / (1 + d_half), d_half / (1 + d_half)])
    assert notes == []
    w, notes = composite_index.entropy_weights(pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]}))
    assert w.tolist() == [0.5, 0.5] and "equal" in notes[0]


def test_entropy_weights_need_two_non_negative_rows():
    with pytest.raises(InputError, match="at least 2 rows"):
        composite_index.entropy_weights(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(InputError, match="non-negative"):
        composite_index.entropy_weights(pd.DataFrame({"a": [1.0, -1.0]}))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 10_000))
def test_entropy_weights_are_a_distribution(rows, columns, seed):
    x = np.random.default_rng(seed).uniform(0, 1, (rows, columns))
    weights, _ = composite_index.entropy_weights(pd.DataFrame(x))
    assert weights.sum() == pytest.approx(1) and (weights >= 0).all()
