r"""Spatial autocorrelation of per-city quantities (docs/method.md, section 10).

Is node resilience clustered in space, and where?  This module answers with the standard
tools, computed exactly as R's spdep computes them (``zero.policy=TRUE``, ``adjust.n=TRUE``):

* **weights** between cities (:func:`spatial_weights`): shared borders (queen contiguity,
  ``data/china_city_borders.csv``), the *k* nearest cities, or inverse great-circle distance
  within a cutoff; row-standardised (``style="W"``) by default.  Cities without a neighbour
  (isolates) are kept, reported in ``SpatialWeights.isolates`` and named in a warning; their
  spatial lag is 0, as in spdep.
* **global** tests (:func:`moran`, :func:`geary`): Moran's I and Geary's C with their moments
  under normality and under randomisation (Cliff & Ord 1981), z-scores, p-values and a seeded
  permutation p-value;
* **local** statistics: Moran's :math:`I_i` (LISA, :func:`local_moran`) with conditional
  permutation pseudo p-values, high-high / low-low / high-low / low-high clusters and a
  multiple-testing adjustment, and Getis-Ord :math:`G_i^*` (:func:`getis_ord`);
* :func:`stage_spatial_autocorrelation`: all of the above for every stage and quantity.

Examples
--------
>>> import pandas as pd
>>> from pyreslib import spatial
>>> cities = pd.Series([1.0, 2.0, 2.5, 8.0, 9.0, 9.5],
...                    index=[110000, 120000, 130600, 131000, 130900, 131100])
>>> w = spatial.spatial_weights(cities.index, "knn", k=2)
>>> w.n, w.kind, w.style, w.isolates
(6, 'knn', 'W', ())
>>> round(spatial.moran(cities, w).value, 4)
-0.3396
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from pyreslib.cities import border_table, city_table
from pyreslib.errors import InputError
from pyreslib.network import distance_matrix

__all__ = [
    "ADJUSTMENTS", "KINDS", "GetisOrdResult", "GlobalTest", "IsolateWarning",
    "LocalMoranResult", "SpatialAutocorrelation", "SpatialWeights", "adjust_p",
    "geary", "getis_ord", "local_moran", "moran", "spatial_weights",
    "stage_spatial_autocorrelation", "weights_from_matrix",
]

KINDS = ("queen", "knn", "distance")
"""Kinds of weights :func:`spatial_weights` builds."""
STYLES = ("W", "B")
ADJUSTMENTS = ("none", "bonferroni", "fdr")
"""Multiple-testing adjustments of local p-values (fdr = Benjamini-Hochberg)."""
ALTERNATIVES = ("greater", "less", "two-sided")
MAX_PERMUTATIONS = 100_000
TIE_RTOL = 1e-12
"""Permuted statistics this close (relative) to the observed one count as ties."""
MIN_DISTANCE_KM = 1.0
"""Great-circle distances are floored here before inverting (as in proximity_matrix)."""


class IsolateWarning(UserWarning):
    """Some cities have no neighbour under the chosen weights (they are kept, with lag 0)."""


# ------------------------------------------------------------------------------- weights
@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Spatial weights between cities: row ``i`` holds the weights of city ``i``'s neighbours.

    Attributes
    ----------
    adcodes : tuple
        The cities (6-digit adcodes; any ids for :func:`weights_from_matrix`), in matrix order.
    matrix : scipy.sparse.csr_array
        The weights :math:`w_{ij}` after ``style`` (row sums 1 for ``"W"``, isolates 0).
    raw : scipy.sparse.csr_array
        The weights before ``style`` (binary for queen and knn, :math:`d^{-p}` for distance).
    style, kind : str
    isolates : tuple
        The cities with no neighbour.
    params : dict
        ``k``, ``cutoff_km`` and ``power`` as given.
    """

    adcodes: tuple
    matrix: sparse.csr_array = field(repr=False)
    raw: sparse.csr_array = field(repr=False)
    style: str
    kind: str
    isolates: tuple
    params: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.adcodes)

    def __repr__(self) -> str:
        return f"<SpatialWeights {self.summary()}>"

    @property
    def cardinalities(self) -> pd.Series:
        """Number of neighbours of every city."""
        return pd.Series(np.diff(self.raw.indptr), index=self._index(), name="neighbours")

    def _index(self) -> pd.Index:
        return pd.Index(list(self.adcodes), name="adcode")

    def to_frame(self) -> pd.DataFrame:
        """The dense weights matrix (after ``style``), labelled by city."""
        return pd.DataFrame(self.matrix.toarray(), index=self._index(), columns=self._index())

    def lag(self, values) -> pd.Series:
        """The spatial lag :math:`\\sum_j w_{ij} x_j` of every city (0 for isolates)."""
        x = _aligned(values, self)
        return pd.Series(self.matrix @ x, index=self._index(), name="lag")

    def summary(self) -> str:
        card = self.cardinalities
        s0, s1, s2 = _constants(self.matrix)
        return (f"{self.kind} weights, style {self.style}: {self.n} cities, "
                f"{int(card.sum())} links, {card.mean():.2f} neighbours on average, "
                f"{len(self.isolates)} isolates; S0={s0:.6g} S1={s1:.6g} S2={s2:.6g}")


