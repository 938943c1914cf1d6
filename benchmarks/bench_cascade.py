"""Motter-Lai cascades (issue 26) against igraph doing the same betweenness recomputations.

Two networks:

- the demo's largest stage (257 cities, 2018-2021), with the full curve the main job would
  draw: every trigger (top degree, top betweenness, 50 random cities), 21 alphas 0..1,
  efficiency included.  The anchor runs the same cascades with igraph called directly, one
  (trigger city, alpha) at a time, recomputing betweenness on the remaining graph every round
  as one writes it by hand; pyreslib computes the loads of a given set of failed cities once
  and shares it between alphas (their first rounds coincide), so the ratio shows that saving;
- 20,000 nodes of average degree 8 (Barabasi-Albert, 4 links per new node, seed 42, the graph
  of bench_metrics), one cascade from the top-betweenness city at alpha 0.5, without the
  efficiency pass: there is nothing to share, so pyreslib and the anchor do the same igraph
  betweenness passes and the ratio measures what pyreslib adds (conversion from networkx,
  subgraphs, tables).

Both check that the anchor's cascades fail the same cities in the same rounds.
Usage: ``python benchmarks/run.py --only bench_cascade [--quick]``.
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Measurement, alternating_samples

from pyreslib import cascade
from pyreslib.cascade import OVERLOAD_RTOL
from pyreslib.convert import to_igraph


def _demo_largest_stage() -> nx.Graph:
    from pyreslib import datasets, ingest

    patents, _ = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    return max(networks.values(), key=nx.number_of_nodes)


def _barabasi(n: int, links_per_node: int = 4, seed: int = 42) -> tuple[nx.Graph, ig.Graph]:
    random.seed(seed)  # igraph draws from Python's random module: the same graph every run
    g = ig.Graph.Barabasi(n, links_per_node, directed=False)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(g.get_edgelist())
    return G, g


def _igraph_cascade(g: ig.Graph, initial: np.ndarray, start: int, alpha: float,
                    efficiency: bool) -> tuple[list[list[int]], int]:
    """One cascade written directly on igraph: (rounds, betweenness passes)."""
    capacity = (1.0 + alpha) * initial * (1.0 + OVERLOAD_RTOL)
    alive = np.ones(g.vcount(), dtype=bool)
    alive[start] = False
    rounds, passes = [[start]], 0
    while True:
        kept = np.flatnonzero(alive)
        loads = np.asarray(g.induced_subgraph(kept.tolist()).betweenness(directed=False))
        passes += 1
        over = kept[loads > capacity[kept]]
        if over.size == 0:
            break
        rounds.append(over.tolist())
        alive[over] = False
    final = g.induced_subgraph(np.flatnonzero(alive).tolist())
    max(final.connected_components().sizes(), default=0)
    if efficiency:
        final.harmonic_centrality(normalized=False)
    return rounds, passes


def _anchor(g: ig.Graph, starts: list[int], alphas: list[float], efficiency: bool):
    initial = np.asarray(g.betweenness(directed=False))
    if efficiency:
        g.harmonic_centrality(normalized=False)
    found, passes = {}, 1
    for start in starts:
        for alpha in alphas:
            found[start, alpha], p = _igraph_cascade(g, initial, start, alpha, efficiency)
            passes += p
    return found, passes


def _same_rounds(result: cascade.CascadeResult, found: dict, index: dict) -> bool:
    for (_, _, _, alpha), c in result.cascades.items():
        ours = [sorted(index[v] for v in rnd) for rnd in c.rounds]
        if ours != [sorted(r) for r in found[index[c.trigger], alpha]]:
            return False
    return True


def _shared_passes(result: cascade.CascadeResult) -> int:
    """Betweenness passes pyreslib made: the intact network plus each distinct set of failed
    cities a cascade reached (the loads of a set are computed once)."""
    seen = set()
    for c in result.cascades.values():
        dead: frozenset = frozenset()
        for rnd in c.rounds:
            dead = dead | frozenset(rnd)
            seen.add(dead)
    return 1 + len(seen)


def _measure(name, G, g, options, repeats, what, anchor_text, max_ratio=None, target=""):
    alphas = sorted(float(a) for a in options["alphas"])
    last: dict = {}

    def ours() -> None:
        last["ours"] = cascade.stage_cascades({name: G}, **options)

    def theirs() -> None:
        # the trigger cities are pyreslib's seeded choice (alternating_samples runs pyreslib
        # first); the anchor is handed the same ones
        starts = sorted(set(_starts(last["ours"], G)))
        last["anchor"] = _anchor(g, starts, alphas, options["efficiency"])

    ours_s, theirs_s = alternating_samples(ours, theirs, repeats=repeats)
    result, (found, anchor_passes) = last["ours"], last["anchor"]
    starts = sorted(set(_starts(result, G)))
    index = {v: i for i, v in enumerate(G.nodes)}
    n_triggers = len(result.cascades) // len(alphas)
    return Measurement(
        name=name,
        what=what,
        anchor=anchor_text,
        seconds=statistics.median(ours_s),
        anchor_seconds=statistics.median(theirs_s),
        samples=ours_s,
        anchor_samples=theirs_s,
        max_ratio=max_ratio,
        target=target or "none named by the issue",
        extra={
            "cascades": f"{len(result.cascades):,} ({n_triggers} triggers x {len(alphas)} alphas;"
                        f" {len(starts)} distinct trigger cities)",
            "betweenness passes": f"pyreslib {_shared_passes(result):,}, anchor {anchor_passes:,}",
            "same failures, round by round, as the anchor": str(_same_rounds(result, found, index)),
            "largest cascade": f"{int(result.curves['failed_count'].max()):,} cities in "
                               f"{int(result.curves['rounds'].max())} rounds",
        },
    )


def _starts(result: cascade.CascadeResult, G: nx.Graph) -> list[int]:
    index = {v: i for i, v in enumerate(G.nodes)}
    return [index[c.trigger] for c in result.cascades.values()]


def run(quick: bool) -> list[Measurement]:
    stage = _demo_largest_stage()
    random_triggers = 20 if quick else 50
    stage_options = {"alphas": cascade.DEFAULT_ALPHAS, "triggers": cascade.TRIGGERS,
                     "repeats": random_triggers, "seed": 0, "efficiency": True}
    g_stage, _ = to_igraph(stage)
    results = [
        _measure(
            f"cascade curves, demo stage of {stage.number_of_nodes()} cities",
            stage, g_stage, stage_options, repeats=3 if quick else 5,
            what=(f"cascade.stage_cascades on the demo's largest stage ({stage.number_of_nodes()}"
                  f" cities, {stage.number_of_edges():,} links): triggers top degree, top "
                  f"betweenness and {random_triggers} random cities, 21 alphas 0..1, giant share "
                  "and efficiency (conversion from networkx and the tables included)"),
            anchor_text=("igraph called directly: for each of the same trigger cities and "
                         "alphas, betweenness of the remaining graph every round until no city "
                         "fails, then components and harmonic centrality"),
        )
    ]
    n = 2_000 if quick else 20_000
    G, g = _barabasi(n)
    big_options = {"alphas": [0.5], "triggers": ["betweenness"], "seed": 0, "efficiency": False}
    results.append(
        _measure(
            f"one cascade, {n:,} nodes", G, g, big_options, repeats=3,
            what=(f"cascade.stage_cascades, top-betweenness trigger, alpha 0.5, on a networkx "
                  f"Barabasi-Albert graph of {n:,} nodes, average degree "
                  f"{2 * g.ecount() / n:.2f} (efficiency off; conversion included)"),
            anchor_text=("igraph called directly on a ready igraph graph: initial betweenness, "
                         "then betweenness of the remaining graph every round until no city "
                         "fails, then components"),
            max_ratio=1.05,
            target="ratio at most 1.05: both make the same igraph betweenness passes",
        )
    )
    return results


if __name__ == "__main__":
    for m in run(quick="--quick" in sys.argv):
        print("\n".join(m.to_markdown()))
