"""Network-level indicators and node-level centralities of stage networks (docs/method.md, 2, 4).

Every function takes a stage network as :mod:`pyreslib.network` builds it: a
:class:`networkx.Graph` whose nodes are city codes and whose edges carry an integer ``weight``
(the number of joint patents of the pair).  The work is done by igraph's C core (the graph is
converted once per call); the tests check every number against networkx or a hand calculation.

Binary by default.  Following docs/method.md (section 4), path lengths, clustering, hierarchy and
assortativity use the *binary* network (a path's length counts its edges) unless
``weighted=True``.  The weighted variants are:

- path lengths on the distance ``1 / weight`` (a stronger tie is a shorter link; Newman 2001,
  Opsahl et al. 2010), or on any other distance given as ``distance=callable``;
- clustering after Onnela et al. (2005), the geometric-mean definition networkx uses;
- hierarchy and assortativity on strength (the weighted degree) instead of degree.

Conventions (each is a documented parameter or stated here):

- ``avg_path_length`` is the mean over *connected* ordered pairs (pairs in different
  components are left out, and their number is reported as ``unreachable_pairs``);
  ``efficiency`` counts unreachable pairs as 1/d = 0 (Latora & Marchiori 2001), so it needs no
  such exclusion.
- Nodes of degree < 2 have local clustering 0 (Watts & Strogatz 1998 as in networkx).
- Indicators that are undefined on a graph are NaN, never an error: density of fewer than 2
  nodes, assortativity when every node has the same degree (a complete or any regular graph:
  the Pearson correlation is 0/0), slopes with fewer than 2 distinct points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from pyreslib.errors import InputError

__all__ = [
    "NETWORK_INDICATORS",
    "NODE_CENTRALITIES",
    "DegreeDistributionFit",
    "centrality_shares",
    "degree_distribution_fit",
    "describe",
    "network_indicators",
    "node_centralities",
    "stage_centralities",
    "stage_indicators",
    "to_igraph",
]

#: Columns of :func:`network_indicators`, in order.
NETWORK_INDICATORS = (
    "nodes",
    "edges",
    "weight",
    "density",
    "avg_degree",
    "components",
    "giant_share",
    "isolates",
    "avg_path_length",
    "unreachable_pairs",
    "efficiency",
    "avg_clustering",
    "degree_slope",
    "loglog_slope",
    "assortativity",
)

#: Columns of :func:`node_centralities`, in order.
NODE_CENTRALITIES = ("degree", "closeness", "betweenness", "strength")

Distance = Callable[[np.ndarray], np.ndarray]


def _inverse_weight(weights: np.ndarray) -> np.ndarray:
    return 1.0 / weights


# ----------------------------------------------------------------------------------------------
# conversion
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Converted:
    """An igraph copy of a networkx graph plus what is needed to map results back."""

    graph: ig.Graph
    nodes: list  # networkx node of igraph vertex i
    weights: np.ndarray  # edge weights in igraph edge order (1.0 where absent)


def to_igraph(G: nx.Graph, *, weight: str = "weight") -> tuple[ig.Graph, list]:
    """Convert an undirected networkx graph to igraph; returns ``(graph, nodes)``.

    Vertex ``i`` of the igraph graph is ``nodes[i]``; each edge carries ``weight`` (1.0 where the
    networkx edge has no such attribute).  Raises :class:`InputError` for directed graphs,
    multigraphs, self-loops and non-positive or non-numeric weights.
    """
    conv = _convert(G, weight=weight)
    return conv.graph, conv.nodes


def _convert(G: nx.Graph, *, weight: str = "weight") -> _Converted:
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
            f"the network has {loops} self-loop(s) (e.g. at node {next(nx.nodes_with_selfloops(G))!r}); "
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
                f"edge ({u!r}, {v!r}) has a non-numeric {weight!r} attribute {w!r}; weights must be "
                "positive numbers (collaboration counts)."
            ) from None
        if not value > 0 or not math.isfinite(value):
            raise InputError(
                f"edge ({u!r}, {v!r}) has {weight!r} = {w!r}; weights must be positive and finite. "
                "Drop edges of weight 0 before computing indicators."
            )


def _distances(conv: _Converted, weighted: bool, distance: Distance) -> list[float] | None:
    if not weighted:
        return None
    d = np.asarray(distance(conv.weights), dtype=float)
    if d.shape != conv.weights.shape or not np.all(d > 0) or not np.all(np.isfinite(d)):
        raise InputError(
            "distance(weights) must return one positive finite length per edge; check the "
            "'distance' argument."
        )
    return d.tolist()


# ----------------------------------------------------------------------------------------------
# network level
# ----------------------------------------------------------------------------------------------


def _ols_slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares fit y = a + s x; returns (a, s, R^2), NaN when fewer than 2 distinct x."""
    if len(x) < 2 or np.ptp(x) == 0:
        return math.nan, math.nan, math.nan
    s, a = np.polyfit(x, y, 1)
    fitted = a + s * x
    ss_res = float(np.sum((y - fitted) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return float(a), float(s), r2


def rank_size_slope(values: np.ndarray) -> float:
    r"""Hierarchy slope :math:`b` of the rank-size fit :math:`\ln k_{(r)} = a - b \ln r`.

    Nodes are ranked by ``values`` (degree or strength) in decreasing order, rank 1 the
    largest; zero values are left out (their logarithm is undefined; isolates never occur in a
    stage network).  Ordinary least squares.  A larger ``b`` means a steeper, more hierarchical
    network (rank-size rule: Zipf 1949; for city networks e.g. Alderson & Beckfield 2004).
    NaN with fewer than 2 positive values or when all values are equal would give b = 0 exactly.
    """
    k = np.sort(np.asarray(values, dtype=float))[::-1]
    k = k[k > 0]
    if len(k) < 2:
        return math.nan
    r = np.arange(1, len(k) + 1, dtype=float)
    _, s, _ = _ols_slope(np.log(r), np.log(k))
    return -s


def _onnela_clustering(conv: _Converted) -> np.ndarray:
    r"""Weighted local clustering of Onnela et al. (2005), as networkx computes it.

    .. math:: c_i = \frac{1}{k_i (k_i - 1)} \sum_{j,h} (\hat w_{ij} \hat w_{ih} \hat w_{jh})^{1/3},
       \qquad \hat w = w / \max w

    Computed as the diagonal of :math:`\hat W^{1/3}` cubed with sparse matrices.
    Onnela, Saramäki, Kertész & Kaski (2005), Phys. Rev. E 71, 065103.
    """
    n = conv.graph.vcount()
    if n == 0 or conv.graph.ecount() == 0:
        return np.zeros(n)
    edges = np.asarray(conv.graph.get_edgelist(), dtype=np.int64)
    cube_root = np.cbrt(conv.weights / conv.weights.max())
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    W = sparse.csr_matrix((np.concatenate([cube_root, cube_root]), (rows, cols)), shape=(n, n))
    triangles = np.asarray((W @ W).multiply(W).sum(axis=1)).ravel()
    k = np.asarray(conv.graph.degree(), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(k >= 2, triangles / (k * (k - 1)), 0.0)
    return c


def network_indicators(
    G: nx.Graph, *, weighted: bool = False, distance: Distance = _inverse_weight
) -> pd.Series:
    r"""Every network-level indicator of docs/method.md, section 2, for one stage network.

    Returns a Series with:

    - ``nodes`` N, ``edges`` M, ``weight`` W (sum of edge weights: cross-city collaborations);
    - ``density`` :math:`2M / (N(N-1))`; ``avg_degree`` :math:`2M/N`;
    - ``components`` (connected components, isolates included), ``giant_share`` (largest
      component's nodes / N), ``isolates``;
    - transmissibility: ``avg_path_length``
      :math:`L = \frac{1}{|P|}\sum_{(i,j)\in P} d_{ij}` over the set P of ordered connected pairs
      (``unreachable_pairs`` counts the unordered pairs left out), and global efficiency
      :math:`E = \frac{1}{N(N-1)}\sum_{i \ne j} 1/d_{ij}` (Latora & Marchiori 2001, Phys. Rev.
      Lett. 87, 198701), with 1/d = 0 for unreachable pairs;
    - clustering: ``avg_clustering`` :math:`\bar c = \frac1N\sum_i \frac{2 t_i}{k_i(k_i-1)}`, with
      :math:`c_i = 0` where :math:`k_i < 2` (Watts & Strogatz 1998, Nature 393, 440);
    - hierarchy: ``degree_slope`` b of :math:`\ln k_{(r)} = a - b\ln r` (see
      :func:`rank_size_slope`) and ``loglog_slope``, the OLS slope of :math:`\ln P(k)` on
      :math:`\ln k` (see :func:`degree_distribution_fit`; typically negative, -gamma);
    - matching: ``assortativity`` r, Newman's (2002, Phys. Rev. Lett. 89, 208701) Pearson
      correlation of the degrees at either end of an edge.

    ``weighted=True`` switches to the weighted variants described in the module docstring
    (``distance`` turns a weight into a length; default 1/weight).
    """
    conv = _convert(G)
    dist = _distances(conv, weighted, distance)
    return _indicators(G, conv, weighted, dist, _closeness_pass(conv, dist))


@dataclass(frozen=True)
class _ClosenessPass:
    """One all-pairs shortest-path pass (igraph closeness) and what derives from it."""

    reach: np.ndarray  # n_i: size of i's component, i included
    closeness_reachable: np.ndarray  # (n_i - 1) / sum_j d_ij over reachable j; 0 for isolates
    distance_sums: np.ndarray  # sum_j d_ij over reachable j


def _closeness_pass(conv: _Converted, dist: list[float] | None) -> _ClosenessPass:
    g = conv.graph
    n = g.vcount()
    if n == 0:
        empty = np.array([], dtype=float)
        return _ClosenessPass(empty, empty, empty)
    membership = np.asarray(g.connected_components().membership, dtype=int)
    reach = np.bincount(membership)[membership].astype(float)
    raw = np.nan_to_num(np.asarray(g.closeness(weights=dist, normalized=True), dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        sums = np.where(raw > 0, (reach - 1) / raw, 0.0)
    return _ClosenessPass(reach, raw, sums)


def _indicators(
    G: nx.Graph,
    conv: _Converted,
    weighted: bool,
    dist: list[float] | None,
    paths: _ClosenessPass,
) -> pd.Series:
    g = conv.graph
    n, m = g.vcount(), g.ecount()
    out: dict[str, float] = {
        "nodes": n,
        "edges": m,
        "weight": float(conv.weights.sum()),
        "density": 2 * m / (n * (n - 1)) if n >= 2 else math.nan,
        "avg_degree": 2 * m / n if n else math.nan,
    }
    sizes = np.asarray(g.connected_components().sizes()) if n else np.array([], dtype=int)
    out["components"] = len(sizes)
    out["giant_share"] = sizes.max() / n if n else math.nan
    degrees = np.asarray(g.degree(), dtype=float)
    out["isolates"] = int(np.sum(degrees == 0))
    connected_ordered_pairs = float(np.sum(sizes * (sizes - 1)))
    out["unreachable_pairs"] = int((n * (n - 1) - connected_ordered_pairs) / 2)
    if connected_ordered_pairs > 0:
        # closeness already summed every node's distances to the nodes it reaches:
        # L = sum_i sum_j d_ij / sum_i (n_i - 1), with no second all-pairs pass
        out["avg_path_length"] = float(paths.distance_sums.sum() / np.sum(paths.reach - 1))
    else:
        out["avg_path_length"] = math.nan
    if n >= 2:
        # Mean of the normalised harmonic centralities = (1/(N(N-1))) sum_{i != j} 1/d_ij.
        harmonic = g.harmonic_centrality(weights=dist, normalized=True)
        out["efficiency"] = float(np.mean(harmonic))
    else:
        out["efficiency"] = math.nan
    if weighted:
        clustering = _onnela_clustering(conv)
    else:
        clustering = np.asarray(g.transitivity_local_undirected(mode="zero"), dtype=float)
    out["avg_clustering"] = float(clustering.mean()) if n else math.nan
    size_values = np.asarray(g.strength(weights="weight"), dtype=float) if weighted else degrees
    out["degree_slope"] = rank_size_slope(size_values)
    out["loglog_slope"] = degree_distribution_fit(G, _conv=conv).power_law_slope
    out["assortativity"] = _assortativity(g, size_values)
    return pd.Series(out, name=G.graph.get("stage"), dtype=float)[list(NETWORK_INDICATORS)]


def _assortativity(g: ig.Graph, values: np.ndarray) -> float:
    if g.ecount() == 0:
        return math.nan
    r = g.assortativity(types1=values.tolist(), directed=False)
    return float(r) if r is not None and math.isfinite(r) else math.nan


# ----------------------------------------------------------------------------------------------
# degree distribution
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DegreeDistributionFit:
    r"""Degree distribution of one network with power-law and exponential least-squares lines.

    ``data`` has one row per distinct positive degree k: ``k``, ``count``, ``p`` (share of
    nodes with degree k, or with degree >= k when ``cumulative``), ``power_law`` and
    ``exponential`` (the fitted values of p).  Power law: :math:`\ln p = \ln c + s \ln k`
    (``power_law_slope`` s, usually -gamma); exponential: :math:`\ln p = \ln c + s k`
    (``exponential_slope``).  ``*_r2`` are the R^2 of the fits in log space.  Zero-degree
    nodes cannot enter a log fit; ``zero_degree`` counts them.
    """

    data: pd.DataFrame
    cumulative: bool
    power_law_intercept: float
    power_law_slope: float
    power_law_r2: float
    exponential_intercept: float
    exponential_slope: float
    exponential_r2: float
    zero_degree: int


def degree_distribution_fit(
    G: nx.Graph,
    *,
    cumulative: bool = False,
    weighted: bool = False,
    _conv: _Converted | None = None,
) -> DegreeDistributionFit:
    """Degree distribution and its power-law and exponential fits, for the degree figure.

    ``weighted=True`` uses strength (rounded to integers) instead of degree.
    ``cumulative=True`` fits the complementary cumulative distribution P(K >= k), which is less
    noisy in the tail (Clauset, Shalizi & Newman 2009, SIAM Review 51, 661, who also warn that
    least-squares slopes are not maximum-likelihood exponents: these lines are descriptive).
    """
    conv = _conv if _conv is not None else _convert(G)
    g = conv.graph
    if weighted:
        k_all = np.rint(np.asarray(g.strength(weights="weight"), dtype=float)).astype(int)
    else:
        k_all = np.asarray(g.degree(), dtype=int)
    n = len(k_all)
    positive = k_all[k_all > 0]
    ks, counts = np.unique(positive, return_counts=True)
    if cumulative:
        # share of all nodes with degree >= k
        p = np.array([np.sum(k_all >= k) for k in ks], dtype=float) / n if n else np.array([])
    else:
        p = counts / n if n else counts.astype(float)
    x = ks.astype(float)
    ln_p = np.log(p) if len(p) else p
    a_pl, s_pl, r2_pl = _ols_slope(np.log(x) if len(x) else x, ln_p)
    a_ex, s_ex, r2_ex = _ols_slope(x, ln_p)
    data = pd.DataFrame(
        {
            "k": ks,
            "count": counts,
            "p": p,
            "power_law": np.exp(a_pl + s_pl * np.log(x)) if len(x) else x,
            "exponential": np.exp(a_ex + s_ex * x) if len(x) else x,
        }
    )
    return DegreeDistributionFit(
        data=data,
        cumulative=cumulative,
        power_law_intercept=a_pl,
        power_law_slope=s_pl,
        power_law_r2=r2_pl,
        exponential_intercept=a_ex,
        exponential_slope=s_ex,
        exponential_r2=r2_ex,
        zero_degree=int(n - len(positive)),
    )


# ----------------------------------------------------------------------------------------------
# node level
# ----------------------------------------------------------------------------------------------


def node_centralities(
    G: nx.Graph, *, weighted: bool = False, distance: Distance = _inverse_weight
) -> pd.DataFrame:
    r"""Degree, closeness, betweenness centrality and strength of every node (method.md, 4).

    Indexed by node (name ``node``), in the graph's node order.  Freeman (1978/79, Social
    Networks 1, 215) centralities, normalised to [0, 1]:

    - ``degree`` :math:`k_i / (N-1)`;
    - ``closeness`` with the Wasserman & Faust (1994, eq. 5.5) correction for disconnected graphs,
      :math:`C_i = \frac{n_i - 1}{N - 1}\cdot\frac{n_i - 1}{\sum_{j \in R_i} d_{ij}}` where
      :math:`R_i` are the :math:`n_i - 1` nodes reachable from i (networkx ``wf_improved``);
      0 for an isolate;
    - ``betweenness`` :math:`\sum_{s<t;\, s,t\ne i} \sigma_{st}(i)/\sigma_{st}` divided by
      :math:`(N-1)(N-2)/2` (Brandes 2001, J. Math. Sociol. 25, 163); 0 when N < 3;
    - ``strength`` :math:`s_i = \sum_j w_{ij}` (Barrat et al. 2004, PNAS 101, 3747).

    ``weighted=True`` computes closeness and betweenness on the distance ``distance(weight)``
    (default 1/weight).  Degree and strength do not change.
    """
    conv = _convert(G)
    dist = _distances(conv, weighted, distance)
    return _centralities(conv, dist, _closeness_pass(conv, dist))


def _centralities(
    conv: _Converted, dist: list[float] | None, paths: _ClosenessPass
) -> pd.DataFrame:
    g = conv.graph
    n = g.vcount()
    degree = np.asarray(g.degree(), dtype=float)
    if n >= 2:
        closeness = paths.closeness_reachable * (paths.reach - 1) / (n - 1)
        degree_c = degree / (n - 1)
    else:
        closeness = np.zeros(n)
        degree_c = np.zeros(n)
    if n >= 3:
        betweenness = np.asarray(g.betweenness(directed=False, weights=dist), dtype=float)
        betweenness = betweenness / ((n - 1) * (n - 2) / 2)
    else:
        betweenness = np.zeros(n)
    strength = np.asarray(g.strength(weights="weight"), dtype=float)
    return pd.DataFrame(
        {
            "degree": degree_c,
            "closeness": closeness,
            "betweenness": betweenness,
            "strength": strength,
        },
        index=pd.Index(conv.nodes, name="node"),
    )


def describe(
    G: nx.Graph, *, weighted: bool = False, distance: Distance = _inverse_weight
) -> tuple[pd.Series, pd.DataFrame]:
    """:func:`network_indicators` and :func:`node_centralities` of ``G`` in one go.

    Converts the graph once and shares the all-pairs shortest-path pass behind closeness and the
    average path length, so it is faster than calling the two functions one after the other.
    """
    conv = _convert(G)
    dist = _distances(conv, weighted, distance)
    paths = _closeness_pass(conv, dist)
    return _indicators(G, conv, weighted, dist, paths), _centralities(conv, dist, paths)


# ----------------------------------------------------------------------------------------------
# per stage
# ----------------------------------------------------------------------------------------------


def _check_networks(networks: Mapping[str, nx.Graph]) -> None:
    if not isinstance(networks, Mapping) or not networks:
        raise InputError(
            "networks must be a non-empty dict mapping stage labels (e.g. '2011-2014') to "
            f"networkx graphs, got {type(networks).__name__}."
        )


def stage_indicators(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> pd.DataFrame:
    """:func:`network_indicators` of every stage: one row per stage (index ``stage``)."""
    _check_networks(networks)
    return _indicator_table({
        stage: network_indicators(G, weighted=weighted, distance=distance)
        for stage, G in networks.items()
    })


def _indicator_table(rows: Mapping[str, pd.Series]) -> pd.DataFrame:
    table = pd.DataFrame(rows).T
    table.index = pd.Index(list(rows), name="stage", dtype=object)
    for column in ("nodes", "edges", "components", "isolates", "unreachable_pairs"):
        table[column] = table[column].astype("int64")
    return table


def stage_centralities(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> pd.DataFrame:
    """:func:`node_centralities` of every stage as one long table.

    Columns: ``stage, node, name_zh, name_en, degree, closeness, betweenness, strength``
    (names from the node attributes; empty where absent), one row per city and stage.
    """
    _check_networks(networks)
    return pd.concat(
        [stage_city_rows(stage, G, node_centralities(G, weighted=weighted, distance=distance))
         for stage, G in networks.items()],
        ignore_index=True,
    )


def stage_city_rows(stage: str, G: nx.Graph, per_node: pd.DataFrame) -> pd.DataFrame:
    """``per_node`` (indexed by node) as long-table rows: ``stage, node, name_zh, name_en``
    first, names taken from ``G``'s node attributes (empty where absent)."""
    table = per_node.reset_index()
    table.insert(0, "stage", stage)
    table.insert(2, "name_zh", [G.nodes[v].get("name_zh", "") for v in table["node"]])
    table.insert(3, "name_en", [G.nodes[v].get("name_en", "") for v in table["node"]])
    return table


def stage_describe(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`stage_indicators` and :func:`stage_centralities` with one shortest-path pass
    per stage (through :func:`describe`)."""
    _check_networks(networks)
    rows, frames = {}, []
    for stage, G in networks.items():
        rows[stage], centralities = describe(G, weighted=weighted, distance=distance)
        frames.append(stage_city_rows(stage, G, centralities))
    return _indicator_table(rows), pd.concat(frames, ignore_index=True)


def centrality_shares(
    centralities: pd.DataFrame | Mapping[str, nx.Graph], *, zero_tolerance: float = 1e-12
) -> pd.DataFrame:
    """Shares of cities the study reports, per stage, in percent.

    ``centralities`` is the long table of :func:`stage_centralities` (or the dict of stage
    networks, from which it is computed).  Columns: ``nodes``,
    ``closeness_above_mean_pct`` (closeness strictly above the stage mean),
    ``betweenness_above_mean_pct`` and ``zero_betweenness_pct`` (betweenness <=
    ``zero_tolerance``, which absorbs floating-point noise).
    """
    if isinstance(centralities, Mapping):
        centralities = stage_centralities(centralities)
    missing = {"stage", "closeness", "betweenness"} - set(centralities.columns)
    if missing:
        raise InputError(
            f"centrality table lacks column(s) {sorted(missing)}; pass the output of "
            "metrics.stage_centralities(networks)."
        )
    rows = {}
    for stage, table in centralities.groupby("stage", sort=False):
        closeness = table["closeness"].to_numpy(dtype=float)
        betweenness = table["betweenness"].to_numpy(dtype=float)
        n = len(table)
        rows[stage] = {
            "nodes": n,
            "closeness_above_mean_pct": 100.0
            * np.sum(closeness > closeness.mean() + zero_tolerance)
            / n,
            "betweenness_above_mean_pct": 100.0
            * np.sum(betweenness > betweenness.mean() + zero_tolerance)
            / n,
            "zero_betweenness_pct": 100.0 * np.sum(np.abs(betweenness) <= zero_tolerance) / n,
        }
    out = pd.DataFrame(rows).T
    out.index = pd.Index(list(rows), name="stage", dtype=object)
    out["nodes"] = out["nodes"].astype("int64")
    return out
