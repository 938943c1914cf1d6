"""Node centralities and the shares of cities, checked against networkx and by hand."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings

from pyreslib import centrality
from pyreslib.errors import InputError
from tests.test_metrics import (
    NETWORKS,
    binary_fraction_weights,
    random_weighted_graph,
    small_graphs,
    stage_networks,
    weighted,
)

# ---------------------------------------------------------------- hand calculations


def test_star_centralities_by_hand():
    n = 6
    cent = centrality.node_centralities(weighted(nx.star_graph(n - 1)))  # centre 0, leaves 1..5
    assert (
        cent.loc[0, "degree"] == 1
        and cent.loc[0, "betweenness"] == 1
        and cent.loc[0, "closeness"] == 1
    )
    assert (cent.loc[1:, "betweenness"] == 0).all()
    assert cent.loc[1:, "closeness"].to_numpy() == pytest.approx(
        [(n - 1) / (1 + 2 * (n - 2))] * (n - 1)
    )
    assert cent.loc[1:, "degree"].to_numpy() == pytest.approx([1 / (n - 1)] * (n - 1))


def test_complete_graph_centralities_by_hand():
    cent = centrality.node_centralities(weighted(nx.complete_graph(7), 3))
    assert (cent["degree"] == 1).all() and (cent["closeness"] == 1).all()
    assert (cent["betweenness"] == 0).all() and (cent["strength"] == 18).all()


def test_closeness_of_a_disconnected_graph_by_hand():
    # a triangle, a separate edge and two isolates
    G = weighted(nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5)]))
    G.add_nodes_from([6, 7])
    cent = centrality.node_centralities(G)
    # Wasserman-Faust: triangle node reaches 2 nodes at distance 1 -> (2/6) * (2/2)
    assert cent.loc[1, "closeness"] == pytest.approx(2 / 6)
    assert cent.loc[4, "closeness"] == pytest.approx(1 / 6)
    assert cent.loc[6, "closeness"] == 0 and cent.loc[6, "degree"] == 0


# ---------------------------------------------------------------- against networkx


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
def test_centralities_equal_networkx(make):
    G = make()
    cent = centrality.node_centralities(G)
    assert list(cent.index) == list(G.nodes())
    assert list(cent.columns) == list(centrality.NODE_CENTRALITIES)
    assert cent["degree"].to_dict() == pytest.approx(nx.degree_centrality(G))
    assert cent["closeness"].to_dict() == pytest.approx(
        nx.closeness_centrality(G, wf_improved=True)
    )
    assert cent["betweenness"].to_dict() == pytest.approx(
        nx.betweenness_centrality(G, normalized=True)
    )
    assert cent["strength"].to_dict() == pytest.approx(dict(G.degree(weight="weight")))


def test_weighted_centralities_equal_networkx():
    G = binary_fraction_weights()
    cent = centrality.node_centralities(G, weighted=True)
    assert cent["closeness"].to_dict() == pytest.approx(nx.closeness_centrality(G, distance="dist"))
    assert cent["betweenness"].to_dict() == pytest.approx(
        nx.betweenness_centrality(G, weight="dist")
    )


@settings(max_examples=40, deadline=None)
@given(small_graphs(min_nodes=3))
def test_centralities_equal_networkx_on_any_small_graph(G):
    cent = centrality.node_centralities(G)
    assert cent["closeness"].to_dict() == pytest.approx(nx.closeness_centrality(G))
    assert cent["betweenness"].to_dict() == pytest.approx(nx.betweenness_centrality(G))
    assert (
        (
            (cent[["degree", "closeness", "betweenness"]] >= 0)
            & (cent[["degree", "closeness", "betweenness"]] <= 1 + 1e-12)
        )
        .all()
        .all()
    )


# ---------------------------------------------------------------- stages and shares


def test_stage_centralities_have_one_row_per_city_and_stage():
    long = centrality.stage_centralities(stage_networks())
    assert len(long) == 10
    assert list(long.columns[:4]) == ["stage", "node", "name_zh", "name_en"]
    assert long.loc[long["stage"] == "2011-2014", "name_en"].iloc[0] == "City 0"


def test_stage_city_rows_leave_names_empty_where_absent():
    G = nx.Graph([(1, 2)])
    G.nodes[1]["name_en"] = "Beijing"
    per_node = centrality.node_centralities(G)
    rows = centrality.stage_city_rows("s", G, per_node)
    assert rows["name_en"].tolist() == ["Beijing", ""] and rows["name_zh"].tolist() == ["", ""]
    pd.testing.assert_frame_equal(rows.iloc[:, 4:], per_node.reset_index(drop=True))


def test_centrality_shares_by_hand():
    shares = centrality.centrality_shares(stage_networks())
    # star: centre alone above the mean on both, 4 of 5 leaves with zero betweenness
    assert shares.loc["2011-2014", "closeness_above_mean_pct"] == pytest.approx(20)
    assert shares.loc["2011-2014", "betweenness_above_mean_pct"] == pytest.approx(20)
    assert shares.loc["2011-2014", "zero_betweenness_pct"] == pytest.approx(80)
    # path 0-1-2-3-4: betweenness 0, 3/6, 4/6, 3/6, 0 -> mean 1/3, three above, two zero
    assert shares.loc["2015-2017", "betweenness_above_mean_pct"] == pytest.approx(60)
    assert shares.loc["2015-2017", "zero_betweenness_pct"] == pytest.approx(40)


def test_centrality_shares_of_the_table_equal_those_of_the_networks():
    networks = {
        "a": random_weighted_graph(30, 0.1, seed=4),
        "b": random_weighted_graph(30, 0.2, seed=5),
    }
    pd.testing.assert_frame_equal(
        centrality.centrality_shares(centrality.stage_centralities(networks)),
        centrality.centrality_shares(networks),
    )


# ---------------------------------------------------------------- bad input


def test_bad_input_is_refused_with_a_remedy():
    zero = nx.Graph()
    zero.add_edge(1, 2, weight=0)
    with pytest.raises(InputError, match="weight 0"):
        centrality.node_centralities(zero)
    with pytest.raises(InputError, match="stage labels"):
        centrality.stage_centralities({})
    with pytest.raises(InputError, match=r"lacks column\(s\) \['betweenness'\]"):
        centrality.centrality_shares(pd.DataFrame({"stage": ["a"], "closeness": [0.5]}))
