"""Motter-Lai load-capacity cascades: small graphs worked by hand, invariants, a networkx
recomputation, seeds and workers, bad input."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import cascade, robustness
from pyreslib.convert import to_igraph
from pyreslib.errors import InputError


def three_routes() -> nx.Graph:
    """Hubs A (leaves a1, a2) and B (leaves b1, b2) joined by three routes: through x (2 links),
    through y1-y2 (3 links) and through z1-z2-z3 (4 links)."""
    return nx.Graph([
        ("a1", "A"), ("a2", "A"), ("B", "b1"), ("B", "b2"),
        ("A", "x"), ("x", "B"),
        ("A", "y1"), ("y1", "y2"), ("y2", "B"),
        ("A", "z1"), ("z1", "z2"), ("z2", "z3"), ("z3", "B"),
    ])


def naive_cascade(G: nx.Graph, start, alpha: float) -> list[list]:
    """The cascade recomputed from scratch with networkx's betweenness (unnormalised)."""
    initial = nx.betweenness_centrality(G, normalized=False)
    H = G.copy()
    H.remove_node(start)
    rounds = [[start]]
    while True:
        load = nx.betweenness_centrality(H, normalized=False)
        over = [v for v in H if load[v] > (1 + alpha) * initial[v] * (1 + cascade.OVERLOAD_RTOL)]
        if not over:
            return rounds
        rounds.append(sorted(over))
        H.remove_nodes_from(over)


def sorted_rounds(c: cascade.Cascade) -> list[list]:
    return [sorted(r) for r in c.rounds]


# ---------------------------------------------------------------------------------------------
# worked by hand
# ---------------------------------------------------------------------------------------------
def test_star_hub_trigger_leaves_isolates_and_a_leaf_trigger_is_harmless():
    # star with hub 0 and 5 leaves: the hub carries the C(5, 2) = 10 leaf pairs, leaves carry 0.
    # Removing the hub isolates every leaf (loads 0 <= capacities 0): nothing more fails.
    G = nx.star_graph(5)
    for trigger in ("degree", "betweenness"):
        c = cascade.cascade(G, 0.0, trigger)
        assert c.rounds == ((0,),) and c.giant_share == pytest.approx(1 / 6)
        assert c.efficiency == 0
    # a leaf: the hub now carries C(4, 2) = 6 < 10 pairs, even at alpha 0
    c = cascade.cascade(G, 0.0, city=3)
    assert c.failed == () and c.giant_share == pytest.approx(5 / 6)


def test_a_path_never_cascades():
    # path 0-1-2-3-4: loads 0, 3, 4, 3, 0 (node 2 joins {0,1} to {3,4}: 4 pairs).  In a tree every
    # pair has one path, so removing a city only takes pairs away: no load can grow.
    G = nx.path_graph(5)
    c = cascade.cascade(G, 0.0, "betweenness")
    assert c.rounds == ((2,),) and c.giant_share == pytest.approx(2 / 5)
    c = cascade.cascade(G, 0.0, city=0)  # 1-2-3-4: loads 0, 2, 2, 0, below 4 and 3
    assert c.failed == () and c.giant_share == pytest.approx(4 / 5)


def test_barbell_bridge_trigger_splits_two_quiet_cliques():
    # two K4 (0-3 and 5-8) joined through city 4: city 4 carries the 4 x 4 = 16 pairs across,
    # the attachment cities 3 and 5 carry 3 x 5 = 15 each, the other clique cities are
    # simplicial (load 0).  Removing 4 leaves two cliques where every load is 0.
    G = nx.barbell_graph(4, 1)
    c = cascade.cascade(G, 0.0, "betweenness")
    assert c.trigger == 4 and c.failed == () and c.giant_share == pytest.approx(4 / 9)
    # removing 3 leaves {0,1,2} (a triangle, loads 0) and the path 4-5 into the other clique:
    # 5 carries 4's 3 pairs with 6, 7, 8; 3 <= 15, nothing fails
    c = cascade.cascade(G, 0.0, city=3)
    assert c.failed == () and c.giant_share == pytest.approx(5 / 9)


