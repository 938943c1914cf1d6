"""Node centralities of stage networks: degree, closeness, betweenness, strength (method.md, 4).

Every function takes stage networks as :mod:`pyreslib.network` builds them (checked and
converted to igraph by :mod:`pyreslib.convert`).  Binary by default: path lengths count edges.
``weighted=True`` computes closeness and betweenness on the distance ``1 / weight`` (a stronger
tie is a shorter link; Newman 2001, Opsahl, Agneessens & Skvoretz 2010) or on any other
distance given as ``distance=callable``; degree and strength are the same in both variants.

The long tables (:func:`stage_centralities`, and the node resilience of
:mod:`pyreslib.node_resilience`) have one row per city and stage, led by the columns
``stage, node, name_zh, name_en`` (:func:`stage_city_rows`).  :func:`centrality_shares` gives
the shares of cities the reference study reports.

The all-pairs shortest-path pass behind closeness is also what the average path length of
:func:`pyreslib.metrics.network_indicators` is derived from; :func:`pyreslib.metrics.describe`
runs it once for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import (
    Distance,
    _check_networks,
    _convert,
    _Converted,
    _distances,
    _inverse_weight,
)
from pyreslib.errors import InputError

__all__ = [
    "NODE_CENTRALITIES",
    "centrality_shares",
    "node_centralities",
    "stage_centralities",
    "stage_city_rows",
]

#: Columns of :func:`node_centralities`, in order.
NODE_CENTRALITIES = ("degree", "closeness", "betweenness", "strength")


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


def node_centralities(
    G: nx.Graph, *, weighted: bool = False, distance: Distance = _inverse_weight
) -> pd.DataFrame:
    r"""Degree, closeness and betweenness centrality and strength of every node.

    The Freeman (1978/79) centralities of docs/method.md, section 4, normalised so that they
    compare across networks of different size, and the strength of Barrat et al. (2004).  For
    a network of :math:`N` nodes:

    .. math::

        C_D(i) = \frac{k_i}{N - 1}, \qquad
        C_C(i) = \frac{n_i - 1}{N - 1}\cdot\frac{n_i - 1}{\sum_{j \in R_i} d_{ij}}, \qquad
        C_B(i) = \frac{2}{(N-1)(N-2)} \sum_{s < t;\ s, t \ne i}
                 \frac{\sigma_{st}(i)}{\sigma_{st}}, \qquad
        s_i = \sum_j w_{ij},

    where :math:`k_i` is the degree, :math:`R_i` the :math:`n_i - 1` nodes reachable from
    :math:`i`, :math:`d_{ij}` the shortest-path length, :math:`\sigma_{st}` the number of
    shortest paths between :math:`s` and :math:`t` and :math:`\sigma_{st}(i)` the number of
    them passing through :math:`i`.  Closeness carries the Wasserman & Faust (1994) factor
    :math:`(n_i - 1)/(N - 1)` for disconnected networks (networkx's ``wf_improved=True``), so a
    city in a small component scores lower.

    Parameters
    ----------
    G : networkx.Graph
        A stage network: undirected, no self-loops, positive edge attribute ``weight``.
    weighted : bool, optional (default=False)
        If True, closeness and betweenness use the edge length ``distance(weight)`` instead of
        counting edges.  Degree and strength do not change.
    distance : callable, optional (default=``1 / weight``)
        Maps the array of edge weights to the array of edge lengths (all positive); used only
        when ``weighted=True``.

    Returns
    -------
    pandas.DataFrame
        One row per node, indexed by node (index name ``node``) in the graph's node order, with
        the columns of :data:`NODE_CENTRALITIES`: ``degree``, ``closeness``, ``betweenness``,
        ``strength``.

    Raises
    ------
    InputError
        If ``G`` is not a simple undirected graph with positive finite weights (see
        :func:`pyreslib.convert.to_igraph`), or ``distance`` returns a length that is not
        positive and finite.

    See Also
    --------
    stage_centralities : the same for every stage, as one long table.
    pyreslib.metrics.describe : network indicators and centralities in one pass.

    Notes
    -----
    An isolate has closeness 0; betweenness is 0 for every node when :math:`N < 3` and degree
    and closeness are 0 when :math:`N < 2`.  The values equal networkx's
    ``degree_centrality``, ``closeness_centrality`` and ``betweenness_centrality(normalized=True)``
    (the test suite checks this); igraph's C core (Brandes 2001) computes them.  With
    ``weighted=True`` the lengths are not whole numbers, so closeness is no longer bounded by 1.

    References
    ----------
    .. [1] Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification.
       Social Networks 1, 215-239. https://doi.org/10.1016/0378-8733(78)90021-7
    .. [2] Wasserman, S. & Faust, K. (1994). Social Network Analysis: Methods and
       Applications, p. 201. Cambridge University Press.
    .. [3] Brandes, U. (2001). A faster algorithm for betweenness centrality. Journal of
       Mathematical Sociology 25(2), 163-177. https://doi.org/10.1080/0022250X.2001.9990249
    .. [4] Barrat, A., Barthélemy, M., Pastor-Satorras, R. & Vespignani, A. (2004). The
       architecture of complex weighted networks. PNAS 101(11), 3747-3752.
       https://doi.org/10.1073/pnas.0400087101
    .. [5] Opsahl, T., Agneessens, F. & Skvoretz, J. (2010). Node centrality in weighted
       networks: generalizing degree and shortest paths. Social Networks 32(3), 245-251.
       https://doi.org/10.1016/j.socnet.2010.03.006

    Examples
    --------
    Two triangles of cities, Beijing-Tianjin-Shijiazhuang and Shanghai-Nanjing-Hangzhou, joined
    by the Beijing-Shanghai link; weights are joint patents:

    >>> import networkx as nx
    >>> from pyreslib.centrality import node_centralities
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 9), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2)])
    >>> node_centralities(G).round(3)  # doctest: +NORMALIZE_WHITESPACE
            degree  closeness  betweenness  strength
    node
    110000     0.6      0.714          0.6      25.0
    120000     0.4      0.500          0.0      15.0
    130100     0.4      0.500          0.0       7.0
    310000     0.6      0.714          0.6      22.0
    320100     0.4      0.500          0.0       9.0
    330100     0.4      0.500          0.0       8.0

    On the distance 1/weight, Shanghai's shorter links to Nanjing and Hangzhou make it the
    more central bridge:

    >>> node_centralities(G, weighted=True)["betweenness"].round(3).tolist()
    [0.65, 0.0, 0.0, 0.7, 0.0, 0.0]
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


