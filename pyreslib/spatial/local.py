r"""Local statistics: Moran's :math:`I_i` (LISA) and Getis-Ord :math:`G_i^*` (docs/method.md, 10).

Local Moran with conditional-permutation pseudo p-values, the high-high / low-low /
high-low / low-high classification and a multiple-testing adjustment (:func:`adjust_p`:
none, Bonferroni, FDR); Getis-Ord :math:`G_i^*` with a z-score and p-value per city.  The
default adjustment is ``"none"``, as in spdep and GeoDa: with :math:`R` permutations no
pseudo p-value is below :math:`1/(R+1)`, so an adjusted map at the customary 999 permutations
is empty for ~250 cities; ask for ``adjust="fdr"`` with 9999 permutations.

Examples
--------
>>> import pandas as pd
>>> from pyreslib.spatial.local import local_moran
>>> from pyreslib.spatial.weights import spatial_weights
>>> cities = pd.Series([1.0, 2.0, 2.5, 8.0, 9.0, 9.5],
...                    index=[110000, 120000, 130600, 131000, 130900, 131100])
>>> local_moran(cities, spatial_weights(cities.index, "knn", k=2)).adjust
'none'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from pyreslib.errors import InputError
from pyreslib.spatial._checks import TIE_RTOL, _check_alpha, _check_permutations
from pyreslib.spatial.weights import SpatialWeights, _aligned, _labels, _styled

__all__ = ["ADJUSTMENTS", "GetisOrdResult", "LocalMoranResult", "adjust_p", "getis_ord",
           "local_moran"]

ADJUSTMENTS = ("none", "bonferroni", "fdr")
"""Multiple-testing adjustments of local p-values (fdr = Benjamini-Hochberg)."""


def adjust_p(p, method: str = "fdr") -> np.ndarray:
    """Adjust p-values for multiple testing, as R's ``p.adjust`` (NaN left out of the count).

    ``"none"``; ``"bonferroni"``: :math:`\\min(1, m p)`; ``"fdr"``: Benjamini & Hochberg
    (1995), :math:`\\min_{j \\ge i} \\min(1, m p_{(j)}/j)` over the sorted p-values.

    Examples
    --------
    >>> from pyreslib.spatial import adjust_p
    >>> adjust_p([0.01, 0.04, 0.03, float("nan")], "fdr").round(4).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    if method not in ADJUSTMENTS:
        raise InputError(f"adjust={method!r}: use one of {list(ADJUSTMENTS)}.")
    p = np.asarray(p, dtype=float)
    out = p.copy()
    ok = np.isfinite(p)
    m = int(ok.sum())
    if method == "none" or m == 0:
        return out
    q = p[ok]
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, m * q)
        return out
    order = np.argsort(-q, kind="stable")
    ranks = np.arange(m, 0, -1)
    adjusted = np.minimum.accumulate(m / ranks * q[order])
    result = np.empty(m)
    result[order] = np.minimum(1.0, adjusted)
    out[ok] = result
    return out


