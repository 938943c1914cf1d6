r"""Degree distribution of stage networks: rank-size hierarchy and power-law/exponential fits.

Two descriptions of how unequally links are spread over the cities (docs/method.md, 2):

- the *hierarchy* slope :math:`b` of the rank-size rule :math:`\ln k_{(r)} = a - b \ln r`
  (:func:`rank_size_slope`; the ``degree_slope`` of :func:`pyreslib.metrics.network_indicators`
  and the hierarchy dimension of :func:`pyreslib.resilience.network_resilience`);
- the degree distribution :math:`P(k)` with least-squares power-law and exponential lines
  (:func:`degree_distribution_fit`; its power-law slope is the ``loglog_slope`` indicator, and
  its table is what the degree figure draws).

Both are ordinary least squares in log space and descriptive: Clauset, Shalizi & Newman (2009)
show that such slopes are not maximum-likelihood exponents and do not test for a power law.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import _convert, _Converted

__all__ = ["DegreeDistributionFit", "degree_distribution_fit", "rank_size_slope"]


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
    r"""Hierarchy slope of the rank-size fit of node degrees (or strengths).

    Nodes are ranked by ``values`` in decreasing order, rank :math:`r = 1` the largest, and
    the slope :math:`b` of

    .. math:: \ln k_{(r)} = a - b \ln r

    is fitted by ordinary least squares, :math:`k_{(r)}` being the value of rank :math:`r`.  A
    larger :math:`b` means a steeper, more hierarchical network, with links concentrated on a
    few hub cities (the rank-size rule of Zipf 1949; for city networks e.g. Alderson &
    Beckfield 2004).

    Parameters
    ----------
    values : array_like
        Degree or strength of every node, in any order.  Zero values are left out: their
        logarithm is undefined (isolates never occur in a stage network).

    Returns
    -------
    float
        The slope :math:`b`; 0 (up to rounding) when all positive values are equal, NaN with
        fewer than 2 positive values.

    See Also
    --------
    degree_distribution_fit, pyreslib.metrics.network_indicators

    References
    ----------
    .. [1] Zipf, G. K. (1949). Human Behavior and the Principle of Least Effort.
       Addison-Wesley.
    .. [2] Alderson, A. S. & Beckfield, J. (2004). Power and position in the world city
       system. American Journal of Sociology 109(4), 811-851.

    Examples
    --------
    Degrees that halve from rank to rank, :math:`k_{(r)} = 8 / 2^{r-1}`, are not a power of
    the rank, so the fitted line is a compromise:

    >>> from pyreslib.degree_distribution import rank_size_slope
    >>> round(rank_size_slope([8, 4, 2, 1]), 4)
    1.459

    A power of the rank, :math:`k_{(r)} = 12 / r`, gives :math:`b = 1` exactly; the zero is
    left out:

    >>> round(rank_size_slope([12, 6, 4, 3, 0]), 4)
    1.0
    >>> import networkx as nx
    >>> K = nx.karate_club_graph()
    >>> round(rank_size_slope([d for _, d in K.degree()]), 4)
    0.747
    """
    k = np.sort(np.asarray(values, dtype=float))[::-1]
    k = k[k > 0]
    if len(k) < 2:
        return math.nan
    r = np.arange(1, len(k) + 1, dtype=float)
    _, s, _ = _ols_slope(np.log(r), np.log(k))
    return -s


@dataclass(frozen=True)
class DegreeDistributionFit:
    r"""Degree distribution of one network with power-law and exponential least-squares lines.

    Returned by :func:`degree_distribution_fit`, which documents the fits.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per distinct positive degree :math:`k`: ``k``, ``count`` (nodes of degree
        :math:`k`), ``p`` (their share of all nodes, or the share with degree :math:`\ge k`
        when ``cumulative``), ``power_law`` and ``exponential`` (the fitted values of ``p``).
    cumulative : bool
        Whether ``p`` is the complementary cumulative distribution :math:`P(K \ge k)`.
    power_law_intercept, power_law_slope : float
        :math:`\ln c` and :math:`s` of :math:`\ln p = \ln c + s \ln k`; :math:`s` is usually
        negative (:math:`-\gamma`).
    power_law_r2 : float
        :math:`R^2` of the power-law line in log space.
    exponential_intercept, exponential_slope : float
        :math:`\ln c` and :math:`s` of :math:`\ln p = \ln c + s k`.
    exponential_r2 : float
        :math:`R^2` of the exponential line in log space.
    zero_degree : int
        Number of nodes of degree 0, which cannot enter a log fit.

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.degree_distribution import degree_distribution_fit
    >>> G = nx.path_graph(4)
    >>> G.add_node(9)
    >>> fit = degree_distribution_fit(G)
    >>> fit.data[["k", "count", "p"]]
       k  count    p
    0  1      2  0.4
    1  2      2  0.4
    >>> fit.zero_degree, fit.cumulative
    (1, False)
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
    r"""Degree distribution of a network and its power-law and exponential fits.

    With :math:`N` nodes of which :math:`N_k` have degree :math:`k`, the distribution is
    :math:`p_k = N_k / N` (or :math:`P(K \ge k)` when ``cumulative``), and two lines are
    fitted to it by ordinary least squares over the distinct positive degrees:

    .. math::

        \ln p_k = \ln c + s \ln k \quad\text{(power law)}, \qquad
        \ln p_k = \ln c + s k \quad\text{(exponential)}.

    A scale-free network has a straight power-law line (:math:`s = -\gamma`); a random network
    a straighter exponential one.  The power-law slope is the ``loglog_slope`` of
    :func:`pyreslib.metrics.network_indicators`.

    Parameters
    ----------
    G : networkx.Graph
        A stage network: undirected, no self-loops, positive edge attribute ``weight``.
    cumulative : bool, optional (default=False)
        Fit the complementary cumulative distribution :math:`P(K \ge k)`, which is less noisy
        in the tail.
    weighted : bool, optional (default=False)
        Use strength (the sum of edge weights, rounded to integers) instead of degree.

    Returns
    -------
    DegreeDistributionFit
        The table of :math:`k, N_k, p_k` and fitted values, and each line's intercept, slope
        and :math:`R^2` (NaN with fewer than 2 distinct positive degrees).

    Raises
    ------
    InputError
        If ``G`` is not a simple undirected graph with positive finite weights (see
        :func:`pyreslib.convert.to_igraph`).

    See Also
    --------
    rank_size_slope, pyreslib.metrics.network_indicators

    Notes
    -----
    Nodes of degree 0 are counted in :math:`N` but cannot enter a log fit; their number is
    ``zero_degree``.  The lines are descriptive: Clauset, Shalizi & Newman (2009) show that
    least-squares slopes of a degree distribution are biased estimates of a power-law exponent
    and do not test whether a power law holds.

    References
    ----------
    .. [1] Barabási, A.-L. & Albert, R. (1999). Emergence of scaling in random networks.
       Science 286(5439), 509-512. https://doi.org/10.1126/science.286.5439.509
    .. [2] Clauset, A., Shalizi, C. R. & Newman, M. E. J. (2009). Power-law distributions in
       empirical data. SIAM Review 51(4), 661-703. https://doi.org/10.1137/070710111

    Examples
    --------
    A star of five nodes has four leaves of degree 1 and a hub of degree 4: two points, so both
    lines pass through them and the power-law slope is :math:`\ln(0.2/0.8)/\ln 4 = -1`:

    >>> import networkx as nx
    >>> from pyreslib.degree_distribution import degree_distribution_fit
    >>> fit = degree_distribution_fit(nx.star_graph(4))
    >>> fit.data
       k  count    p  power_law  exponential
    0  1      4  0.8        0.8          0.8
    1  4      1  0.2        0.2          0.2
    >>> round(fit.power_law_slope, 4), round(fit.exponential_slope, 4)
    (-1.0, -0.4621)

    Zachary's karate club, whose degrees fit neither line well:

    >>> fit = degree_distribution_fit(nx.karate_club_graph())
    >>> round(fit.power_law_slope, 3), round(fit.power_law_r2, 3)
    (-0.551, 0.291)
    >>> cumulative = degree_distribution_fit(nx.karate_club_graph(), cumulative=True)
    >>> cumulative.data["p"].round(3).tolist()[:4]
    [1.0, 0.971, 0.647, 0.471]
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