def stage_centralities(
    networks: Mapping[str, nx.Graph],
    *,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> pd.DataFrame:
    """Node centralities of every stage network, as one long table.

    Runs :func:`node_centralities` on each stage network and stacks the results, one row per
    city and stage, names taken from the node attributes ``name_zh`` and ``name_en``.

    Parameters
    ----------
    networks : Mapping[str, networkx.Graph]
        Stage label (e.g. ``"2011-2014"``) -> stage network, in the order the stages should
        appear.
    weighted : bool, optional (default=False)
        Passed on to :func:`node_centralities`.
    distance : callable, optional (default=``1 / weight``)
        Passed on to :func:`node_centralities`.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, node, name_zh, name_en, degree, closeness, betweenness, strength``
        (names empty where the node has none), stages in the order of ``networks``, cities in
        each network's node order; a plain integer index.

    Raises
    ------
    InputError
        If ``networks`` is not a non-empty mapping, or a network is refused by
        :func:`node_centralities`.

    See Also
    --------
    node_centralities, centrality_shares, pyreslib.metrics.stage_describe

    References
    ----------
    .. [1] Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification.
       Social Networks 1, 215-239. https://doi.org/10.1016/0378-8733(78)90021-7
    .. [2] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.centrality import stage_centralities
    >>> first = nx.Graph()
    >>> first.add_weighted_edges_from([(110000, 120000, 5), (110000, 310000, 2)])
    >>> second = nx.Graph()
    >>> second.add_weighted_edges_from([(110000, 120000, 8), (120000, 310000, 3),
    ...                                 (110000, 310000, 6)])
    >>> first.nodes[110000]["name_en"] = second.nodes[110000]["name_en"] = "Beijing"
    >>> table = stage_centralities({"2011-2014": first, "2015-2017": second})
    >>> table[["stage", "node", "name_en", "degree", "betweenness", "strength"]]
           stage    node  name_en  degree  betweenness  strength
    0  2011-2014  110000  Beijing     1.0          1.0       7.0
    1  2011-2014  120000              0.5          0.0       5.0
    2  2011-2014  310000              0.5          0.0       2.0
    3  2015-2017  110000  Beijing     1.0          0.0      14.0
    4  2015-2017  120000              1.0          0.0      11.0
    5  2015-2017  310000              1.0          0.0       9.0
    """
    _check_networks(networks)
    return pd.concat(
        [stage_city_rows(stage, G, node_centralities(G, weighted=weighted, distance=distance))
         for stage, G in networks.items()],
        ignore_index=True,
    )


def stage_city_rows(stage: str, G: nx.Graph, per_node: pd.DataFrame) -> pd.DataFrame:
    """Turn a per-node table of one stage into rows of a long city x stage table.

    Parameters
    ----------
    stage : str
        The stage label written into the ``stage`` column.
    G : networkx.Graph
        The stage network, read for the node attributes ``name_zh`` and ``name_en``.
    per_node : pandas.DataFrame
        Indexed by the nodes of ``G`` (index name ``node``), e.g. the result of
        :func:`node_centralities`.

    Returns
    -------
    pandas.DataFrame
        ``stage, node, name_zh, name_en`` followed by the columns of ``per_node``, in its row
        order, with a plain integer index; names are empty strings where a node has none.

    Examples
    --------
    >>> import networkx as nx
    >>> import pandas as pd
    >>> from pyreslib.centrality import stage_city_rows
    >>> G = nx.Graph([(110000, 120000)])
    >>> G.nodes[110000].update(name_zh="北京市", name_en="Beijing")
    >>> scores = pd.DataFrame({"score": [1.0, 0.5]}, index=pd.Index([110000, 120000], name="node"))
    >>> stage_city_rows("2011-2014", G, scores)["name_en"].tolist()
    ['Beijing', '']
    >>> list(stage_city_rows("2011-2014", G, scores).columns)
    ['stage', 'node', 'name_zh', 'name_en', 'score']
    """
    table = per_node.reset_index()
    table.insert(0, "stage", stage)
    table.insert(2, "name_zh", [G.nodes[v].get("name_zh", "") for v in table["node"]])
    table.insert(3, "name_en", [G.nodes[v].get("name_en", "") for v in table["node"]])
    return table


def centrality_shares(
    centralities: pd.DataFrame | Mapping[str, nx.Graph], *, zero_tolerance: float = 1e-12
) -> pd.DataFrame:
    r"""Shares of cities, in percent, above the stage mean of closeness and betweenness.

    The reference study describes each stage by the share of its cities whose closeness or
    betweenness lies above the stage mean, and by the share that lie on no shortest path at
    all.  For a stage of :math:`N` cities and centrality :math:`c`:

    .. math::

        \text{above\_mean} = \frac{100}{N}\,\bigl|\{i : c_i > \bar c + \varepsilon\}\bigr|,
        \qquad
        \text{zero\_betweenness} = \frac{100}{N}\,\bigl|\{i : |C_B(i)| \le \varepsilon\}\bigr|,

    with :math:`\varepsilon` = ``zero_tolerance``, which absorbs floating-point noise.

    Parameters
    ----------
    centralities : pandas.DataFrame or Mapping[str, networkx.Graph]
        The long table of :func:`stage_centralities` (at least the columns ``stage``,
        ``closeness`` and ``betweenness``), or the dict of stage networks, from which that
        table is computed.
    zero_tolerance : float, optional (default=1e-12)
        The :math:`\varepsilon` above.

    Returns
    -------
    pandas.DataFrame
        One row per stage (index ``stage``, in the order of the table): ``nodes`` (int),
        ``closeness_above_mean_pct``, ``betweenness_above_mean_pct``, ``zero_betweenness_pct``.

    Raises
    ------
    InputError
        If the table lacks one of the columns named above.

    See Also
    --------
    stage_centralities

    References
    ----------
    .. [1] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214
    .. [2] Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification.
       Social Networks 1, 215-239. https://doi.org/10.1016/0378-8733(78)90021-7

    Examples
    --------
    A star of five cities (one hub) and a path of five:

    >>> import networkx as nx
    >>> from pyreslib.centrality import centrality_shares
    >>> star, path = nx.star_graph(4), nx.path_graph(5)
    >>> shares = centrality_shares({"2011-2014": star, "2015-2017": path})
    >>> list(shares.columns)
    ['nodes', 'closeness_above_mean_pct', 'betweenness_above_mean_pct', 'zero_betweenness_pct']
    >>> columns = ["betweenness_above_mean_pct", "zero_betweenness_pct"]
    >>> shares[columns]  # doctest: +NORMALIZE_WHITESPACE
               betweenness_above_mean_pct  zero_betweenness_pct
    stage
    2011-2014                        20.0                  80.0
    2015-2017                        60.0                  40.0
    """
    if isinstance(centralities, Mapping):
        centralities = stage_centralities(centralities)
    missing = {"stage", "closeness", "betweenness"} - set(centralities.columns)
    if missing:
        raise InputError(
            f"centrality table lacks column(s) {sorted(missing)}; pass the output of "
            "centrality.stage_centralities(networks)."
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
