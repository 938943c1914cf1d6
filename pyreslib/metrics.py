"""Network-level indicators of stage networks, one row per stage (docs/method.md, 2 and 4).

Every function takes stage networks as :mod:`pyreslib.network` builds them (checked and
converted to igraph once per call by :mod:`pyreslib.convert`); the tests check every number
against networkx or a hand calculation.  The node level is :mod:`pyreslib.centrality`, the
degree distribution :mod:`pyreslib.degree_distribution`; :func:`describe` and
:func:`stage_describe` give indicators and centralities together from one shortest-path pass.

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
from collections.abc import Mapping

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from pyreslib import centrality, degree_distribution
from pyreslib.centrality import _centralities, _closeness_pass, _ClosenessPass
from pyreslib.convert import (
    Distance,
    _check_networks,
    _convert,
    _Converted,
    _distances,
    _inverse_weight,
)

__all__ = [
    "NETWORK_INDICATORS",
    "describe",
    "network_indicators",
    "stage_describe",
    "stage_indicators",
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

    Size, connectivity, transmissibility, clustering, hierarchy and matching of a network of
    :math:`N` nodes and :math:`M` edges:

    - ``nodes`` :math:`N`, ``edges`` :math:`M`, ``weight`` :math:`W` (the sum of edge weights:
      cross-city collaborations), ``density`` :math:`2M / (N(N-1))`, ``avg_degree``
      :math:`2M/N`;
    - ``components`` (connected components, isolates included), ``giant_share`` (the largest
      component's share of the nodes), ``isolates``;
    - transmissibility: the average path length over the set :math:`P` of ordered connected
      pairs and the global efficiency (Latora & Marchiori 2001),

      .. math::

          L = \frac{1}{|P|}\sum_{(i,j)\in P} d_{ij}, \qquad
          E = \frac{1}{N(N-1)}\sum_{i \ne j} \frac{1}{d_{ij}},

      with :math:`1/d_{ij} = 0` for unreachable pairs; ``unreachable_pairs`` counts the
      unordered pairs left out of :math:`L`;
    - clustering (Watts & Strogatz 1998): ``avg_clustering``
      :math:`\bar c = \frac1N\sum_i \frac{2 t_i}{k_i(k_i-1)}`, :math:`t_i` the triangles at
      :math:`i`, with :math:`c_i = 0` where :math:`k_i < 2`;
    - hierarchy: ``degree_slope``, the rank-size slope :math:`b` of
      :math:`\ln k_{(r)} = a - b\ln r` (:func:`pyreslib.degree_distribution.rank_size_slope`),
      and ``loglog_slope``, the least-squares slope of :math:`\ln P(k)` on :math:`\ln k`
      (:func:`pyreslib.degree_distribution.degree_distribution_fit`; typically negative,
      :math:`-\gamma`);
    - matching: ``assortativity`` :math:`r`, the Pearson correlation of the degrees at either
      end of an edge (Newman 2002).

    Parameters
    ----------
    G : networkx.Graph
        A stage network: undirected, no self-loops, positive edge attribute ``weight``.
        ``G.graph["stage"]``, if present, names the result.
    weighted : bool, optional (default=False)
        If True, use the weighted variants of the module docstring: path lengths on
        ``distance(weight)``, Onnela et al. (2005) clustering, and strength instead of degree
        for hierarchy and assortativity.
    distance : callable, optional (default=``1 / weight``)
        Maps the array of edge weights to the array of edge lengths (all positive); used only
        when ``weighted=True``.

    Returns
    -------
    pandas.Series
        The :data:`NETWORK_INDICATORS`, in that order, as floats; named ``G.graph["stage"]``.
        Indicators undefined on ``G`` are NaN (see the module docstring).

    Raises
    ------
    InputError
        If ``G`` is not a simple undirected graph with positive finite weights (see
        :func:`pyreslib.convert.to_igraph`), or ``distance`` returns a length that is not
        positive and finite.

    See Also
    --------
    stage_indicators : the same for every stage, one row each.
    describe : indicators and node centralities from one shortest-path pass.

    Notes
    -----
    The average path length is derived from the closeness pass of
    :func:`pyreslib.centrality.node_centralities` (each node's sum of distances to the nodes
    it reaches), so no second all-pairs pass is run.  The values equal networkx's
    ``density``, ``global_efficiency``, ``average_clustering`` and
    ``degree_assortativity_coefficient`` (the test suite checks this).

    References
    ----------
    .. [1] Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world networks.
       Physical Review Letters 87, 198701. https://doi.org/10.1103/PhysRevLett.87.198701
    .. [2] Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of 'small-world'
       networks. Nature 393, 440-442. https://doi.org/10.1038/30918
    .. [3] Newman, M. E. J. (2002). Assortative mixing in networks. Physical Review Letters
       89, 208701. https://doi.org/10.1103/PhysRevLett.89.208701
    .. [4] Onnela, J.-P., Saramäki, J., Kertész, J. & Kaski, K. (2005). Intensity and
       coherence of motifs in weighted complex networks. Physical Review E 71, 065103.
       https://doi.org/10.1103/PhysRevE.71.065103
    .. [5] Newman, M. E. J. (2001). Scientific collaboration networks. II. Shortest paths,
       weighted networks, and centrality. Physical Review E 64, 016132.
       https://doi.org/10.1103/PhysRevE.64.016132

    Examples
    --------
    Two triangles of cities joined by the Beijing-Shanghai link (weights are joint patents):

    >>> import networkx as nx
    >>> from pyreslib.metrics import network_indicators
    >>> G = nx.Graph(stage="2011-2014")
    >>> G.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 9), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2)])
    >>> network_indicators(G).round(3)
    nodes                 6.000
    edges                 7.000
    weight               43.000
    density               0.467
    avg_degree            2.333
    components            1.000
    giant_share           1.000
    isolates              0.000
    avg_path_length       1.800
    unreachable_pairs     0.000
    efficiency            0.689
    avg_clustering        0.778
    degree_slope          0.277
    loglog_slope         -1.710
    assortativity        -0.167
    Name: 2011-2014, dtype: float64

    An isolated city leaves the average path length alone and lowers efficiency:

    >>> G.add_node(440100)
    >>> ind = network_indicators(G)
    >>> ind[["avg_path_length", "unreachable_pairs", "efficiency"]].round(3).tolist()
    [1.8, 6.0, 0.492]
    """
    conv = _convert(G)
    dist = _distances(conv, weighted, distance)
    return _indicators(G, conv, weighted, dist, _closeness_pass(conv, dist))


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
    out["degree_slope"] = degree_distribution.rank_size_slope(size_values)
    out["loglog_slope"] = degree_distribution.degree_distribution_fit(
        G, _conv=conv
    ).power_law_slope
    out["assortativity"] = _assortativity(g, size_values)
    return pd.Series(out, name=G.graph.get("stage"), dtype=float)[list(NETWORK_INDICATORS)]


