r"""Robustness of stage networks under random failure and targeted attack (method.md, 5).

Resilience measured by what the network survives.  Cities are removed one at a time, either at
random (failure) or by a targeted attack on the highest degree or betweenness (recomputed on
the remaining network after every removal unless ``recalculate=False``).  After removing
:math:`Q` of the :math:`N` cities the curve records the share of the *original* cities in the
largest connected component, :math:`s(q)` with :math:`q = Q/N`, and the robustness index is

.. math:: R = \frac{1}{N}\sum_{Q=1}^{N} s(Q/N)

(Schneider, Moreira, Andrade, Havlin & Herrmann 2011, "Mitigation of malicious attacks on
networks", PNAS 108(10), 3838-3841).  :math:`R \in [0, 1/2)`: a complete graph reaches
:math:`(N-1)/(2N)`, a star under attack :math:`(N-1)/N^2`.

Giant-component sizes along a removal order are computed by adding the nodes back in reverse
order with a union-find structure (Newman & Ziff 2000), O(N + M) per order instead of one
component search per step.

Seeds: every random choice (the failure order, and the order among cities tied on degree or
betweenness in an attack) comes from ``numpy.random.default_rng(seed)``, so a run repeats
exactly.  Random failure averages ``repeats`` independent orders; an attack is one order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.errors import InputError
from pyreslib.metrics import _convert

__all__ = [
    "STRATEGIES",
    "RobustnessResult",
    "attack_order",
    "giant_component_sizes",
    "robustness_curve",
    "robustness_index",
    "robustness_index_of_curve",
    "stage_robustness",
]

STRATEGIES = ("random", "degree", "betweenness")


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; use one of {list(STRATEGIES)}.")


def attack_order(
    g: ig.Graph, strategy: str, *, rng: np.random.Generator, recalculate: bool = True
) -> np.ndarray:
    """Vertex indices of ``g`` in the order they are removed.

    ``"random"``: a uniform random permutation.  ``"degree"`` / ``"betweenness"``: the
    vertex with the highest current value first; with ``recalculate`` the value is recomputed on
    the remaining graph after each removal (adaptive attack), otherwise the initial values are
    used.  Ties are broken by a random priority drawn from ``rng``.
    """
    _check_strategy(strategy)
    n = g.vcount()
    if strategy == "random":
        return rng.permutation(n)
    tie_priority = rng.permutation(n)  # larger wins among equal values

    def values(graph: ig.Graph) -> np.ndarray:
        if strategy == "degree":
            return np.asarray(graph.degree(), dtype=float)
        return np.asarray(graph.betweenness(directed=False), dtype=float)

    if not recalculate:
        # sort by value (desc), then tie priority (desc); round so float noise cannot split ties
        v = np.round(values(g), 9)
        return np.lexsort((-tie_priority, -v))
    if strategy == "degree":
        # degrees change only at the neighbours of the removed vertex: update them in place
        degree = np.asarray(g.degree(), dtype=np.int64)
        alive = np.ones(n, dtype=bool)
        adjacency = g.get_adjlist()
        order = np.empty(n, dtype=np.int64)
        key = degree * n + tie_priority  # degree first, priority breaks ties
        for step in range(n):
            masked = np.where(alive, key, -1)
            v = int(np.argmax(masked))
            order[step] = v
            alive[v] = False
            for u in adjacency[v]:
                if alive[u]:
                    key[u] -= n
        return order
    remaining = list(range(n))
    order = []
    sub = g.copy()
    while remaining:
        b = np.round(values(sub), 9)
        pick = np.lexsort((tie_priority[remaining], b))[-1]
        order.append(remaining.pop(pick))
        sub.delete_vertices(int(pick))
    return np.asarray(order, dtype=np.int64)


def giant_component_sizes(g: ig.Graph, order: Sequence[int]) -> np.ndarray:
    """Largest component size after removing the first Q vertices of ``order``, Q = 0..N.

    Union-find, adding the vertices back in reverse order (Newman & Ziff 2000, Phys. Rev. Lett.
    85, 4104).  Entry Q is the size with ``order[Q:]`` present; entry N is 0.
    """
    n = g.vcount()
    order = np.asarray(order)
    if sorted(order.tolist()) != list(range(n)):
        raise InputError("order must be a permutation of the vertex indices 0..N-1.")
    parent = list(range(n))
    size = [1] * n
    present = [False] * n
    adjacency = g.get_adjlist()

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    sizes = np.zeros(n + 1, dtype=np.int64)
    largest = 0
    for q in range(n - 1, -1, -1):
        v = int(order[q])
        present[v] = True
        for u in adjacency[v]:
            if present[u]:
                ru, rv = find(u), find(v)
                if ru != rv:
                    if size[ru] < size[rv]:
                        ru, rv = rv, ru
                    parent[rv] = ru
                    size[ru] += size[rv]
        root_size = size[find(v)]
        largest = max(largest, root_size)
        sizes[q] = largest
    return sizes


def robustness_curve(
    G: nx.Graph,
    *,
    strategy: str = "random",
    repeats: int = 100,
    seed: int = 0,
    recalculate: bool = True,
) -> pd.DataFrame:
    """Giant-component share s after removing a fraction q of the cities.

    Columns: ``removed`` (Q = 0..N), ``q`` (Q/N), ``s`` (largest component / original N; the
    mean over ``repeats`` random orders for ``"random"``), ``s_std`` (standard deviation over
    the repeats; 0 for an attack).  See the module docstring for the strategies and seeds.
    """
    _check_strategy(strategy)
    if repeats < 1:
        raise InputError(f"repeats must be at least 1, got {repeats}.")
    conv = _convert(G)
    g = conv.graph
    n = g.vcount()
    if n == 0:
        raise InputError("the network has no nodes; a robustness curve needs at least one.")
    rng = np.random.default_rng(seed)
    runs = repeats if strategy == "random" else 1
    shares = np.empty((runs, n + 1))
    for r in range(runs):
        order = attack_order(g, strategy, rng=rng, recalculate=recalculate)
        shares[r] = giant_component_sizes(g, order) / n
    removed = np.arange(n + 1)
    curve = pd.DataFrame(
        {
            "removed": removed,
            "q": removed / n,
            "s": shares.mean(axis=0),
            "s_std": shares.std(axis=0) if runs > 1 else np.zeros(n + 1),
        }
    )
    curve.attrs.update(strategy=strategy, repeats=runs, seed=seed, recalculate=recalculate)
    return curve


def robustness_index_of_curve(curve: pd.DataFrame) -> float:
    """R = (1/N) sum_{Q=1..N} s(Q/N) of a curve from :func:`robustness_curve`."""
    n = int(curve["removed"].max())
    if n < 1:
        raise InputError("the curve has no removal steps.")
    return float(curve.loc[curve["removed"] >= 1, "s"].sum() / n)


def robustness_index(
    G: nx.Graph,
    *,
    strategy: str = "random",
    repeats: int = 100,
    seed: int = 0,
    recalculate: bool = True,
) -> float:
    """Schneider et al. (2011) robustness R of ``G`` under ``strategy`` (module docstring)."""
    curve = robustness_curve(
        G, strategy=strategy, repeats=repeats, seed=seed, recalculate=recalculate
    )
    return robustness_index_of_curve(curve)


@dataclass(frozen=True)
class RobustnessResult:
    """Robustness of every stage: ``curves`` (long: stage, strategy, removed, q, s, s_std) and
    ``index`` (R, one row per stage, one column per strategy)."""

    curves: pd.DataFrame
    index: pd.DataFrame
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.index

    def __repr__(self) -> str:
        return f"<RobustnessResult R=\n{self.index.round(4).to_string()}>"


def stage_robustness(
    networks: Mapping[str, nx.Graph],
    *,
    strategies: Sequence[str] = STRATEGIES,
    repeats: int = 100,
    seed: int = 0,
    recalculate: bool = True,
) -> RobustnessResult:
    """Curves and R of every stage under every strategy, all from the same ``seed``."""
    if not isinstance(networks, Mapping) or not networks:
        raise InputError("networks must be a non-empty dict mapping stage labels to graphs.")
    for strategy in strategies:
        _check_strategy(strategy)
    frames, rows = [], {}
    for stage, G in networks.items():
        rows[stage] = {}
        for strategy in strategies:
            curve = robustness_curve(
                G, strategy=strategy, repeats=repeats, seed=seed, recalculate=recalculate
            )
            rows[stage][strategy] = robustness_index_of_curve(curve)
            curve.insert(0, "strategy", strategy)
            curve.insert(0, "stage", stage)
            frames.append(curve)
    index = pd.DataFrame(rows).T[list(strategies)]
    index.index = pd.Index(list(rows), name="stage", dtype=object)
    index.columns.name = "strategy"
    return RobustnessResult(
        curves=pd.concat(frames, ignore_index=True),
        index=index.astype(float),
        options={"repeats": repeats, "seed": seed, "recalculate": recalculate},
    )
