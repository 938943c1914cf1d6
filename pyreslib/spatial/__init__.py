r"""Spatial autocorrelation of per-city quantities (docs/method.md, section 10).

Is node resilience clustered in space, and where?  This package answers with the standard
tools, computed exactly as R's spdep computes them (``zero.policy=TRUE``, ``adjust.n=TRUE``),
one module per topic; the names below are importable from ``pyreslib.spatial`` itself:

* **weights** between cities (:mod:`~pyreslib.spatial.weights`, :func:`spatial_weights`):
  shared borders (queen contiguity,
  ``data/china_city_borders.csv``), the *k* nearest cities, or inverse great-circle distance
  within a cutoff; row-standardised (``style="W"``) by default.  Cities without a neighbour
  (isolates) are kept, reported in ``SpatialWeights.isolates`` and named in a warning; their
  spatial lag is 0, as in spdep.
* **global** tests (:mod:`~pyreslib.spatial.autocorrelation`, :func:`moran`,
  :func:`geary`): Moran's I and Geary's C with their moments
  under normality and under randomisation (Cliff & Ord 1981), z-scores, p-values and a seeded
  permutation p-value;
* **local** statistics (:mod:`~pyreslib.spatial.local`): Moran's :math:`I_i` (LISA,
  :func:`local_moran`) with conditional permutation pseudo p-values, high-high / low-low /
  high-low / low-high clusters and a multiple-testing adjustment (``adjust="none"`` by
  default, as spdep and GeoDa; :func:`adjust_p`), and Getis-Ord :math:`G_i^*`
  (:func:`getis_ord`);
* :func:`stage_spatial_autocorrelation` (:mod:`~pyreslib.spatial.stages`): all of the above
  for every stage and quantity.

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

from pyreslib.spatial._checks import ALTERNATIVES, MAX_PERMUTATIONS
from pyreslib.spatial.autocorrelation import GlobalTest, geary, moran
from pyreslib.spatial.local import (
    ADJUSTMENTS,
    GetisOrdResult,
    LocalMoranResult,
    adjust_p,
    getis_ord,
    local_moran,
)
from pyreslib.spatial.stages import SpatialAutocorrelation, stage_spatial_autocorrelation
from pyreslib.spatial.weights import (
    KINDS,
    MIN_DISTANCE_KM,
    STYLES,
    IsolateWarning,
    SpatialWeights,
    spatial_weights,
    weights_from_matrix,
)

__all__ = [
    "ADJUSTMENTS", "ALTERNATIVES", "KINDS", "MAX_PERMUTATIONS", "MIN_DISTANCE_KM", "STYLES",
    "GetisOrdResult", "GlobalTest", "IsolateWarning", "LocalMoranResult",
    "SpatialAutocorrelation", "SpatialWeights", "adjust_p", "geary", "getis_ord",
    "local_moran", "moran", "spatial_weights", "stage_spatial_autocorrelation",
    "weights_from_matrix",
]
