r"""The coupling coordination degree model of n systems (docs/method.md, 2).

Given scores :math:`U_i \in [0,1]` of :math:`n` systems (here: the resilience dimensions of a
stage network) and weights :math:`a_i` summing to 1, the coupling coordination ("coupling
harmonious degree") model scores how far the systems agree and how high they are together:

.. math::

    C = n\left[\frac{\prod_{i=1}^n U_i}{\left(\sum_{i=1}^n U_i\right)^n}\right]^{1/n},\qquad
    T = \sum_{i=1}^n a_i U_i,\qquad D = \sqrt{C\,T}.

By the inequality of arithmetic and geometric means :math:`C \in [0,1]`, equal to 1 exactly
when all :math:`U_i` are equal; :math:`C` is the ratio of their geometric to their arithmetic
mean.  The n-system form is the one recommended by Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan
& Dai Binting (2021), "Research on misuses and modification of coupling coordination degree
model in China", *Journal of Natural Resources* 36(3), 793-810, doi:10.31497/zrzyxb.20210319
(in Chinese; reference checked against the journal's own page); the two-system model goes back
to Liu Yaobin, Li Rendong & Song Xuefeng (2005), "Analysis of coupling degrees of urbanization
and ecological environment in China", *Journal of Natural Resources* 20(1), 105-112 (reference
as recalled: check it before citing in print).  For n = 2 the formula is
:math:`C = 2\sqrt{U_1U_2}/(U_1+U_2)`; the test suite reproduces, year by year, the C, T and D
printed in Table 4 of a published two-system study (Mathematical Problems in Engineering 2022,
article 2969206, doi:10.1155/2022/2969206).

With equal weights :math:`D` has the closed form :math:`D = (\prod_i U_i)^{1/(2n)}`, the square
root of the geometric mean of the :math:`U_i`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pyreslib.errors import InputError

__all__ = ["coupling_coordination"]


def coupling_coordination(
    dimensions: pd.DataFrame, weights: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    r"""Coupling C, comprehensive score T and coordination D of dimension scores.

    For each row, with the :math:`n` scores :math:`U_i` of its columns and the weights
    :math:`a_i`:

    .. math::

        C = n\left[\frac{\prod_i U_i}{\left(\sum_i U_i\right)^n}\right]^{1/n},\qquad
        T = \sum_i a_i U_i,\qquad D = \sqrt{C\,T}

    (Wang et al. 2021; see the module docstring).

    Parameters
    ----------
    dimensions : pandas.DataFrame
        One row per stage (or any unit), one column per dimension (system); scores in [0, 1],
        at least 2 columns.
    weights : Mapping[str, float] or pandas.Series, optional
        The :math:`a_i`, dimension -> non-negative weight, rescaled to sum to 1.  Default:
        equal weights :math:`1/n`.

    Returns
    -------
    pandas.DataFrame
        Columns ``C``, ``T``, ``D``, indexed like ``dimensions``.  A row with a zero score has
        :math:`C = 0`, so :math:`D = 0`.

    Raises
    ------
    InputError
        If there are fewer than 2 dimensions, a score is missing or outside [0, 1], or a weight
        is missing, negative or all weights are 0.

    See Also
    --------
    pyreslib.resilience.network_resilience : the stage indicators turned into dimension
        scores, then coupled.

    Notes
    -----
    :math:`C` is computed in logs, as the ratio of the geometric to the arithmetic mean, so
    that it stays exact for very small (even subnormal) scores, where the product or the sum
    divided by :math:`n` would underflow.

    References
    ----------
    .. [1] Wang, S., Kong, W., Ren, L., Zhi, D. & Dai, B. (2021). Research on misuses and
       modification of coupling coordination degree model in China. Journal of Natural
       Resources 36(3), 793-810. https://doi.org/10.31497/zrzyxb.20210319
    .. [2] Liu, Y., Li, R. & Song, X. (2005). Analysis of coupling degrees of urbanization and
       ecological environment in China. Journal of Natural Resources 20(1), 105-112
       (reference as recalled: check it before citing in print).

    Examples
    --------
    Two systems: :math:`U = (1/4, 1)` gives :math:`C = 2\sqrt{1/4}/(5/4) = 0.8`; equal scores
    give perfect coupling :math:`C = 1`:

    >>> import pandas as pd
    >>> from pyreslib.coupling import coupling_coordination
    >>> U = pd.DataFrame({"urban": [0.25, 0.2, 0.5], "rural": [1.0, 0.4, 0.5]},
    ...                  index=[2011, 2012, 2013])
    >>> coupling_coordination(U).round(4)
               C      T       D
    2011  0.8000  0.625  0.7071
    2012  0.9428  0.300  0.5318
    2013  1.0000  0.500  0.7071

    Unequal weights change T and D, never C:

    >>> coupling_coordination(U, {"urban": 3, "rural": 1}).round(4)
               C       T       D
    2011  0.8000  0.4375  0.5916
    2012  0.9428  0.2500  0.4855
    2013  1.0000  0.5000  0.7071
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
