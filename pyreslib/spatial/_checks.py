"""Checks of the options the spatial statistics share (permutations, alpha, alternative)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from pyreslib.errors import InputError

ALTERNATIVES = ("greater", "less", "two-sided")
"""Alternatives of the global tests."""
MAX_PERMUTATIONS = 100_000
"""The largest number of permutations a test accepts."""
TIE_RTOL = 1e-12
"""Permuted statistics this close (relative) to the observed one count as ties."""


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

