r"""Composite indices from several indicators: normalisation and entropy weights.

The two building blocks of the resilience indices (docs/method.md), in the vocabulary of the
OECD/JRC handbook on composite indicators: each indicator is first *normalised* to a common
scale on which larger is better (:func:`normalise`), then the indicators are *weighted*
(:func:`entropy_weights`) before they are aggregated.  Network resilience
(:mod:`pyreslib.resilience`) aggregates the stages' indicators by coupling coordination
(:mod:`pyreslib.coupling`); node resilience (:mod:`pyreslib.node_resilience`) sums the cities'
normalised centralities.

Entropy weights (Shannon 1948; as an evaluation method e.g. Zou Zhihong, Yun Yi & Sun Jingnan
2006): for :math:`m` alternatives (stages or cities) and normalised indicator values
:math:`x_{ij} \ge 0`,

.. math::

    p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}},\quad
    e_j = -\frac{1}{\ln m}\sum_i p_{ij}\ln p_{ij},\quad
    w_j = \frac{1 - e_j}{\sum_k (1 - e_k)},

with :math:`0 \ln 0 = 0`.  An indicator that does not vary gets weight 0; if none varies the
weights fall back to equal (recorded in the notes returned beside them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from pyreslib.errors import InputError

__all__ = ["Normaliser", "Weights", "entropy_weights", "normalise"]

#: A custom normalisation ``f(column, direction)``: returns the column's values in [0, 1].
Normaliser = Callable[[pd.Series, int], pd.Series]
#: Indicator weights: ``"entropy"``, ``"equal"`` or a mapping indicator -> weight.
Weights = str | Mapping[str, float]


def normalise(
    table: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    method: str | Normaliser = "minmax",
    floor: float = 0.01,
) -> tuple[pd.DataFrame, list[str]]:
    r"""Scale each indicator of a table to [floor, 1], larger meaning more resilient.

    For an indicator :math:`x` over the rows (stages or cities) of ``table`` and its direction
    :math:`\pm 1`, ``method="minmax"`` gives

    .. math::

        v = \frac{x - \min x}{\max x - \min x} \ \text{(direction +1)}, \qquad
        v = \frac{\max x - x}{\max x - \min x} \ \text{(direction -1)},

    and ``method="logistic"`` gives :math:`v = 1/(1 + e^{\mp z})` with :math:`z` the standard
    score (population standard deviation).  Finally

    .. math:: v' = \text{floor} + (1 - \text{floor})\, v,

    so that no score is 0 when ``floor > 0`` (a zero dimension score would make the coupling
    :math:`C` zero whatever the rest).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per alternative (stage or city), one column per indicator; other columns are
        ignored.
    directions : Mapping[str, int]
        Indicator column -> +1 (larger is better) or -1 (smaller is better, e.g. the average
        path length).  The result has these columns, in this order.
    method : {"minmax", "logistic"} or callable, optional (default="minmax")
        The normalisation; a callable ``f(column, direction)`` must return values in [0, 1].
    floor : float, optional (default=0.01)
        The share added after the normalisation, in [0, 1).

    Returns
    -------
    normalised : pandas.DataFrame
        The scores :math:`v'`, indexed like ``table``, one column per entry of ``directions``.
    notes : list of str
        One note per indicator that does not vary: min-max gives it :math:`v = 1` for every
        row (all rows are equally good; it also gets entropy weight 0), logistic 0.5.

    Raises
    ------
    InputError
        If ``floor`` is outside [0, 1), a direction is not +1 or -1, ``method`` is unknown, or
        a custom normalisation returns values outside [0, 1].

    See Also
    --------
    entropy_weights

    References
    ----------
    .. [1] OECD & JRC (2008). Handbook on Constructing Composite Indicators: Methodology and
       User Guide (normalisation, weighting, aggregation). OECD Publishing, Paris.
       https://doi.org/10.1787/9789264043466-en

    Examples
    --------
    A shorter average path is better, more clustering is better:

    >>> import pandas as pd
    >>> from pyreslib.composite_index import normalise
    >>> table = pd.DataFrame({"avg_path_length": [4.0, 3.0, 2.0],
    ...                       "avg_clustering": [0.1, 0.5, 0.3]},
    ...                      index=["2011-2014", "2015-2017", "2018-2021"])
    >>> scores, notes = normalise(table, {"avg_path_length": -1, "avg_clustering": +1}, floor=0)
    >>> scores
               avg_path_length  avg_clustering
    2011-2014              0.0             0.0
    2015-2017              0.5             1.0
    2018-2021              1.0             0.5
    >>> normalise(table, {"avg_path_length": -1}, method="logistic")[0].round(4)
               avg_path_length
    2011-2014           0.2348
    2015-2017           0.5050
    2018-2021           0.7752
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
    r"""Entropy weights of the indicators (columns) of a non-negative table.

    For the :math:`m` rows (alternatives) and each column :math:`j` (formula in the module
    docstring): :math:`w_j = (1 - e_j) / \sum_k (1 - e_k)` with :math:`e_j` the Shannon entropy
    of the column's shares, normalised by :math:`\ln m`.  An indicator on which the
    alternatives differ more (lower entropy) gets more weight.

    Parameters
    ----------
    normalised : pandas.DataFrame
        Non-negative values, e.g. the first result of :func:`normalise`; at least 2 rows.

    Returns
    -------
    weights : pandas.Series
        Column -> weight (name ``weight``), summing to 1.
    notes : list of str
        Holds a note when no column varies and the weights fell back to equal weights.

    Raises
    ------
    InputError
        If the table has fewer than 2 rows or a negative value.

    See Also
    --------
    normalise

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. Bell System
       Technical Journal 27(3), 379-423. https://doi.org/10.1002/j.1538-7305.1948.tb01338.x
    .. [2] Zou, Z., Yun, Y. & Sun, J. (2006). Entropy method for determination of weight of
       evaluating indicators in fuzzy synthetic evaluation for water quality assessment.
       Journal of Environmental Sciences 18(5), 1020-1023.

    Examples
    --------
    A column that does not vary carries no information and gets weight 0; one that singles
    out one alternative gets the most:

    >>> import pandas as pd
    >>> from pyreslib.composite_index import entropy_weights
    >>> table = pd.DataFrame({"flat": [1.0, 1.0, 1.0], "one_hot": [1.0, 0.0, 0.0],
    ...                       "half": [0.5, 0.5, 0.0]})
    >>> weights, notes = entropy_weights(table)
    >>> weights.round(4)
    flat       0.0000
    one_hot    0.7304
    half       0.2696
    Name: weight, dtype: float64
    >>> weights, notes = entropy_weights(pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]}))
    >>> weights.tolist(), notes
    ([0.5, 0.5], ['no indicator varies; entropy weights fell back to equal weights'])
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