@pytest.mark.parametrize(
    ("alpha", "rounds", "share"),
    [
        (0.2, [[0], [2, 3, 4]], 1 / 6),  # 3 > 2.4 and 4 > 2.4: the three inner cities fail
        (0.7, [[0], [3]], 2 / 6),  # 4 > 3.4 but 3 <= 3.4: the middle one fails
        (1.0, [[0]], 5 / 6),  # 4 <= 4: nothing fails
    ],
)
def test_ring_by_hand(alpha, rounds, share):
    # a ring of 6: each city is the middle of 1 pair at distance 2 and lies on one of the two
    # paths of 2 of the 3 antipodal pairs (1/2 each): load 2.  Removing city 0 leaves the path
    # 1-2-3-4-5 with loads 0, 3, 4, 3, 0.
    c = cascade.cascade(nx.cycle_graph(6), alpha, city=0)
    assert sorted_rounds(c) == rounds and c.giant_share == pytest.approx(share)


def test_three_routes_two_rounds_and_a_curve_that_is_not_monotone():
    # Initial loads (pairs; L = {a1, a2, A}, R = {B, b1, b2}):
    #   x : the 9 L-R pairs, plus half of z1's 3 pairs with R (z1-A-x-B and z1-z2-z3-B both
    #       have 3 links) and half of z3's 3 with L: 9 + 1.5 + 1.5 = 12
    #   y1: y2's pairs with A, a1, a2 (3) and y2-z1 (1): 4; y2 likewise 4
    #   z1: z2 with L (3), z2-x (1/2), z2-y1 (1), z3 with L (3 x 1/2): 6; z3 likewise 6
    #   z2: z1-z3 (1), z1 with R (3 x 1/2), z3 with L (3 x 1/2): 4
    # After x fails (round 0) the routes form a 7-cycle A-y1-y2-B-z3-z2-z1 with the leaves:
    #   y1, y2: 9 L-R pairs + 3 + 1 = 13 > 4 (1 + alpha) iff alpha < 2.25
    #   z1, z3: 3 + 1 + 3 = 7 > 6 (1 + alpha) iff alpha < 1/6
    #   z2    : 1 + 3 + 3 = 7 > 4 (1 + alpha) iff alpha < 0.75;   A, B: 20 <= 26 always
    # If only y1, y2 fail (0.75 <= alpha < 2.25), the rest is a tree, a1,a2-A-z1-z2-z3-B-b1,b2:
    #   z1, z3: 3 x 5 = 15 > 6 (1 + alpha) iff alpha < 1.5;   z2: 4 x 4 = 16 > 4 (1 + alpha)
    # so in round 2 all three z fail below alpha 1.5, only z2 from 1.5 to 2.25.
    G = three_routes()
    expected = {
        0.0: ([["x"], ["y1", "y2", "z1", "z2", "z3"]], 3 / 12),  # two stars of 3 remain
        0.5: ([["x"], ["y1", "y2", "z2"]], 4 / 12),  # A+a1,a2,z1 and B+b1,b2,z3
        1.0: ([["x"], ["y1", "y2"], ["z1", "z2", "z3"]], 3 / 12),
        1.5: ([["x"], ["y1", "y2"], ["z2"]], 4 / 12),
        2.0: ([["x"], ["y1", "y2"], ["z2"]], 4 / 12),
        2.5: ([["x"]], 11 / 12),
    }
    for alpha, (rounds, share) in expected.items():
        c = cascade.cascade(G, alpha, city="x")
        assert sorted_rounds(c) == rounds and c.giant_share == pytest.approx(share), alpha
        assert c.post_trigger_share == pytest.approx(11 / 12)
    # z2 failing early (alpha 0.5) cuts the long route and spares z1 and z3: more tolerance
    # (alpha 1.0) ends worse.  The curve reports it instead of smoothing it away.
    result = cascade.stage_cascades({"g": G}, alphas=list(expected), triggers=["random"],
                                       repeats=12, seed=0)
    x_runs = result.curves[result.curves["city"] == "x"]
    assert x_runs["giant_share"].round(6).tolist() == [round(s, 6) for _, s in expected.values()]
    assert x_runs.loc[x_runs["non_monotone"], "alpha"].tolist() == [1.0]
    # large: final share below 0.9 x 11/12 up to alpha 2, so the critical alpha is 2.5
    assert cascade.critical_alpha(x_runs)["critical_alpha"].tolist() == [2.5]