def _styled(raw: sparse.csr_array, style: str) -> sparse.csr_array:
    if style == "B":
        return raw.copy()
    rows = np.asarray(raw.sum(axis=1)).ravel()
    scale = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows > 0)
    out = sparse.csr_array(sparse.diags_array(scale) @ raw)
    out.sort_indices()
    return out


@functools.cache
def _city_names() -> dict:
    table = city_table()
    return dict(zip(table["adcode"].tolist(), table["name_zh"].tolist()))


def _label(city) -> str:
    name = _city_names().get(city)
    return f"{city} {name}" if name else str(city)


def _labels(cities, limit: int = 20) -> str:
    cities = list(cities)
    text = ", ".join(_label(c) for c in cities[:limit])
    return text + (f" and {len(cities) - limit} more" if len(cities) > limit else "")


def _finish(ids: list, raw: sparse.csr_array, style: str, kind: str, params: dict,
            hint: str) -> SpatialWeights:
    if style not in STYLES:
        raise InputError(f"style={style!r}: use 'W' (row-standardised) or 'B' (unscaled).")
    raw = sparse.csr_array(raw, dtype=float)
    raw.eliminate_zeros()
    raw.sort_indices()
    card = np.diff(raw.indptr)
    isolates = tuple(c for c, k in zip(ids, card) if k == 0)
    if len(isolates) == len(ids):
        raise InputError(f"{kind} weights leave every one of the {len(ids)} cities isolated "
                         f"(no city has a neighbour); {hint}")
    if isolates:
        warnings.warn(
            f"{kind} weights: {len(isolates)} of {len(ids)} cities have no neighbour and stay "
            f"in as isolates (spatial lag 0, local statistics NaN): {_labels(isolates)}.",
            IsolateWarning, stacklevel=3)
    return SpatialWeights(tuple(ids), _styled(raw, style), raw, style, kind, isolates, params)


