"""Rich-club coefficient and its degree-preserving null: by hand, against networkx's own
rich_club_coefficient and double_edge_swap with the same seeds, the null's summaries, seeds,
workers and bad input."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import richclub
from pyreslib.errors import InputError


@pytest.fixture(scope="module")
def demo_networks():
    from pyreslib import datasets, ingest

    patents, _ = datasets.load_demo()
    return ingest.ingest_file(patents).networks


def planted_club() -> nx.Graph:
    """Eight hubs all linked to each other, each with six periphery cities of its own; the 48
    periphery cities form a ring (degree 3).  Rewiring can trade a hub-hub link and a ring link
    for two hub-periphery links, so the null's hubs are less tied to each other."""
    G = nx.complete_graph(8)
    periphery = [100 + i for i in range(48)]
    G.add_edges_from((hub, periphery[6 * hub + j]) for hub in range(8) for j in range(6))
    G.add_edges_from(zip(periphery, periphery[1:] + periphery[:1]))
    return G


def test_coefficient_by_hand():
    # a triangle 0-1-2 with 1 also linked to 3 and 4, and 4 to 5 (degrees 2, 4, 2, 1, 2, 1):
    # k=0: all 6 cities, 6 links of C(6,2) = 15 -> 0.4;  k=1: cities 0, 1, 2, 4 with links
    # 0-1, 0-2, 1-2, 1-4 -> 4 of 6;  k=2: only city 1 has degree > 2, so N_k = 1: no row
    G = nx.Graph([(0, 1), (0, 2), (1, 2), (1, 3), (1, 4), (4, 5)])
    table = richclub.rich_club_coefficient(G)
    assert table["k"].tolist() == [0, 1]
    assert table["n_rich"].tolist() == [6, 4] and table["edges_rich"].tolist() == [6, 4]
    assert table["phi"].tolist() == [0.4, 4 / 6]


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 30), st.floats(0.05, 0.9), st.integers(0, 10_000))
def test_coefficient_equals_networkx_unnormalised(n, p, seed):
    G = nx.gnp_random_graph(n, p, seed=seed)
    expected = nx.rich_club_coefficient(G, normalized=False)
    table = richclub.rich_club_coefficient(G)
    assert dict(zip(table["k"], table["phi"])) == expected
    assert ((table["phi"] >= 0) & (table["phi"] <= 1)).all()


def test_coefficient_equals_networkx_on_the_demo_stages(demo_networks):
    for G in demo_networks.values():
        table = richclub.rich_club_coefficient(G)
        assert dict(zip(table["k"], table["phi"])) == nx.rich_club_coefficient(G, normalized=False)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 - 1])
def test_rewiring_is_networkx_double_edge_swap_exactly(seed, demo_networks):
    for G in (nx.karate_club_graph(), demo_networks["2011-2014"]):
        swaps = 10 * G.number_of_edges()
        expected = G.copy()
        nx.double_edge_swap(expected, swaps, max_tries=swaps * 10, seed=seed)
        got = nx.Graph(richclub._rewire(G, swaps, swaps * 10, seed))
        assert {frozenset(e) for e in got.edges} == {frozenset(e) for e in expected.edges}
        assert dict(got.degree) == dict(G.degree)


@pytest.mark.parametrize("stage", ["2011-2014", pytest.param("2015-2017", marks=pytest.mark.slow)])
def test_each_draw_equals_networkx_normalised_with_its_seed(stage, demo_networks):
    G = demo_networks[stage]
    result = richclub.rich_club(G, nulls=3, Q=100, seed=2024)
    for draw, rows in result.draws.groupby("draw"):
        seed = int(rows["seed"].iloc[0])
        expected = nx.rich_club_coefficient(G, normalized=True, Q=100, seed=seed)
        assert rows["k"].tolist() == list(expected)
        assert rows["ratio"].tolist() == list(expected.values()), draw


def test_the_largest_demo_stage_equals_networkx_with_fewer_swaps(demo_networks):
    G = demo_networks["2018-2021"]
    result = richclub.rich_club(G, nulls=2, Q=10, seed=5)
    for _, rows in result.draws.groupby("draw"):
        expected = nx.rich_club_coefficient(G, normalized=True, Q=10,
                                            seed=int(rows["seed"].iloc[0]))
        assert rows["ratio"].tolist() == list(expected.values())


