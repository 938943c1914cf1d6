r"""Network resilience by coupling coordination, and node resilience (docs/method.md).

Network level.  Each stage's indicators (from :func:`pyreslib.metrics.stage_indicators`) are
normalised across the stages being compared, combined into resilience *dimensions*, and the
dimensions' agreement is scored by the coupling coordination ("coupling harmonious degree")
model:

.. math::

    C = n\left[\frac{\prod_{i=1}^n U_i}{\left(\sum_{i=1}^n U_i\right)^n}\right]^{1/n},\qquad
    T = \sum_{i=1}^n a_i U_i,\qquad D = \sqrt{C\,T},

with dimension scores :math:`U_i \in [0,1]` and dimension weights :math:`a_i` summing to 1.
By the inequality of arithmetic and geometric means :math:`C \in [0,1]`, equal to 1 exactly
when all :math:`U_i` are equal.  The n-system form is the one recommended by Wang Shujia,
Kong Wei, Ren Liang, Zhi Dandan & Dai Binting (2021), "Research on misuses and modification of
coupling coordination degree model in China", *Journal of Natural Resources* 36(3), 793-810,
doi:10.31497/zrzyxb.20210319 (in Chinese; reference checked against the journal's own page);
the two-system model goes back to Liu Yaobin, Li Rendong & Song Xuefeng (2005), "Analysis of
coupling degrees of urbanization and ecological environment in China", *Journal of Natural
Resources* 20(1), 105-112 (reference as recalled: check it before citing in print).  For n = 2
the formula is :math:`C = 2\sqrt{U_1U_2}/(U_1+U_2)`; the test suite reproduces, year by year, the
C, T and D printed in Table 4 of a published two-system study (Mathematical Problems in
Engineering 2022, article 2969206, doi:10.1155/2022/2969206).

Presets.  ``preset="study"`` (the default) is the reference study's index: the three
dimensions its text names -- transmissibility by the average path length (shorter is better),
clustering by the average clustering coefficient, hierarchy by the slope of the degree
distribution (the rank-size slope b of :func:`pyreslib.metrics.rank_size_slope`, steeper is
better) -- min-max normalised across the stages with a floor of :math:`10^{-4}`.  The floor is
pyreslib's choice, made so that the published figures are reachable: a stage worst on every
indicator has every :math:`U_i` equal to the floor, hence C = 1, T = floor and
D = sqrt(floor) whatever the weights, and the study reports D = 0.01 for its first stage
(a floor of 0.01 could only give 0.10).  With equal weights D has the closed form

.. math:: D = \Bigl(\prod_{i=1}^n U_i\Bigr)^{1/(2n)},

the square root of the geometric mean of the :math:`U_i` (T is their arithmetic mean and C the
ratio of the geometric to the arithmetic mean).  The study does not state its weights; the
default is entropy weights over the stages (``weights="equal"`` for the closed form).
``preset="four_dimensions"`` is pyreslib's fuller index: transmissibility by average path length
and global efficiency, clustering, hierarchy and matching (degree assortativity), floor 0.01.
:data:`PRESETS` holds both; ``dimensions`` and ``floor`` override a preset's.

Node level.  Degree, closeness and betweenness centrality are min-max normalised and combined by
entropy weights (or equal weights) into a node resilience score; cities are ranked by it within
their stage.  The normalisation runs within each stage (``normalisation="within_stage"``: the
top city of every stage scores 1 on the centralities it leads) or over the rows of all stages
compared at once (``"pooled"``), which makes scores comparable across stages, so that a city's
growth from one stage to the next shows (:func:`stage_node_resilience`,
:func:`node_resilience_by_stage` for the wide city x stage table).

Entropy weights (Shannon 1948; as an evaluation method e.g. Zou Zhihong, Yun Yi & Sun Jingnan
2006, *Journal of Environmental Sciences* 18(5), 1020-1023): for m alternatives (stages or
cities) and normalised indicator values :math:`x_{ij} \ge 0`,

.. math::

    p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}},\quad
    e_j = -\frac{1}{\ln m}\sum_i p_{ij}\ln p_{ij},\quad
    w_j = \frac{1 - e_j}{\sum_k (1 - e_k)},

with :math:`0 \ln 0 = 0`.  An indicator that does not vary gets weight 0; if none varies the
weights fall back to equal (recorded in the result's ``notes``).

Every choice is a parameter: the indicator-to-dimension map and each indicator's direction
(``preset``, ``dimensions``), the normalisation (``"minmax"`` or ``"logistic"`` or a callable),
the floor that keeps scores above 0, and the weights (``"entropy"``, ``"equal"`` or explicit
numbers).

(Length: about 700 lines, over the project's 600, because network and node resilience share
the normalisation and weighting building blocks and their formulas are documented in place;
splitting them would scatter one method over two modules.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.errors import InputError
from pyreslib.metrics import node_centralities, stage_city_rows

__all__ = [
    "DEFAULT_DIMENSIONS",
    "FOUR_DIMENSIONS",
    "PRESETS",
    "STUDY_DIMENSIONS",
    "ResiliencePreset",
    "ResilienceResult",
    "coupling_coordination",
    "entropy_weights",
    "network_resilience",
    "node_resilience",
    "node_resilience_by_stage",
    "normalise",
    "sensitivity_table",
    "stage_node_resilience",
]

#: The reference study's three dimensions: dimension -> {indicator column: direction}.
#: Direction +1: larger is more resilient; -1: smaller is (a shorter average path).
STUDY_DIMENSIONS: dict[str, dict[str, int]] = {
    "transmissibility": {"avg_path_length": -1},
    "clustering": {"avg_clustering": +1},
    "hierarchy": {"degree_slope": +1},
}

#: pyreslib's four dimensions: the study's three (transmissibility adds global efficiency) and
#: matching by degree assortativity.
FOUR_DIMENSIONS: dict[str, dict[str, int]] = {
    "transmissibility": {"avg_path_length": -1, "efficiency": +1},
    "clustering": {"avg_clustering": +1},
    "hierarchy": {"degree_slope": +1},
    "matching": {"assortativity": +1},
}

#: Kept for code written before the presets: the four-dimension map.
DEFAULT_DIMENSIONS = FOUR_DIMENSIONS


@dataclass(frozen=True)
class ResiliencePreset:
    """A named network resilience index: its dimension map, floor and what it stands for."""

    name: str
    dimensions: Mapping[str, Mapping[str, int]]
    floor: float
    description: str


#: The named indices of :func:`network_resilience` (see the module docstring).
PRESETS: dict[str, ResiliencePreset] = {
    "study": ResiliencePreset(
        "study",
        STUDY_DIMENSIONS,
        1e-4,
        "the reference study's three named dimensions (transmissibility: average path length; "
        "clustering: average clustering coefficient; hierarchy: degree-distribution slope), "
        "min-max across stages, floor 1e-4 so that a stage worst on every indicator has "
        "D = 0.01",
    ),
    "four_dimensions": ResiliencePreset(
        "four_dimensions",
        FOUR_DIMENSIONS,
        0.01,
        "pyreslib's four dimensions (transmissibility: average path length and efficiency; "
        "clustering; hierarchy; matching: assortativity), floor 0.01",
    ),
}

Normaliser = Callable[[pd.Series, int], pd.Series]
Weights = str | Mapping[str, float]


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------


def normalise(
    table: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    method: str | Normaliser = "minmax",
    floor: float = 0.01,
) -> tuple[pd.DataFrame, list[str]]:
    r"""Scale each column of ``table`` to [floor, 1], larger = more resilient.

    ``"minmax"``: :math:`v = (x - \min x)/(\max x - \min x)` for direction +1 and
    :math:`(\max x - x)/(\max x - \min x)` for -1, over the rows (stages or cities) of
    ``table``.  A column that does not vary gives :math:`v = 1` for every row (all rows are
    equally good; such a column also gets entropy weight 0).
    ``"logistic"``: :math:`v = 1/(1+e^{-\pm z})` with z the standard score (population standard
    deviation); 0.5 for a constant column.  A callable ``f(column, direction)`` must return values
    in [0, 1].  Finally :math:`v' = \text{floor} + (1 - \text{floor})\,v`, so no score is 0 when
    ``floor > 0`` (a zero dimension score would make the coupling C zero whatever the rest).

    Returns the normalised table and notes on constant columns.
    """
    if not 0 <= floor < 1:
        raise InputError(f"floor must be in [0, 1), got {floor!r}.")
    notes: list[str] = []
    out = {}
    for column, direction in directions.items():
        if direction not in (1, -1):
            raise InputError(
                f"direction of indicator {column!r} must be +1 (larger is better) or -1, "
                f"got {direction!r}."
            )
        x = table[column].astype(float)
        spread = x.max() - x.min()
        if callable(method):
            v = pd.Series(method(x, direction), index=x.index, dtype=float)
            if ((v < 0) | (v > 1)).any() or v.isna().any():
                raise InputError(
                    f"the normalisation function returned values outside [0, 1] for {column!r}."
                )
        elif method == "minmax":
            if spread == 0:
                notes.append(f"{column!r} does not vary across rows; normalised to 1 everywhere")
                v = pd.Series(1.0, index=x.index)
            else:
                v = (x - x.min()) / spread if direction == 1 else (x.max() - x) / spread
        elif method == "logistic":
            sd = x.std(ddof=0)
            if sd == 0:
                notes.append(f"{column!r} does not vary across rows; normalised to 0.5 everywhere")
                v = pd.Series(0.5, index=x.index)
            else:
                v = 1.0 / (1.0 + np.exp(-direction * (x - x.mean()) / sd))
        else:
            raise InputError(
                f"unknown normalisation {method!r}; use 'minmax', 'logistic' or a function "
                "f(column, direction) returning values in [0, 1]."
            )
        out[column] = floor + (1.0 - floor) * v
    return pd.DataFrame(out, index=table.index), notes


def entropy_weights(normalised: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Entropy weights of the columns of a non-negative table (formula in the module docstring).

    Returns the weights (summing to 1) and notes (the equal-weight fallback, if used).
    """
    x = normalised.to_numpy(dtype=float)
    m = x.shape[0]
    if m < 2:
        raise InputError("entropy weights need at least 2 rows (stages or cities) to compare.")
    if (x < 0).any():
        raise InputError("entropy weights need non-negative normalised values.")
    totals = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(totals > 0, x / totals, 1.0 / m)
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=0) / math.log(m)
    divergence = np.clip(1.0 - entropy, 0.0, None)
    notes = []
    if divergence.sum() <= 1e-15:
        notes.append("no indicator varies; entropy weights fell back to equal weights")
        weights = np.full(x.shape[1], 1.0 / x.shape[1])
    else:
        weights = divergence / divergence.sum()
    return pd.Series(weights, index=normalised.columns, name="weight"), notes