def spatial_weights(
    adcodes: Iterable[int],
    kind: str = "queen",
    *,
    k: int | None = None,
    cutoff_km: float | None = None,
    power: float = 1.0,
    style: str = "W",
) -> SpatialWeights:
    r"""Spatial weights between the given cities.

    Parameters
    ----------
    adcodes
        6-digit adcodes of ``data/china_cities.csv`` (e.g. a Series' index, a stage's nodes).
    kind
        ``"queen"``: :math:`w_{ij} = 1` when the two cities share a land border (the bundled
        border table; any shared boundary point counts, i.e. queen contiguity).
        ``"knn"``: :math:`w_{ij} = 1` for the ``k`` cities nearest to :math:`i` by
        great-circle distance (asymmetric, as spdep's ``knn2nb``; ties go to the city listed
        first).  ``"distance"``: :math:`w_{ij} = d_{ij}^{-p}` for
        :math:`0 < d_{ij} \le` ``cutoff_km`` (km, haversine between city seats, floored at
        :data:`MIN_DISTANCE_KM`), ``power`` :math:`p \ge 0`; :math:`p = 0` gives a binary
        distance band.
    style
        ``"W"``: rows divided by their sums, :math:`w_{ij}/\sum_j w_{ij}` (spdep's default);
        ``"B"``: weights as built (binary for queen and knn).

    Returns
    -------
    SpatialWeights
        Isolates (cities with no neighbour) are kept and named in an :class:`IsolateWarning`.

    Raises
    ------
    InputError
        Unknown or repeated adcodes, fewer than 2 cities, an unknown ``kind``/``style``,
        ``k`` outside 1..n-1, a negative ``cutoff_km`` or ``power``, or weights that leave
        every city isolated.

    References
    ----------
    Cliff, A. D. & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.

    Examples
    --------
    >>> from pyreslib.spatial import spatial_weights
    >>> w = spatial_weights([110000, 120000, 130600], "queen")
    >>> w.to_frame().round(2).to_numpy().tolist()
    [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    >>> w.cardinalities.tolist()
    [2, 1, 1]
    """
    if kind not in KINDS:
        raise InputError(f"kind={kind!r}: use one of {list(KINDS)}.")
    if isinstance(adcodes, (str, bytes)) or not isinstance(adcodes, Iterable):
        raise InputError(f"adcodes: expected an iterable of 6-digit adcodes, got {adcodes!r:.60}.")
    km = distance_matrix(adcodes)  # validates: known, integer, not repeated
    ids = km.index.tolist()
    n = len(ids)
    if n < 2:
        raise InputError(f"adcodes: spatial weights need at least 2 cities, got {n}.")
    params = {"k": k, "cutoff_km": cutoff_km, "power": power}
    d = km.to_numpy(copy=True)
    if kind == "queen":
        position = {c: i for i, c in enumerate(ids)}
        pairs = [(position[a], position[b]) for a, b in zip(
            border_table()["adcode_a"].tolist(), border_table()["adcode_b"].tolist())
            if a in position and b in position]
        rows = [i for i, j in pairs] + [j for i, j in pairs]
        cols = [j for i, j in pairs] + [i for i, j in pairs]
        raw = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        hint = ("none of these cities shares a border with another; use kind='knn' or "
                "kind='distance'.")
    elif kind == "knn":
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
            raise InputError(f"k={k!r}: knn weights need an integer k with 1 <= k <= n-1 = "
                             f"{n - 1} (the number of other cities).")
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        raw = sparse.csr_array((np.ones(n * k), (np.repeat(np.arange(n), k), nearest.ravel())),
                               shape=(n, n))
        hint = ""
    else:
        if cutoff_km is None or not np.isfinite(cutoff_km) or cutoff_km <= 0:
            raise InputError(f"cutoff_km={cutoff_km!r}: distance weights need a positive "
                             "cutoff in km (e.g. 300).")
        if not np.isfinite(power) or power < 0:
            raise InputError(f"power={power!r}: use a power >= 0 (1: inverse distance, "
                             "2: inverse squared, 0: a binary distance band).")
        inside = (d <= cutoff_km) & ~np.eye(n, dtype=bool)
        values = np.where(inside, np.maximum(d, MIN_DISTANCE_KM) ** -float(power), 0.0)
        raw = sparse.csr_array(values)
        nearest = np.min(np.where(np.eye(n, dtype=bool), np.inf, d))
        hint = (f"no two of these cities are within cutoff_km={cutoff_km} km (the closest "
                f"pair is {nearest:.1f} km apart); raise cutoff_km.")
    return _finish(ids, raw, style, kind, params, hint)


