"""Network resilience by coupling coordination: presets, weights, sensitivity table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import composite_index, resilience
from pyreslib.errors import InputError

STAGES = ["2011-2014", "2015-2017", "2018-2021"]


def indicator_table() -> pd.DataFrame:
    """Three stages whose min-max normalised values (floor 0) are easy to work by hand."""
    return pd.DataFrame(
        {
            "avg_path_length": [4.0, 3.0, 2.0],  # direction -1 -> 0, 0.5, 1
            "efficiency": [0.2, 0.3, 0.4],  # -> 0, 0.5, 1
            "avg_clustering": [0.1, 0.5, 0.3],  # -> 0, 1, 0.5
            "degree_slope": [0.5, 0.6, 0.9],  # -> 0, 0.25, 1
            "assortativity": [-0.3, -0.1, 0.1],  # -> 0, 0.5, 1
            "nodes": [92, 158, 257],  # not an indicator of any dimension: ignored
        },
        index=pd.Index(STAGES, name="stage"),
    )


# ---------------------------------------------------------------- network resilience


def test_network_resilience_pipeline_by_hand():
    result = resilience.network_resilience(
        indicator_table(), preset="four_dimensions", weights="equal", floor=0.0
    )
    # normalised: transmissibility = mean(path, efficiency), then one indicator per dimension
    U = result.dimensions
    assert U.loc["2015-2017"].tolist() == pytest.approx([0.5, 1.0, 0.25, 0.5])
    assert U.loc["2018-2021"].tolist() == pytest.approx([1.0, 0.5, 1.0, 1.0])
    # stage 1 is the worst on every indicator: all U = 0, so C = T = D = 0
    assert result.D["2011-2014"] == 0
    # stage 2: prod = 1/16 -> 4th root 1/2, sum 9/4: C = 8/9, T = 9/16, D = sqrt(1/2)
    assert result.C["2015-2017"] == pytest.approx(8 / 9)
    assert result.T["2015-2017"] == pytest.approx(9 / 16)
    assert result.D["2015-2017"] == pytest.approx(math.sqrt(0.5))
    # stage 3: prod = 1/2, sum 7/2
    C3 = 4 * 0.5**0.25 / 3.5
    assert result.C["2018-2021"] == pytest.approx(C3)
    assert result.D["2018-2021"] == pytest.approx(math.sqrt(C3 * 3.5 / 4))
    assert result.dimension_weights.tolist() == pytest.approx([0.25] * 4)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "transmissibility",
        "clustering",
        "hierarchy",
        "matching",
        "C",
        "T",
        "D",
    ]


def test_floor_keeps_every_score_above_zero():
    result = resilience.network_resilience(
        indicator_table(), preset="four_dimensions", weights="equal"
    )  # the preset's floor, 0.01
    assert result.normalised.min().min() == pytest.approx(0.01)
    assert result.normalised.loc["2015-2017", "degree_slope"] == pytest.approx(0.01 + 0.99 * 0.25)
    assert (result.D > 0).all()
    # stage 1 is worst everywhere: every U = floor, so C = 1, T = floor, D = sqrt(floor)
    assert result.C["2011-2014"] == pytest.approx(1)
    assert result.D["2011-2014"] == pytest.approx(0.1)


def test_entropy_weighted_resilience_uses_weighted_means():
    result = resilience.network_resilience(
        indicator_table(), preset="four_dimensions", weights="entropy", floor=0.01
    )
    w = result.indicator_weights
    assert w.sum() == pytest.approx(1)
    expected_w, _ = composite_index.entropy_weights(result.normalised)
    assert w.tolist() == pytest.approx(expected_w.tolist())
    a = result.dimension_weights
    assert a["transmissibility"] == pytest.approx(w["avg_path_length"] + w["efficiency"])
    trans = (
        result.normalised[["avg_path_length", "efficiency"]] * w[["avg_path_length", "efficiency"]]
    ).sum(axis=1)
    assert result.dimensions["transmissibility"].tolist() == pytest.approx(
        (trans / a["transmissibility"]).tolist()
    )


def test_explicit_weights_and_custom_dimensions():
    dims = {"reach": {"efficiency": 1}, "cohesion": {"avg_clustering": 1}}
    result = resilience.network_resilience(
        indicator_table(), weights={"efficiency": 3, "avg_clustering": 1}, dimensions=dims, floor=0
    )
    assert result.dimension_weights.to_dict() == pytest.approx({"reach": 0.75, "cohesion": 0.25})
    # stage 2: U = (0.5, 1): C = 2 sqrt(0.5) / 1.5, T = 0.375 + 0.25
    assert result.C["2015-2017"] == pytest.approx(2 * math.sqrt(0.5) / 1.5)
    assert result.T["2015-2017"] == pytest.approx(0.625)


def test_sensitivity_table_has_one_column_per_option():
    table = resilience.sensitivity_table(indicator_table(), preset="four_dimensions")
    assert list(table.index) == STAGES
    assert list(table.columns) == [
        ("equal", "minmax"),
        ("equal", "logistic"),
        ("entropy", "minmax"),
        ("entropy", "logistic"),
    ]
    direct = resilience.network_resilience(
        indicator_table(), preset="four_dimensions", weights="entropy", normalisation="logistic"
    )
    assert table[("entropy", "logistic")].tolist() == pytest.approx(direct.D.tolist())
    # the ordering stage 1 < stage 2 < stage 3 holds under every option for this table
    assert (table.diff().iloc[1:] > 0).all().all()


def test_bad_indicator_tables_are_refused_with_the_cell_named():
    table = indicator_table()
    table.loc["2015-2017", "assortativity"] = np.nan
    with pytest.raises(InputError, match="2015-2017/assortativity"):
        resilience.network_resilience(table, preset="four_dimensions")
    with pytest.raises(InputError, match="lacks column"):
        resilience.network_resilience(
            indicator_table().drop(columns="efficiency"), preset="four_dimensions"
        )
    with pytest.raises(InputError, match="unknown resilience preset 'paper'"):
        resilience.network_resilience(indicator_table(), preset="paper")
    with pytest.raises(InputError, match="at least 2 stages"):
        resilience.network_resilience(indicator_table().iloc[:1])
    with pytest.raises(InputError, match="unknown normalisation"):
        resilience.network_resilience(indicator_table(), normalisation="zscore")
    with pytest.raises(InputError, match="weights must be"):
        resilience.network_resilience(indicator_table(), weights="pca")


# ---------------------------------------------------------------- the study preset


def test_study_preset_is_the_three_named_dimensions_with_floor_1e_4():
    result = resilience.network_resilience(indicator_table())  # preset="study" is the default
    assert list(result.dimensions.columns) == ["transmissibility", "clustering", "hierarchy"]
    assert result.options["preset"] == "study" and result.options["floor"] == 1e-4
    assert list(result.normalised.columns) == ["avg_path_length", "avg_clustering", "degree_slope"]
    four = resilience.network_resilience(indicator_table(), preset="four_dimensions")
    assert list(four.dimensions.columns) == [
        "transmissibility", "clustering", "hierarchy", "matching"
    ]
    assert four.options["floor"] == 0.01


@pytest.mark.parametrize("weights", ["equal", "entropy"])
def test_study_preset_gives_the_published_0_01_to_a_stage_worst_on_everything(weights):
    # indicator_table(): stage 1 has the longest paths, least clustering, flattest slope
    result = resilience.network_resilience(indicator_table(), weights=weights)
    assert result.dimensions.loc["2011-2014"].tolist() == pytest.approx([1e-4] * 3)
    assert result.C["2011-2014"] == pytest.approx(1)
    assert result.D["2011-2014"] == pytest.approx(0.01)
    # the four-dimension preset's floor (0.01) could only reach 0.10
    four = resilience.network_resilience(indicator_table(), preset="four_dimensions")
    assert four.D["2011-2014"] == pytest.approx(0.1)


def test_study_preset_by_hand_with_equal_weights():
    # min-max, floor f = 1e-4: stage 2 scores (0.5, 1, 0.25) -> f + (1 - f) x
    f = 1e-4
    U = [f + (1 - f) * x for x in (0.5, 1.0, 0.25)]
    result = resilience.network_resilience(indicator_table(), weights="equal")
    assert result.dimensions.loc["2015-2017"].tolist() == pytest.approx(U)
    assert result.D["2015-2017"] == pytest.approx(math.prod(U) ** (1 / 6))
    assert result.D["2015-2017"] == pytest.approx(0.125 ** (1 / 6), rel=1e-3)  # about 0.707


@st.composite
def study_tables(draw):
    m = draw(st.integers(2, 5))
    columns = ["avg_path_length", "avg_clustering", "degree_slope"]
    data = {c: draw(st.lists(finite, min_size=m, max_size=m)) for c in columns}
    return pd.DataFrame(data, index=[f"stage{i}" for i in range(m)])


@settings(max_examples=80, deadline=None)
@given(study_tables(), st.floats(1e-6, 0.5))
def test_equal_weights_give_the_closed_form(table, floor):
    """Equal weights: T = mean U, C = geometric / arithmetic mean, so D = (prod U)^(1/(2n))."""
    result = resilience.network_resilience(table, weights="equal", floor=floor)
    U = result.dimensions.to_numpy()
    closed = np.prod(U, axis=1) ** (1 / (2 * U.shape[1]))
    assert result.D.to_numpy() == pytest.approx(closed, rel=1e-9)
    assert result.D.to_numpy() == pytest.approx(np.sqrt(np.exp(np.log(U).mean(axis=1))))


@settings(max_examples=60, deadline=None)
@given(study_tables(), st.sampled_from(["equal", "entropy"]), st.floats(0.1, 5))
def test_a_stage_worst_on_every_indicator_gets_the_square_root_of_the_floor(table, weights, gap):
    # make stage 0 strictly worst: longest path, least clustering, flattest slope
    table.iloc[0] = [
        table["avg_path_length"].max() + gap,
        table["avg_clustering"].min() - gap,
        table["degree_slope"].min() - gap,
    ]
    result = resilience.network_resilience(table, weights=weights)
    assert result.D.iloc[0] == pytest.approx(0.01)
    assert (result.D.iloc[1:] >= 0.01 - 1e-12).all()


# ---------------------------------------------------------------- properties


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def indicator_tables(draw):
    m = draw(st.integers(2, 5))
    columns = ["avg_path_length", "efficiency", "avg_clustering", "degree_slope", "assortativity"]
    data = {c: draw(st.lists(finite, min_size=m, max_size=m)) for c in columns}
    return pd.DataFrame(data, index=[f"stage{i}" for i in range(m)])


@settings(max_examples=80, deadline=None)
@given(
    indicator_tables(),
    st.sampled_from(["equal", "entropy"]),
    st.sampled_from(["minmax", "logistic"]),
    st.floats(0, 0.5),
)
def test_C_T_D_lie_in_unit_interval(table, weights, normalisation, floor):
    result = resilience.network_resilience(
        table, preset="four_dimensions", weights=weights, normalisation=normalisation, floor=floor
    )
    for series in (result.C, result.T, result.D):
        assert ((series >= 0) & (series <= 1 + 1e-12)).all()
    assert ((result.dimensions >= 0) & (result.dimensions <= 1 + 1e-12)).all().all()
    assert result.dimension_weights.sum() == pytest.approx(1)


# ---------------------------------------------------------------- configuration


def test_the_resilience_section_names_the_preset_and_the_node_normalisation():
    from pyreslib.config import parse_config
    from pyreslib.errors import ConfigError

    base = {"input": {"patents": __file__}, "ergm": {"enabled": False}}
    cfg = parse_config(base)
    assert (cfg.resilience.preset, cfg.resilience.floor) == ("study", 1e-4)  # the preset's floor
    assert cfg.resilience.node_normalisation == "within_stage"
    chosen = parse_config({**base, "resilience": {"preset": "four_dimensions", "floor": 0.02,
                                                  "node_normalisation": "pooled"}})
    assert (chosen.resilience.preset, chosen.resilience.floor) == ("four_dimensions", 0.02)
    assert chosen.resilience.node_normalisation == "pooled"
    with pytest.raises(ConfigError, match="'resilience.preset' must be one of 'study', "):
        parse_config({**base, "resilience": {"preset": "paper"}})
    with pytest.raises(ConfigError, match="'resilience.node_normalisation' must be one of"):
        parse_config({**base, "resilience": {"node_normalisation": "global"}})
