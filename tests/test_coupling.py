"""The coupling coordination model: hand-worked values, a published table, properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pyreslib import coupling
from pyreslib.errors import InputError


def test_coupling_coordination_hand_worked_examples():
    """Hand-worked values of the n-system coupling coordination model.

    Definition: C = n [prod U_i / (sum U_i)^n]^(1/n), T = sum a_i U_i, D = sqrt(C T), as
    recommended by Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan & Dai Binting (2021), "Research on
    misuses and modification of coupling coordination degree model in China", Journal of Natural
    Resources 36(3), 793-810, generalising the two-system model of Liu Yaobin, Li Rendong & Song
    Xuefeng (2005), Journal of Natural Resources 20(1), 105-112.

    The cases below are worked by hand from that definition, with scores chosen so that every root
    is exact; the printed table of a published study is reproduced in
    :func:`test_coupling_coordination_reproduces_a_published_table`.

    - n = 2, U = (1/4, 1): C = 2 sqrt(1/4) / (5/4) = 4/5, T = 5/8, D = sqrt(1/2).
    - n = 3, U = (0.2, 0.4, 0.8): prod = 0.064 = 0.4^3, C = 3 * 0.4 / 1.4 = 6/7,
      T = 1.4 / 3, D = sqrt(6/7 * 7/15) = sqrt(2/5).
    - n = 4, U = (1/16, 1/4, 1/4, 1): prod = 1/256 = (1/4)^4, sum = 25/16,
      C = 4 * (1/4) / (25/16) = 16/25, T = 25/64, D = sqrt(16/25 * 25/64) = 1/2.
    - equal scores give C = 1 (perfect coupling); any zero score gives C = 0.
    """
    cases = pd.DataFrame(
        [[0.25, 1.0, np.nan, np.nan], [0.2, 0.4, 0.8, np.nan], [1 / 16, 1 / 4, 1 / 4, 1.0]]
    )
    expected = [
        (4 / 5, 5 / 8, math.sqrt(1 / 2)),
        (6 / 7, 1.4 / 3, math.sqrt(2 / 5)),
        (16 / 25, 25 / 64, 1 / 2),
    ]
    for (_, row), (C, T, D) in zip(cases.iterrows(), expected):
        U = row.dropna().to_frame().T
        got = coupling.coupling_coordination(U).iloc[0]
        assert (got["C"], got["T"], got["D"]) == pytest.approx((C, T, D))
    equal = coupling.coupling_coordination(pd.DataFrame([[0.3, 0.3, 0.3]])).iloc[0]
    assert equal["C"] == pytest.approx(1) and equal["D"] == pytest.approx(math.sqrt(0.3))
    zero = coupling.coupling_coordination(pd.DataFrame([[0.0, 0.5]])).iloc[0]
    assert zero["C"] == 0 and zero["D"] == 0


# Table 4 of "Urban-Rural Logistics Coupling Coordinated Development and Urban-Rural Integrated
# Development: Measurement, Influencing Factors, and Countermeasures", Mathematical Problems in
# Engineering 2022, article 2969206 (Hindawi, doi:10.1155/2022/2969206), read from
# https://preview.hindawi.com/journals/mpe/2022/2969206/tab4 : the urban (Uu) and rural (Ur)
# logistics subsystem scores of one Chinese region, 2011-2020, and the C, T, D the authors report
# for them with the two-system model C = 2 sqrt(Uu Ur) / (Uu + Ur), T = 0.5 Uu + 0.5 Ur,
# D = sqrt(C T).
PUBLISHED_TABLE_2969206 = pd.DataFrame(
    [
        # year, Uu, Ur, C, T, D
        (2011, 0.101, 0.280, 0.882, 0.190, 0.410),
        (2012, 0.165, 0.406, 0.906, 0.286, 0.509),
        (2013, 0.187, 0.427, 0.920, 0.307, 0.532),
        (2014, 0.238, 0.511, 0.931, 0.374, 0.590),
        (2015, 0.424, 0.421, 1.000, 0.422, 0.650),
        (2016, 0.538, 0.407, 0.990, 0.473, 0.684),
        (2017, 0.591, 0.466, 0.993, 0.528, 0.724),
        (2018, 0.694, 0.581, 0.996, 0.638, 0.797),
        (2019, 0.892, 0.662, 0.989, 0.777, 0.877),
        (2020, 0.879, 0.637, 0.987, 0.758, 0.865),
    ],
    columns=["year", "Uu", "Ur", "C", "T", "D"],
).set_index("year")


def test_coupling_coordination_reproduces_a_published_table():
    """C, T and D of every year in a published table, from the scores printed beside them.

    Source: Table 4 of "Urban-Rural Logistics Coupling Coordinated Development and Urban-Rural
    Integrated Development: Measurement, Influencing Factors, and Countermeasures", Mathematical
    Problems in Engineering, vol. 2022, article ID 2969206 (doi:10.1155/2022/2969206).  Its
    two-system model is the n = 2 case of ours:
    n [prod U / (sum U)^n]^(1/n) = 2 sqrt(U1 U2) / (U1 + U2).

    The paper prints everything to 3 decimals and computed C, T, D from unrounded scores, so a
    reproduction can differ by rounding alone: half a unit in the last place of each score moves
    T by up to 0.0005 and C by up to about 0.001 (2011: T = (0.101 + 0.280) / 2 = 0.1905, printed
    0.190).  The tolerance, 0.0015, is that bound and no more: a wrong formula (say T without the
    weights, or C without the factor n) misses by far more.
    """
    scores = PUBLISHED_TABLE_2969206[["Uu", "Ur"]]
    got = coupling.coupling_coordination(scores, {"Uu": 0.5, "Ur": 0.5})
    for column in ("C", "T", "D"):
        difference = (got[column] - PUBLISHED_TABLE_2969206[column]).abs()
        assert difference.max() <= 0.0015, (column, difference.round(4).to_dict())
    # the paper's ranking of years by D survives the recomputation
    assert list(got["D"].rank()) == list(PUBLISHED_TABLE_2969206["D"].rank())


def test_coupling_with_unequal_dimension_weights_by_hand():
    # U = (1/4, 1), a = (3/4, 1/4): C = 4/5 as before, T = 3/16 + 1/4 = 7/16
    got = coupling.coupling_coordination(
        pd.DataFrame([[0.25, 1.0]], columns=["x", "y"]), {"x": 3, "y": 1}
    )
    assert got.loc[0, "T"] == pytest.approx(7 / 16)
    assert got.loc[0, "D"] == pytest.approx(math.sqrt(4 / 5 * 7 / 16))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=8))
@example([0.0, 5e-324])  # found by hypothesis: sum/n underflowed to 0 and C came out NaN
@example([5e-324, 1e-323])  # subnormal scores: C = 2 sqrt(2) / 3 exactly
def test_coupling_is_at_most_one_and_one_for_equal_scores(scores):
    got = coupling.coupling_coordination(pd.DataFrame([scores])).iloc[0]
    assert 0 <= got["C"] <= 1 and 0 <= got["D"] <= 1
    same = coupling.coupling_coordination(pd.DataFrame([[scores[0]] * len(scores)])).iloc[0]
    if scores[0] > 0:
        assert same["C"] == pytest.approx(1)


def test_bad_scores_and_weights_are_refused():
    with pytest.raises(InputError, match="at least 2 dimensions"):
        coupling.coupling_coordination(pd.DataFrame([[0.5]]))
    with pytest.raises(InputError, match=r"must lie in \[0, 1\]"):
        coupling.coupling_coordination(pd.DataFrame([[0.5, 1.2]]))
    with pytest.raises(InputError, match="non-negative numbers for every dimension"):
        coupling.coupling_coordination(
            pd.DataFrame([[0.5, 0.2]], columns=["x", "y"]), {"x": 1}
        )
