r"""Robustness of stage networks under random failure and targeted attack (method.md, 5).

Load-capacity cascades, the step after one removal, are :mod:`pyreslib.cascade`.

**Removal curves.**  Cities are removed one at a time, either at random (failure) or by a
targeted attack on the highest degree or betweenness (recomputed on the remaining network
after every removal unless ``recalculate=False``).  After removing :math:`Q` of the :math:`N`
cities the curve records the share of the *original* cities in the largest connected
component, :math:`s(q)` with :math:`q = Q/N`, and the robustness index is

.. math:: R = \frac{1}{N}\sum_{Q=1}^{N} s(Q/N)

(Schneider, Moreira, Andrade, Havlin & Herrmann 2011).  :math:`R \in [0, 1/2)`: a complete
graph reaches :math:`(N-1)/(2N)`, a star under attack :math:`(N-1)/N^2`.  Giant-component
sizes along a removal order come from adding the nodes back in reverse order with a
union-find structure (Newman & Ziff 2000), O(N + M) per order.

Seeds: every random choice (a failure order, the order among cities tied on degree or
betweenness) comes from ``numpy.random.default_rng``, so a run repeats exactly.

References
----------
.. [1] Schneider, C. M., Moreira, A. A., Andrade, J. S., Havlin, S. & Herrmann, H. J. (2011).
   Mitigation of malicious attacks on networks. PNAS 108(10), 3838-3841.
.. [2] Newman, M. E. J. & Ziff, R. M. (2000). Efficient Monte Carlo algorithm and
   high-precision results for percolation. Phys. Rev. Lett. 85, 4104-4107.
"""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import _convert
from pyreslib.errors import InputError

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
"""Removal strategies of :func:`robustness_curve`."""


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; use one of {list(STRATEGIES)}.")


def top_order(values: np.ndarray, tie_priority: np.ndarray) -> np.ndarray:
    """Indices by value (desc), ties by priority (desc); rounded so float noise cannot split
    ties."""
    return np.lexsort((-tie_priority, -np.round(values, 9)))