def test_null_summaries_are_those_of_the_draws():
    G = nx.barabasi_albert_graph(80, 3, seed=2)
    result = richclub.rich_club(G, nulls=40, Q=10, seed=9, level=0.9)
    draws = result.draws.pivot(index="draw", columns="k", values="phi_null").to_numpy()
    t = result.table
    phi = t["phi"].to_numpy()
    np.testing.assert_allclose(t["null_mean"], draws.mean(axis=0), rtol=1e-14)
    # draws that all agree have sd 0 exactly (numpy leaves rounding noise of 1e-17)
    np.testing.assert_allclose(t["null_sd"], draws.std(axis=0, ddof=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t["null_lo"], np.quantile(draws, 0.05, axis=0), rtol=1e-14)
    np.testing.assert_allclose(t["null_hi"], np.quantile(draws, 0.95, axis=0), rtol=1e-14)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(t["rho"], phi / draws.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(t["rho_hi"], t["null_hi"] / t["null_mean"], rtol=1e-14)
    np.testing.assert_allclose(t["p_value"], (1 + (draws >= phi).sum(axis=0)) / 41)
    # k = 0 counts every link among every city: the same in every rewiring
    k0 = t[t["k"] == 0].iloc[0]
    assert k0["rho"] == 1.0 and k0["null_sd"] == 0 and np.isnan(k0["z"])
    assert len(set(result.draws["seed"])) == 40


def test_a_planted_rich_club_stands_above_its_null():
    result = richclub.rich_club(planted_club(), nulls=30, Q=20, seed=1)
    hubs = result.table[result.table["k"] >= 3]  # only the hubs (degree 13): all linked
    assert (hubs["n_rich"] == 8).all() and (hubs["phi"] == 1.0).all()
    assert (hubs["phi"] > hubs["null_hi"]).all() and (hubs["rho"] > 1.5).all()
    assert (hubs["p_value"] == 1 / 31).all()
    assert "3, 4, 5, 6, 7, 8, 9, 10, 11, 12" in result.summary()


@pytest.mark.slow  # starts two worker processes
def test_same_seed_same_result_and_workers_do_not_matter():
    networks = {"a": nx.barabasi_albert_graph(60, 2, seed=1), "b": nx.karate_club_graph()}
    first = richclub.stage_rich_club(networks, nulls=6, Q=5, seed=3)
    again = richclub.stage_rich_club(networks, nulls=6, Q=5, seed=3)
    parallel = richclub.stage_rich_club(networks, nulls=6, Q=5, seed=3, workers=2)
    assert first.table.equals(again.table) and first.draws.equals(again.draws)
    assert first.table.equals(parallel.table) and first.draws.equals(parallel.draws)
    other = richclub.stage_rich_club(networks, nulls=6, Q=5, seed=4)
    assert not first.draws["phi_null"].equals(other.draws["phi_null"])
    assert list(first.table["stage"].unique()) == ["a", "b"]


def test_bad_input_is_refused_with_a_clear_message():
    G = nx.karate_club_graph()
    with pytest.raises(InputError, match="nulls = 0"):
        richclub.rich_club(G, nulls=0)
    with pytest.raises(InputError, match="nulls = 200000"):
        richclub.rich_club(G, nulls=200_000)
    with pytest.raises(InputError, match="Q = -1"):
        richclub.rich_club(G, Q=-1)
    with pytest.raises(InputError, match="level"):
        richclub.rich_club(G, level=1.0)
    with pytest.raises(InputError, match="workers"):
        richclub.rich_club(G, workers=100)
    with pytest.raises(InputError, match="3 cities"):
        richclub.rich_club(nx.path_graph(3))
    with pytest.raises(InputError, match="no degree-preserving rewiring"):
        richclub.rich_club(nx.complete_graph(6), nulls=1, Q=1)
    with pytest.raises(InputError, match="simple undirected"):
        richclub.rich_club(nx.DiGraph([(0, 1), (1, 2), (2, 3), (3, 0)]))
    with pytest.raises(InputError, match="non-empty dict"):
        richclub.stage_rich_club({})
