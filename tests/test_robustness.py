"""Random-failure and targeted-attack curves and the Schneider et al. (2011) R index."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import robustness
from pyreslib.convert import to_igraph
from pyreslib.errors import InputError


def brute_force_giant_sizes(G: nx.Graph, removal: list) -> list[int]:
    """Largest component after each removal, recomputed from scratch with networkx."""
    H = G.copy()
    sizes = [max(map(len, nx.connected_components(H)))]
    for v in removal:
        H.remove_node(v)
        sizes.append(max(map(len, nx.connected_components(H)), default=0))
    return sizes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_union_find_sizes_equal_networkx_recomputation(seed):
    G = nx.gnp_random_graph(40, 0.06, seed=seed)
    G.add_nodes_from([40, 41])  # isolates
    g, nodes = to_igraph(G)
    order = np.random.default_rng(seed).permutation(len(nodes))
    got = robustness.giant_component_sizes(g, order)
    assert got.tolist() == brute_force_giant_sizes(G, [nodes[i] for i in order])


def test_complete_graph_by_hand():
    # removing Q nodes leaves K_{N-Q}: s = (N-Q)/N, R = (N-1)/(2N) whatever the strategy
    n = 8
    G = nx.complete_graph(n)
    for strategy in robustness.STRATEGIES:
        curve = robustness.robustness_curve(G, strategy=strategy, repeats=5, seed=1)
        assert curve["s"].tolist() == pytest.approx([(n - q) / n for q in range(n + 1)])
        assert robustness.robustness_index_of_curve(curve) == pytest.approx((n - 1) / (2 * n))


def test_star_under_attack_by_hand():
    # the hub goes first; then only isolated leaves remain: s = 1/N until the last removal
    n = 7
    G = nx.relabel_nodes(nx.star_graph(n - 1), lambda v: 310000 + v)
    for strategy in ("degree", "betweenness"):
        curve = robustness.robustness_curve(G, strategy=strategy, seed=3)
        assert curve["s"].tolist() == pytest.approx([1] + [1 / n] * (n - 1) + [0])
        assert robustness.robustness_index_of_curve(curve) == pytest.approx((n - 1) / n**2)


def test_adaptive_degree_attack_on_a_path_by_hand():
    # path 0-1-2-3-4-5-6: adaptive degree attack can leave at most ~half in one piece
    G = nx.path_graph(7)
    g, _ = to_igraph(G)
    order = robustness.attack_order(g, "degree", rng=np.random.default_rng(0))
    assert order[0] in {1, 2, 3, 4, 5}  # an interior (degree-2) node first
    assert sorted(order.tolist()) == list(range(7))


def test_betweenness_attack_takes_the_bridge_first():
    # two triangles joined through node 6: node 6 lies on all 9 paths between the triangles,
    # nodes 2 and 3 on 8 each (from their two triangle mates to the 4 nodes beyond)
    G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 6), (6, 3)])
    g, nodes = to_igraph(G)
    order = robustness.attack_order(g, "betweenness", rng=np.random.default_rng(0))
    assert nodes[order[0]] == 6
    static = robustness.attack_order(
        g, "betweenness", rng=np.random.default_rng(0), recalculate=False
    )
    assert nodes[static[0]] == 6 and {nodes[static[1]], nodes[static[2]]} == {2, 3}


def test_same_seed_repeats_exactly_and_random_is_averaged():
    G = nx.barabasi_albert_graph(60, 2, seed=4)
    a = robustness.robustness_curve(G, repeats=20, seed=9)
    b = robustness.robustness_curve(G, repeats=20, seed=9)
    assert a.equals(b)
    assert a.attrs["repeats"] == 20 and (a["s_std"] >= 0).all()
    assert not a.equals(robustness.robustness_curve(G, repeats=20, seed=10))


def test_attack_hurts_a_scale_free_network_more_than_failure():
    # Albert, Jeong & Barabasi (2000): robust to failure, fragile under attack
    G = nx.barabasi_albert_graph(300, 2, seed=1)
    random = robustness.robustness_index(G, strategy="random", repeats=30, seed=0)
    attack = robustness.robustness_index(G, strategy="degree", seed=0)
    assert attack < random


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 30), st.sampled_from(["random", "degree", "betweenness"]))
def test_complete_graph_is_more_robust_than_a_star(n, strategy):
    complete = robustness.robustness_index(
        nx.complete_graph(n), strategy=strategy, repeats=50, seed=0
    )
    star = robustness.robustness_index(nx.star_graph(n - 1), strategy=strategy, repeats=50, seed=0)
    assert complete > star


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 25),
    st.floats(0.05, 0.5),
    st.integers(0, 1000),
    st.sampled_from(robustness.STRATEGIES),
)
def test_curve_is_non_increasing_from_giant_share_to_zero(n, p, seed, strategy):
    G = nx.gnp_random_graph(n, p, seed=seed)
    curve = robustness.robustness_curve(G, strategy=strategy, repeats=5, seed=seed)
    s = curve["s"].to_numpy()
    assert s[0] == pytest.approx(max(map(len, nx.connected_components(G))) / n)
    assert s[-1] == 0 and (np.diff(s) <= 1e-12).all()
    assert 0 <= robustness.robustness_index_of_curve(curve) < 0.5


def test_stage_robustness_tables():
    networks = {"2011-2014": nx.star_graph(5), "2015-2017": nx.complete_graph(6)}
    result = robustness.stage_robustness(networks, repeats=10, seed=2)
    assert list(result.index.index) == ["2011-2014", "2015-2017"]
    assert list(result.index.columns) == ["random", "degree", "betweenness"]
    assert (result.index.loc["2015-2017"] > result.index.loc["2011-2014"]).all()
    assert len(result.curves) == 2 * 3 * 7
    assert result.index.loc["2015-2017", "degree"] == pytest.approx(5 / 12)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="unknown strategy"):
        robustness.robustness_curve(nx.path_graph(3), strategy="pagerank")
    with pytest.raises(InputError, match="repeats"):
        robustness.robustness_curve(nx.path_graph(3), repeats=0)
    with pytest.raises(InputError, match="no nodes"):
        robustness.robustness_curve(nx.Graph())
