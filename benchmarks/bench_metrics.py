"""Indicators, centralities and Infomap on a large network, against igraph / infomap called directly.

The network: 20,000 nodes of average degree 8 (Barabasi-Albert, 4 links per new node, so
degrees are skewed like a collaboration network), integer weights 1..50, the same graph every
run (seed 42).  pyreslib starts from the networkx graph, as users hold it, so its time includes
the one conversion to igraph; the anchor calls igraph's C core on a ready igraph graph for the
same quantities.
"""

from __future__ import annotations

import random
import statistics

import igraph as ig
import infomap
import networkx as nx
import numpy as np
from _harness import Measurement, alternating_samples

from pyreslib import community, metrics


def _network(n: int, links_per_node: int, seed: int = 42) -> tuple[nx.Graph, ig.Graph]:
    rng = np.random.default_rng(seed)
    random.seed(seed)  # igraph draws from Python's random module: the same graph every run
    g = ig.Graph.Barabasi(n, links_per_node, directed=False)
    g.es["weight"] = rng.integers(1, 51, g.ecount()).tolist()
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from((u, v, w) for (u, v), w in zip(g.get_edgelist(), g.es["weight"]))
    return G, g


def _igraph_everything(g: ig.Graph) -> None:
    """The same indicators and centralities, straight from igraph."""
    g.connected_components()
    g.average_path_length(directed=False, unconn=True)
    g.harmonic_centrality(normalized=True)
    g.transitivity_local_undirected(mode="zero")
    g.assortativity_degree(directed=False)
    g.degree()
    g.closeness(normalized=True)
    g.betweenness(directed=False)
    g.strength(weights="weight")


def _pyreslib_everything(G: nx.Graph) -> None:
    metrics.describe(G)  # network_indicators + node_centralities, sharing one conversion


def run(quick: bool) -> list[Measurement]:
    n = 2_000 if quick else 20_000
    # 20,000 nodes: one all-pairs pass takes minutes on 2 cores, so three repeats each (the
    # fewest that give a median and a spread); Infomap is quick, so it gets more
    repeats, infomap_repeats = 3, 7
    G, g = _network(n, 4)
    avg_degree = 2 * g.ecount() / n
    ours, theirs = alternating_samples(
        lambda: _pyreslib_everything(G), lambda: _igraph_everything(g), repeats=repeats
    )
    results = [
        Measurement(
            name=f"all indicators + centralities, {n:,} nodes",
            what=(
                f"metrics.describe(G) (= network_indicators + node_centralities) on a networkx graph "
                f"of {n:,} nodes, average degree {avg_degree:.2f} (conversion to igraph included)"
            ),
            anchor="igraph called directly on a ready igraph graph: components, average path "
            "length, harmonic centrality (efficiency), local transitivity, degree assortativity, "
            "degree, closeness, betweenness, strength",
            seconds=statistics.median(ours),
            anchor_seconds=statistics.median(theirs),
            samples=ours,
            anchor_samples=theirs,
            max_ratio=1.05,
            target="ratio at most 1.05 (the work is igraph's; pyreslib adds the conversion "
            "from networkx and the tables)",
        )
    ]

    trials = 1

    def infomap_direct() -> None:
        infomap.run(
            infomap.Network.from_igraph(g, edge_weights="weight"),
            options=infomap.Options(two_level=True, flow_model="undirected", silent=True),
            seed=123,
            num_trials=trials,
        )

    ours, theirs = alternating_samples(
        lambda: community.infomap_partition(G, seed=123, trials=trials),
        infomap_direct,
        repeats=infomap_repeats,
    )
    modules = community.infomap_partition(G, seed=123, trials=trials).num_modules
    results.append(
        Measurement(
            name=f"Infomap, {n:,} nodes",
            what=f"community.infomap_partition(G, trials={trials}) (two-level, undirected, "
            "weighted), modularity and tables included",
            anchor="infomap.run on Network.from_igraph(g, edge_weights='weight'), same options",
            seconds=statistics.median(ours),
            anchor_seconds=statistics.median(theirs),
            samples=ours,
            anchor_samples=theirs,
            target="none named by an issue: the row shows what pyreslib adds to Infomap itself "
            "(the conversion from networkx, modularity, the module tables)",
            extra={"modules found": str(modules)},
        )
    )
    return results
