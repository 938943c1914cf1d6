"""Infomap modules, their numbering, modularity and the per-stage tables."""

from __future__ import annotations

import networkx as nx
import pytest

from pyreslib import community
from pyreslib.errors import InputError


def cliques_joined_in_a_ring(cliques: int = 4, size: int = 5, weight: int = 5) -> nx.Graph:
    """Dense cliques (weight ``weight``) joined by single weight-1 links: obvious modules."""
    G = nx.Graph()
    for c in range(cliques):
        members = [1000 * (c + 1) + i for i in range(size)]
        G.add_edges_from(
            ((u, v) for i, u in enumerate(members) for v in members[i + 1 :]), weight=weight
        )
    for c in range(cliques):
        G.add_edge(1000 * (c + 1), 1000 * ((c + 1) % cliques + 1) + 1, weight=1)
    G.graph["stage"] = "2011-2014"
    return G


def test_infomap_finds_the_planted_cliques():
    G = cliques_joined_in_a_ring()
    result = community.infomap_partition(G, seed=7, trials=5)
    assert result.num_modules == 4 and result.sizes.tolist() == [5, 5, 5, 5]
    for c in range(4):
        members = [1000 * (c + 1) + i for i in range(5)]
        assert result.membership.loc[members].nunique() == 1
    assert result.largest == 5 and result.isolates == 0
    assert 0 < result.codelength < result.one_level_codelength
    assert result.stage == "2011-2014"
    assert "4 modules" in result.summary()


def test_modularity_equals_networkx():
    G = nx.les_miserables_graph()
    G = nx.convert_node_labels_to_integers(G)
    result = community.infomap_partition(G, seed=3, trials=3)
    blocks = [set(result.membership.index[result.membership == m]) for m in result.sizes.index]
    assert result.modularity == pytest.approx(nx.community.modularity(G, blocks, weight="weight"))


def test_modules_are_numbered_by_decreasing_size():
    G = nx.les_miserables_graph()
    G = nx.convert_node_labels_to_integers(G)
    result = community.infomap_partition(G, seed=3)
    assert result.sizes.index.tolist() == list(range(1, result.num_modules + 1))
    assert result.sizes.is_monotonic_decreasing
    assert result.sizes.sum() == G.number_of_nodes()
    assert result.membership.value_counts().sort_index().tolist() == result.sizes.tolist()


def test_same_seed_repeats_exactly():
    G = nx.convert_node_labels_to_integers(nx.les_miserables_graph())
    first = community.infomap_partition(G, seed=11, trials=2)
    second = community.infomap_partition(G, seed=11, trials=2)
    assert first.membership.equals(second.membership)
    assert first.codelength == second.codelength


def test_isolates_become_counted_singletons():
    G = cliques_joined_in_a_ring(cliques=2)
    G.add_nodes_from([9001, 9002])
    result = community.infomap_partition(G, seed=1)
    assert result.isolates == 2
    assert result.membership[9001] != result.membership[9002]
    assert result.sizes[result.membership[9001]] == 1


def test_unweighted_option_ignores_weights():
    G = cliques_joined_in_a_ring()
    H = G.copy()
    nx.set_edge_attributes(H, 1, "weight")
    a = community.infomap_partition(G, seed=2, weighted=False)
    b = community.infomap_partition(H, seed=2)
    assert a.codelength == pytest.approx(b.codelength)


def test_stage_tables():
    networks = {
        "2011-2014": cliques_joined_in_a_ring(4),
        "2015-2017": cliques_joined_in_a_ring(2, 8),
    }
    results = community.stage_communities(networks, seed=5, trials=3)
    table = community.summary_table(results)
    assert table.loc["2011-2014", "modules"] == 4 and table.loc["2015-2017", "largest"] == 8
    assert results["2015-2017"].stage == "2015-2017"
    long = community.membership_table(results)
    assert len(long) == 20 + 16 and set(long.columns) == {"stage", "node", "module", "module_size"}


def test_bad_arguments_are_refused():
    G = cliques_joined_in_a_ring()
    with pytest.raises(InputError, match="seed"):
        community.infomap_partition(G, seed=0)
    with pytest.raises(InputError, match="trials"):
        community.infomap_partition(G, trials=0)
