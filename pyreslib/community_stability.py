r"""Stability of Infomap modules: agreement of the partitions found from different seeds.

Infomap (:func:`pyreslib.community.infomap_partition`) is a stochastic search: from another
seed it may find another partition of nearly the same codelength.  How much the modules of a
stage network depend on the seed is measured by the normalised mutual information (Danon,
Díaz-Guilera, Duch & Arenas 2005) of every pair of partitions,

.. math::

    \mathrm{NMI}(A,B) = \frac{2\, I(A;B)}{H(A) + H(B)},

and summarised by its mean over the pairs (:func:`stability`): 1 when every seed finds the same
partition.  Module labels do not matter, only which cities share a module.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.community import infomap_partition
from pyreslib.errors import InputError

__all__ = ["normalized_mutual_information", "pairwise_nmi", "stability"]


def normalized_mutual_information(a: Iterable, b: Iterable) -> float:
    r"""Normalised mutual information of two partitions of the same nodes.

    For partitions :math:`A` and :math:`B` of :math:`n` nodes, with :math:`n_{ab}` nodes in
    module :math:`a` of :math:`A` and module :math:`b` of :math:`B`,

    .. math::

        \mathrm{NMI}(A,B) = \frac{2\, I(A;B)}{H(A) + H(B)}, \qquad
        I(A;B) = \sum_{a,b} \frac{n_{ab}}{n} \ln\frac{n_{ab}\, n}{n_a n_b}, \qquad
        H(A) = -\sum_a \frac{n_a}{n} \ln\frac{n_a}{n}

    (Danon, Díaz-Guilera, Duch & Arenas 2005): the arithmetic-mean normalisation, also used by
    igraph's ``compare_communities(method="nmi")``.

    Parameters
    ----------
    a, b : iterable
        Module labels of the same nodes in the same order (e.g. two ``membership`` Series);
        the labels themselves do not matter, only which nodes share one.

    Returns
    -------
    float
        In [0, 1]: 1 for identical partitions (up to renaming the modules), 0 for independent
        ones; defined as 1 when both are the trivial one-module partition, NaN for no nodes.

    Raises
    ------
    InputError
        If ``a`` and ``b`` differ in length.

    See Also
    --------
    pairwise_nmi, stability

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. & Arenas, A. (2005). Comparing community
       structure identification. Journal of Statistical Mechanics: Theory and Experiment,
       P09008. https://doi.org/10.1088/1742-5468/2005/09/P09008

    Examples
    --------
    >>> from pyreslib.community_stability import normalized_mutual_information
    >>> normalized_mutual_information([1, 1, 2, 2], [7, 7, 3, 3])
    1.0
    >>> round(normalized_mutual_information([1, 1, 2, 2], [1, 1, 1, 2]), 4)
    0.3437
    >>> normalized_mutual_information([1, 1, 2, 2], [1, 2, 1, 2])
    0.0
    """
    a = pd.Series(list(a))
    b = pd.Series(list(b))
    if len(a) != len(b):
        raise InputError(
            f"partitions differ in length ({len(a)} vs {len(b)}); pass the same nodes."
        )
    n = len(a)
    if n == 0:
        return math.nan
    joint = pd.crosstab(a, b).to_numpy(dtype=float) / n
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    h_a = -np.sum(pa * np.log(pa))
    h_b = -np.sum(pb * np.log(pb))
    if h_a + h_b == 0:
        return 1.0
    nz = joint > 0
    mutual = np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz]))
    return float(2 * mutual / (h_a + h_b))


def pairwise_nmi(
    G: nx.Graph, *, seeds: Iterable[int] = range(1, 11), trials: int = 1, **infomap_options
) -> pd.DataFrame:
    """Normalised mutual information between the Infomap partitions of different seeds.

    Runs :func:`pyreslib.community.infomap_partition` once per seed and compares every pair of
    partitions with :func:`normalized_mutual_information`.

    Parameters
    ----------
    G : networkx.Graph
        A stage network.
    seeds : iterable of int, optional (default=1..10)
        At least two positive seeds.
    trials : int, optional (default=1)
        Trials per seed; 1 measures the stability of a single Infomap run.
    **infomap_options
        Further options of :func:`pyreslib.community.infomap_partition` (``weighted``,
        ``markov_time``, ...).

    Returns
    -------
    pandas.DataFrame
        Square and symmetric, seed x seed (index name ``seed``), 1 on the diagonal.

    Raises
    ------
    InputError
        If fewer than two seeds are given, or :func:`pyreslib.community.infomap_partition`
        refuses the input.

    See Also
    --------
    stability : the mean of the off-diagonal values.

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. & Arenas, A. (2005). Comparing community
       structure identification. Journal of Statistical Mechanics: Theory and Experiment,
       P09008. https://doi.org/10.1088/1742-5468/2005/09/P09008

    Examples
    --------
    The karate club's partition does not depend on the seed:

    >>> import networkx as nx
    >>> from pyreslib.community_stability import pairwise_nmi
    >>> pairwise_nmi(nx.karate_club_graph(), seeds=[1, 2, 3])  # doctest: +NORMALIZE_WHITESPACE
            1    2    3
    seed
    1     1.0  1.0  1.0
    2     1.0  1.0  1.0
    3     1.0  1.0  1.0
    """
    seeds = list(seeds)
    if len(seeds) < 2:
        raise InputError(f"stability needs at least 2 seeds, got {seeds!r}.")
    partitions = {
        s: infomap_partition(G, seed=s, trials=trials, **infomap_options).membership for s in seeds
    }
    table = pd.DataFrame(1.0, index=pd.Index(seeds, name="seed"), columns=seeds)
    for s, t in itertools.combinations(seeds, 2):
        value = normalized_mutual_information(partitions[s], partitions[t])
        table.loc[s, t] = table.loc[t, s] = value
    return table


def stability(
    G: nx.Graph, *, seeds: Iterable[int] = range(1, 11), trials: int = 1, **infomap_options
) -> float:
    r"""Stability of the Infomap partition: mean NMI over pairs of seeds.

    .. math::

        S = \binom{s}{2}^{-1} \sum_{u < v} \mathrm{NMI}(\mathsf M_u, \mathsf M_v)

    over the partitions :math:`\mathsf M_u` found from the :math:`s` seeds.

    Parameters
    ----------
    G : networkx.Graph
        A stage network.
    seeds : iterable of int, optional (default=1..10)
        At least two positive seeds.
    trials : int, optional (default=1)
        Trials per seed.  With 1 the stability of a single Infomap run is measured; with more
        trials each run is already the best of several, and agreement rises.
    **infomap_options
        Further options of :func:`pyreslib.community.infomap_partition`.

    Returns
    -------
    float
        In [0, 1]; 1 means every seed finds the same partition.

    Raises
    ------
    InputError
        As :func:`pairwise_nmi`.

    See Also
    --------
    pairwise_nmi, normalized_mutual_information

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. & Arenas, A. (2005). Comparing community
       structure identification. Journal of Statistical Mechanics: Theory and Experiment,
       P09008. https://doi.org/10.1088/1742-5468/2005/09/P09008

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.community_stability import stability
    >>> stability(nx.karate_club_graph(), seeds=range(1, 6))
    1.0

    A sparse random network without clear modules: single runs disagree, and the best of ten
    runs agree more:

    >>> G = nx.gnp_random_graph(30, 0.12, seed=4)
    >>> round(stability(G, seeds=range(1, 6)), 4)
    0.5338
    >>> round(stability(G, seeds=range(1, 6), trials=10), 4)
    0.7201
    """
    table = pairwise_nmi(G, seeds=seeds, trials=trials, **infomap_options)
    upper = table.to_numpy()[np.triu_indices(len(table), k=1)]
    return float(upper.mean())
