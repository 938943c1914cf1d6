"""Network indicators and centralities, checked against networkx and hand calculations."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import metrics
from pyreslib.errors import InputError

# ---------------------------------------------------------------- helpers: independent networkx


def weighted(G: nx.Graph, weight: int = 1) -> nx.Graph:
    nx.set_edge_attributes(G, weight, "weight")
    return G


def nx_avg_path_length_connected_pairs(G: nx.Graph, weight: str | None = None) -> float:
    lengths = dict(nx.all_pairs_dijkstra_path_length(G, weight=weight or (lambda u, v, d: 1)))
    values = [d for u, row in lengths.items() for v, d in row.items() if u != v]
    return float(np.mean(values)) if values else math.nan


def nx_reference(G: nx.Graph) -> dict[str, float]:
    n = G.number_of_nodes()
    components = list(nx.connected_components(G))
    return {
        "nodes": n,
        "edges": G.number_of_edges(),
        "weight": G.size(weight="weight"),
        "density": nx.density(G),
        "avg_degree": 2 * G.number_of_edges() / n,
        "components": len(components),
        "giant_share": max(map(len, components)) / n,
        "avg_path_length": nx_avg_path_length_connected_pairs(G),
        "efficiency": nx.global_efficiency(G),
        "avg_clustering": nx.average_clustering(G),
    }


def random_weighted_graph(n: int, p: float, seed: int, isolates: int = 0) -> nx.Graph:
    G = nx.gnp_random_graph(n, p, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges():
        G[u][v]["weight"] = int(rng.integers(1, 50))
    G.add_nodes_from(range(n, n + isolates))
    # city-like labels, not 0..n-1, so index mix-ups would show
    return nx.relabel_nodes(G, {v: 110000 + 100 * v for v in G.nodes()})


# ---------------------------------------------------------------- hand calculations


def test_path_of_four_by_hand():
    G = weighted(nx.path_graph([11, 12, 13, 14]), 2)
    ind = metrics.network_indicators(G)
    assert ind["nodes"] == 4 and ind["edges"] == 3 and ind["weight"] == 6
    assert ind["density"] == pytest.approx(0.5)
    assert ind["avg_degree"] == pytest.approx(1.5)
    # distances 1,1,1,2,2,3 over the 6 pairs
    assert ind["avg_path_length"] == pytest.approx(10 / 6)
    assert ind["efficiency"] == pytest.approx((3 + 2 / 2 + 1 / 3) / 6)
    assert ind["avg_clustering"] == 0
    # edges join degrees (1,2), (2,2), (2,1): Newman r = -1/2
    assert ind["assortativity"] == pytest.approx(-0.5)
    # rank-size: ln k = ln 2, ln 2, 0, 0 against ln 1..ln 4
    x, y = np.log([1, 2, 3, 4]), np.log([2, 2, 1, 1])
    assert ind["degree_slope"] == pytest.approx(-np.polyfit(x, y, 1)[0])


def test_star_by_hand():
    n = 6
    G = weighted(nx.star_graph(n - 1))  # centre 0, leaves 1..5
    ind = metrics.network_indicators(G)
    assert ind["density"] == pytest.approx(2 / n)
    assert ind["avg_clustering"] == 0
    assert ind["assortativity"] == pytest.approx(-1)  # every edge joins a hub to a leaf
    # leaves are 2 apart, the centre 1 from each: (2*5*1 + 20*2) / 30 ordered pairs
    assert ind["avg_path_length"] == pytest.approx((10 * 1 + 20 * 2) / 30)
    cent = metrics.node_centralities(G)
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


def test_complete_graph_by_hand():
    G = weighted(nx.complete_graph(7), 3)
    ind = metrics.network_indicators(G)
    assert ind["density"] == 1 and ind["avg_path_length"] == 1 and ind["efficiency"] == 1
    assert ind["avg_clustering"] == 1
    assert ind["degree_slope"] == pytest.approx(0)
    assert math.isnan(ind["assortativity"])  # regular graph
    cent = metrics.node_centralities(G)
    assert (cent["degree"] == 1).all() and (cent["closeness"] == 1).all()
    assert (cent["betweenness"] == 0).all() and (cent["strength"] == 18).all()


def test_disconnected_graph_with_isolates_by_hand():
    # a triangle, a separate edge and two isolates
    G = weighted(nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5)]))
    G.add_nodes_from([6, 7])
    ind = metrics.network_indicators(G)
    assert ind["components"] == 4 and ind["isolates"] == 2
    assert ind["giant_share"] == pytest.approx(3 / 7)
    assert ind["avg_path_length"] == 1  # every connected pair is adjacent
    assert ind["unreachable_pairs"] == 21 - 4
    assert ind["efficiency"] == pytest.approx(8 / 42)  # 8 ordered adjacent pairs of 42
    assert ind["avg_clustering"] == pytest.approx(3 / 7)
    cent = metrics.node_centralities(G)
    # Wasserman-Faust: triangle node reaches 2 nodes at distance 1 -> (2/6) * (2/2)
    assert cent.loc[1, "closeness"] == pytest.approx(2 / 6)
    assert cent.loc[4, "closeness"] == pytest.approx(1 / 6)
    assert cent.loc[6, "closeness"] == 0 and cent.loc[6, "degree"] == 0


# ---------------------------------------------------------------- against networkx


@pytest.mark.parametrize(
    "G",
    [
        random_weighted_graph(40, 0.08, seed=1, isolates=3),  # disconnected, isolates
        random_weighted_graph(60, 0.15, seed=2),
        weighted(nx.barabasi_albert_graph(80, 2, seed=3)),
        weighted(nx.star_graph(9)),
        weighted(nx.complete_graph(6)),
    ],
    ids=["sparse-disconnected", "gnp", "barabasi-albert", "star", "complete"],
)
def test_indicators_and_centralities_equal_networkx(G):
    ind = metrics.network_indicators(G)
    for key, expected in nx_reference(G).items():
        assert ind[key] == pytest.approx(expected, nan_ok=True), key
    if G.number_of_edges():
        with np.errstate(all="ignore"):
            expected_r = nx.degree_assortativity_coefficient(G)
        assert ind["assortativity"] == pytest.approx(expected_r, nan_ok=True)

    cent = metrics.node_centralities(G)
    assert list(cent.index) == list(G.nodes())
    assert cent["degree"].to_dict() == pytest.approx(nx.degree_centrality(G))
    assert cent["closeness"].to_dict() == pytest.approx(
        nx.closeness_centrality(G, wf_improved=True)
    )
    assert cent["betweenness"].to_dict() == pytest.approx(
        nx.betweenness_centrality(G, normalized=True)
    )
    assert cent["strength"].to_dict() == pytest.approx(dict(G.degree(weight="weight")))


def test_weighted_variants_equal_networkx():
    # weights 1, 2, 4, 8 make the distances 1/w exact binary fractions: no floating ties
    G = nx.gnp_random_graph(45, 0.12, seed=7)
    rng = np.random.default_rng(7)
    for u, v in G.edges():
        w = int(2 ** rng.integers(0, 4))
        G[u][v]["weight"] = w
        G[u][v]["dist"] = 1 / w
    ind = metrics.network_indicators(G, weighted=True)
    assert ind["avg_path_length"] == pytest.approx(nx_avg_path_length_connected_pairs(G, "dist"))
    lengths = dict(nx.all_pairs_dijkstra_path_length(G, weight="dist"))
    n = G.number_of_nodes()
    efficiency = sum(1 / d for u, row in lengths.items() for v, d in row.items() if u != v) / (
        n * (n - 1)
    )
    assert ind["efficiency"] == pytest.approx(efficiency)
    assert ind["avg_clustering"] == pytest.approx(nx.average_clustering(G, weight="weight"))
    assert ind["assortativity"] == pytest.approx(
        nx.degree_assortativity_coefficient(G, weight="weight")
    )

    cent = metrics.node_centralities(G, weighted=True)
    assert cent["closeness"].to_dict() == pytest.approx(nx.closeness_centrality(G, distance="dist"))
    assert cent["betweenness"].to_dict() == pytest.approx(
        nx.betweenness_centrality(G, weight="dist")
    )


def test_describe_equals_the_two_functions():
    G = random_weighted_graph(50, 0.07, seed=11, isolates=2)
    for weighted_variant in (False, True):
        indicators, centralities = metrics.describe(G, weighted=weighted_variant)
        expected = metrics.network_indicators(G, weighted=weighted_variant)
        assert indicators.to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
        pd.testing.assert_frame_equal(
            centralities, metrics.node_centralities(G, weighted=weighted_variant)
        )


# ---------------------------------------------------------------- properties


@st.composite
def small_graphs(draw, min_nodes=2):
    n = draw(st.integers(min_nodes, 14))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = (
        draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    )
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(chosen, weight=1)
    return G


@settings(max_examples=60, deadline=None)
@given(small_graphs())
def test_density_efficiency_clustering_within_unit_interval(G):
    ind = metrics.network_indicators(G)
    assert 0 <= ind["density"] <= 1
    assert 0 <= ind["efficiency"] <= 1
    assert 0 <= ind["avg_clustering"] <= 1
    assert 0 < ind["giant_share"] <= 1
    assert ind["density"] == pytest.approx(nx.density(G))
    assert ind["efficiency"] == pytest.approx(nx.global_efficiency(G))


@settings(max_examples=40, deadline=None)
@given(small_graphs(min_nodes=3))
def test_centralities_equal_networkx_on_any_small_graph(G):
    cent = metrics.node_centralities(G)
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


# ---------------------------------------------------------------- degree distribution


def test_degree_distribution_fit_of_a_star_by_hand():
    fit = metrics.degree_distribution_fit(weighted(nx.star_graph(4)))
    assert fit.data["k"].tolist() == [1, 4] and fit.data["p"].tolist() == pytest.approx([0.8, 0.2])
    # two points: ln(0.2/0.8) / ln(4/1) = -1 exactly; exponential: ln(1/4) / 3
    assert fit.power_law_slope == pytest.approx(-1)
    assert fit.exponential_slope == pytest.approx(math.log(0.25) / 3)
    assert fit.data["power_law"].tolist() == pytest.approx([0.8, 0.2])
    cumulative = metrics.degree_distribution_fit(weighted(nx.star_graph(4)), cumulative=True)
    assert cumulative.data["p"].tolist() == pytest.approx([1.0, 0.2])


def test_loglog_slope_is_the_power_law_slope():
    G = weighted(nx.barabasi_albert_graph(200, 2, seed=5))
    assert metrics.network_indicators(G)["loglog_slope"] == pytest.approx(
        metrics.degree_distribution_fit(G).power_law_slope
    )


# ---------------------------------------------------------------- stages and shares


def stage_networks() -> dict[str, nx.Graph]:
    first = weighted(nx.star_graph(4))  # 1 centre, 4 leaves
    second = weighted(nx.path_graph(5))
    for G, stage in ((first, "2011-2014"), (second, "2015-2017")):
        G.graph["stage"] = stage
        for v in G.nodes:
            G.nodes[v].update(name_zh=f"城市{v}", name_en=f"City {v}", internal=0)
    return {"2011-2014": first, "2015-2017": second}


def test_stage_tables_have_one_row_per_stage_and_per_city():
    networks = stage_networks()
    table = metrics.stage_indicators(networks)
    assert list(table.index) == ["2011-2014", "2015-2017"]
    assert table.loc["2015-2017", "edges"] == 4 and table["nodes"].dtype == "int64"
    long = metrics.stage_centralities(networks)
    assert len(long) == 10
    assert list(long.columns[:4]) == ["stage", "node", "name_zh", "name_en"]
    assert long.loc[long["stage"] == "2011-2014", "name_en"].iloc[0] == "City 0"


def test_centrality_shares_by_hand():
    shares = metrics.centrality_shares(stage_networks())
    # star: centre alone above the mean on both, 4 of 5 leaves with zero betweenness
    assert shares.loc["2011-2014", "closeness_above_mean_pct"] == pytest.approx(20)
    assert shares.loc["2011-2014", "betweenness_above_mean_pct"] == pytest.approx(20)
    assert shares.loc["2011-2014", "zero_betweenness_pct"] == pytest.approx(80)
    # path 0-1-2-3-4: betweenness 0, 3/6, 4/6, 3/6, 0 -> mean 1/3, three above, two zero
    assert shares.loc["2015-2017", "betweenness_above_mean_pct"] == pytest.approx(60)
    assert shares.loc["2015-2017", "zero_betweenness_pct"] == pytest.approx(40)


# ---------------------------------------------------------------- bad input


def test_bad_graphs_are_refused_with_a_remedy():
    loop = weighted(nx.Graph([(1, 1), (1, 2)]))
    with pytest.raises(InputError, match="self-loop"):
        metrics.network_indicators(loop)
    zero = nx.Graph()
    zero.add_edge(1, 2, weight=0)
    with pytest.raises(InputError, match="weight 0"):
        metrics.node_centralities(zero)
    with pytest.raises(InputError, match="undirected"):
        metrics.network_indicators(nx.DiGraph([(1, 2)]))
    with pytest.raises(InputError, match="stage labels"):
        metrics.stage_indicators({})


def test_tables_are_plain_pandas():
    ind = metrics.network_indicators(weighted(nx.cycle_graph(5)))
    assert isinstance(ind, pd.Series) and list(ind.index) == list(metrics.NETWORK_INDICATORS)


def test_stage_describe_gives_the_same_tables_as_the_separate_calls():
    networks = {"a": nx.barabasi_albert_graph(60, 2, seed=1),
                "b": nx.disjoint_union(nx.star_graph(5), nx.path_graph(4))}
    for G in networks.values():
        nx.set_edge_attributes(G, 1, "weight")
    indicators, centralities = metrics.stage_describe(networks)
    pd.testing.assert_frame_equal(indicators, metrics.stage_indicators(networks))
    pd.testing.assert_frame_equal(centralities, metrics.stage_centralities(networks))
