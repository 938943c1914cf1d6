"""Checking a stage network and converting it to igraph."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from pyreslib.convert import to_igraph
from pyreslib.errors import InputError


def test_vertices_follow_the_networkx_node_order_and_carry_the_weights():
    G = nx.Graph()
    G.add_nodes_from([310000, 110000])  # not sorted: the order must survive
    G.add_edge(110000, 310000, weight=9)
    G.add_edge(310000, 120000)  # no weight attribute: counts as 1
    graph, nodes = to_igraph(G)
    assert nodes == [310000, 110000, 120000]
    assert not graph.is_directed() and graph.vcount() == 3
    weight_of = {
        frozenset((nodes[e.source], nodes[e.target])): e["weight"] for e in graph.es
    }
    assert weight_of == {frozenset((110000, 310000)): 9.0, frozenset((310000, 120000)): 1.0}


def test_another_weight_attribute_can_be_named():
    G = nx.Graph()
    G.add_edge("a", "b", weight=2, patents=7)
    graph, _ = to_igraph(G, weight="patents")
    assert graph.es["weight"] == [7.0]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nx.Graph([(1, 1), (1, 2)]), "self-loop.*'internal'.*remove_edges_from"),
        (lambda: nx.DiGraph([(1, 2)]), "simple undirected.*nx.Graph\\(G\\)"),
        (lambda: nx.MultiGraph([(1, 2), (1, 2)]), "simple undirected.*sum their weights"),
        (lambda: [(1, 2)], "expected a networkx.Graph"),
        (lambda: nx.Graph([(1, 2, {"weight": 0})]), "\\(1, 2\\) has 'weight' = 0.*Drop edges"),
        (lambda: nx.Graph([(1, 2, {"weight": -3})]), "positive and finite"),
        (lambda: nx.Graph([(1, 2, {"weight": math.inf})]), "positive and finite"),
        (lambda: nx.Graph([(1, 2, {"weight": "many"})]), "non-numeric 'weight' attribute 'many'"),
    ],
    ids=["self-loop", "directed", "multigraph", "not-a-graph", "zero", "negative", "infinite",
         "text"],
)
def test_unusable_networks_are_refused_with_a_remedy(build, message):
    with pytest.raises(InputError, match=message):
        to_igraph(build())
