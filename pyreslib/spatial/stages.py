"""Spatial autocorrelation of every stage and quantity: the per-stage runner of the main job.

Examples
--------
>>> import pandas as pd
>>> from pyreslib.spatial.stages import stage_spatial_autocorrelation
>>> cities = [110000, 120000, 130100, 130600, 131000, 130900, 131100, 130200]
>>> out = stage_spatial_autocorrelation({"s": pd.Series([7.0, 5, 1, 2, 3, 2, 1, 4],
...                                                     index=cities, name="degree")},
...                                     kind="knn", k=3, permutations=99)
>>> out.options["adjust"], out.options["local_permutations"]
('none', 99)
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from pyreslib.errors import InputError
from pyreslib.spatial.autocorrelation import geary, moran
from pyreslib.spatial.local import getis_ord, local_moran
from pyreslib.spatial.weights import _city_names, _labels, spatial_weights

__all__ = ["SpatialAutocorrelation", "stage_spatial_autocorrelation"]


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

    def cities(self, stage, quantity, label: str = "high-high", column: str = "cluster") -> list:
        """The cities of one stage and quantity whose ``column`` is ``label``: a LISA cluster
        ("high-high", "low-low", "high-low", "low-high") or, with ``column="spot"``, a Gi*
        "hot spot" or "cold spot"."""
        rows = self.local[(self.local["stage"] == stage) & (self.local["quantity"] == quantity)]
        return rows.loc[rows[column] == label, "adcode"].tolist()

    def high_high(self, stage, quantity) -> list:
        """The significant high-high cities of one stage and quantity."""
        return self.cities(stage, quantity, "high-high")

    def moran_test(self, stage, quantity) -> pd.Series:
        """The Moran's I row of ``global_tests`` for one stage and quantity."""
        rows = self.global_tests[(self.global_tests["stage"] == stage)
                                 & (self.global_tests["quantity"] == quantity)
                                 & (self.global_tests["statistic"] == "Moran's I")]
        if rows.empty:
            raise InputError(f"no Moran's I of quantity {quantity!r} in stage {stage!r}; the "
                             f"stages are {list(self.weights)}.")
        return rows.iloc[0]

    def is_clustered(self, stage, quantity) -> bool:
        """Whether the quantity is positively autocorrelated in the stage: Moran's I above its
        expectation with a permutation p-value at most ``alpha`` (one-sided)."""
        row = self.moran_test(stage, quantity)
        return bool(row["p_permutation"] <= self.options["alpha"]
                    and row["value"] > row["expectation"])

    def summary(self) -> str:
        lines = []
        moran_rows = self.global_tests[self.global_tests["statistic"] == "Moran's I"]
        for row in moran_rows.itertuples(index=False):
            verdict = ("clustered" if self.is_clustered(row.stage, row.quantity)
                       else "not clustered")
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
    local_permutations: int | None = None,
    seed: int | None = 0,
    alpha: float = 0.05,
    adjust: str = "none",
) -> SpatialAutocorrelation:
    """Moran's I, Geary's C, LISA and Gi* of every per-city quantity of every stage.

    Each stage's weights are built on its cities (:func:`~pyreslib.spatial.spatial_weights`);
    every test uses ``seed``, so a quantity's result does not depend on which other
    quantities are computed.  A long table such as
    :func:`pyreslib.node_resilience.stage_node_resilience`'s converts with
    ``{s: t.set_index("node")[cols] for s, t in table.groupby("stage")}``.

    Parameters
    ----------
    quantities
        Stage -> a Series (one quantity) or a DataFrame (one column per quantity, e.g. node
        resilience's score and the centralities), indexed by adcode; no missing value.
    kind, k, cutoff_km, power, style
        The weights, as :func:`~pyreslib.spatial.spatial_weights`.
    permutations
        Permutations of the global tests (:func:`~pyreslib.spatial.moran`,
        :func:`~pyreslib.spatial.geary`).
    local_permutations
        Conditional permutations of the LISA (:func:`~pyreslib.spatial.local_moran`); None:
        ``permutations``.  An adjusted LISA map wants more (9999 for ~250 cities).
    seed, alpha, adjust
        As :func:`~pyreslib.spatial.local_moran`; ``adjust`` applies to LISA and Gi*.

    Returns
    -------
    SpatialAutocorrelation

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association—LISA. *Geographical
    Analysis* 27(2), 93-115.  Getis, A. & Ord, J. K. (1992). *Geographical Analysis* 24(3),
    189-206.

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
    local_permutations = permutations if local_permutations is None else local_permutations
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
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    tests = [moran(values, weights, permutations=permutations, seed=seed),
                             geary(values, weights, permutations=permutations, seed=seed)]
                    lisa = local_moran(values, weights, permutations=local_permutations,
                                       seed=seed, alpha=alpha, adjust=adjust)
                    gi = getis_ord(values, weights, alpha=alpha, adjust=adjust)
                except InputError as error:
                    raise InputError(f"{where}: {error}") from None
            for caught_warning in caught:  # said again with the stage and quantity it is about
                warnings.warn(f"stage {stage!r}, {quantity!r}: {caught_warning.message}",
                              caught_warning.category, stacklevel=2)
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
               "permutations": permutations, "local_permutations": local_permutations,
               "seed": seed, "alpha": alpha, "adjust": adjust}
    return SpatialAutocorrelation(pd.DataFrame(rows), local, used, options)

