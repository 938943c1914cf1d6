"""Network indicators, checked against networkx and hand calculations."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import centrality, degree_distribution, metrics
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


# networks of every kind the comparisons with networkx run on
NETWORKS = {
    "sparse-disconnected": lambda: random_weighted_graph(40, 0.08, seed=1, isolates=3),
    "gnp": lambda: random_weighted_graph(60, 0.15, seed=2),
    "barabasi-albert": lambda: weighted(nx.barabasi_albert_graph(80, 2, seed=3)),
    "star": lambda: weighted(nx.star_graph(9)),
    "complete": lambda: weighted(nx.complete_graph(6)),
}


def binary_fraction_weights(seed: int = 7) -> nx.Graph:
    """A random network with weights 1, 2, 4, 8 and their distances 1/w in ``dist``: exact
    binary fractions, so no floating-point ties."""
    G = nx.gnp_random_graph(45, 0.12, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges():
        w = int(2 ** rng.integers(0, 4))
        G[u][v]["weight"] = w
        G[u][v]["dist"] = 1 / w
    return G


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


def test_complete_graph_by_hand():
    G = weighted(nx.complete_graph(7), 3)
    ind = metrics.network_indicators(G)
    assert ind["density"] == 1 and ind["avg_path_length"] == 1 and ind["efficiency"] == 1
    assert ind["avg_clustering"] == 1
    assert ind["degree_slope"] == pytest.approx(0)
    assert math.isnan(ind["assortativity"])  # regular graph


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


# ---------------------------------------------------------------- against networkx


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
def test_indicators_equal_networkx(make):
    G = make()
    ind = metrics.network_indicators(G)
    for key, expected in nx_reference(G).items():
        assert ind[key] == pytest.approx(expected, nan_ok=True), key
    if G.number_of_edges():
        with np.errstate(all="ignore"):
            expected_r = nx.degree_assortativity_coefficient(G)
        assert ind["assortativity"] == pytest.approx(expected_r, nan_ok=True)


def test_weighted_indicators_equal_networkx():
    G = binary_fraction_weights()
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


def test_describe_equals_the_two_functions():
    G = random_weighted_graph(50, 0.07, seed=11, isolates=2)
    for weighted_variant in (False, True):
        indicators, centralities = metrics.describe(G, weighted=weighted_variant)
        expected = metrics.network_indicators(G, weighted=weighted_variant)
        assert indicators.to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
        pd.testing.assert_frame_equal(
            centralities, centrality.node_centralities(G, weighted=weighted_variant)
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


def test_loglog_slope_is_the_power_law_slope():
    G = weighted(nx.barabasi_albert_graph(200, 2, seed=5))
    assert metrics.network_indicators(G)["loglog_slope"] == pytest.approx(
        degree_distribution.degree_distribution_fit(G).power_law_slope
    )


# ---------------------------------------------------------------- stages


def stage_networks() -> dict[str, nx.Graph]:
    first = weighted(nx.star_graph(4))  # 1 centre, 4 leaves
    second = weighted(nx.path_graph(5))
    for G, stage in ((first, "2011-2014"), (second, "2015-2017")):
        G.graph["stage"] = stage
        for v in G.nodes:
            G.nodes[v].update(name_zh=f"城市{v}", name_en=f"City {v}", internal=0)
    return {"2011-2014": first, "2015-2017": second}


def test_stage_indicators_have_one_row_per_stage():
    table = metrics.stage_indicators(stage_networks())
    assert list(table.index) == ["2011-2014", "2015-2017"]
    assert table.loc["2015-2017", "edges"] == 4 and table["nodes"].dtype == "int64"


def test_stage_describe_gives_the_same_tables_as_the_separate_calls():
    networks = {"a": nx.barabasi_albert_graph(60, 2, seed=1),
                "b": nx.disjoint_union(nx.star_graph(5), nx.path_graph(4))}
    for G in networks.values():
        nx.set_edge_attributes(G, 1, "weight")
    indicators, centralities = metrics.stage_describe(networks)
    pd.testing.assert_frame_equal(indicators, metrics.stage_indicators(networks))
    pd.testing.assert_frame_equal(centralities, centrality.stage_centralities(networks))


# ---------------------------------------------------------------- bad input


def test_bad_graphs_are_refused_with_a_remedy():
    loop = weighted(nx.Graph([(1, 1), (1, 2)]))
    with pytest.raises(InputError, match="self-loop"):
        metrics.network_indicators(loop)
    with pytest.raises(InputError, match="undirected"):
        metrics.network_indicators(nx.DiGraph([(1, 2)]))
    with pytest.raises(InputError, match="stage labels"):
        metrics.stage_indicators({})
    with pytest.raises(InputError, match="one positive finite length per edge"):
        metrics.network_indicators(weighted(nx.path_graph(3)), weighted=True, distance=np.negative)


def test_tables_are_plain_pandas():
    ind = metrics.network_indicators(weighted(nx.cycle_graph(5)))
    assert isinstance(ind, pd.Series) and list(ind.index) == list(metrics.NETWORK_INDICATORS)
