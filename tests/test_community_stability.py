"""Stability of Infomap modules: NMI between partitions, by hand, against igraph, over seeds."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import community_stability
from pyreslib.errors import InputError
from tests.test_community import cliques_joined_in_a_ring


def test_nmi_by_hand_and_against_igraph():
    same = [1, 1, 2, 2]
    assert community_stability.normalized_mutual_information(same, [5, 5, 9, 9]) == pytest.approx(1)
    # independent halves: joint uniform over 4 cells -> I = 0
    independent = community_stability.normalized_mutual_information([1, 1, 2, 2], [1, 2, 1, 2])
    assert independent == pytest.approx(0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.integers(0, 4, 50), rng.integers(0, 6, 50)
        expected = ig.compare_communities(a.tolist(), b.tolist(), method="nmi")
        assert community_stability.normalized_mutual_information(a, b) == pytest.approx(expected)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_nmi_is_symmetric_and_within_unit_interval(labels, rnd):
    other = labels[:]
    rnd.shuffle(other)
    value = community_stability.normalized_mutual_information(labels, other)
    assert -1e-12 <= value <= 1 + 1e-12
    assert value == pytest.approx(community_stability.normalized_mutual_information(other, labels))


def test_stability_of_a_clear_structure_is_one():
    G = cliques_joined_in_a_ring()
    assert community_stability.stability(G, seeds=[1, 2, 3]) == pytest.approx(1)
    table = community_stability.pairwise_nmi(G, seeds=[1, 2, 3])
    assert table.shape == (3, 3) and (table.to_numpy().diagonal() == 1).all()


def test_stability_needs_two_seeds_and_partitions_of_the_same_nodes():
    with pytest.raises(InputError, match="at least 2 seeds"):
        community_stability.stability(cliques_joined_in_a_ring(), seeds=[1])
    with pytest.raises(InputError, match="differ in length"):
        community_stability.normalized_mutual_information([1, 1], [1, 2, 2])