def weights_from_matrix(matrix: pd.DataFrame, *, style: str = "W",
                        kind: str = "custom") -> SpatialWeights:
    """Spatial weights from a square non-negative matrix labelled by ids (index = columns).

    For weights the bundled geography does not give (another study area, a textbook data
    set).  The diagonal must be zero; ``style`` as in :func:`spatial_weights`.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import weights_from_matrix
    >>> m = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> weights_from_matrix(m).to_frame().loc["b"].tolist()
    [0.5, 0.0, 0.5]
    """
    if not isinstance(matrix, pd.DataFrame) or list(matrix.index) != list(matrix.columns):
        raise InputError("matrix: expected a square DataFrame whose index equals its columns.")
    if matrix.index.has_duplicates:
        raise InputError(f"matrix: ids {sorted(matrix.index[matrix.index.duplicated()])[:10]}"
                         " appear more than once.")
    values = matrix.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise InputError("matrix: weights must be finite and non-negative.")
    if np.diag(values).any():
        raise InputError("matrix: the diagonal must be 0 (a city is not its own neighbour; "
                         "getis_ord adds the city itself).")
    return _finish(list(matrix.index), sparse.csr_array(values), style, kind, {},
                   "the matrix has no positive off-diagonal weight.")


# ---------------------------------------------------------------------------- checks
def _aligned(values, weights: SpatialWeights, argument: str = "values") -> np.ndarray:
    """``values`` as a float array in the weights' city order, or a clear InputError."""
    if not isinstance(weights, SpatialWeights):
        raise InputError("weights: expected a SpatialWeights from spatial_weights() or "
                         f"weights_from_matrix(), got {type(weights).__name__}.")
    if isinstance(values, Mapping) and not isinstance(values, pd.Series):
        values = pd.Series(values)
    if isinstance(values, pd.Series):
        if values.index.has_duplicates:
            raise InputError(f"{argument}: cities {_labels(values.index[values.index.duplicated()])}"
                             " appear more than once; give one value per city.")
        index = pd.Index(list(weights.adcodes))
        extra = values.index.difference(index, sort=False)
        if len(extra):
            raise InputError(
                f"{argument}: {len(extra)} cities are not cities of the weights: "
                f"{_labels(extra)}; build the weights on the cities you have "
                f"(spatial_weights({argument}.index, ...)).")
        missing = index.difference(values.index, sort=False)
        if len(missing):
            raise InputError(
                f"{argument}: no value for {len(missing)} cities of the weights: "
                f"{_labels(missing)}; supply them, or build the weights without them "
                f"(spatial_weights({argument}.dropna().index, ...)).")
        values = values.reindex(index)
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{argument}: expected numbers per city, got {values!r:.80}.") from None
    if x.shape != (weights.n,):
        raise InputError(f"{argument}: expected {weights.n} values (one per city of the "
                         f"weights, in their order), got shape {x.shape}.")
    bad = ~np.isfinite(x)
    if bad.any():
        cities = [c for c, b in zip(weights.adcodes, bad) if b]
        raise InputError(
            f"{argument}: {len(cities)} cities have a missing or infinite value: "
            f"{_labels(cities)}; drop them and build the weights on the rest "
            f"(spatial_weights({argument}.dropna().index, ...)), or fill them in.")
    if np.ptp(x) == 0:
        raise InputError(f"{argument}: every city has the same value ({x[0]!r}); a constant "
                         "has variance zero and no spatial autocorrelation to measure.")
    return x


def _check_permutations(permutations) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or not 1 <= permutations <= MAX_PERMUTATIONS:
        raise InputError(f"permutations={permutations!r}: use an integer from 1 to "
                         f"{MAX_PERMUTATIONS:,} (999 is customary).")
    return int(permutations)


