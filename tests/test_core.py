"""k-core decomposition: by hand, against igraph's coreness and networkx's core_number, the
shell and main-core tables, bad input."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import core
from pyreslib.convert import to_igraph
from pyreslib.errors import InputError


def test_coreness_by_hand():
    # K4 on 0-3 (each city keeps 3 links inside: the 3-core), a tail 3-4-5 (peeled at k = 2:
    # 5 has one link, then 4 has one), a triangle 6-7-8 (2-core) and an isolate 9 (0)
    G = nx.complete_graph(4)
    G.add_edges_from([(3, 4), (4, 5), (6, 7), (7, 8), (8, 6)])
    G.add_node(9)
    assert core.coreness(G).to_dict() == {0: 3, 1: 3, 2: 3, 3: 3, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2,
                                          9: 0}


def test_a_ring_is_its_own_2_core_and_a_tree_is_a_1_core():
    assert set(core.coreness(nx.cycle_graph(7))) == {2}
    assert set(core.coreness(nx.balanced_tree(2, 3))) == {1}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.floats(0.0, 0.6), st.integers(0, 10_000))
def test_coreness_equals_igraph_and_networkx(n, p, seed):
    G = nx.gnp_random_graph(n, p, seed=seed)
    k = core.coreness(G)
    g, nodes = to_igraph(G)
    assert k.tolist() == g.coreness()
    assert k.to_dict() == nx.core_number(G)
    assert list(k.index) == nodes


def test_demo_stages_equal_igraph_and_networkx_and_the_main_core_is_a_k_core():
    from pyreslib import datasets, ingest

    patents, _ = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    result = core.stage_cores(networks)
    for stage, G in networks.items():
        rows = result.cities[result.cities["stage"] == stage].set_index("node")
        g, _ = to_igraph(G)
        assert rows["coreness"].tolist() == g.coreness()
        assert rows["coreness"].to_dict() == nx.core_number(G)
        k_max = result.stages.loc[stage, "k_max"]
        main = set(result.stages.loc[stage, "main_core_cities"])
        assert main == set(nx.k_core(G).nodes)  # networkx's main core
        # every main-core city keeps at least k_max links inside it
        assert min(dict(G.subgraph(main).degree).values()) >= k_max
        assert rows.loc[110000, "name_en"] == "Beijing"


def test_shell_and_core_sizes():
    G = nx.complete_graph(5)  # 4-core
    G.add_edges_from([(4, 10), (10, 11), (11, 4)])  # triangle hanging on 4: coreness 2
    G.add_edge(11, 12)  # a leaf: coreness 1
    result = core.stage_cores({"s": G})
    shells = result.shells.set_index("k")
    assert shells["shell"].tolist() == [0, 1, 2, 0, 5]
    assert shells["core"].tolist() == [8, 8, 7, 5, 5]  # cities of coreness >= k
    stage = result.stages.loc["s"]
    assert (stage["cities"], stage["k_max"], stage["main_core"]) == (8, 4, 5)
    assert stage["main_core_share"] == pytest.approx(5 / 8)
    assert "k_max" in result.summary() and result.to_frame() is result.cities


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="simple undirected"):
        core.coreness(nx.DiGraph([(0, 1)]))
    with pytest.raises(InputError, match="self-loop"):
        core.coreness(nx.Graph([(0, 0), (0, 1)]))
    with pytest.raises(InputError, match="non-empty dict"):
        core.stage_cores([nx.path_graph(3)])
