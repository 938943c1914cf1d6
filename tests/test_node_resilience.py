"""Node resilience: normalised centralities, entropy-weighted scores and ranks, per stage."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import centrality, metrics, node_resilience
from pyreslib.errors import InputError


def test_node_resilience_of_a_path_by_hand():
    G = nx.path_graph(5)
    nx.set_edge_attributes(G, 1, "weight")
    table = node_resilience.node_resilience(G, weights="equal")
    # degree -> 0,1,1,1,0; closeness 0.4, 4/7, 2/3 -> 0, 9/14, 1; betweenness 0,3,4,3,0 -> 0,.75,1
    assert table["closeness"].tolist() == pytest.approx([0, 9 / 14, 1, 9 / 14, 0])
    assert table["betweenness"].tolist() == pytest.approx([0, 0.75, 1, 0.75, 0])
    assert table["score"].tolist() == pytest.approx(
        [0, (1 + 9 / 14 + 0.75) / 3, 1, (1 + 9 / 14 + 0.75) / 3, 0]
    )
    assert table["rank"].tolist() == [4, 2, 1, 2, 4]
    assert table.attrs["weights"] == pytest.approx(
        {"degree": 1 / 3, "closeness": 1 / 3, "betweenness": 1 / 3}
    )


def test_node_resilience_of_a_star_puts_the_hub_first():
    G = nx.star_graph(6)
    nx.set_edge_attributes(G, 1, "weight")
    table = node_resilience.node_resilience(G)
    assert table.loc[0, "rank"] == 1 and table.loc[0, "score"] == pytest.approx(1)
    assert (table.loc[1:, "rank"] == 2).all() and (table.loc[1:, "score"] == 0).all()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(5, 25),
    st.floats(0.1, 0.6),
    st.integers(0, 10_000),
    st.sampled_from(["entropy", "equal"]),
)
def test_node_resilience_ranks_unchanged_by_relabelling(n, p, seed, weights):
    G = nx.gnp_random_graph(n, p, seed=seed)
    nx.set_edge_attributes(G, 1, "weight")
    rng = np.random.default_rng(seed)
    new_labels = rng.permutation(np.arange(100, 100 + 3 * n))[:n]
    mapping = {v: int(new_labels[v]) for v in G.nodes}
    # relabel and also shuffle the node order networkx iterates in
    H = nx.Graph()
    order = rng.permutation(n)
    H.add_nodes_from(mapping[int(v)] for v in order)
    H.add_edges_from(((mapping[u], mapping[v], d) for u, v, d in G.edges(data=True)))
    if G.number_of_edges() == 0:
        return
    before = node_resilience.node_resilience(G, weights=weights)["rank"]
    after = node_resilience.node_resilience(H, weights=weights)["rank"]
    assert {mapping[v]: r for v, r in before.items()} == after.to_dict()


def test_stage_node_resilience_long_table():
    first, second = nx.star_graph(3), nx.path_graph(4)
    for G in (first, second):
        nx.set_edge_attributes(G, 1, "weight")
        for v in G:
            G.nodes[v]["name_en"] = f"City {v}"
    table = node_resilience.stage_node_resilience(
        {"2011-2014": first, "2015-2017": second}, weights="equal"
    )
    assert len(table) == 8
    assert table.iloc[0][["stage", "node", "rank"]].tolist() == ["2011-2014", 0, 1]
    assert table.loc[table["stage"] == "2015-2017", "name_en"].tolist()[0] in {"City 1", "City 2"}


def test_stage_node_resilience_reuses_centralities_already_computed():
    # the pipeline computes centralities once (metrics.stage_describe) and hands them on
    networks = {
        "2011-2014": nx.les_miserables_graph(),
        "2015-2017": nx.convert_node_labels_to_integers(nx.karate_club_graph()),
    }
    _, centralities = metrics.stage_describe(networks)
    reused = node_resilience.stage_node_resilience(networks, centralities=centralities)
    recomputed = node_resilience.stage_node_resilience(networks)
    pd.testing.assert_frame_equal(reused, recomputed)


def test_precomputed_centralities_must_match_the_network():
    G = nx.path_graph(4)
    nx.set_edge_attributes(G, 1, "weight")
    other = centrality.node_centralities(nx.path_graph(5))
    with pytest.raises(InputError, match="one row per node"):
        node_resilience.node_resilience(G, precomputed=other)
    with pytest.raises(InputError, match="no rows for stage"):
        node_resilience.stage_node_resilience(
            {"2011-2014": G}, centralities=centrality.stage_centralities({"2018-2021": G})
        )


def test_node_resilience_rejects_unknown_centralities():
    G = nx.path_graph(3)
    with pytest.raises(InputError, match="unknown centralities"):
        node_resilience.node_resilience(G, centralities=("pagerank",))


# ---------------------------------------------------------------- node resilience across stages


def _named(G: nx.Graph) -> nx.Graph:
    nx.set_edge_attributes(G, 1, "weight")
    for v in G:
        G.nodes[v]["name_en"] = f"City {v}"
        G.nodes[v]["name_zh"] = f"城{v}"
    return G


def test_pooled_node_resilience_shows_a_city_that_grew():
    # city 0 leads both stages: the middle of a path of five, then the hub of a star of five
    earlier = _named(nx.relabel_nodes(nx.path_graph(5), {0: 1, 1: 2, 2: 0, 3: 3, 4: 4}))
    later = _named(nx.star_graph(4))
    networks = {"2011-2014": earlier, "2015-2017": later}
    within = node_resilience.stage_node_resilience(networks).set_index(["stage", "node"])
    assert within.loc[("2011-2014", 0), "score"] == pytest.approx(1)
    assert within.loc[("2015-2017", 0), "score"] == pytest.approx(1)  # growth invisible

    pooled = node_resilience.stage_node_resilience(networks, normalisation="pooled")
    assert pooled.attrs["normalisation"] == "pooled"
    by = pooled.set_index(["stage", "node"])
    assert by.loc[("2015-2017", 0), "score"] == pytest.approx(1)
    assert by.loc[("2011-2014", 0), "score"] < 0.9  # degree 1/2, closeness 2/3, betweenness 2/3
    assert by.loc[("2011-2014", 0), "rank"] == by.loc[("2015-2017", 0), "rank"] == 1

    wide = node_resilience.node_resilience_by_stage(pooled, top=3)
    assert list(wide.columns) == ["name_zh", "name_en", "rank", "2011-2014", "2015-2017"]
    assert wide.index[0] == 0 and wide.loc[0, "2015-2017"] > wide.loc[0, "2011-2014"]


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 18), st.floats(0.1, 0.5), st.integers(0, 10_000))
def test_a_city_that_gains_links_never_scores_lower_when_pooled(n, p, seed):
    """City 0 linked to every other city in the later stage: each of its centralities is at
    least what it was, so its pooled score cannot fall (min-max and positive weights are
    monotone), whatever the rest of the network does."""
    earlier = nx.gnp_random_graph(n, p, seed=seed)
    if earlier.degree(0) == 0:
        earlier.add_edge(0, 1)
    later = earlier.copy()
    later.add_edges_from((0, v) for v in range(1, n))
    networks = {"a": _named(earlier), "b": _named(later)}
    for weights in ("equal", "entropy"):
        pooled = node_resilience.stage_node_resilience(
            networks, normalisation="pooled", weights=weights
        ).set_index(["stage", "node"])
        assert pooled.loc[("b", 0), "score"] >= pooled.loc[("a", 0), "score"] - 1e-12


def test_ranking_table_lists_the_last_stages_top_cities_in_every_stage():
    first = _named(nx.star_graph(3))  # nodes 0..3
    second = _named(nx.path_graph(6))  # nodes 0..5; 4 and 5 are new
    table = node_resilience.stage_node_resilience(
        {"s1": first, "s2": second}, normalisation="pooled", weights="equal"
    )
    wide = node_resilience.node_resilience_by_stage(table, top=None)
    assert list(wide.index[:2]) == [2, 3]  # the middle of the path leads stage s2
    assert wide["rank"].is_monotonic_increasing and len(wide) == 6
    assert np.isnan(wide.loc[5, "s1"]) and not np.isnan(wide.loc[5, "s2"])
    ranks = node_resilience.node_resilience_by_stage(table, stage="s1", top=2, value="rank")
    assert list(ranks.index) == [0, 1] and ranks.loc[0, "s1"] == 1
    with pytest.raises(InputError, match="stage 's3' is not in the table"):
        node_resilience.node_resilience_by_stage(table, stage="s3")
    with pytest.raises(InputError, match="long table of stage_node_resilience"):
        node_resilience.node_resilience_by_stage(table.drop(columns="rank"))
    with pytest.raises(InputError, match="unknown node normalisation 'global'"):
        node_resilience.stage_node_resilience({"s1": first}, normalisation="global")