def test_efficiency_is_relative_to_the_intact_network_with_the_original_n():
    # after alpha 0.5 two stars K_{1,3} remain: each has 3 pairs at distance 1 and 3 at 2, so
    # sum over ordered pairs of 1/d is 2 x 2 x (3 + 3/2) = 18
    G = three_routes()
    n = G.number_of_nodes()
    intact = nx.global_efficiency(G) * n * (n - 1)
    c = cascade.cascade(G, 0.5, city="x")
    assert c.efficiency == pytest.approx(18 / intact, rel=1e-12)


def test_weighted_cascade_uses_distance_one_over_weight():
    # a square 0-1-2-3 with a heavy side 0-1-2 (weight 10) and a light side 2-3-0 (weight 1):
    # with 1/weight lengths all paths from 0 to 2 go through 1 (0.2 < 2), so 1 carries pair
    # (0, 2) and 3 carries nothing (it is on no shortest path: 3-0 and 3-2 are direct links).
    G = nx.Graph()
    G.add_weighted_edges_from([(0, 1, 10), (1, 2, 10), (2, 3, 1), (3, 0, 1)])
    c = cascade.cascade(G, 0.0, city=1, weighted=True)
    # without 1, the pair (0, 2) runs through 3 (load 1 > capacity 0): 3 fails
    assert sorted_rounds(c) == [[1], [3]]
    # binary: 1 and 3 share pair (0,2) (1/2 each), and pair (1,3) runs half through 0, half 2
    assert cascade.cascade(G, 0.0, city=1).failed == (3,)  # 1 > 0.5 too
    assert cascade.cascade(G, 1.0, city=1).failed == ()  # 1 <= 1


# ---------------------------------------------------------------------------------------------
# triggers and seeds
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_top_city_ties_are_broken_as_attack_order_breaks_them(seed):
    # path of 7: cities 1-5 tie on degree 2; the degree trigger draws from its own child seed
    G = nx.path_graph(7)
    g, nodes = to_igraph(G)
    child = np.random.SeedSequence(seed).spawn(3)[cascade.TRIGGERS.index("degree")]
    first = robustness.attack_order(g, "degree", rng=np.random.default_rng(child),
                                    recalculate=False)[0]
    assert cascade.cascade(G, 0.0, "degree", seed=seed).trigger == nodes[first]


def test_random_triggers_are_distinct_and_more_repeats_keep_the_first_ones():
    G = nx.barabasi_albert_graph(40, 2, seed=3)
    few = cascade.cascade_curves(G, alphas=[0.2], triggers=["random"], repeats=5, seed=4)
    many = cascade.cascade_curves(G, alphas=[0.2], triggers=["random"], repeats=12, seed=4)
    assert many.curves["city"].is_unique
    assert many.curves["city"].tolist()[:5] == few.curves["city"].tolist()
    first = cascade.cascade(G, 0.2, "random", seed=4)
    assert first.trigger == few.curves["city"].iloc[0]