def _assortativity(g: ig.Graph, values: np.ndarray) -> float:
    if g.ecount() == 0:
        return math.nan
    r = g.assortativity(types1=values.tolist(), directed=False)
    return float(r) if r is not None and math.isfinite(r) else math.nan


def describe(
    G: nx.Graph, *, weighted: bool = False, distance: Distance = _inverse_weight
) -> tuple[pd.Series, pd.DataFrame]:
    """Network indicators and node centralities of one network, from one shortest-path pass.

    Equals ``(network_indicators(G, ...), pyreslib.centrality.node_centralities(G, ...))``,
    but converts the graph once and shares the all-pairs shortest-path pass behind closeness
    and the average path length, so it is faster than the two calls one after the other.

    Parameters
    ----------
    G : networkx.Graph
        A stage network: undirected, no self-loops, positive edge attribute ``weight``.
    weighted : bool, optional (default=False)
        Passed on to both computations (see :func:`network_indicators`).
    distance : callable, optional (default=``1 / weight``)
        Edge weights -> edge lengths, used only when ``weighted=True``.

    Returns
    -------
    indicators : pandas.Series
        As :func:`network_indicators` returns it.
    centralities : pandas.DataFrame
        As :func:`pyreslib.centrality.node_centralities` returns it.

    Raises
    ------
    InputError
        As :func:`network_indicators`.

    See Also
    --------
    stage_describe : the same for every stage.

    References
    ----------
    .. [1] Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world networks.
       Physical Review Letters 87, 198701. https://doi.org/10.1103/PhysRevLett.87.198701
    .. [2] Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification.
       Social Networks 1, 215-239. https://doi.org/10.1016/0378-8733(78)90021-7

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.metrics import describe
    >>> G = nx.karate_club_graph()
    >>> indicators, centralities = describe(G)
    >>> indicators[["avg_path_length", "avg_clustering"]].round(4).tolist()
    [2.4082, 0.5706]
    >>> centralities.nlargest(3, "betweenness").round(3)  # doctest: +NORMALIZE_WHITESPACE
          degree  closeness  betweenness  strength
    node
    0      0.485      0.569        0.438      42.0
    33     0.515      0.550        0.304      48.0
    32     0.364      0.516        0.145      38.0
    """
    conv = _convert(G)
    dist = _distances(conv, weighted, distance)
    paths = _closeness_pass(conv, dist)
    return _indicators(G, conv, weighted, dist, paths), _centralities(conv, dist, paths)


