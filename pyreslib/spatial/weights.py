r"""Spatial weights between cities, and the checks every statistic makes of its values.

:func:`spatial_weights` builds queen-contiguity, k-nearest or inverse-distance weights on the
bundled geography; :func:`weights_from_matrix` takes any square matrix (another study area, a
textbook data set).  Isolates (cities without a neighbour) are kept, listed in
:attr:`SpatialWeights.isolates` and named in an :class:`IsolateWarning`; their spatial lag is
0, as with spdep's ``zero.policy=TRUE`` (docs/method.md, section 10).

Examples
--------
>>> from pyreslib.spatial.weights import spatial_weights
>>> w = spatial_weights([110000, 120000, 130600, 131000], "knn", k=2)
>>> w.cardinalities.tolist()
[2, 2, 2, 2]
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from pyreslib.cities import border_table, city_table
from pyreslib.errors import InputError
from pyreslib.network import distance_matrix

__all__ = ["KINDS", "MIN_DISTANCE_KM", "STYLES", "IsolateWarning", "SpatialWeights",
           "spatial_weights", "weights_from_matrix"]

KINDS = ("queen", "knn", "distance")
"""Kinds of weights :func:`spatial_weights` builds."""
STYLES = ("W", "B")
"""Styles of weights: row-standardised or as built."""
MIN_DISTANCE_KM = 1.0
"""Great-circle distances are floored here before inverting (as in proximity_matrix)."""


class IsolateWarning(UserWarning):
    """Some cities have no neighbour under the chosen weights (they are kept, with lag 0)."""



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
            f"in as isolates (spatial lag 0, no local statistics): {_labels(isolates)}.",
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
            repeated = values.index[values.index.duplicated()]
            raise InputError(f"{argument}: cities {_labels(repeated)} appear more than once; "
                             "give one value per city.")
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
        raise InputError(f"{argument}: every city has the same value ({float(x[0])!r}); a "
                         "constant has variance zero and no spatial autocorrelation to measure.")
    return x


def _constants(w: sparse.csr_array) -> tuple[float, float, float]:
    """Cliff & Ord's S0, S1, S2 of the weights."""
    s0 = float(w.sum())
    s1 = 0.5 * float((w + w.T).power(2).sum())
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel())
                ** 2).sum())
    return s0, s1, s2
