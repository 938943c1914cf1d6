"""Tail probabilities of the test statistics pyreslib reports (Wald, z and chi-square tests),
computed as R computes them, so that p-values equal statnet's to the last digit.

Examples
--------
>>> from pyreslib.ergm.distributions import chi2_sf, normal_two_sided_p
>>> round(normal_two_sided_p(1.959963984540054), 6)
0.05
>>> round(chi2_sf(3.841458820694124, 1), 6)
0.05
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["chi2_sf", "normal_two_sided_p"]


def chi2_sf(statistic: float, df: float) -> float:
    """Upper tail of the chi-square distribution (as R's ``pchisq(..., lower.tail=FALSE)``)."""
    from scipy.special import chdtrc  # imported here: scipy costs start-up time

    return float(chdtrc(df, statistic))


def normal_two_sided_p(z: Any) -> Any:
    """``2 * P(Z > |z|)`` for a standard normal ``Z``, elementwise, via the complementary
    error function: :math:`\\operatorname{erfc}(|z| / \\sqrt{2})`."""
    values = np.abs(np.asarray(z, dtype=float))
    out = np.vectorize(lambda v: math.erfc(v / math.sqrt(2.0)), otypes=[float])(values)
    return out if out.ndim else float(out)
