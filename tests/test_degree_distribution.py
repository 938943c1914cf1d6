"""Rank-size hierarchy slope and degree-distribution fits, by hand."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from pyreslib import degree_distribution
from tests.test_metrics import weighted


def test_rank_size_slope_by_hand():
    # k = 12 / r is a power of the rank: b = 1 exactly; the zero is left out
    assert degree_distribution.rank_size_slope([3, 12, 0, 4, 6]) == pytest.approx(1)
    assert degree_distribution.rank_size_slope([5, 5, 5]) == pytest.approx(0, abs=1e-12)  # flat
    assert math.isnan(degree_distribution.rank_size_slope([7, 0, 0]))  # one positive value
    x, y = np.log([1, 2, 3, 4]), np.log([8, 4, 2, 1])
    assert degree_distribution.rank_size_slope(np.array([1, 2, 4, 8])) == pytest.approx(
        -np.polyfit(x, y, 1)[0]
    )


def test_degree_distribution_fit_of_a_star_by_hand():
    fit = degree_distribution.degree_distribution_fit(weighted(nx.star_graph(4)))
    assert fit.data["k"].tolist() == [1, 4] and fit.data["p"].tolist() == pytest.approx([0.8, 0.2])
    # two points: ln(0.2/0.8) / ln(4/1) = -1 exactly; exponential: ln(1/4) / 3
    assert fit.power_law_slope == pytest.approx(-1)
    assert fit.exponential_slope == pytest.approx(math.log(0.25) / 3)
    assert fit.data["power_law"].tolist() == pytest.approx([0.8, 0.2])
    cumulative = degree_distribution.degree_distribution_fit(
        weighted(nx.star_graph(4)), cumulative=True
    )
    assert cumulative.data["p"].tolist() == pytest.approx([1.0, 0.2])


def test_isolates_are_counted_but_not_fitted():
    G = weighted(nx.path_graph(4))
    G.add_nodes_from([10, 11])
    fit = degree_distribution.degree_distribution_fit(G)
    assert fit.zero_degree == 2
    # shares are of all 6 nodes: two of degree 1, two of degree 2
    assert fit.data["p"].tolist() == pytest.approx([2 / 6, 2 / 6])


def test_weighted_distribution_uses_rounded_strength():
    G = nx.Graph()
    G.add_weighted_edges_from([(1, 2, 2.4), (2, 3, 3)])
    fit = degree_distribution.degree_distribution_fit(G, weighted=True)
    assert fit.data["k"].tolist() == [2, 3, 5]  # strengths 2.4 -> 2, 3, 5.4 -> 5