def attack_order(
    g: ig.Graph, strategy: str, *, rng: np.random.Generator, recalculate: bool = True
) -> np.ndarray:
    """Vertex indices of ``g`` in the order a strategy removes them.

    Parameters
    ----------
    g : igraph.Graph
        Undirected graph (e.g. from :func:`pyreslib.convert.to_igraph`).
    strategy : {"random", "degree", "betweenness"}
        ``"random"``: a uniform random permutation.  ``"degree"`` / ``"betweenness"``: the
        vertex with the highest value first.
    rng : numpy.random.Generator
        Source of the permutation and of the random priority that breaks ties (the larger
        priority goes first).
    recalculate : bool, default True
        Recompute the value on the remaining graph after each removal (adaptive attack);
        otherwise rank by the values on the intact graph.

    Returns
    -------
    numpy.ndarray
        A permutation of ``0 .. g.vcount() - 1``.

    References
    ----------
    .. [1] Holme, P., Kim, B. J., Yoon, C. N. & Han, S. K. (2002). Attack vulnerability of
       complex networks. Phys. Rev. E 65, 056109.

    Examples
    --------
    >>> import igraph as ig, numpy as np
    >>> star = ig.Graph.Star(5)  # hub 0
    >>> int(attack_order(star, "degree", rng=np.random.default_rng(0))[0])
    0
    >>> sorted(attack_order(star, "random", rng=np.random.default_rng(0)).tolist())
    [0, 1, 2, 3, 4]
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
        return top_order(values(g), tie_priority)
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

    Parameters
    ----------
    g : igraph.Graph
        Undirected graph.
    order : sequence of int
        A permutation of the vertex indices (e.g. from :func:`attack_order`).

    Returns
    -------
    numpy.ndarray
        ``N + 1`` integers: entry Q is the largest component with ``order[Q:]`` present;
        entry N is 0.  Computed by adding the vertices back in reverse order with union-find.

    References
    ----------
    .. [1] Newman, M. E. J. & Ziff, R. M. (2000). Phys. Rev. Lett. 85, 4104-4107.

    Examples
    --------
    >>> import igraph as ig
    >>> giant_component_sizes(ig.Graph.Ring(4, circular=False), [1, 0, 2, 3]).tolist()
    [4, 2, 2, 1, 0]
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

    Parameters
    ----------
    G : networkx.Graph
        A stage network.
    strategy : {"random", "degree", "betweenness"}, default "random"
        See :func:`attack_order`.
    repeats : int, default 100
        Random orders averaged for ``"random"`` (an attack is one order).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    recalculate : bool, default True
        Adaptive attack (values recomputed after every removal).

    Returns
    -------
    pandas.DataFrame
        Columns ``removed`` (Q = 0..N), ``q`` (Q/N), ``s`` (largest component / original N,
        the mean over the repeats) and ``s_std`` (standard deviation over the repeats, ddof 0;
        0 for an attack); ``attrs`` holds the options.

    References
    ----------
    .. [1] Schneider, C. M. et al. (2011). PNAS 108(10), 3838-3841.

    Examples
    --------
    >>> import networkx as nx
    >>> curve = robustness_curve(nx.star_graph(3), strategy="degree")
    >>> curve["s"].tolist()
    [1.0, 0.25, 0.25, 0.25, 0.0]
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
    r"""The robustness :math:`R = \frac1N \sum_{Q=1}^{N} s(Q/N)` of a removal curve.

    Parameters
    ----------
    curve : pandas.DataFrame
        A curve from :func:`robustness_curve` (columns ``removed`` and ``s``).

    Returns
    -------
    float
        R, in [0, 1/2).

    References
    ----------
    .. [1] Schneider, C. M. et al. (2011). PNAS 108(10), 3838-3841.

    Examples
    --------
    >>> import networkx as nx
    >>> robustness_index_of_curve(robustness_curve(nx.star_graph(3), strategy="degree"))
    0.1875
    """
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
    r"""Schneider et al. (2011) robustness R of ``G`` under ``strategy``.

    Parameters
    ----------
    G, strategy, repeats, seed, recalculate
        As for :func:`robustness_curve`.

    Returns
    -------
    float
        :math:`R = \frac1N \sum_{Q=1}^{N} s(Q/N)`; :math:`(N-1)/(2N)` for a complete graph.

    References
    ----------
    .. [1] Schneider, C. M. et al. (2011). PNAS 108(10), 3838-3841.

    Examples
    --------
    >>> import networkx as nx
    >>> robustness_index(nx.complete_graph(4), strategy="degree")
    0.375
    """
    curve = robustness_curve(
        G, strategy=strategy, repeats=repeats, seed=seed, recalculate=recalculate
    )
    return robustness_index_of_curve(curve)


@dataclass(frozen=True)
class RobustnessResult:
    """Robustness of every stage, from :func:`stage_robustness`.

    Attributes
    ----------
    curves : pandas.DataFrame
        Long: ``stage, strategy, removed, q, s, s_std``.
    index : pandas.DataFrame
        R, one row per stage, one column per strategy.
    options : dict
        ``repeats``, ``seed``, ``recalculate``.
    """

    curves: pd.DataFrame
    index: pd.DataFrame
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The R table (``index``)."""
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
    """Curves and R of every stage under every strategy, all from the same ``seed``.

    Parameters
    ----------
    networks : mapping of str to networkx.Graph
        Stage label -> stage network.
    strategies : sequence of str, default :data:`STRATEGIES`
        Strategies to run.
    repeats, seed, recalculate
        As for :func:`robustness_curve`.

    Returns
    -------
    RobustnessResult

    References
    ----------
    .. [1] Schneider, C. M. et al. (2011). PNAS 108(10), 3838-3841.

    Examples
    --------
    >>> import networkx as nx
    >>> result = stage_robustness({"2011-2014": nx.complete_graph(4)}, strategies=["degree"])
    >>> float(result.index.loc["2011-2014", "degree"])
    0.375
    """
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