def stage_indicators(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> pd.DataFrame:
    """Network indicators of every stage network, one row per stage.

    Parameters
    ----------
    networks : Mapping[str, networkx.Graph]
        Stage label (e.g. ``"2011-2014"``) -> stage network, in the order the rows should
        appear.
    weighted : bool, optional (default=False)
        Passed on to :func:`network_indicators`.
    distance : callable, optional (default=``1 / weight``)
        Passed on to :func:`network_indicators`.

    Returns
    -------
    pandas.DataFrame
        Index ``stage``; the columns of :data:`NETWORK_INDICATORS`, with ``nodes``, ``edges``,
        ``components``, ``isolates`` and ``unreachable_pairs`` as int64 and the rest as floats.
        This is the table :func:`pyreslib.resilience.network_resilience` takes.

    Raises
    ------
    InputError
        If ``networks`` is not a non-empty mapping, or a network is refused by
        :func:`network_indicators`.

    See Also
    --------
    network_indicators, stage_describe

    References
    ----------
    .. [1] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    A sparse first stage and a denser second one:

    >>> import networkx as nx
    >>> from pyreslib.metrics import stage_indicators
    >>> first = nx.Graph()
    >>> first.add_weighted_edges_from([(110000, 120000, 5), (110000, 310000, 2),
    ...                                (310000, 320100, 1)])
    >>> second = nx.Graph()
    >>> second.add_weighted_edges_from([(110000, 120000, 8), (110000, 310000, 6),
    ...                                 (120000, 310000, 3), (310000, 320100, 4)])
    >>> table = stage_indicators({"2011-2014": first, "2015-2017": second})
    >>> columns = ["nodes", "edges", "density", "avg_path_length", "avg_clustering"]
    >>> table[columns].round(3)  # doctest: +NORMALIZE_WHITESPACE
               nodes  edges  density  avg_path_length  avg_clustering
    stage
    2011-2014      4      3    0.500            1.667           0.000
    2015-2017      4      4    0.667            1.333           0.583
    """
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


def stage_describe(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicators and centralities of every stage, one shortest-path pass per stage.

    Equals ``(stage_indicators(networks, ...),
    pyreslib.centrality.stage_centralities(networks, ...))``, computed through
    :func:`describe` for each stage.

    Parameters
    ----------
    networks : Mapping[str, networkx.Graph]
        Stage label -> stage network.
    weighted : bool, optional (default=False)
        Passed on to :func:`describe`.
    distance : callable, optional (default=``1 / weight``)
        Passed on to :func:`describe`.

    Returns
    -------
    indicators : pandas.DataFrame
        As :func:`stage_indicators` returns it.
    centralities : pandas.DataFrame
        As :func:`pyreslib.centrality.stage_centralities` returns it.

    Raises
    ------
    InputError
        If ``networks`` is not a non-empty mapping, or a network is refused.

    See Also
    --------
    stage_indicators, pyreslib.centrality.stage_centralities

    References
    ----------
    .. [1] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.metrics import stage_describe
    >>> networks = {"2011-2014": nx.star_graph(4), "2015-2017": nx.path_graph(5)}
    >>> indicators, centralities = stage_describe(networks)
    >>> indicators["avg_path_length"].round(3).tolist()
    [1.6, 2.0]
    >>> centralities.groupby("stage")["betweenness"].max().round(3).tolist()
    [1.0, 0.667]
    """
    _check_networks(networks)
    rows, frames = {}, []
    for stage, G in networks.items():
        rows[stage], centralities = describe(G, weighted=weighted, distance=distance)
        frames.append(centrality.stage_city_rows(stage, G, centralities))
    return _indicator_table(rows), pd.concat(frames, ignore_index=True)