def test_asking_for_more_triggers_does_not_change_the_others():
    G = nx.barabasi_albert_graph(50, 2, seed=8)
    alone = cascade.cascade_curves(G, alphas=[0.1, 0.4], triggers=["random"], repeats=6, seed=2)
    both = cascade.cascade_curves(G, alphas=[0.1, 0.4], repeats=6, seed=2)
    random_rows = both.curves[both.curves["trigger"] == "random"].reset_index(drop=True)
    assert random_rows.equals(alone.curves)


@pytest.mark.slow  # starts two worker processes
def test_same_result_with_two_worker_processes():
    G = nx.barabasi_albert_graph(80, 2, seed=5)
    options = {"alphas": [0.0, 0.3, 0.8], "repeats": 10, "seed": 6}
    serial = cascade.cascade_curves(G, **options)
    parallel = cascade.cascade_curves(G, workers=2, **options)
    assert parallel.curves.equals(serial.curves) and parallel.curve.equals(serial.curve)
    assert parallel.failures().equals(serial.failures())


def test_result_tables_summary_and_critical_alpha():
    networks = {"2011-2014": nx.cycle_graph(6), "2015-2017": three_routes()}
    result = cascade.stage_cascades(networks, alphas=[0.0, 0.5, 1.0, 2.5], repeats=6, seed=1)
    curves = result.curves
    assert list(curves.columns[:5]) == ["stage", "trigger", "repeat", "city", "alpha"]
    assert {"giant_share", "efficiency", "failed_count", "rounds", "non_monotone"} <= set(curves)
    assert len(curves) == 2 * (1 + 1 + 6) * 4
    assert list(result.curve.groupby(["stage", "trigger"], sort=False).size()) == [4] * 6
    assert result.curve.loc[result.curve["trigger"] == "random", "repeats"].eq(6).all()
    # the failures table holds the trigger in round 0 and every failure after it
    failures = result.failures()
    assert (failures.groupby(["stage", "trigger", "repeat", "alpha"])["round"].min() == 0).all()
    assert len(failures) == len(curves) + curves["failed_count"].sum()
    ring = result.critical.set_index(["stage", "trigger"]).loc[("2011-2014", "degree")]
    assert ring["critical_alpha"] == 1.0  # large at 0 and 0.5 (shares 1/6, 2/6 < 0.9 x 5/6)
    text = result.summary()
    assert "critical_alpha" in text and "2015-2017" in text and "betweenness" in text


def test_critical_alpha_is_nan_when_the_largest_alpha_still_collapses():
    result = cascade.cascade_curves(nx.cycle_graph(6), alphas=[0.0, 0.5], triggers=["degree"])
    assert math.isnan(result.critical["critical_alpha"].iloc[0])
    assert result.critical["large_alphas"].iloc[0] == 2


# ---------------------------------------------------------------------------------------------
# invariants
# ---------------------------------------------------------------------------------------------
graphs = st.builds(
    lambda n, p, seed: nx.gnp_random_graph(n, p, seed=seed),
    st.integers(2, 14), st.floats(0.1, 0.8), st.integers(0, 10_000),
)


@settings(max_examples=40, deadline=None)
@given(graphs, st.sampled_from(cascade.TRIGGERS), st.integers(0, 100))
def test_with_alpha_large_enough_nothing_beyond_the_trigger_fails(G, trigger, seed):
    # a positive initial load is at least 1/(N-2) (a pair at distance 2 has at most N-2
    # middles) and no load exceeds C(N-1, 2): alpha = N^3 covers every ratio
    n = G.number_of_nodes()
    result = cascade.cascade_curves(G, alphas=[float(n**3)], triggers=[trigger], repeats=1,
                                       seed=seed)
    assert (result.curves["failed_count"] == 0).all() and (result.curves["rounds"] == 0).all()
    assert (result.curves["giant_share"] == result.curves["post_trigger_share"]).all()


