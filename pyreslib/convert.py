"""Check a stage network and convert it to igraph, for the analysis modules.

The indicators (:mod:`pyreslib.metrics`), centralities (:mod:`pyreslib.centrality`), degree
distribution (:mod:`pyreslib.degree_distribution`), Infomap modules (:mod:`pyreslib.community`)
and robustness curves (:mod:`pyreslib.robustness`) all take a stage network as
:mod:`pyreslib.network` builds it: a :class:`networkx.Graph` whose nodes are city codes and
whose edges carry an integer ``weight`` (the number of joint patents of the pair).  They do
their work in igraph's C core; this module is the one place where such a graph is checked and
converted, once per call, and where a weight becomes a length for the weighted path variants.

A network is refused (:class:`~pyreslib.errors.InputError`) when it is directed, a multigraph,
has a self-loop (a city's own collaborations belong in the node attribute ``internal``) or has
an edge weight that is not a positive finite number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import igraph as ig
import networkx as nx
import numpy as np

from pyreslib.errors import InputError

__all__ = ["Distance", "to_igraph"]

#: A function turning the array of edge weights into the array of edge lengths (all > 0).
Distance = Callable[[np.ndarray], np.ndarray]


def _inverse_weight(weights: np.ndarray) -> np.ndarray:
    """The default length of an edge, ``1 / weight``: a stronger tie is a shorter link."""
    return 1.0 / weights


@dataclass(frozen=True)
class _Converted:
    """An igraph copy of a networkx graph plus what is needed to map results back."""

    graph: ig.Graph
    nodes: list  # networkx node of igraph vertex i
    weights: np.ndarray  # edge weights in igraph edge order (1.0 where absent)


def to_igraph(G: nx.Graph, *, weight: str = "weight") -> tuple[ig.Graph, list]:
    """Convert a stage network to an undirected igraph graph, checking it first.

    Vertex ``i`` of the igraph graph is ``nodes[i]``, in the networkx node order; every edge
    carries the attribute ``"weight"``, read from the networkx edge attribute ``weight`` (1.0
    where an edge has no such attribute).

    Parameters
    ----------
    G : networkx.Graph
        A simple undirected graph without self-loops, such as a stage network of
        :mod:`pyreslib.network`.
    weight : str, optional (default="weight")
        Name of the networkx edge attribute that holds the collaboration count.

    Returns
    -------
    graph : igraph.Graph
        The undirected igraph copy, with the edge attribute ``"weight"`` (floats).
    nodes : list
        The networkx node of each igraph vertex: ``nodes[i]`` is vertex ``i``.

    Raises
    ------
    InputError
        If ``G`` is not a networkx graph, is directed or a multigraph, has a self-loop, or has
        an edge weight that is non-numeric, zero, negative or not finite.  The message names
        the offending edge and says how to fix it.

    See Also
    --------
    pyreslib.metrics.network_indicators, pyreslib.centrality.node_centralities

    Notes
    -----
    Zero weights are refused rather than dropped: a pair with no collaboration is not an edge,
    and an edge of weight 0 would have the infinite length 1/0 in the weighted variants.

    References
    ----------
    .. [1] Csárdi, G. & Nepusz, T. (2006). The igraph software package for complex network
       research. InterJournal, Complex Systems 1695. https://igraph.org

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.convert import to_igraph
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([(110000, 120000, 12), (110000, 310000, 9)])
    >>> graph, nodes = to_igraph(G)
    >>> nodes
    [110000, 120000, 310000]
    >>> graph.get_edgelist(), graph.es["weight"]
    ([(0, 1), (0, 2)], [12.0, 9.0])

    A self-loop is refused with a remedy:

    >>> G.add_edge(110000, 110000, weight=3)
    >>> to_igraph(G)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pyreslib.errors.InputError: the network has 1 self-loop(s) (e.g. at node 110000); ...
    """
    conv = _convert(G, weight=weight)
    return conv.graph, conv.nodes


def _convert(G: nx.Graph, *, weight: str = "weight") -> _Converted:
    """:func:`to_igraph`, keeping the edge weights as an array for the callers' formulas."""
    if not isinstance(G, nx.Graph):
        raise InputError(
            f"expected a networkx.Graph (a stage network), got {type(G).__name__}; build it with "
            "pyreslib.network or networkx."
        )
    if G.is_directed() or G.is_multigraph():
        raise InputError(
            f"the network must be a simple undirected networkx.Graph, got {type(G).__name__}; "
            "convert it with nx.Graph(G) (parallel edges: sum their weights first)."
        )
    loops = nx.number_of_selfloops(G)
    if loops:
        raise InputError(
            f"the network has {loops} self-loop(s) "
            f"(e.g. at node {next(nx.nodes_with_selfloops(G))!r}); "
            "a city's own collaborations belong in the node attribute 'internal', not in an edge. "
            "Remove them with G.remove_edges_from(nx.selfloop_edges(G))."
        )
    nodes = list(G.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    triples = list(G.edges(data=weight, default=1))
    edges = [(index[u], index[v]) for u, v, _ in triples]
    try:
        weights = np.fromiter((w for _, _, w in triples), dtype=float, count=len(triples))
    except (TypeError, ValueError):
        weights = None
    if weights is None or not (np.all(weights > 0) and np.all(np.isfinite(weights))):
        _raise_bad_weight(triples, weight)
    graph = ig.Graph(n=len(nodes), edges=edges, directed=False)
    graph.es["weight"] = weights.tolist()
    return _Converted(graph, nodes, weights)


def _raise_bad_weight(triples: list, weight: str) -> None:
    for u, v, w in triples:
        try:
            value = float(w)
        except (TypeError, ValueError):
            raise InputError(
                f"edge ({u!r}, {v!r}) has a non-numeric {weight!r} attribute {w!r}; "
                "weights must be positive numbers (collaboration counts)."
            ) from None
        if not value > 0 or not math.isfinite(value):
            raise InputError(
                f"edge ({u!r}, {v!r}) has {weight!r} = {w!r}; weights must be positive and finite. "
                "Drop edges of weight 0 before computing indicators."
            )


def _distances(conv: _Converted, weighted: bool, distance: Distance) -> list[float] | None:
    """Edge lengths for igraph's path routines: None (every edge 1) unless ``weighted``."""
    if not weighted:
        return None
    d = np.asarray(distance(conv.weights), dtype=float)
    if d.shape != conv.weights.shape or not np.all(d > 0) or not np.all(np.isfinite(d)):
        raise InputError(
            "distance(weights) must return one positive finite length per edge; check the "
            "'distance' argument."
        )
    return d.tolist()


def _check_networks(networks: Mapping[str, nx.Graph]) -> None:
    """Refuse anything but a non-empty mapping stage label -> network."""
    if not isinstance(networks, Mapping) or not networks:
        raise InputError(
            "networks must be a non-empty dict mapping stage labels (e.g. '2011-2014') to "
            f"networkx graphs, got {type(networks).__name__}."
        )
