r"""k-core decomposition of stage networks: each city's coreness.

The k-core of a network is its largest subgraph in which every city has at least :math:`k`
links to other cities of the subgraph (Seidman 1983).  A city's *coreness* (shell index) is
the largest :math:`k` whose k-core contains it; the largest coreness of the network is its
degeneracy :math:`k_\max`, and the :math:`k_\max`-core its *main core*, the densely knit
centre that survives any peeling of weakly linked cities.  The k-shell is the set of cities
of coreness exactly :math:`k`.  Computed by igraph's O(M) peeling algorithm (Batagelj &
Zaversnik 2003) on the binary network (weights ignored; an isolate has coreness 0); the tests
check it against networkx's ``core_number``.

References
----------
.. [1] Seidman, S. B. (1983). Network structure and minimum degree. Social Networks 5(3),
   269-287.
.. [2] Batagelj, V. & Zaversnik, M. (2003). An O(m) algorithm for cores decomposition of
   networks. arXiv:cs/0310049.
.. [3] Kitsak, M., Gallos, L. K., Havlin, S., Liljeros, F., Muchnik, L., Stanley, H. E. &
   Makse, H. A. (2010). Identification of influential spreaders in complex networks.
   Nature Physics 6, 888-893.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import _check_networks, _convert

__all__ = ["CoreResult", "coreness", "stage_cores"]


def coreness(G: nx.Graph) -> pd.Series:
    """The coreness (k-shell index) of every city.

    Parameters
    ----------
    G : networkx.Graph
        A stage network (weights ignored).

    Returns
    -------
    pandas.Series
        Integer coreness indexed by node (index name ``node``, e.g. the adcode), in the
        graph's node order; equal to igraph's ``Graph.coreness()`` and networkx's
        ``core_number``.

    References
    ----------
    .. [1] Seidman, S. B. (1983). Social Networks 5(3), 269-287.
    .. [2] Batagelj, V. & Zaversnik, M. (2003). arXiv:cs/0310049.

    Examples
    --------
    A triangle with a tail: the triangle is the 2-core, the tail city has coreness 1.

    >>> import networkx as nx
    >>> coreness(nx.Graph([(110000, 120000), (120000, 130100), (130100, 110000),
    ...                    (130100, 140100)])).to_dict()
    {110000: 2, 120000: 2, 130100: 2, 140100: 1}
    """
    conv = _convert(G)
    values = np.asarray(conv.graph.coreness(mode="all"), dtype=np.int64)
    return pd.Series(values, index=pd.Index(conv.nodes, name="node"), name="coreness")


@dataclass(frozen=True)
class CoreResult:
    """k-core decomposition of every stage, from :func:`stage_cores`.

    Attributes
    ----------
    cities : pandas.DataFrame
        One row per stage and city: ``stage, node, name_zh, name_en, degree, coreness``.
    shells : pandas.DataFrame
        One row per stage and k = 0 .. k_max: ``stage, k, shell`` (cities of coreness k),
        ``core`` (cities of coreness >= k: the k-core's size).
    stages : pandas.DataFrame
        Per stage (index ``stage``): ``cities``, ``k_max`` (degeneracy), ``main_core``
        (cities in the k_max-core), ``main_core_share``, ``main_core_cities`` (their codes).
    """

    cities: pd.DataFrame
    shells: pd.DataFrame
    stages: pd.DataFrame
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-city table ``cities``."""
        return self.cities

    def summary(self) -> str:
        """Degeneracy and main core of every stage."""
        table = self.stages.drop(columns="main_core_cities")
        return "k-core decomposition (Seidman 1983), binary links\n" + table.round(4).to_string()


def stage_cores(networks: Mapping[str, nx.Graph]) -> CoreResult:
    """Coreness of every city of every stage, the shell sizes and the main cores.

    Parameters
    ----------
    networks : mapping of str to networkx.Graph
        Stage label -> stage network.

    Returns
    -------
    CoreResult

    References
    ----------
    .. [1] Seidman, S. B. (1983). Social Networks 5(3), 269-287.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.complete_graph(4)
    >>> G.add_edge(3, 4)
    >>> result = stage_cores({"2011-2014": G})
    >>> result.stages[["k_max", "main_core"]].values.tolist()
    [[3, 4]]
    >>> result.shells[["k", "shell", "core"]].values.tolist()
    [[0, 0, 5], [1, 1, 5], [2, 0, 4], [3, 4, 4]]
    """
    _check_networks(networks)
    cities, shells, stages = [], [], {}
    for stage, G in networks.items():
        k = coreness(G)
        cities.append(pd.DataFrame({
            "stage": stage,
            "node": k.index,
            "name_zh": [G.nodes[v].get("name_zh", "") for v in k.index],
            "name_en": [G.nodes[v].get("name_en", "") for v in k.index],
            "degree": [G.degree(v) for v in k.index],
            "coreness": k.to_numpy(),
        }))
        k_max = int(k.max()) if len(k) else 0
        shell = np.bincount(k.to_numpy(), minlength=k_max + 1)
        shells.append(pd.DataFrame({
            "stage": stage,
            "k": np.arange(k_max + 1),
            "shell": shell,
            "core": shell[::-1].cumsum()[::-1],
        }))
        main = k.index[k.to_numpy() == k_max].tolist()
        stages[stage] = {
            "cities": len(k),
            "k_max": k_max,
            "main_core": len(main),
            "main_core_share": len(main) / len(k) if len(k) else np.nan,
            "main_core_cities": main,
        }
    table = pd.DataFrame.from_dict(stages, orient="index")
    table.index = pd.Index(list(stages), name="stage", dtype=object)
    return CoreResult(
        cities=pd.concat(cities, ignore_index=True),
        shells=pd.concat(shells, ignore_index=True),
        stages=table,
    )
