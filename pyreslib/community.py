r"""Community level: Infomap modules of the stage networks and their stability (method.md, 3).

Infomap (Rosvall & Bergstrom 2008) finds the partition :math:`\mathsf M` of the nodes into
modules that minimises the map equation, the expected description length of one step of a
random walk on the network,

.. math::

    L(\mathsf M) = q_{\curvearrowright} H(\mathcal Q)
                  + \sum_{m=1}^{K} p^m_{\circlearrowright} H(\mathcal P^m),

where :math:`q_{\curvearrowright}` is the rate at which the walk moves between modules,
:math:`H(\mathcal Q)` the entropy of the module names, and :math:`p^m_{\circlearrowright}` and
:math:`H(\mathcal P^m)` the rate of use and the entropy of module :math:`m`'s codebook.  Here it
runs two-level, undirected, with links weighted by collaboration counts, from a fixed seed with
several trials (the best trial is kept), through the ``infomap`` package.

Choices (all parameters):

- Module numbers are renumbered 1..K by decreasing size (ties: the module holding the smallest
  node comes first), so they do not depend on Infomap's internal ids.
- Isolated nodes carry no random-walk flow; Infomap would attach them to an arbitrary module.
  They are given a singleton module each instead and counted in ``CommunityResult.isolates``.
  Stage networks built by :mod:`pyreslib.network` have no isolates.
- Modularity (Newman & Girvan 2004) of the Infomap partition is weighted by the same weights.

How much the modules depend on Infomap's seed is :mod:`pyreslib.community_stability`.

References: Rosvall, M. & Bergstrom, C. T. (2008), Maps of random walks on complex networks
reveal community structure, PNAS 105(4), 1118-1123, doi:10.1073/pnas.0706851105; Newman, M. E. J.
& Girvan, M. (2004), Finding and evaluating community structure in networks, Phys. Rev. E 69,
026113.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import infomap
import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import _convert
from pyreslib.errors import InputError

__all__ = [
    "CommunityResult",
    "infomap_partition",
    "membership_table",
    "stage_communities",
    "summary_table",
]


@dataclass(frozen=True)
class CommunityResult:
    """An Infomap partition of one network, as :func:`infomap_partition` returns it.

    Attributes
    ----------
    membership : pandas.Series
        Node -> module number (index ``node``, in the graph's node order); module 1 is the
        largest.
    sizes : pandas.Series
        Module number -> number of nodes (index ``module``, name ``size``), in module order.
    codelength : float
        The map equation's value of the partition, in bits per step of the random walk.
    one_level_codelength : float
        That of the trivial partition into one module.
    modularity : float
        Newman-Girvan modularity of the same partition, on the same weights.
    isolates : int
        Number of isolated nodes, each given a singleton module.
    stage : str or None
        The stage label (``G.graph["stage"]``, or the key of :func:`stage_communities`).
    options : dict
        How Infomap was run: ``seed``, ``trials``, ``weighted``, ``markov_time``,
        ``teleportation_probability``.

    See Also
    --------
    infomap_partition, summary_table, membership_table

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.community import infomap_partition
    >>> result = infomap_partition(nx.karate_club_graph(), seed=123)
    >>> result.num_modules, result.largest
    (3, 18)
    >>> print(result.summary())  # doctest: +ELLIPSIS
    Infomap: 3 modules (largest 18, 11, 5), codelength 4.0874 bits (11.8 % below one module), ...
    >>> result.to_frame().head(3)
       node  module  module_size
    0     0       2           11
    1     1       2           11
    2     2       2           11
    """

    membership: pd.Series
    sizes: pd.Series
    codelength: float
    one_level_codelength: float
    modularity: float
    isolates: int
    stage: str | None = None
    options: dict = field(default_factory=dict)

    @property
    def num_modules(self) -> int:
        """Number of modules K, singleton modules of isolates included."""
        return len(self.sizes)

    @property
    def largest(self) -> int:
        """Number of nodes in the largest module (0 for no modules)."""
        return int(self.sizes.max()) if len(self.sizes) else 0

    @property
    def relative_savings(self) -> float:
        r"""Share of the one-module codelength the partition saves, :math:`1 - L / L_1`.

        NaN when the one-module codelength is 0 (a network without links).
        """
        if not self.one_level_codelength:
            return math.nan
        return 1.0 - self.codelength / self.one_level_codelength

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``node``, ``module``, ``module_size`` (a plain integer index)."""
        frame = self.membership.rename("module").reset_index()
        frame["module_size"] = frame["module"].map(self.sizes).astype("int64")
        return frame

    def summary(self) -> str:
        """One line: modules, their sizes (the five largest), codelength, modularity."""
        top = ", ".join(str(s) for s in self.sizes.head(5))
        return (
            f"Infomap{' ' + self.stage if self.stage else ''}: {self.num_modules} modules "
            f"(largest {top}), codelength {self.codelength:.4f} bits "
            f"({100 * self.relative_savings:.1f} % below one module), "
            f"modularity {self.modularity:.4f}, {self.isolates} isolates as singletons"
        )

    def __repr__(self) -> str:
        return f"<CommunityResult {self.summary()}>"


def infomap_partition(
    G: nx.Graph,
    *,
    seed: int = 123,
    trials: int = 10,
    weighted: bool = True,
    markov_time: float = 1.0,
    teleportation_probability: float = 0.15,
) -> CommunityResult:
    r"""Two-level undirected Infomap partition of a network into modules.

    Infomap searches for the partition :math:`\mathsf M` that minimises the map equation
    :math:`L(\mathsf M)` of the module docstring (Rosvall & Bergstrom 2008): the modules are
    groups of cities within which a random walk, moving along links in proportion to their
    weights, stays for a long time.  Modules are numbered 1..K by decreasing size, and the
    weighted Newman-Girvan modularity of the partition is reported beside its codelength,

    .. math:: Q = \frac{1}{2W}\sum_{ij}\Bigl(w_{ij} - \frac{s_i s_j}{2W}\Bigr)\delta(m_i, m_j),

    with :math:`s_i` the strength of node :math:`i` and :math:`W` the total edge weight.

    Parameters
    ----------
    G : networkx.Graph
        A stage network: undirected, no self-loops, positive edge attribute ``weight``; at
        least one node.
    seed : int, optional (default=123)
        Seed of Infomap's random number generator (a positive integer): the same seed gives
        the same partition.
    trials : int, optional (default=10)
        Number of independent runs; the one with the shortest codelength is kept.
    weighted : bool, optional (default=True)
        If False, every link counts once, whatever its weight (for the codelength and the
        modularity).
    markov_time : float, optional (default=1.0)
        Scales the walk's time between encodings; values above 1 give fewer, larger modules
        (Kheirkhahzadeh, Lancichinetti & Rosvall 2016).
    teleportation_probability : float, optional (default=0.15)
        Passed to Infomap and recorded; it only matters for directed flow, so it has no
        effect on these undirected networks.

    Returns
    -------
    CommunityResult
        Membership, module sizes, codelength, one-level codelength, modularity, the number of
        isolates and the options used.

    Raises
    ------
    InputError
        If ``trials`` < 1, ``seed`` is not a positive integer, the network has no nodes, or it
        is refused by :func:`pyreslib.convert.to_igraph`.

    See Also
    --------
    stage_communities : the same for every stage.
    pyreslib.community_stability.stability : how much the partition depends on the seed.

    Notes
    -----
    Isolated nodes carry no flow, so Infomap would attach them to an arbitrary module; each is
    given a singleton module instead.  Module numbers do not depend on Infomap's internal ids:
    ties in size are broken by the module holding the node that comes first in ``G``.

    References
    ----------
    .. [1] Rosvall, M. & Bergstrom, C. T. (2008). Maps of random walks on complex networks
       reveal community structure. PNAS 105(4), 1118-1123.
       https://doi.org/10.1073/pnas.0706851105
    .. [2] Kheirkhahzadeh, M., Lancichinetti, A. & Rosvall, M. (2016). Efficient community
       detection of network flows for varying Markov times and bipartite networks. Physical
       Review E 93, 032309. https://doi.org/10.1103/PhysRevE.93.032309
    .. [3] Newman, M. E. J. & Girvan, M. (2004). Finding and evaluating community structure
       in networks. Physical Review E 69, 026113. https://doi.org/10.1103/PhysRevE.69.026113

    Examples
    --------
    Two triangles of cities joined by one weak Beijing-Shanghai link form two modules:

    >>> import networkx as nx
    >>> from pyreslib.community import infomap_partition
    >>> G = nx.Graph(stage="2011-2014")
    >>> G.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 1), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2)])
    >>> result = infomap_partition(G, seed=1, trials=5)
    >>> result.membership.to_dict()
    {110000: 1, 120000: 1, 130100: 1, 310000: 2, 320100: 2, 330100: 2}
    >>> round(result.codelength, 4), round(result.relative_savings, 4), round(result.modularity, 4)
    (1.7329, 0.3087, 0.4649)
    """
    if trials < 1:
        raise InputError(f"trials must be at least 1, got {trials}.")
    if not isinstance(seed, (int, np.integer)) or seed < 1:
        raise InputError(f"seed must be a positive integer (Infomap requires >= 1), got {seed!r}.")
    conv = _convert(G)
    g = conv.graph
    n = g.vcount()
    if n == 0:
        raise InputError("the network has no nodes; nothing to partition.")
    degree = np.asarray(g.degree())
    isolated = np.flatnonzero(degree == 0)
    options = {
        "seed": int(seed),
        "trials": int(trials),
        "weighted": weighted,
        "markov_time": markov_time,
        "teleportation_probability": teleportation_probability,
    }
    module_of = np.full(n, -1, dtype=np.int64)
    codelength = one_level = 0.0
    if g.ecount():
        network = infomap.Network()
        weights = conv.weights if weighted else np.ones(g.ecount())
        edges = np.asarray(g.get_edgelist(), dtype=float)
        network.add_links(np.column_stack([edges, weights]))
        result = infomap.run(
            network,
            options=infomap.Options(
                two_level=True,
                flow_model="undirected",
                silent=True,
                teleportation_probability=teleportation_probability,
            ),
            seed=int(seed),
            num_trials=int(trials),
            markov_time=float(markov_time),
        )
        for node_id, module in result.modules().items():
            module_of[node_id] = module
        codelength = float(result.codelength)
        one_level = float(result.one_level_codelength)
    next_id = (module_of.max() + 1) if n else 0
    for offset, v in enumerate(isolated):
        module_of[v] = next_id + offset
    if (module_of < 0).any():  # pragma: no cover - Infomap returns every linked node
        raise RuntimeError("Infomap left a linked node without a module")
    membership = _renumber_by_size(module_of)
    modularity = g.modularity(membership.tolist(), weights=conv.weights if weighted else None)
    members = pd.Series(membership + 1, index=pd.Index(conv.nodes, name="node"), name="module")
    sizes = members.value_counts().sort_index()
    sizes.index.name = "module"
    sizes.name = "size"
    return CommunityResult(
        membership=members,
        sizes=sizes.astype("int64"),
        codelength=codelength,
        one_level_codelength=one_level,
        modularity=float(modularity),
        isolates=len(isolated),
        stage=G.graph.get("stage"),
        options=options,
    )


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..K-1 by decreasing size, ties by first position (smallest node index)."""
    uniques, first, inverse, counts = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    order = sorted(range(len(uniques)), key=lambda i: (-counts[i], first[i]))
    new_id = np.empty(len(uniques), dtype=np.int64)
    new_id[order] = np.arange(len(uniques))
    return new_id[inverse]


def stage_communities(
    networks: Mapping[str, nx.Graph], *, seed: int = 123, trials: int = 10, **infomap_options
) -> dict[str, CommunityResult]:
    """Infomap partition of every stage network, with the same seed and options.

    Parameters
    ----------
    networks : Mapping[str, networkx.Graph]
        Stage label -> stage network.
    seed : int, optional (default=123)
        Passed on to :func:`infomap_partition` for every stage.
    trials : int, optional (default=10)
        Passed on to :func:`infomap_partition`.
    **infomap_options
        Further options of :func:`infomap_partition`.

    Returns
    -------
    dict[str, CommunityResult]
        Stage label -> result (its ``stage`` set to the label), in the order of ``networks``.

    Raises
    ------
    InputError
        If ``networks`` is not a non-empty mapping, or a network is refused.

    See Also
    --------
    summary_table, membership_table

    References
    ----------
    .. [1] Rosvall, M. & Bergstrom, C. T. (2008). Maps of random walks on complex networks
       reveal community structure. PNAS 105(4), 1118-1123.
       https://doi.org/10.1073/pnas.0706851105

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.community import stage_communities
    >>> first = nx.Graph()
    >>> first.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 1), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2)])
    >>> results = stage_communities({"2011-2014": first, "2015-2017": nx.karate_club_graph()},
    ...                             seed=1, trials=5)
    >>> {stage: r.num_modules for stage, r in results.items()}
    {'2011-2014': 2, '2015-2017': 3}
    """
    if not isinstance(networks, Mapping) or not networks:
        raise InputError("networks must be a non-empty dict mapping stage labels to graphs.")
    out = {}
    for stage, G in networks.items():
        result = infomap_partition(G, seed=seed, trials=trials, **infomap_options)
        out[stage] = replace(result, stage=stage)
    return out


def summary_table(results: Mapping[str, CommunityResult]) -> pd.DataFrame:
    """Infomap partitions of the stages, one row per stage.

    Parameters
    ----------
    results : Mapping[str, CommunityResult]
        As :func:`stage_communities` returns it.

    Returns
    -------
    pandas.DataFrame
        Index ``stage``; columns ``modules``, ``largest`` (nodes in the largest module) and
        ``singletons`` (modules of one node) as int64, then ``codelength`` (bits),
        ``relative_savings`` and ``modularity``.

    See Also
    --------
    stage_communities, membership_table

    References
    ----------
    .. [1] Rosvall, M. & Bergstrom, C. T. (2008). Maps of random walks on complex networks
       reveal community structure. PNAS 105(4), 1118-1123.
       https://doi.org/10.1073/pnas.0706851105

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.community import stage_communities, summary_table
    >>> results = stage_communities({"karate": nx.karate_club_graph()}, seed=123)
    >>> summary_table(results).round(3).T  # doctest: +NORMALIZE_WHITESPACE
    stage             karate
    modules           3.000
    largest          18.000
    singletons        0.000
    codelength        4.087
    relative_savings  0.118
    modularity        0.435
    """
    rows = {
        stage: {
            "modules": r.num_modules,
            "largest": r.largest,
            "singletons": int((r.sizes == 1).sum()),
            "codelength": r.codelength,
            "relative_savings": r.relative_savings,
            "modularity": r.modularity,
        }
        for stage, r in results.items()
    }
    table = pd.DataFrame(rows).T
    table.index = pd.Index(list(rows), name="stage", dtype=object)
    for column in ("modules", "largest", "singletons"):
        table[column] = table[column].astype("int64")
    return table


def membership_table(results: Mapping[str, CommunityResult]) -> pd.DataFrame:
    """Module of every city in every stage, as one long table.

    Parameters
    ----------
    results : Mapping[str, CommunityResult]
        As :func:`stage_communities` returns it.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, node, module, module_size``, stages in the order of ``results`` and
        cities in each network's node order; a plain integer index.

    See Also
    --------
    CommunityResult.to_frame : the same for one stage.

    References
    ----------
    .. [1] Rosvall, M. & Bergstrom, C. T. (2008). Maps of random walks on complex networks
       reveal community structure. PNAS 105(4), 1118-1123.
       https://doi.org/10.1073/pnas.0706851105

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.community import membership_table, stage_communities
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 1), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2)])
    >>> membership_table(stage_communities({"2011-2014": G}, seed=1))
           stage    node  module  module_size
    0  2011-2014  110000       1            3
    1  2011-2014  120000       1            3
    2  2011-2014  130100       1            3
    3  2011-2014  310000       2            3
    4  2011-2014  320100       2            3
    5  2011-2014  330100       2            3
    """
    frames = []
    for stage, r in results.items():
        frame = r.to_frame()
        frame.insert(0, "stage", stage)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