def _check_alternative(alternative: str) -> str:
    alternative = "two-sided" if alternative == "two.sided" else alternative
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative={alternative!r}: use one of {list(ALTERNATIVES)}.")
    return alternative


def _check_alpha(alpha) -> float:
    if not 0 < alpha < 1:
        raise InputError(f"alpha={alpha!r}: use a significance level between 0 and 1.")
    return float(alpha)


def _p_normal(z, alternative: str):
    if alternative == "greater":
        return ndtr(-z)
    if alternative == "less":
        return ndtr(z)
    return 2 * ndtr(-np.abs(z))


def _constants(w: sparse.csr_array) -> tuple[float, float, float]:
    """Cliff & Ord's S0, S1, S2 of the weights."""
    s0 = float(w.sum())
    s1 = 0.5 * float((w + w.T).power(2).sum())
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel())
                ** 2).sum())
    return s0, s1, s2


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


# ---------------------------------------------------------------------------- global
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
                      f"values' kurtosis is too large for {n} cities), so its z and p are NaN; "
                      "use the permutation p-value.", RuntimeWarning, stacklevel=3)
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


# ---------------------------------------------------------------------------- local
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
                adjust: str = "fdr", p_value: str = "permutation") -> LocalMoranResult:
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
    that level, so adjusted maps want more permutations (9999 for ~250 cities).

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
              alpha: float = 0.05, adjust: str = "fdr") -> GetisOrdResult:
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
    ``adjust`` (:func:`adjust_p`); a "hot spot" has :math:`Z_i > 0` and ``p_adjusted`` at
    most ``alpha``, a "cold spot" :math:`Z_i < 0`.  :math:`G_i^*` as a share of the total
    presumes a non-negative quantity (Getis & Ord 1992); :math:`Z_i` does not.

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


# ---------------------------------------------------------------------------- stages
@dataclass(frozen=True)
class SpatialAutocorrelation:
    """Spatial autocorrelation of every stage and quantity.

    ``global_tests``: one row per stage, quantity and statistic (Moran's I, Geary's C) with
    the fields of :class:`GlobalTest`.  ``local``: one row per stage, quantity and city with
    the LISA columns of :func:`local_moran` and ``Gi``, ``Z_Gi``, ``p_Gi``,
    ``p_Gi_adjusted``, ``spot`` of :func:`getis_ord`.  ``weights``: the weights of each stage.
    """

    global_tests: pd.DataFrame
    local: pd.DataFrame
    weights: dict = field(repr=False)
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.global_tests

    def high_high(self, stage, quantity) -> list:
        rows = self.local[(self.local["stage"] == stage) & (self.local["quantity"] == quantity)]
        return rows.loc[rows["cluster"] == "high-high", "adcode"].tolist()

    def summary(self) -> str:
        lines = []
        moran_rows = self.global_tests[self.global_tests["statistic"] == "Moran's I"]
        for row in moran_rows.itertuples(index=False):
            verdict = ("clustered" if row.p_permutation <= self.options["alpha"] and row.value
                       > row.expectation else "not clustered")
            hh = self.high_high(row.stage, row.quantity)
            lines.append(f"{row.stage}, {row.quantity}: Moran's I = {row.value:.3f} "
                         f"(permutation p = {row.p_permutation:.3g}) -> {verdict}; "
                         f"high-high: {_labels(hh, 10) if hh else 'none'}")
        return "\n".join(lines)