def _conditional_blocks(z: np.ndarray, weights: SpatialWeights, permutations: int, seed):
    """Yield blocks (rows x n) of conditional-permutation lags :math:`\\sum_j w_{ij} z_{\\pi(j)}`.

    In permutation r, city i's k_i neighbours take the values of the first k_i cities of the
    r-th ``rng.permutation(n - 1)`` of the *other* cities (positions >= i shifted by one):
    a uniform draw without replacement for every city, the ordering shared by all cities as
    in PySAL, which costs O(R (n + sum k_i)) instead of O(R n^2).  NaN for isolates.
    """
    rng = np.random.default_rng(seed)
    w = weights.matrix
    n = len(z)
    card = np.diff(w.indptr)
    block = max(1, 2_000_000 // n)
    for first in range(0, permutations, block):
        rows = min(block, permutations - first)
        order = rng.permuted(np.tile(np.arange(n - 1), (rows, 1)), axis=1)[:, :card.max()]
        lags = np.full((rows, n), np.nan)
        for i in np.flatnonzero(card):
            chosen = order[:, :card[i]]
            chosen = chosen + (chosen >= i)
            lags[:, i] = z[chosen] @ w.data[w.indptr[i]:w.indptr[i + 1]]
        yield lags


def _conditional_draws(z, weights, permutations, seed) -> np.ndarray:
    """All the lags of :func:`_conditional_blocks` (permutations x n)."""
    return np.vstack(list(_conditional_blocks(z, weights, permutations, seed)))


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran's :math:`I_i` of every city (``table``, index adcode) and the options used.

    ``table`` columns: ``value``, ``std_value`` and ``std_lag`` (the Moran scatterplot's
    axes), ``Ii``, ``E_Ii``, ``Var_Ii``, ``Z_Ii``, ``p_normal`` (two-sided),
    ``p_permutation`` (folded pseudo p-value), ``p_adjusted`` (of the ``p_value`` chosen),
    ``quadrant`` and ``cluster`` (the quadrant where significant at ``alpha``, else
    "not significant"; "isolate" for cities without neighbours).
    """

    table: pd.DataFrame
    alpha: float
    adjust: str
    p_value: str
    permutations: int
    seed: int | None
    conditional: bool

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def clusters(self, kind: str = "high-high") -> list:
        """The cities in one cluster, e.g. the significant high-high ones."""
        return self.table.index[self.table["cluster"] == kind].tolist()

    def summary(self) -> str:
        counts = self.table["cluster"].value_counts()
        text = ", ".join(f"{k}: {counts.get(k, 0)}" for k in
                         ("high-high", "low-low", "high-low", "low-high", "not significant",
                          "isolate"))
        hh = self.clusters("high-high")
        return (f"Local Moran ({self.p_value} p-values, {self.adjust} adjustment, alpha "
                f"{self.alpha}; {self.permutations} conditional permutations, seed "
                f"{self.seed}): {text}" + (f"\n  high-high: {_labels(hh)}" if hh else ""))


def _classify(table: pd.DataFrame, p: np.ndarray, alpha: float, adjust: str,
              isolated: np.ndarray, column: str, label: np.ndarray) -> None:
    """Adjust ``p`` and keep ``label`` where significant (p <= alpha, a valid test's rule)."""
    table["p_adjusted"] = adjust_p(p, adjust)
    significant = table["p_adjusted"].to_numpy() <= alpha
    table[column] = np.where(isolated, "isolate", np.where(significant, label, "not significant"))


def local_moran(values, weights: SpatialWeights, *, permutations: int = 999,
                seed: int | None = 0, conditional: bool = True, alpha: float = 0.05,
                adjust: str = "none", p_value: str = "permutation") -> LocalMoranResult:
    r"""Local Moran's :math:`I_i` (LISA) with pseudo p-values and cluster labels.

    With :math:`z_i = x_i - \bar x`, :math:`m_2 = \sum z^2/n` and
    :math:`W_i = \sum_j w_{ij}`, :math:`W_{i2} = \sum_j w_{ij}^2`,

    .. math:: I_i = \frac{z_i}{m_2}\sum_j w_{ij} z_j.

    Moments as spdep's ``localmoran`` (``mlvar=TRUE``): with ``conditional=True`` (spdep's
    default; Sokal, Oden & Thomson 1998), permuting the other cities' values with
    :math:`z_i` fixed, :math:`E[I_i] = -z_i^2 W_i/((n-1)m_2)` and
    :math:`\mathrm{Var}[I_i] = (z_i/m_2)^2\,\frac{n}{n-2}\,(W_{i2} - W_i^2/(n-1))
    (m_2 - z_i^2/(n-1))`; with ``conditional=False`` the total randomisation moments of
    Anselin (1995), :math:`E[I_i] = -W_i/(n-1)` and
    :math:`\mathrm{Var}[I_i] = A W_{i2} + B(W_i^2 - W_{i2}) - E[I_i]^2`,
    :math:`A = (n-b_2)/(n-1)`, :math:`B = (2b_2-n)/((n-1)(n-2))`, :math:`b_2 = m_4/m_2^2`.
    ``p_normal`` is the two-sided normal p-value of :math:`Z_i = (I_i - E[I_i])/\sqrt{Var}`.

    ``p_permutation`` is Anselin's (1995) conditional permutation test: :math:`z_i` stays,
    and in each of ``permutations`` draws city :math:`i`'s neighbours get values drawn
    *without replacement* from the other :math:`n-1` cities (draw :math:`r` gives them the
    first :math:`k_i` of the :math:`r`-th ``rng.permutation(n-1)`` of the others, one
    ordering shared by all cities as in PySAL: each city's null is exact, the cities' p-values
    are not independent); the folded pseudo p-value is
    :math:`(1 + \min(\#\{I_i^{(r)} \ge I_i\}, \#\{I_i^{(r)} \le I_i\}))/(R+1)` (GeoDa,
    PySAL).  A draw equal to :math:`I_i` counts in both tails, so a city whose draws mostly
    tie with it (values many cities share, such as a degree of 1, and few neighbours) is not
    called significant.  spdep 1.2's ``localmoran_perm`` draws *with* replacement and
    counts :math:`\#\{<\}` in the lower tail (ties then look extreme); on values without
    ties its pseudo p-values agree with these within Monte-Carlo error.

    ``quadrant`` is the sign of :math:`z_i` and of its lag :math:`\sum_j w_{ij} z_j`
    (high = positive): "high-high", "low-low" (clusters), "high-low", "low-high"
    (outliers).  ``cluster`` keeps it where the ``p_value`` (``"permutation"`` or
    ``"normal"``), adjusted by ``adjust`` (``"none"``, ``"bonferroni"``, ``"fdr"``;
    :func:`adjust_p`, over the cities with neighbours), is at most ``alpha``.  No pseudo
    p-value is below :math:`1/(R+1)`: over :math:`m` cities Bonferroni then finds nothing
    when :math:`m/(R+1) > \alpha`, and FDR needs :math:`m/(\alpha (R+1))` cities or more at
    that level, so adjusted maps want more permutations (9999 for ~250 cities).  The default
    ``adjust="none"`` is spdep's (``localmoran_perm``) and GeoDa's; the main job's
    ``[spatial] adjust`` defaults to ``"fdr"`` with 9999 ``local_permutations``.

    Parameters
    ----------
    values, weights, permutations, seed
        As :func:`moran`.
    conditional, alpha, adjust, p_value
        See above.

    Returns
    -------
    LocalMoranResult

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association—LISA. *Geographical
    Analysis* 27(2), 93-115.  Sokal, R. R., Oden, N. L. & Thomson, B. A. (1998). Local
    spatial autocorrelation in a biological model. *Geographical Analysis* 30(4), 331-354.
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57,
    289-300.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import local_moran, weights_from_matrix
    >>> ids = list("abcdef")
    >>> path = pd.DataFrame(0, index=ids, columns=ids)
    >>> for a, b in zip(ids, ids[1:]):
    ...     path.loc[a, b] = path.loc[b, a] = 1
    >>> lisa = local_moran(pd.Series([1.0, 2, 3, 4, 5, 6], index=ids),
    ...                    weights_from_matrix(path), adjust="none")
    >>> lisa.table["quadrant"].tolist()
    ['low-low', 'low-low', 'low-low', 'high-high', 'high-high', 'high-high']
    >>> lisa.table["Ii"].round(3).tolist()
    [1.286, 0.771, 0.086, 0.086, 0.771, 1.286]
    """
    x = _aligned(values, weights)
    permutations = _check_permutations(permutations)
    alpha = _check_alpha(alpha)
    if p_value not in ("permutation", "normal"):
        raise InputError(f"p_value={p_value!r}: use 'permutation' or 'normal'.")
    adjust_p([], adjust)  # validates the name
    w = weights.matrix
    n = len(x)
    z = x - x.mean()
    m2 = float(z @ z) / n
    lz = w @ z
    ii = z / m2 * lz
    wi = np.asarray(w.sum(axis=1)).ravel()
    wi2 = np.asarray(w.power(2).sum(axis=1)).ravel()
    if conditional:
        e = -(z ** 2 * wi) / ((n - 1) * m2)
        v = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi ** 2 / (n - 1)) * (m2 - z ** 2 / (n - 1))
    else:
        b2 = (float((z ** 4).sum()) / n) / m2 ** 2
        a, b = (n - b2) / (n - 1), (2 * b2 - n) / ((n - 1) * (n - 2))
        e = -wi / (n - 1)
        v = a * wi2 + b * (wi ** 2 - wi2) - e ** 2
    isolated = wi == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        zi = (ii - e) / np.sqrt(v)
    # ties within rounding count in both tails; the scale bounds every |I_i^(r)|
    tol = TIE_RTOL * np.maximum(np.abs(ii), np.abs(z) / m2 * np.abs(w).sum(axis=1)
                                * np.abs(z).max())
    above, below = np.zeros(n), np.zeros(n)
    for lags in _conditional_blocks(z, weights, permutations, seed):
        draws = z / m2 * lags
        above += (draws >= ii - tol).sum(axis=0)
        below += (draws <= ii + tol).sum(axis=0)
    p_perm = np.where(isolated, np.nan, (1 + np.minimum(above, below)) / (permutations + 1))
    sd = np.sqrt(m2)
    table = pd.DataFrame({
        "value": x, "std_value": z / sd, "std_lag": lz / sd, "Ii": ii, "E_Ii": e,
        "Var_Ii": v, "Z_Ii": zi, "p_normal": 2 * ndtr(-np.abs(zi)), "p_permutation": p_perm,
    }, index=weights._index())
    quadrant = np.where(z > 0, "high", "low").astype(object) + "-" + \
        np.where(lz > 0, "high", "low").astype(object)
    table["quadrant"] = np.where(isolated, "isolate", quadrant)
    chosen = p_perm if p_value == "permutation" else table["p_normal"].to_numpy()
    _classify(table, np.where(isolated, np.nan, chosen), alpha, adjust, isolated,
              "cluster", table["quadrant"].to_numpy())
    return LocalMoranResult(table, alpha, adjust, p_value, permutations, seed, conditional)


@dataclass(frozen=True)
class GetisOrdResult:
    """Getis-Ord :math:`G_i^*` of every city (``table``, index adcode) and the options used.

    ``table`` columns: ``value``, ``Gi`` (:math:`G_i^*`), ``E_Gi``, ``Var_Gi``, ``Z_Gi``,
    ``p`` (two-sided normal), ``p_adjusted``, ``spot`` ("hot spot", "cold spot",
    "not significant").
    """

    table: pd.DataFrame
    alpha: float
    adjust: str
    self_weight: float | None

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> str:
        counts = self.table["spot"].value_counts()
        hot = self.table.index[self.table["spot"] == "hot spot"].tolist()
        return (f"Getis-Ord Gi* ({self.adjust} adjustment, alpha {self.alpha}): "
                f"{counts.get('hot spot', 0)} hot spots, {counts.get('cold spot', 0)} cold "
                f"spots" + (f"\n  hot spots: {_labels(hot)}" if hot else ""))


def getis_ord(values, weights: SpatialWeights, *, self_weight: float | None = None,
              alpha: float = 0.05, adjust: str = "none") -> GetisOrdResult:
    r"""Getis-Ord :math:`G_i^*`: is city :math:`i` with its neighbours a hot or cold spot?

    The weights include the city itself, :math:`w_{ii} > 0` (spdep's ``include.self``), then
    get the weights' ``style`` again.  The self weight is ``self_weight`` before styling; by
    default the largest weight in the city's own row (1 for queen and knn weights, as
    ``include.self``; for distance weights the city counts as much as its nearest neighbour;
    1 for an isolate).  With :math:`W_i^* = \sum_j w_{ij}`, :math:`S_{1i}^* = \sum_j w_{ij}^2`
    (j including i), :math:`\bar x` and :math:`s^2 = \sum(x-\bar x)^2/n` over all cities,

    .. math:: G_i^* = \frac{\sum_j w_{ij} x_j}{\sum_j x_j},\qquad
              Z_i = \frac{\sum_j w_{ij}x_j - W_i^*\bar x}
              {s\sqrt{(n S_{1i}^* - W_i^{*2})/(n-1)}},

    (Ord & Getis 1995, eq. 9; spdep's ``localG``), ``E_Gi`` and ``Var_Gi`` the moments of
    :math:`G_i^*` (spdep's ``return_internals``); ``p`` is two-sided normal, adjusted by
    ``adjust`` (:func:`adjust_p`; default ``"none"``, as spdep); a "hot spot" has
    :math:`Z_i > 0` and ``p_adjusted`` at most ``alpha``, a "cold spot" :math:`Z_i < 0`.
    :math:`G_i^*` as a share of the total presumes a non-negative quantity (Getis & Ord
    1992); :math:`Z_i` does not.

    References
    ----------
    Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of distance
    statistics. *Geographical Analysis* 24(3), 189-206.  Ord, J. K. & Getis, A. (1995).
    Local spatial autocorrelation statistics: distributional issues and an application.
    *Geographical Analysis* 27(4), 286-306.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import getis_ord, weights_from_matrix
    >>> ids = list("abcdef")
    >>> path = pd.DataFrame(0, index=ids, columns=ids)
    >>> for a, b in zip(ids, ids[1:]):
    ...     path.loc[a, b] = path.loc[b, a] = 1
    >>> g = getis_ord(pd.Series([1.0, 2, 3, 4, 5, 6], index=ids), weights_from_matrix(path))
    >>> g.table["Z_Gi"].round(3).tolist()
    [-1.852, -1.964, -0.655, 0.655, 1.964, 1.852]
    """
    x = _aligned(values, weights)
    alpha = _check_alpha(alpha)
    adjust_p([], adjust)
    if self_weight is not None and not (np.isfinite(self_weight) and self_weight > 0):
        raise InputError(f"self_weight={self_weight!r}: use a positive weight (or None for the "
                         "largest weight in the city's row).")
    raw = weights.raw
    n = len(x)
    if self_weight is None:
        row_max = np.asarray(raw.max(axis=1).toarray()).ravel()
        diagonal = np.where(np.diff(raw.indptr) > 0, row_max, 1.0)
    else:
        diagonal = np.full(n, float(self_weight))
    w = _styled(sparse.csr_array(raw + sparse.diags_array(diagonal)), weights.style)
    lx = w @ x
    wi = np.asarray(w.sum(axis=1)).ravel()
    s1i = np.asarray(w.power(2).sum(axis=1)).ravel()
    mean = x.mean()
    s2 = float(((x - mean) ** 2).sum()) / n
    eg = wi * mean
    vg = s2 * (n * s1i - wi ** 2) / (n - 1)
    zg = (lx - eg) / np.sqrt(vg)
    total = x.sum()
    table = pd.DataFrame({"value": x, "Gi": lx / total, "E_Gi": eg / total,
                          "Var_Gi": vg / total ** 2, "Z_Gi": zg, "p": 2 * ndtr(-np.abs(zg))},
                         index=weights._index())
    _classify(table, table["p"].to_numpy(), alpha, adjust, np.zeros(n, dtype=bool),
              "spot", np.where(zg > 0, "hot spot", "cold spot"))
    return GetisOrdResult(table, alpha, adjust, self_weight)