def coupling_coordination(
    dimensions: pd.DataFrame, weights: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    r"""Coupling C, comprehensive T and coordination D of dimension scores (one row each).

    :math:`C = n[\prod U_i / (\sum U_i)^n]^{1/n}`, :math:`T = \sum a_i U_i`,
    :math:`D = \sqrt{CT}` (Wang et al. 2021; see the module docstring).  ``weights`` are the
    :math:`a_i` (default equal, 1/n); they are rescaled to sum to 1.  A row whose scores are all
    0 has C = T = D = 0.
    """
    U = dimensions.astype(float)
    n = U.shape[1]
    if n < 2:
        raise InputError("coupling needs at least 2 dimensions (systems).")
    if ((U < 0) | (U > 1)).any().any() or U.isna().any().any():
        raise InputError("dimension scores must lie in [0, 1]; normalise the indicators first.")
    if weights is None:
        a = pd.Series(1.0 / n, index=U.columns)
    else:
        a = pd.Series(weights, dtype=float).reindex(U.columns)
        if a.isna().any() or (a < 0).any() or a.sum() <= 0:
            raise InputError(
                f"dimension weights must be non-negative numbers for every dimension "
                f"{list(U.columns)}, got {dict(weights)}."
            )
        a = a / a.sum()
    values = U.to_numpy()
    total = values.sum(axis=1)
    # C = geometric mean / arithmetic mean, taken wholly in logs: dividing the sum by n first
    # underflows to 0 for subnormal scores (0/0 would give NaN), and a product of many small
    # scores underflows too.  Any zero score makes C exactly 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(values).mean(axis=1) - (np.log(total) - np.log(n))
        C = np.where(values.min(axis=1) > 0, np.exp(log_ratio), 0.0)
    C = np.clip(C, 0.0, 1.0)  # AM-GM guarantees C <= 1; clip rounding noise
    T = values @ a.to_numpy()
    D = np.sqrt(C * T)
    return pd.DataFrame({"C": C, "T": T, "D": D}, index=U.index)


# ----------------------------------------------------------------------------------------------
# network resilience
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResilienceResult:
    """Network resilience of each stage by coupling coordination.

    ``normalised``: stage x indicator scores in [floor, 1]; ``indicator_weights``: weight of
    each indicator (sum 1); ``dimension_weights``: :math:`a_i` (sum 1); ``dimensions``: stage x
    dimension scores :math:`U_i`; ``C``, ``T``, ``D``: Series by stage.  ``options`` records the
    choices and ``notes`` anything the computation had to decide on its own.
    """

    normalised: pd.DataFrame
    indicator_weights: pd.Series
    dimension_weights: pd.Series
    dimensions: pd.DataFrame
    C: pd.Series
    T: pd.Series
    D: pd.Series
    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: the dimension scores U_i, then C, T and D."""
        return pd.concat([self.dimensions, self.C, self.T, self.D], axis=1)

    def summary(self) -> str:
        lines = [
            (
                f"Network resilience (coupling coordination; preset={self.options.get('preset')}, "
                f"weights={self.options.get('weights')}, "
                f"normalisation={self.options.get('normalisation')}, floor={self.options.get('floor')})"
            ),
            self.to_frame().round(4).to_string(),
            "dimension weights: "
            + ", ".join(f"{k} {v:.3f}" for k, v in self.dimension_weights.items()),
        ]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ResilienceResult D={self.D.round(4).to_dict()}>"


def _check_dimensions(
    dimensions: Mapping[str, Mapping[str, int]], table: pd.DataFrame
) -> dict[str, int]:
    if len(dimensions) < 2:
        raise InputError("give at least 2 dimensions: coupling compares systems with each other.")
    directions: dict[str, int] = {}
    for dim, indicators in dimensions.items():
        if not indicators:
            raise InputError(f"dimension {dim!r} has no indicators.")
        for column, direction in indicators.items():
            if column in directions:
                raise InputError(f"indicator {column!r} appears in more than one dimension.")
            directions[column] = direction
    missing = [c for c in directions if c not in table.columns]
    if missing:
        raise InputError(
            f"the indicator table lacks column(s) {missing}; pass metrics.stage_indicators(networks) "
            f"or change 'dimensions' (columns present: {list(table.columns)})."
        )
    values = table[list(directions)].apply(pd.to_numeric, errors="coerce")
    bad = values.isna() | ~np.isfinite(values)
    if bad.any().any():
        cells = [f"{stage}/{col}" for col in values.columns for stage in values.index[bad[col]]]
        raise InputError(
            f"indicator value(s) missing or not finite at {cells}: an indicator undefined for a "
            "stage (e.g. assortativity of a regular graph) cannot be normalised. Remove it via "
            "'dimensions' or fix the network."
        )
    return directions


def _preset(name: str) -> ResiliencePreset:
    if not isinstance(name, str) or name not in PRESETS:
        raise InputError(f"unknown resilience preset {name!r}; choose from {list(PRESETS)}.")
    return PRESETS[name]


def network_resilience(
    indicators_by_stage: pd.DataFrame,
    *,
    preset: str = "study",
    weights: Weights = "entropy",
    normalisation: str | Normaliser = "minmax",
    floor: float | None = None,
    dimensions: Mapping[str, Mapping[str, int]] | None = None,
) -> ResilienceResult:
    r"""Network resilience per stage: normalise, weight, aggregate to U_i, then C, T, D.

    ``indicators_by_stage``: one row per stage (as :func:`pyreslib.metrics.stage_indicators`
    returns), at least 2 stages.  ``preset`` names the index (:data:`PRESETS`: ``"study"``, the
    reference study's three dimensions with floor 1e-4, or ``"four_dimensions"``);
    ``dimensions`` and ``floor`` given explicitly override the preset's.  Steps:

    1. :func:`normalise` every indicator across the stages (``normalisation``, ``floor``;
       directions from the dimension map).
    2. Indicator weights :math:`w_j`: ``"entropy"`` (:func:`entropy_weights` over the stages),
       ``"equal"`` (each dimension 1/n, shared equally by its indicators) or a mapping
       indicator -> weight (rescaled to sum 1).
    3. Dimension weight :math:`a_i = \sum_{j \in i} w_j` and score
       :math:`U_i = \sum_{j\in i} w_j x_j / a_i` (a weighted mean, so :math:`U_i \in [0,1]`;
       the plain mean where :math:`a_i = 0`).
    4. :func:`coupling_coordination` with the :math:`a_i`.

    With min-max normalisation a stage that is worst on every indicator has every
    :math:`U_i` = ``floor``, hence C = 1, T = floor and D = sqrt(floor) whatever the weights:
    0.01 under the study preset (floor 1e-4), 0.1 under ``"four_dimensions"`` (floor 0.01).
    With ``weights="equal"``, :math:`D = (\prod_i U_i)^{1/(2n)}`.
    """
    chosen = _preset(preset)
    dimensions = chosen.dimensions if dimensions is None else dimensions
    floor = chosen.floor if floor is None else floor
    if not isinstance(indicators_by_stage, pd.DataFrame):
        raise InputError(
            "indicators_by_stage must be a DataFrame with one row per stage "
            "(metrics.stage_indicators(networks))."
        )
    if len(indicators_by_stage) < 2:
        raise InputError(
            f"normalisation across stages needs at least 2 stages, got {len(indicators_by_stage)}."
        )
    directions = _check_dimensions(dimensions, indicators_by_stage)
    raw = indicators_by_stage[list(directions)].astype(float)
    normalised, notes = normalise(raw, directions, method=normalisation, floor=floor)

    if isinstance(weights, str) and weights == "entropy":
        w, weight_notes = entropy_weights(normalised)
        notes += weight_notes
    elif isinstance(weights, str) and weights == "equal":
        n = len(dimensions)
        w = pd.Series(
            {c: 1.0 / n / len(ind) for ind in dimensions.values() for c in ind}, name="weight"
        )
    elif isinstance(weights, Mapping):
        w = pd.Series(weights, dtype=float).reindex(list(directions))
        if w.isna().any() or (w < 0).any() or w.sum() <= 0:
            raise InputError(
                f"explicit weights must give a non-negative number for each indicator "
                f"{list(directions)}, got {dict(weights)}."
            )
        w = (w / w.sum()).rename("weight")
    else:
        raise InputError(
            f"weights must be 'entropy', 'equal' or a mapping indicator -> weight, got {weights!r}."
        )

    scores, a = {}, {}
    for dim, indicators in dimensions.items():
        cols = list(indicators)
        a[dim] = float(w[cols].sum())
        if a[dim] > 0:
            scores[dim] = normalised[cols].mul(w[cols], axis=1).sum(axis=1) / a[dim]
        else:
            scores[dim] = normalised[cols].mean(axis=1)
    U = pd.DataFrame(scores, index=normalised.index)
    a_series = pd.Series(a, name="weight")
    if a_series.sum() <= 0:  # pragma: no cover - weights always sum to 1 here
        a_series[:] = 1.0 / len(a_series)
    ccd = coupling_coordination(U, a_series)
    return ResilienceResult(
        normalised=normalised,
        indicator_weights=w,
        dimension_weights=a_series / a_series.sum(),
        dimensions=U,
        C=ccd["C"].rename("C"),
        T=ccd["T"].rename("T"),
        D=ccd["D"].rename("D"),
        options={
            "preset": preset,
            "weights": weights if isinstance(weights, str) else dict(weights),
            "normalisation": normalisation if isinstance(normalisation, str) else "custom",
            "floor": floor,
            "dimensions": {k: dict(v) for k, v in dimensions.items()},
        },
        notes=notes,
    )


def sensitivity_table(
    indicators_by_stage: pd.DataFrame,
    *,
    preset: str = "study",
    weights: Sequence[Weights] = ("equal", "entropy"),
    normalisations: Sequence[str] = ("minmax", "logistic"),
    floor: float | None = None,
    dimensions: Mapping[str, Mapping[str, int]] | None = None,
    value: str = "D",
) -> pd.DataFrame:
    """``value`` (D by default; or C, T) per stage under each weighting x normalisation option.

    Rows: stages; columns: a MultiIndex ``(weights, normalisation)``; ``preset``, ``floor`` and
    ``dimensions`` as in :func:`network_resilience`.  A study's conclusion that resilience rose
    from stage to stage is robust if it holds in every column.
    """
    if value not in ("C", "T", "D"):
        raise InputError(f"value must be 'C', 'T' or 'D', got {value!r}.")
    columns = {}
    for w in weights:
        label = w if isinstance(w, str) else "custom"
        for method in normalisations:
            result = network_resilience(
                indicators_by_stage,
                preset=preset,
                weights=w,
                normalisation=method,
                floor=floor,
                dimensions=dimensions,
            )
            columns[(label, method)] = getattr(result, value)
    table = pd.DataFrame(columns)
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["weights", "normalisation"])
    table.index.name = "stage"
    return table


# ----------------------------------------------------------------------------------------------
# node resilience
# ----------------------------------------------------------------------------------------------


NODE_NORMALISATIONS = ("within_stage", "pooled")
"""How :func:`stage_node_resilience` normalises centralities: per stage, or over all stages."""


def _raw_centralities(
    G: nx.Graph, precomputed: pd.DataFrame | None, weighted: bool
) -> pd.DataFrame:
    """The centralities of ``G``: computed, or ``precomputed`` checked against the network."""
    if precomputed is None:
        return node_centralities(G, weighted=weighted)
    if set(precomputed.index) != set(G.nodes):
        raise InputError(
            "precomputed centralities must have one row per node of the network (index 'node'); "
            f"got {len(precomputed)} rows for {G.number_of_nodes()} nodes. Pass the table "
            "metrics.node_centralities(G) returns, or leave precomputed out."
        )
    return precomputed


def _score_nodes(
    raw: pd.DataFrame, centralities: Sequence[str], weights: Weights, floor: float
) -> pd.DataFrame:
    """Min-max normalised ``centralities`` of the rows of ``raw`` and their weighted sum."""
    unknown = [c for c in centralities if c not in raw.columns]
    if unknown or not centralities:
        raise InputError(
            f"unknown centralities {unknown}; choose from {list(raw.columns)} (at least one)."
        )
    if len(raw) < 2:
        raise InputError("node resilience compares cities: the network needs at least 2 nodes.")
    normalised, notes = normalise(
        raw[list(centralities)], dict.fromkeys(centralities, 1), method="minmax", floor=floor
    )
    if isinstance(weights, str) and weights == "entropy":
        w, weight_notes = entropy_weights(normalised)
        notes += weight_notes
    elif isinstance(weights, str) and weights == "equal":
        w = pd.Series(1.0 / len(centralities), index=list(centralities), name="weight")
    elif isinstance(weights, Mapping):
        w = pd.Series(weights, dtype=float).reindex(list(centralities))
        if w.isna().any() or (w < 0).any() or w.sum() <= 0:
            raise InputError(
                f"explicit weights must give a non-negative number for each of {list(centralities)}."
            )
        w = w / w.sum()
    else:
        raise InputError(f"weights must be 'entropy', 'equal' or a mapping, got {weights!r}.")
    out = normalised.copy()
    out["score"] = normalised.mul(w, axis=1).sum(axis=1)
    out.attrs["weights"] = w.to_dict()
    out.attrs["notes"] = notes
    return out


def _rank(score: pd.Series, decimals: int) -> pd.Series:
    return score.round(decimals).rank(ascending=False, method="min").astype("int64")


def node_resilience(
    G: nx.Graph,
    *,
    weights: Weights = "entropy",
    centralities: Sequence[str] = ("degree", "closeness", "betweenness"),
    weighted: bool = False,
    floor: float = 0.0,
    decimals: int = 12,
    precomputed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Node resilience of every city: normalised centralities, entropy-weighted score, rank.

    The ``centralities`` of :func:`pyreslib.metrics.node_centralities` (``weighted`` passed on)
    -- or of ``precomputed``, that function's table for ``G`` computed already, which skips the
    shortest-path pass (``weighted`` is then the caller's business) -- are min-max normalised
    within the network (:func:`normalise`, ``floor``), weighted by ``weights`` (``"entropy"``
    over the cities, ``"equal"``, or a mapping centrality -> weight) and summed:
    :math:`R_i = \sum_j w_j x_{ij}`.  ``rank`` 1 is the most resilient; ties share the best
    rank.  Scores are rounded to ``decimals`` before ranking, so that floating-point noise
    (which depends on node order) cannot split a tie.

    Columns: the normalised centralities, ``score``, ``rank``; index ``node``.  The weights used
    are in ``.attrs["weights"]``.
    """
    raw = _raw_centralities(G, precomputed, weighted)
    out = _score_nodes(raw, centralities, weights, floor)
    out["rank"] = _rank(out["score"], decimals)
    return out


def stage_node_resilience(
    networks: Mapping[str, nx.Graph],
    *,
    centralities: pd.DataFrame | None = None,
    normalisation: str = "within_stage",
    **options,
) -> pd.DataFrame:
    """Node resilience of every stage as one long table, sorted by stage and rank.

    ``normalisation="within_stage"`` runs :func:`node_resilience` on each stage (``options``
    passed on): scores compare cities within a stage only.  ``"pooled"`` min-max normalises
    each centrality over the rows of all stages together (and takes entropy weights over them),
    so that a score means the same in every stage and a city whose centralities grew scores
    higher in the later stage; ranks are still within the stage.  Centralities are
    normalised by N - 1 (degree, closeness) and (N-1)(N-2)/2 (betweenness) in every stage, so
    pooling compares shares of the stage network, not raw counts.

    Columns: ``stage, node, name_zh, name_en``, the normalised centralities, ``score``,
    ``rank``.  ``.attrs`` holds ``normalisation``, ``weights`` (pooled: one set; within stage:
    a dict by stage) and ``notes``.  ``centralities``, the long table of
    :func:`pyreslib.metrics.stage_centralities` or :func:`pyreslib.metrics.stage_describe` for
    these networks, saves recomputing them.
    """
    if not isinstance(networks, Mapping) or not networks:
        raise InputError("networks must be a non-empty dict mapping stage labels to graphs.")
    if normalisation not in NODE_NORMALISATIONS:
        raise InputError(
            f"unknown node normalisation {normalisation!r}; choose from {list(NODE_NORMALISATIONS)}."
        )
    by_stage: dict[str, pd.DataFrame] = {}
    if centralities is not None:
        if not {"stage", "node"} <= set(centralities.columns):
            raise InputError(
                "centralities must be the long table of metrics.stage_centralities(networks) "
                "(columns 'stage' and 'node' at least)."
            )
        by_stage = {
            str(stage): table.set_index("node").drop(columns=["stage"])
            for stage, table in centralities.groupby("stage", sort=False)
        }
        missing = [stage for stage in networks if str(stage) not in by_stage]
        if missing:
            raise InputError(f"centralities has no rows for stage(s) {missing}.")
    frames = []
    if normalisation == "within_stage":
        weights_used, notes = {}, []
        for stage, G in networks.items():
            scores = node_resilience(G, precomputed=by_stage.get(str(stage)), **options)
            weights_used[stage] = scores.attrs["weights"]
            notes += [f"{stage}: {note}" for note in scores.attrs["notes"]]
            frames.append(stage_city_rows(stage, G, scores))
    else:
        unknown = set(options) - {"weights", "centralities", "weighted", "floor", "decimals"}
        if unknown:
            raise TypeError(f"stage_node_resilience() got unexpected options {sorted(unknown)}")
        raw = pd.concat(
            {
                stage: _raw_centralities(
                    G, by_stage.get(str(stage)), options.get("weighted", False)
                )
                for stage, G in networks.items()
            },
            names=["stage", "node"],
        )
        pooled = _score_nodes(
            raw,
            options.get("centralities", ("degree", "closeness", "betweenness")),
            options.get("weights", "entropy"),
            options.get("floor", 0.0),
        )
        weights_used, notes = pooled.attrs["weights"], pooled.attrs["notes"]
        for stage, G in networks.items():
            scores = pooled.xs(stage, level="stage").copy()
            scores["rank"] = _rank(scores["score"], options.get("decimals", 12))
            frames.append(stage_city_rows(stage, G, scores))
    out = pd.concat(
        [f.sort_values(["rank", "node"], kind="stable") for f in frames], ignore_index=True
    )
    out.attrs.update(normalisation=normalisation, weights=weights_used, notes=notes)
    return out


def node_resilience_by_stage(
    table: pd.DataFrame, *, top: int | None = 50, stage: str | None = None, value: str = "score"
) -> pd.DataFrame:
    """The study's ranking table: the top cities of one stage with their value in every stage.

    ``table`` is :func:`stage_node_resilience`'s long table (pooled normalisation makes the
    columns comparable).  Rows: the ``top`` cities of ``stage`` (default the last stage) by
    rank, ties by adcode (``top=None``: every city of that stage); columns ``name_zh``,
    ``name_en``, ``rank`` (in ``stage``), then one column per stage with the city's ``value``
    (``"score"`` or ``"rank"``; NaN where the city is not in that stage's network).  Index:
    ``node``.
    """
    needed = {"stage", "node", "name_zh", "name_en", "rank", value}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise InputError(
            f"node_resilience_by_stage needs the long table of stage_node_resilience "
            f"(columns {sorted(needed)})."
        )
    stages = list(dict.fromkeys(table["stage"]))
    stage = stages[-1] if stage is None else stage
    if stage not in stages:
        raise InputError(f"stage {stage!r} is not in the table (stages: {stages}).")
    if top is not None and top < 1:
        raise InputError(f"top must be at least 1 (or None for every city), got {top}.")
    ranked = table[table["stage"] == stage].sort_values(["rank", "node"], kind="stable")
    if top is not None:
        ranked = ranked.head(top)
    out = ranked.set_index("node")[["name_zh", "name_en", "rank"]]
    wide = table.pivot(index="node", columns="stage", values=value)
    for label in stages:
        out[label] = wide[label].reindex(out.index)
    out.columns.name = None
    return out
