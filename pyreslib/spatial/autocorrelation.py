r"""Global tests of spatial autocorrelation: Moran's I and Geary's C (docs/method.md, 10).

Each with its moments under normality and under randomisation (Cliff & Ord 1981), z-scores,
p-values and a seeded permutation p-value, computed as spdep's ``moran.test`` and
``geary.test`` with ``zero.policy=TRUE`` and ``adjust.n=TRUE``.

Examples
--------
>>> import pandas as pd
>>> from pyreslib.spatial.autocorrelation import moran
>>> from pyreslib.spatial.weights import spatial_weights
>>> cities = pd.Series([1.0, 2.0, 2.5, 8.0, 9.0, 9.5],
...                    index=[110000, 120000, 130600, 131000, 130900, 131100])
>>> round(moran(cities, spatial_weights(cities.index, "knn", k=2)).value, 4)
-0.3396
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pyreslib.errors import InputError
from pyreslib.spatial._checks import (
    TIE_RTOL,
    _check_alternative,
    _check_permutations,
    _p_normal,
)
from pyreslib.spatial.weights import SpatialWeights, _aligned, _constants

__all__ = ["GlobalTest", "geary", "moran"]


def _tail_counts(observed: float, draws: np.ndarray) -> tuple[int, int]:
    """#{draws >= observed}, #{draws <= observed}, a draw within rounding of it counting in
    both (the same values summed in another order differ in the last bits)."""
    tol = TIE_RTOL * max(abs(observed), float(np.abs(draws).max(initial=0.0)))
    return (int(np.count_nonzero(draws >= observed - tol)),
            int(np.count_nonzero(draws <= observed + tol)))


def _permutation_p(observed: float, draws: np.ndarray, alternative: str) -> float:
    """(1 + #draws at least as extreme) / (permutations + 1); two-sided doubles the smaller."""
    m = len(draws)
    above, below = _tail_counts(observed, draws)
    upper, lower = (1 + above) / (m + 1), (1 + below) / (m + 1)
    if alternative == "greater":
        return upper
    if alternative == "less":
        return lower
    return min(1.0, 2 * min(upper, lower))


def _permuted(z: np.ndarray, permutations: int, seed, statistic) -> np.ndarray:
    """``statistic`` of each row of permuted ``z``; row r is the r-th rng.permutation(n)."""
    rng = np.random.default_rng(seed)
    n = len(z)
    chunk = max(1, 2_000_000 // n)
    out = []
    for start in range(0, permutations, chunk):
        rows = min(chunk, permutations - start)
        order = rng.permuted(np.tile(np.arange(n), (rows, 1)), axis=1)
        out.append(statistic(z[order]))
    return np.concatenate(out)



@dataclass(frozen=True)
class GlobalTest:
    """A global test of spatial autocorrelation (Moran's I or Geary's C).

    ``p_normality``/``p_randomisation`` are normal p-values of the z-scores under the two
    assumptions, ``p_permutation`` the seeded permutation p-value; ``permuted`` the
    statistic under each permutation.  ``n`` counts the cities, ``n_effective`` those with a
    neighbour (spdep's ``adjust.n``).
    """

    statistic: str
    value: float
    expectation: float
    variance_normality: float
    variance_randomisation: float
    z_normality: float
    z_randomisation: float
    p_normality: float
    p_randomisation: float
    p_permutation: float
    permutations: int
    seed: int | None
    alternative: str
    n: int
    n_effective: int
    weights: str
    permuted: np.ndarray = field(repr=False)

    def to_series(self) -> pd.Series:
        keys = ["value", "expectation", "variance_normality", "variance_randomisation",
                "z_normality", "z_randomisation", "p_normality", "p_randomisation",
                "p_permutation", "permutations", "n", "n_effective"]
        return pd.Series({k: getattr(self, k) for k in keys}, name=self.statistic)

    def to_frame(self) -> pd.DataFrame:
        """One row (the statistic) with the fields of :meth:`to_series`."""
        return self.to_series().to_frame().T

    def summary(self) -> str:
        head = (f"{self.statistic} ({self.weights}; {self.n} cities, {self.n_effective} "
                f"with neighbours), alternative: {self.alternative}")
        rows = [head,
                f"  statistic {self.value:.6f}   expectation {self.expectation:.6f}",
                f"  {'':14}{'variance':>12}{'z':>10}{'p':>12}"]
        for label in ("normality", "randomisation"):
            rows.append(f"  {label:14}{getattr(self, 'variance_' + label):12.6g}"
                        f"{getattr(self, 'z_' + label):10.4f}{getattr(self, 'p_' + label):12.4g}")
        rows.append(f"  permutation ({self.permutations} draws, seed {self.seed}): "
                    f"p = {self.p_permutation:.4g}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.summary()


def _describe(weights: SpatialWeights) -> str:
    return f"{weights.kind} weights, style {weights.style}"


def moran(values, weights: SpatialWeights, *, permutations: int = 999, seed: int | None = 0,
          alternative: str = "greater") -> GlobalTest:
    r"""Global Moran's I with its moments, z-scores and a permutation p-value.

    .. math:: I = \frac{n}{S_0}\,\frac{\sum_i\sum_j w_{ij} z_i z_j}{\sum_i z_i^2},
              \qquad z_i = x_i - \bar x,

    :math:`S_0 = \sum_{ij} w_{ij}`, :math:`S_1 = \tfrac12\sum_{ij}(w_{ij}+w_{ji})^2`,
    :math:`S_2 = \sum_i(w_{i\cdot}+w_{\cdot i})^2`; :math:`E[I] = -1/(n-1)`;
    under normality
    :math:`\mathrm{Var}[I] = (n^2 S_1 - n S_2 + 3 S_0^2)/(S_0^2(n^2-1)) - E[I]^2`; under
    randomisation (Cliff & Ord 1981, eq. 1.38), with the sample kurtosis
    :math:`b_2 = N\sum z^4/(\sum z^2)^2`,

    .. math:: \mathrm{Var}[I] = \frac{n[(n^2-3n+3)S_1 - nS_2 + 3S_0^2]
              - b_2[(n^2-n)S_1 - 2nS_2 + 6S_0^2]}{(n-1)(n-2)(n-3)S_0^2} - E[I]^2.

    As spdep's ``moran.test(..., zero.policy=TRUE)``: :math:`n` counts only the cities with a
    neighbour (``adjust.n``), while the mean, :math:`\sum z^2` and the kurtosis (with
    :math:`N` all cities) use every city, isolates included.

    The permutation p-value is :math:`(1 + \#\{I^{(r)} \ge I\})/(R + 1)` for
    ``alternative="greater"`` (:math:`\le` for ``"less"``; twice the smaller for
    ``"two-sided"``, at most 1) over :math:`R` = ``permutations`` random relabellings of the
    values; permutation :math:`r` is the :math:`r`-th ``rng.permutation(n)`` of
    ``numpy.random.default_rng(seed)``.  spdep's ``moran.mc`` draws with R's RNG, so its draws
    cannot be repeated here, and its version 1.2 counts ``max(#{I^(r) >= I}, 1)`` (spdep issue
    #172), which is 1/(R+1) smaller whenever some draw reaches I.

    Parameters
    ----------
    values
        A per-city quantity: a Series indexed by the weights' cities (or an array in their
        order).  Every city needs a finite value; a constant is refused.
    weights
        From :func:`spatial_weights` or :func:`weights_from_matrix`.
    permutations
        Number of permutations, 1 to 100,000.
    seed
        Seed of the permutations (None: fresh entropy, not repeatable).
    alternative
        ``"greater"`` (positive autocorrelation, spdep's default), ``"less"``, ``"two-sided"``.

    Returns
    -------
    GlobalTest

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37, 17-23.
    Cliff, A. D. & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import moran, weights_from_matrix
    >>> ids = list("abcdef")
    >>> path = pd.DataFrame(0, index=ids, columns=ids)
    >>> for a, b in zip(ids, ids[1:]):
    ...     path.loc[a, b] = path.loc[b, a] = 1
    >>> test = moran(pd.Series([1.0, 2, 3, 4, 5, 6], index=ids), weights_from_matrix(path))
    >>> round(test.value, 6), round(test.expectation, 6)
    (0.714286, -0.2)
    >>> test.p_permutation  # over all 720 orders: 8 of 720 reach 0.714286, p = 0.011
    0.014
    """
    x = _aligned(values, weights)
    permutations = _check_permutations(permutations)
    alternative = _check_alternative(alternative)
    w = weights.matrix
    N = len(x)
    n = N - len(weights.isolates)
    if n < 4:
        raise InputError(f"weights: Moran's variance needs at least 4 cities with neighbours, "
                         f"got {n}.")
    s0, s1, s2 = _constants(w)
    z = x - x.mean()
    zz = float(z @ z)
    value = n / s0 * float(z @ (w @ z)) / zz
    kurtosis = N * float((z ** 4).sum()) / zz ** 2
    e = -1.0 / (n - 1)
    nn = n * n
    v_norm = (nn * s1 - n * s2 + 3 * s0 ** 2) / (s0 ** 2 * (nn - 1)) - e ** 2
    v_rand = (n * (s1 * (nn - 3 * n + 3) - n * s2 + 3 * s0 ** 2)
              - kurtosis * (s1 * (nn - n) - 2 * n * s2 + 6 * s0 ** 2))
    v_rand = v_rand / ((n - 1) * (n - 2) * (n - 3) * s0 ** 2) - e ** 2

    def statistic(rows: np.ndarray) -> np.ndarray:
        return n / s0 * np.einsum("ij,ij->i", rows, (w @ rows.T).T) / zz

    draws = _permuted(z, permutations, seed, statistic)
    return _global("Moran's I", value, e, v_norm, v_rand, (value - e), alternative,
                   _permutation_p(statistic(z[None, :])[0], draws, alternative),
                   permutations, seed, N, n, weights, draws)


def _global(name, value, e, v_norm, v_rand, deviation, alternative, p_perm, permutations,
            seed, N, n, weights, draws) -> GlobalTest:
    if v_rand < 0:  # spdep warns too; the permutation p-value needs no moments
        warnings.warn(f"{name}: the variance under randomisation is negative ({v_rand:.3g}; the "
                      f"values' kurtosis is too large for {n} cities), so it has no z or p "
                      "under randomisation (both missing); use the permutation p-value.",
                      RuntimeWarning, stacklevel=3)
    with np.errstate(invalid="ignore"):
        z_norm, z_rand = deviation / np.sqrt(v_norm), deviation / np.sqrt(v_rand)
    return GlobalTest(name, float(value), float(e), float(v_norm), float(v_rand),
                      float(z_norm), float(z_rand), float(_p_normal(z_norm, alternative)),
                      float(_p_normal(z_rand, alternative)), float(p_perm), permutations,
                      seed, alternative, N, n, _describe(weights), draws)


def geary(values, weights: SpatialWeights, *, permutations: int = 999, seed: int | None = 0,
          alternative: str = "greater") -> GlobalTest:
    r"""Geary's C with its moments, z-scores and a permutation p-value.

    .. math:: C = \frac{n-1}{2 S_0}\,
              \frac{\sum_i\sum_j w_{ij}(x_i - x_j)^2}{\sum_i (x_i-\bar x)^2},\qquad E[C] = 1,

    under normality :math:`\mathrm{Var}[C] = ((2S_1+S_2)(n-1) - 4S_0^2)/(2(N+1)S_0^2)`; under
    randomisation (Cliff & Ord 1981, eq. 1.39) with kurtosis :math:`b_2`,

    .. math:: \mathrm{Var}[C] = \frac{(n-1)S_1[n^2-3N+3-b_2(n-1)]
              - \tfrac14 (n-1)S_2[n^2+3N-6-b_2(n^2-N+2)] + S_0^2[n^2-3-b_2(n-1)^2]}
              {N(n-2)(n-3)S_0^2}.

    :math:`C < 1` is positive autocorrelation, so ``alternative="greater"`` (positive
    autocorrelation, spdep's default) takes the lower tail: :math:`z = (1 - C)/\sqrt{Var}`
    and the permutation p-value :math:`(1 + \#\{C^{(r)} \le C\})/(R + 1)`.  As spdep's
    ``geary.test(..., zero.policy=TRUE)``: :math:`n` counts the cities with a neighbour,
    :math:`N` all cities, exactly where spdep uses each.  Permutations as in :func:`moran`;
    spdep 1.2's ``geary.mc`` gives the same p-value except when no :math:`C^{(r)}` exceeds
    :math:`C` (then R/(R+1) instead of 1).

    Parameters and Returns as :func:`moran`.

    References
    ----------
    Geary, R. C. (1954). The contiguity ratio and statistical mapping. *The Incorporated
    Statistician* 5, 115-145.  Cliff & Ord (1981), *Spatial Processes*, Pion.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import geary, weights_from_matrix
    >>> ids = list("abcdef")
    >>> path = pd.DataFrame(0, index=ids, columns=ids)
    >>> for a, b in zip(ids, ids[1:]):
    ...     path.loc[a, b] = path.loc[b, a] = 1
    >>> test = geary(pd.Series([1.0, 2, 3, 4, 5, 6], index=ids), weights_from_matrix(path))
    >>> round(test.value, 6), test.expectation
    (0.142857, 1.0)
    """
    x = _aligned(values, weights)
    permutations = _check_permutations(permutations)
    alternative = _check_alternative(alternative)
    w = weights.matrix
    N = len(x)
    n = N - len(weights.isolates)
    if n < 4:
        raise InputError(f"weights: Geary's variance needs at least 4 cities with neighbours, "
                         f"got {n}.")
    s0, s1, s2 = _constants(w)
    z = (x - x.mean()) / x.std(ddof=1)
    zz = float(z @ z)
    kurtosis = n * float((z ** 4).sum()) / zz ** 2
    coo = w.tocoo()
    value = (n - 1) / (2 * s0) * float((coo.data * (z[coo.row] - z[coo.col]) ** 2).sum()) / zz
    nn, n1 = n * n, n - 1
    v_rand = (n1 * s1 * (nn - 3 * N + 3 - kurtosis * n1)
              - 0.25 * n1 * s2 * (nn + 3 * N - 6 - kurtosis * (nn - N + 2))
              + s0 ** 2 * (nn - 3 - kurtosis * n1 ** 2)) / (N * (n - 2) * (n - 3) * s0 ** 2)
    v_norm = ((2 * s1 + s2) * n1 - 4 * s0 ** 2) / (2 * (N + 1) * s0 ** 2)
    margins = np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()

    def statistic(rows: np.ndarray) -> np.ndarray:
        # sum_ij w_ij (z_i - z_j)^2 = sum_i (w_i. + w_.i) z_i^2 - 2 z'Wz
        cross = np.einsum("ij,ij->i", rows, (w @ rows.T).T)
        return (n - 1) / (2 * s0) * ((rows ** 2) @ margins - 2 * cross) / zz

    draws = _permuted(z, permutations, seed, statistic)
    # "greater" means C below 1: flip the tails of the permutation count
    flip = {"greater": "less", "less": "greater", "two-sided": "two-sided"}[alternative]
    return _global("Geary's C", value, 1.0, v_norm, v_rand, 1.0 - value, alternative,
                   _permutation_p(statistic(z[None, :])[0], draws, flip),
                   permutations, seed, N, n, weights, draws)