@settings(max_examples=40, deadline=None)
@given(graphs, st.integers(0, 100))
def test_every_share_lies_in_0_1_and_the_cascade_only_shrinks(G, seed):
    n = G.number_of_nodes()
    result = cascade.cascade_curves(G, alphas=[0.0, 0.1, 0.5, 2.0], repeats=min(n, 3),
                                       seed=seed)
    curves = result.curves
    for column in ("giant_share", "post_trigger_share", "efficiency"):
        values = curves[column].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), column
    assert (curves["giant_share"] <= curves["post_trigger_share"] + 1e-12).all()
    assert curves["efficiency"].isna().all() == (G.number_of_edges() == 0)


@settings(max_examples=30, deadline=None)
@given(graphs, st.integers(0, 100))
def test_the_same_seed_gives_the_same_curve(G, seed):
    n = G.number_of_nodes()
    options = {"alphas": [0.0, 0.25, 1.0], "repeats": min(n, 4), "seed": seed}
    first = cascade.cascade_curves(G, **options)
    again = cascade.cascade_curves(G, **options)
    assert first.curves.equals(again.curves) and first.curve.equals(again.curve)
    assert first.failures().equals(again.failures())


@settings(max_examples=40, deadline=None)
@given(graphs, st.floats(0, 1.5), st.data())
def test_rounds_equal_a_recomputation_with_networkx(G, alpha, data):
    start = data.draw(st.sampled_from(sorted(G.nodes)))
    c = cascade.cascade(G, alpha, city=start)
    assert sorted_rounds(c) == naive_cascade(G, start, alpha)
    H = G.copy()
    H.remove_nodes_from(c.rounds[0] + c.failed)
    giant = max(map(len, nx.connected_components(H)), default=0)
    assert c.giant_share == pytest.approx(giant / G.number_of_nodes())


def test_the_demo_stages_against_networkx():
    from pyreslib import datasets, ingest

    patents, _ = datasets.load_demo()
    G = ingest.ingest_file(patents).networks["2011-2014"]
    result = cascade.cascade_curves(G, alphas=[0.0, 0.3], repeats=3, seed=0)
    for (_, _, _, alpha), c in result.cascades.items():
        assert sorted_rounds(c) == naive_cascade(G, c.trigger, alpha)


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_bad_input_is_refused_with_a_clear_message():
    G = nx.cycle_graph(5)
    with pytest.raises(InputError, match=r"alpha = -0.1.*>= 0"):
        cascade.cascade_curves(G, alphas=[0.2, -0.1])
    with pytest.raises(InputError, match="alpha = nan"):
        cascade.cascade(G, float("nan"))
    with pytest.raises(InputError, match="repeat a value"):
        cascade.cascade_curves(G, alphas=[0.1, 0.1])
    with pytest.raises(InputError, match="non-empty"):
        cascade.cascade_curves(G, alphas=[])
    with pytest.raises(InputError, match="no nodes"):
        cascade.cascade_curves(nx.Graph())
    with pytest.raises(InputError, match="unknown trigger 'pagerank'"):
        cascade.cascade_curves(G, triggers=["pagerank"])
    with pytest.raises(InputError, match="unknown trigger"):
        cascade.cascade(G, 0.1, "closeness")
    with pytest.raises(InputError, match=r"repeats = 6 but stage 'network' has 5 cities"):
        cascade.cascade_curves(G, repeats=6)
    with pytest.raises(InputError, match="repeats = 0"):
        cascade.cascade_curves(G, repeats=0)
    with pytest.raises(InputError, match="threshold"):
        cascade.cascade_curves(G, repeats=2, threshold=1.0)
    with pytest.raises(InputError, match="workers"):
        cascade.cascade_curves(G, repeats=2, workers=-1)
    with pytest.raises(InputError, match="city 99 is not a node"):
        cascade.cascade(G, 0.1, city=99)
    with pytest.raises(InputError, match="not both"):
        cascade.cascade(G, 0.1, "degree", city=0)
    with pytest.raises(InputError, match="non-empty dict"):
        cascade.stage_cascades({})