def stage_spatial_autocorrelation(
    quantities: Mapping[Hashable, pd.Series | pd.DataFrame],
    *,
    kind: str = "queen",
    k: int | None = None,
    cutoff_km: float | None = None,
    power: float = 1.0,
    style: str = "W",
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    adjust: str = "fdr",
) -> SpatialAutocorrelation:
    """Moran's I, Geary's C, LISA and Gi* of every per-city quantity of every stage.

    ``quantities`` maps a stage to a Series (one quantity) or a DataFrame (one column per
    quantity, e.g. node resilience's score and the centralities), indexed by adcode.  Each
    stage's weights are built on its cities with ``kind``, ``k``, ``cutoff_km``, ``power``,
    ``style`` (:func:`spatial_weights`); every test uses ``seed``, so a quantity's result does
    not depend on which other quantities are computed.  A long table such as
    :func:`pyreslib.resilience.stage_node_resilience`'s converts with
    ``{s: t.set_index("node")[cols] for s, t in table.groupby("stage")}``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pyreslib.spatial import stage_spatial_autocorrelation
    >>> cities = [110000, 120000, 130100, 130600, 131000, 130900, 131100, 130200]
    >>> degree = pd.Series([7.0, 5, 1, 2, 3, 2, 1, 4], index=cities)
    >>> out = stage_spatial_autocorrelation({"2011-2014": degree.to_frame("degree")},
    ...                                     kind="knn", k=3)
    >>> out.global_tests[["stage", "quantity", "statistic"]].values.tolist()
    [['2011-2014', 'degree', "Moran's I"], ['2011-2014', 'degree', "Geary's C"]]
    >>> len(out.local)
    8
    """
    if not isinstance(quantities, Mapping) or not quantities:
        raise InputError("quantities: expected a non-empty dict mapping stage -> Series or "
                         "DataFrame of per-city quantities (index adcode).")
    rows, frames, used = [], [], {}
    for stage, table in quantities.items():
        if isinstance(table, pd.Series):
            table = table.to_frame(table.name if table.name is not None else "value")
        if not isinstance(table, pd.DataFrame) or table.empty:
            raise InputError(f"quantities[{stage!r}]: expected a non-empty Series or DataFrame "
                             "indexed by adcode.")
        incomplete = table.index[table.isna().any(axis=1)]
        if len(incomplete):
            raise InputError(
                f"quantities[{stage!r}]: {len(incomplete)} cities have a missing value: "
                f"{_labels(incomplete)}; drop them first (table.dropna()) or fill them in.")
        try:
            weights = spatial_weights(table.index, kind, k=k, cutoff_km=cutoff_km,
                                      power=power, style=style)
        except InputError as error:
            raise InputError(f"quantities[{stage!r}]: {error}") from None
        used[stage] = weights
        for quantity in table.columns:
            values = table[quantity]
            where = f"quantities[{stage!r}][{quantity!r}]"
            try:
                tests = [moran(values, weights, permutations=permutations, seed=seed),
                         geary(values, weights, permutations=permutations, seed=seed)]
                lisa = local_moran(values, weights, permutations=permutations, seed=seed,
                                   alpha=alpha, adjust=adjust)
                gi = getis_ord(values, weights, alpha=alpha, adjust=adjust)
            except InputError as error:
                raise InputError(f"{where}: {error}") from None
            for test in tests:
                rows.append({"stage": stage, "quantity": quantity, "statistic": test.statistic,
                             **{key: getattr(test, key) for key in test.to_series().index}})
            local = lisa.table.join(gi.table[["Gi", "Z_Gi", "p", "p_adjusted", "spot"]].rename(
                columns={"p": "p_Gi", "p_adjusted": "p_Gi_adjusted"}))
            local.insert(0, "name_zh", [_city_names().get(c, "") for c in local.index])
            frames.append(local.reset_index().assign(stage=stage, quantity=quantity))
    local = pd.concat(frames, ignore_index=True)
    local = local[["stage", "quantity"] + [c for c in local.columns
                                           if c not in ("stage", "quantity")]]
    options = {"kind": kind, "k": k, "cutoff_km": cutoff_km, "power": power, "style": style,
               "permutations": permutations, "seed": seed, "alpha": alpha, "adjust": adjust}
    return SpatialAutocorrelation(pd.DataFrame(rows), local, used, options)
