"""Coupling coordination network resilience, sensitivity table and node resilience."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyreslib import metrics, resilience
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


# ---------------------------------------------------------------- coupling coordination


def test_coupling_coordination_hand_worked_examples():
    """Hand-worked values of the n-system coupling coordination model.

    Definition: C = n [prod U_i / (sum U_i)^n]^(1/n), T = sum a_i U_i, D = sqrt(C T), as
    recommended by Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan & Dai Binting (2021), "Research on
    misuses and modification of coupling coordination degree model in China", Journal of Natural
    Resources 36(3), 793-810, generalising the two-system model of Liu Yaobin, Li Rendong & Song
    Xuefeng (2005), Journal of Natural Resources 20(1), 105-112.

    The cases below are worked by hand from that definition, with scores chosen so that every root
    is exact; the printed table of a published study is reproduced in
    :func:`test_coupling_coordination_reproduces_a_published_table`.

    - n = 2, U = (1/4, 1): C = 2 sqrt(1/4) / (5/4) = 4/5, T = 5/8, D = sqrt(1/2).
    - n = 3, U = (0.2, 0.4, 0.8): prod = 0.064 = 0.4^3, C = 3 * 0.4 / 1.4 = 6/7,
      T = 1.4 / 3, D = sqrt(6/7 * 7/15) = sqrt(2/5).
    - n = 4, U = (1/16, 1/4, 1/4, 1): prod = 1/256 = (1/4)^4, sum = 25/16,
      C = 4 * (1/4) / (25/16) = 16/25, T = 25/64, D = sqrt(16/25 * 25/64) = 1/2.
    - equal scores give C = 1 (perfect coupling); any zero score gives C = 0.
    """
    cases = pd.DataFrame(
        [[0.25, 1.0, np.nan, np.nan], [0.2, 0.4, 0.8, np.nan], [1 / 16, 1 / 4, 1 / 4, 1.0]]
    )
    expected = [
        (4 / 5, 5 / 8, math.sqrt(1 / 2)),
        (6 / 7, 1.4 / 3, math.sqrt(2 / 5)),
        (16 / 25, 25 / 64, 1 / 2),
    ]
    for (_, row), (C, T, D) in zip(cases.iterrows(), expected):
        U = row.dropna().to_frame().T
        got = resilience.coupling_coordination(U).iloc[0]
        assert (got["C"], got["T"], got["D"]) == pytest.approx((C, T, D))
    equal = resilience.coupling_coordination(pd.DataFrame([[0.3, 0.3, 0.3]])).iloc[0]
    assert equal["C"] == pytest.approx(1) and equal["D"] == pytest.approx(math.sqrt(0.3))
    zero = resilience.coupling_coordination(pd.DataFrame([[0.0, 0.5]])).iloc[0]
    assert zero["C"] == 0 and zero["D"] == 0


# Table 4 of "Urban-Rural Logistics Coupling Coordinated Development and Urban-Rural Integrated
# Development: Measurement, Influencing Factors, and Countermeasures", Mathematical Problems in
# Engineering 2022, article 2969206 (Hindawi, doi:10.1155/2022/2969206), read from
# https://preview.hindawi.com/journals/mpe/2022/2969206/tab4 : the urban (Uu) and rural (Ur)
# logistics subsystem scores of one Chinese region, 2011-2020, and the C, T, D the authors report for them
# with the two-system model C = 2 sqrt(Uu Ur) / (Uu + Ur), T = 0.5 Uu + 0.5 Ur, D = sqrt(C T).
PUBLISHED_TABLE_2969206 = pd.DataFrame(
    [
        # year, Uu, Ur, C, T, D
        (2011, 0.101, 0.280, 0.882, 0.190, 0.410),
        (2012, 0.165, 0.406, 0.906, 0.286, 0.509),
        (2013, 0.187, 0.427, 0.920, 0.307, 0.532),
        (2014, 0.238, 0.511, 0.931, 0.374, 0.590),
        (2015, 0.424, 0.421, 1.000, 0.422, 0.650),
        (2016, 0.538, 0.407, 0.990, 0.473, 0.684),
        (2017, 0.591, 0.466, 0.993, 0.528, 0.724),
        (2018, 0.694, 0.581, 0.996, 0.638, 0.797),
        (2019, 0.892, 0.662, 0.989, 0.777, 0.877),
        (2020, 0.879, 0.637, 0.987, 0.758, 0.865),
    ],
    columns=["year", "Uu", "Ur", "C", "T", "D"],
).set_index("year")


def test_coupling_coordination_reproduces_a_published_table():
    """C, T and D of every year in a published table, from the scores printed beside them.

    Source: Table 4 of "Urban-Rural Logistics Coupling Coordinated Development and Urban-Rural
    Integrated Development: Measurement, Influencing Factors, and Countermeasures", Mathematical
    Problems in Engineering, vol. 2022, article ID 2969206 (doi:10.1155/2022/2969206).  Its
    two-system model is the n = 2 case of ours:
    n [prod U / (sum U)^n]^(1/n) = 2 sqrt(U1 U2) / (U1 + U2).

    The paper prints everything to 3 decimals and computed C, T, D from unrounded scores, so a
    reproduction can differ by rounding alone: half a unit in the last place of each score moves
    T by up to 0.0005 and C by up to about 0.001 (2011: T = (0.101 + 0.280) / 2 = 0.1905, printed
    0.190).  The tolerance, 0.0015, is that bound and no more: a wrong formula (say T without the
    weights, or C without the factor n) misses by far more.
    """
    scores = PUBLISHED_TABLE_2969206[["Uu", "Ur"]]
    got = resilience.coupling_coordination(scores, {"Uu": 0.5, "Ur": 0.5})
    for column in ("C", "T", "D"):
        difference = (got[column] - PUBLISHED_TABLE_2969206[column]).abs()
        assert difference.max() <= 0.0015, (column, difference.round(4).to_dict())
    # the paper's ranking of years by D survives the recomputation
    assert list(got["D"].rank()) == list(PUBLISHED_TABLE_2969206["D"].rank())


def test_coupling_with_unequal_dimension_weights_by_hand():
    # U = (1/4, 1), a = (3/4, 1/4): C = 4/5 as before, T = 3/16 + 1/4 = 7/16
    got = resilience.coupling_coordination(
        pd.DataFrame([[0.25, 1.0]], columns=["x", "y"]), {"x": 3, "y": 1}
    )
    assert got.loc[0, "T"] == pytest.approx(7 / 16)
    assert got.loc[0, "D"] == pytest.approx(math.sqrt(4 / 5 * 7 / 16))


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


def test_entropy_weights_by_hand():
    table = pd.DataFrame(
        {"flat": [1.0, 1.0, 1.0], "one_hot": [1.0, 0.0, 0.0], "half": [0.5, 0.5, 0.0]}
    )
    w, notes = resilience.entropy_weights(table)
    # flat: e = 1 -> d = 0; one_hot: e = 0 -> d = 1; half: e = ln 2 / ln 3
    d_half = 1 - math.log(2) / math.log(3)
    assert w.tolist() == pytest.approx([0, 1 / (1 + d_half), d_half / (1 + d_half)])
    assert notes == []
    w, notes = resilience.entropy_weights(pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]}))
    assert w.tolist() == [0.5, 0.5] and "equal" in notes[0]


def test_entropy_weighted_resilience_uses_weighted_means():
    result = resilience.network_resilience(
        indicator_table(), preset="four_dimensions", weights="entropy", floor=0.01
    )
    w = result.indicator_weights
    assert w.sum() == pytest.approx(1)
    expected_w, _ = resilience.entropy_weights(result.normalised)
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
    assert list(four.dimensions.columns) == ["transmissibility", "clustering", "hierarchy", "matching"]
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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=8))
@example([0.0, 5e-324])  # found by hypothesis: sum/n underflowed to 0 and C came out NaN
@example([5e-324, 1e-323])  # subnormal scores: C = 2 sqrt(2) / 3 exactly
def test_coupling_is_at_most_one_and_one_for_equal_scores(scores):
    got = resilience.coupling_coordination(pd.DataFrame([scores])).iloc[0]
    assert 0 <= got["C"] <= 1 and 0 <= got["D"] <= 1
    same = resilience.coupling_coordination(pd.DataFrame([[scores[0]] * len(scores)])).iloc[0]
    if scores[0] > 0:
        assert same["C"] == pytest.approx(1)


# ---------------------------------------------------------------- node resilience


def test_node_resilience_of_a_path_by_hand():
    G = nx.path_graph(5)
    nx.set_edge_attributes(G, 1, "weight")
    table = resilience.node_resilience(G, weights="equal")
    # degree -> 0,1,1,1,0; closeness 0.4, 4/7, 2/3 -> 0, 9/14, 1; betweenness 0,3,4,3,0 -> 0,.75,1
    assert table["closeness"].tolist() == pytest.approx([0, 9 / 14, 1, 9 / 14, 0])
    assert table["betweenness"].tolist() == pytest.approx([0, 0.75, 1, 0.75, 0])
    assert table["score"].tolist() == pytest.approx(
        [0, (1 + 9 / 14 + 0.75) / 3, 1, (1 + 9 / 14 + 0.75) / 3, 0]
    )
    assert table["rank"].tolist() == [4, 2, 1, 2, 4]
    assert table.attrs["weights"] == pytest.approx(
        {"degree": 1 / 3, "closeness": 1 / 3, "betweenness": 1 / 3}
    )


def test_node_resilience_of_a_star_puts_the_hub_first():
    G = nx.star_graph(6)
    nx.set_edge_attributes(G, 1, "weight")
    table = resilience.node_resilience(G)
    assert table.loc[0, "rank"] == 1 and table.loc[0, "score"] == pytest.approx(1)
    assert (table.loc[1:, "rank"] == 2).all() and (table.loc[1:, "score"] == 0).all()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(5, 25),
    st.floats(0.1, 0.6),
    st.integers(0, 10_000),
    st.sampled_from(["entropy", "equal"]),
)
def test_node_resilience_ranks_unchanged_by_relabelling(n, p, seed, weights):
    G = nx.gnp_random_graph(n, p, seed=seed)
    nx.set_edge_attributes(G, 1, "weight")
    rng = np.random.default_rng(seed)
    new_labels = rng.permutation(np.arange(100, 100 + 3 * n))[:n]
    mapping = {v: int(new_labels[v]) for v in G.nodes}
    # relabel and also shuffle the node order networkx iterates in
    H = nx.Graph()
    order = rng.permutation(n)
    H.add_nodes_from(mapping[int(v)] for v in order)
    H.add_edges_from(((mapping[u], mapping[v], d) for u, v, d in G.edges(data=True)))
    if G.number_of_edges() == 0:
        return
    before = resilience.node_resilience(G, weights=weights)["rank"]
    after = resilience.node_resilience(H, weights=weights)["rank"]
    assert {mapping[v]: r for v, r in before.items()} == after.to_dict()


def test_stage_node_resilience_long_table():
    first, second = nx.star_graph(3), nx.path_graph(4)
    for G in (first, second):
        nx.set_edge_attributes(G, 1, "weight")
        for v in G:
            G.nodes[v]["name_en"] = f"City {v}"
    table = resilience.stage_node_resilience(
        {"2011-2014": first, "2015-2017": second}, weights="equal"
    )
    assert len(table) == 8
    assert table.iloc[0][["stage", "node", "rank"]].tolist() == ["2011-2014", 0, 1]
    assert table.loc[table["stage"] == "2015-2017", "name_en"].tolist()[0] in {"City 1", "City 2"}


def test_stage_node_resilience_reuses_centralities_already_computed():
    # the pipeline computes centralities once (metrics.stage_describe) and hands them on
    networks = {
        "2011-2014": nx.les_miserables_graph(),
        "2015-2017": nx.convert_node_labels_to_integers(nx.karate_club_graph()),
    }
    _, centralities = metrics.stage_describe(networks)
    reused = resilience.stage_node_resilience(networks, centralities=centralities)
    recomputed = resilience.stage_node_resilience(networks)
    pd.testing.assert_frame_equal(reused, recomputed)


def test_precomputed_centralities_must_match_the_network():
    G = nx.path_graph(4)
    nx.set_edge_attributes(G, 1, "weight")
    other = metrics.node_centralities(nx.path_graph(5))
    with pytest.raises(InputError, match="one row per node"):
        resilience.node_resilience(G, precomputed=other)
    with pytest.raises(InputError, match="no rows for stage"):
        resilience.stage_node_resilience(
            {"2011-2014": G}, centralities=metrics.stage_centralities({"2018-2021": G})
        )


def test_node_resilience_rejects_unknown_centralities():
    G = nx.path_graph(3)
    with pytest.raises(InputError, match="unknown centralities"):
        resilience.node_resilience(G, centralities=("pagerank",))


# ---------------------------------------------------------------- node resilience across stages


def _named(G: nx.Graph) -> nx.Graph:
    nx.set_edge_attributes(G, 1, "weight")
    for v in G:
        G.nodes[v]["name_en"] = f"City {v}"
        G.nodes[v]["name_zh"] = f"城{v}"
    return G


def test_pooled_node_resilience_shows_a_city_that_grew():
    # city 0 leads both stages: the middle of a path of five, then the hub of a star of five
    earlier = _named(nx.relabel_nodes(nx.path_graph(5), {0: 1, 1: 2, 2: 0, 3: 3, 4: 4}))
    later = _named(nx.star_graph(4))
    networks = {"2011-2014": earlier, "2015-2017": later}
    within = resilience.stage_node_resilience(networks).set_index(["stage", "node"])
    assert within.loc[("2011-2014", 0), "score"] == pytest.approx(1)
    assert within.loc[("2015-2017", 0), "score"] == pytest.approx(1)  # growth invisible

    pooled = resilience.stage_node_resilience(networks, normalisation="pooled")
    assert pooled.attrs["normalisation"] == "pooled"
    by = pooled.set_index(["stage", "node"])
    assert by.loc[("2015-2017", 0), "score"] == pytest.approx(1)
    assert by.loc[("2011-2014", 0), "score"] < 0.9  # degree 1/2, closeness 2/3, betweenness 2/3
    assert by.loc[("2011-2014", 0), "rank"] == by.loc[("2015-2017", 0), "rank"] == 1

    wide = resilience.node_resilience_by_stage(pooled, top=3)
    assert list(wide.columns) == ["name_zh", "name_en", "rank", "2011-2014", "2015-2017"]
    assert wide.index[0] == 0 and wide.loc[0, "2015-2017"] > wide.loc[0, "2011-2014"]


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 18), st.floats(0.1, 0.5), st.integers(0, 10_000))
def test_a_city_that_gains_links_never_scores_lower_when_pooled(n, p, seed):
    """City 0 linked to every other city in the later stage: each of its centralities is at
    least what it was, so its pooled score cannot fall (min-max and positive weights are
    monotone), whatever the rest of the network does."""
    earlier = nx.gnp_random_graph(n, p, seed=seed)
    if earlier.degree(0) == 0:
        earlier.add_edge(0, 1)
    later = earlier.copy()
    later.add_edges_from((0, v) for v in range(1, n))
    networks = {"a": _named(earlier), "b": _named(later)}
    for weights in ("equal", "entropy"):
        pooled = resilience.stage_node_resilience(
            networks, normalisation="pooled", weights=weights
        ).set_index(["stage", "node"])
        assert pooled.loc[("b", 0), "score"] >= pooled.loc[("a", 0), "score"] - 1e-12


def test_ranking_table_lists_the_last_stages_top_cities_in_every_stage():
    first = _named(nx.star_graph(3))  # nodes 0..3
    second = _named(nx.path_graph(6))  # nodes 0..5; 4 and 5 are new
    table = resilience.stage_node_resilience(
        {"s1": first, "s2": second}, normalisation="pooled", weights="equal"
    )
    wide = resilience.node_resilience_by_stage(table, top=None)
    assert list(wide.index[:2]) == [2, 3]  # the middle of the path leads stage s2
    assert wide["rank"].is_monotonic_increasing and len(wide) == 6
    assert np.isnan(wide.loc[5, "s1"]) and not np.isnan(wide.loc[5, "s2"])
    ranks = resilience.node_resilience_by_stage(table, stage="s1", top=2, value="rank")
    assert list(ranks.index) == [0, 1] and ranks.loc[0, "s1"] == 1
    with pytest.raises(InputError, match="stage 's3' is not in the table"):
        resilience.node_resilience_by_stage(table, stage="s3")
    with pytest.raises(InputError, match="long table of stage_node_resilience"):
        resilience.node_resilience_by_stage(table.drop(columns="rank"))
    with pytest.raises(InputError, match="unknown node normalisation 'global'"):
        resilience.stage_node_resilience({"s1": first}, normalisation="global")


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
