"""Stage networks, their export, and the geography matrices."""

from __future__ import annotations

import math

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from pyreslib.errors import InputError
from pyreslib.network import (
    binary_adjacency,
    border_matrix,
    city_table,
    distance_matrix,
    edge_table,
    node_table,
    proximity_matrix,
    region_labels,
    stage_network,
    weighted_adjacency,
)

BJ, TJ, SH, NJ, WUHU, GZ = 110000, 120000, 310000, 320100, 340200, 440100


@pytest.fixture()
def small():
    pairs = pd.DataFrame({"city_a": [NJ, BJ, SH], "city_b": [BJ, SH, NJ], "weight": [5, 1, 2]})
    return stage_network(pairs, {NJ: 7, GZ: 3}, stage="2011-2014")


def test_stage_network_has_the_shared_attributes(small):
    assert small.graph["stage"] == "2011-2014"
    assert sorted(small.nodes) == [BJ, SH, NJ]  # GZ has internal collaboration only
    assert small[BJ][NJ]["weight"] == 5
    assert small.nodes[NJ] == {"name_zh": "南京市", "name_en": "Nanjing", "internal": 7}
    assert small.nodes[BJ]["internal"] == 0


def test_internal_only_cities_can_be_kept_as_isolates():
    pairs = pd.DataFrame({"city_a": [BJ], "city_b": [SH], "weight": [1]})
    graph = stage_network(pairs, {GZ: 3}, stage="s", include_internal_only=True)
    assert graph.degree(GZ) == 0 and graph.nodes[GZ]["internal"] == 3


def test_threshold_drops_weak_pairs_and_their_lonely_cities(small):
    pairs = edge_table(small)
    strong = stage_network(pairs, stage="s", threshold=2)
    assert edge_table(strong).values.tolist() == [[BJ, NJ, 5], [SH, NJ, 2]]


def test_tables_are_sorted_with_city_a_below_city_b(small):
    edges = edge_table(small)
    assert edges.values.tolist() == [[BJ, SH, 1], [BJ, NJ, 5], [SH, NJ, 2]]
    nodes = node_table(small)
    assert nodes[["adcode", "internal", "strength", "degree"]].values.tolist() == [
        [BJ, 0, 6, 2],
        [SH, 0, 3, 2],
        [NJ, 7, 7, 2],
    ]


def test_adjacency_matches_igraph(small):
    weighted = weighted_adjacency(small)
    built = ig.Graph.TupleList(edge_table(small).itertuples(index=False), weights=True)
    order = [built.vs.find(name=c).index for c in weighted.index]
    reference = np.array(built.get_adjacency(attribute="weight").data)[np.ix_(order, order)]
    np.testing.assert_array_equal(weighted.to_numpy(), reference)
    binary = binary_adjacency(small, threshold=2)
    np.testing.assert_array_equal(binary.to_numpy(), (reference >= 2).astype(int))
    assert list(binary.index) == [BJ, SH, NJ]
    assert list(weighted_adjacency(small, label="name_zh").index) == ["北京市", "上海市", "南京市"]


def test_empty_stage_gives_an_empty_graph():
    graph = stage_network(pd.DataFrame({"city_a": [], "city_b": [], "weight": []}), stage="s")
    assert graph.number_of_nodes() == 0
    assert edge_table(graph).empty and binary_adjacency(graph).empty


@pytest.mark.parametrize(
    ("pairs", "match"),
    [
        (pd.DataFrame({"city_a": [BJ], "city_b": [BJ], "weight": [1]}), "itself"),
        (pd.DataFrame({"city_a": [BJ, SH], "city_b": [SH, BJ], "weight": [1, 1]}), "twice"),
        (pd.DataFrame({"city_a": [BJ], "city_b": [999999], "weight": [1]}), "not in the city"),
        (pd.DataFrame({"a": [BJ], "b": [SH]}), "missing columns"),
    ],
)
def test_bad_pairs_are_refused(pairs, match):
    with pytest.raises(InputError, match=match):
        stage_network(pairs, stage="s")


def great_circle_by_cosines(lon1, lat1, lon2, lat2, radius=6371.0088):
    # Spherical law of cosines: independent of the haversine form used by the library.
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    return radius * math.acos(
        math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    )


def test_distances_match_the_spherical_law_of_cosines():
    codes = [BJ, SH, NJ, GZ, 650100]
    km = distance_matrix(codes)
    seats = city_table().set_index("adcode")
    for a in codes:
        for b in codes:
            if a != b:
                expected = great_circle_by_cosines(
                    seats.at[a, "lon"], seats.at[a, "lat"], seats.at[b, "lon"], seats.at[b, "lat"]
                )
                assert km.at[a, b] == pytest.approx(expected, rel=1e-9)
    assert 1050 < km.at[BJ, SH] < 1080  # about 1,067 km between the two seats
    assert np.allclose(km.to_numpy(), km.to_numpy().T) and (np.diag(km) == 0).all()
    assert list(km.index) == codes


def test_proximity_is_larger_for_closer_cities():
    prox = proximity_matrix([BJ, TJ, GZ])
    assert prox.at[BJ, TJ] > prox.at[BJ, GZ]
    assert prox.at[BJ, TJ] == pytest.approx(-math.log(distance_matrix([BJ, TJ]).at[BJ, TJ]))


def test_borders_follow_the_provenance_sanity_checks():
    borders = border_matrix()
    beijing = set(borders.columns[borders.loc[BJ] == 1])
    assert beijing == {
        120000,
        130600,
        130700,
        130800,
        131000,
    }  # Tianjin, Baoding, Zhangjiakou, Chengde, Langfang
    assert borders.at[NJ, WUHU] == 0  # no border, 4.5 km apart
    assert borders.at[SH, 320500] == 1  # Suzhou
    assert (borders.to_numpy() == borders.to_numpy().T).all()
    assert borders.to_numpy().sum() == 2 * 970


def test_geography_accepts_a_network_and_labels_by_its_nodes(small):
    assert list(border_matrix(small).index) == list(small.nodes)
    assert region_labels(small).to_dict() == {NJ: "East", BJ: "East", SH: "East"}


@pytest.mark.parametrize(
    ("codes", "match"),
    [([BJ, BJ], "more than once"), ([BJ, 123456], "not adcodes"), (["Beijing"], "integer")],
)
def test_geography_refuses_bad_adcodes(codes, match):
    for function in (distance_matrix, border_matrix):
        with pytest.raises(InputError, match=match):
            function(codes)
