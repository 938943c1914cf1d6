"""Stage city networks (docs/method.md, section 1) and the ERGM's geography (the tables the
``networks`` command writes from them: :mod:`pyreslib.outputs.networks`).

A stage network is a :class:`networkx.Graph` with int adcode nodes carrying ``name_zh``,
``name_en`` and ``internal`` (the city's internal collaborations in the stage), edges carrying
``weight`` (the pair's collaborations), and ``G.graph["stage"]``. :func:`stage_network`
builds one from pair counts; :mod:`pyreslib.ingest` computes the counts from patent records.

Geography, for ERGM edge covariates: :func:`distance_matrix` (great-circle km between city
seats), :func:`proximity_matrix` (closer = larger), :func:`border_matrix` (shared land border,
0/1) and :func:`region_labels` (the NBS four regions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.cities import border_table
from pyreslib.cities import city_table as _city_table
from pyreslib.errors import InputError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG R1), used by the haversine distance."""


def city_table() -> pd.DataFrame:
    """The bundled table of 369 cities: adcode, names, province, region, seat lon/lat, kind.

    See ``data/PROVENANCE.md``; filter ``kind`` with
    :data:`pyreslib.cities.PREFECTURE_LEVEL_KINDS` for the 337 prefecture-level units.
    """
    return _city_table()


# ---------------------------------------------------------------------------------------------
# Building and exporting stage networks
# ---------------------------------------------------------------------------------------------
def stage_network(
    pairs: pd.DataFrame,
    internal: Mapping[int, int] | pd.Series | None = None,
    *,
    stage: str,
    threshold: int = 1,
    include_internal_only: bool = False,
    cities: pd.DataFrame | None = None,
) -> nx.Graph:
    """The weighted undirected city network of one stage.

    ``pairs`` has columns ``city_a, city_b, weight`` (adcodes; each unordered pair once).
    Per docs/method.md (section 1) the nodes are the cities with at least one cross-city pair;
    pairs with ``weight < threshold`` are left out first. ``internal`` (adcode -> internal
    collaborations) becomes the ``internal`` node attribute (0 where absent); with
    ``include_internal_only=True`` cities with internal collaboration but no pair are added as
    isolated nodes (a departure from the method, off by default).
    """
    missing = {"city_a", "city_b", "weight"} - set(pairs.columns)
    if missing:
        raise InputError(f"pairs: missing columns {sorted(missing)}; need city_a, city_b, weight.")
    if threshold < 1:
        raise InputError(f"threshold={threshold!r}: must be >= 1.")
    city_a = pairs["city_a"].to_numpy(np.int64)
    city_b = pairs["city_b"].to_numpy(np.int64)
    if (city_a == city_b).any():
        raise InputError(
            "pairs: a city is paired with itself; internal collaboration goes in "
            "`internal`, not in the pairs."
        )
    low, high = np.minimum(city_a, city_b), np.maximum(city_a, city_b)
    if pd.DataFrame({"a": low, "b": high}).duplicated().any():
        raise InputError("pairs: some city pair appears twice; sum the weights first.")
    weight = pairs["weight"].to_numpy(np.int64)
    keep = weight >= threshold
    graph = nx.Graph(stage=stage)
    graph.add_weighted_edges_from(
        zip(low[keep].tolist(), high[keep].tolist(), weight[keep].tolist()), weight="weight"
    )
    internal_of = {
        int(k): int(v) for k, v in dict(internal if internal is not None else {}).items()
    }
    if include_internal_only:
        graph.add_nodes_from(c for c, v in internal_of.items() if v > 0)
    table = (cities if cities is not None else _city_table()).set_index("adcode", drop=False)
    unknown = [n for n in graph.nodes if n not in table.index]
    if unknown:
        raise InputError(f"pairs: adcodes {sorted(unknown)[:10]} are not in the city table.")
    for node in graph.nodes:
        graph.nodes[node]["name_zh"] = str(table.at[node, "name_zh"])
        graph.nodes[node]["name_en"] = str(table.at[node, "name_en"])
        graph.nodes[node]["internal"] = internal_of.get(node, 0)
    return graph


def edge_table(graph: nx.Graph) -> pd.DataFrame:
    """``city_a, city_b, weight`` with ``city_a < city_b``, sorted; adcodes as ints."""
    rows = sorted(
        (min(a, b), max(a, b), int(d.get("weight", 1))) for a, b, d in graph.edges(data=True)
    )
    return pd.DataFrame(rows, columns=["city_a", "city_b", "weight"]).astype("int64")


def node_table(graph: nx.Graph) -> pd.DataFrame:
    """``adcode, name_zh, name_en, internal, strength, degree``, sorted by adcode."""
    rows = [
        (
            node,
            data.get("name_zh", ""),
            data.get("name_en", ""),
            int(data.get("internal", 0)),
            int(graph.degree(node, weight="weight")),
            int(graph.degree(node)),
        )
        for node, data in sorted(graph.nodes(data=True))
    ]
    return pd.DataFrame(
        rows, columns=["adcode", "name_zh", "name_en", "internal", "strength", "degree"]
    ).astype({"adcode": "int64", "internal": "int64", "strength": "int64", "degree": "int64"})


def weighted_adjacency(graph: nx.Graph, *, label: str = "adcode") -> pd.DataFrame:
    """Symmetric matrix of pair weights (0 off-edge, 0 diagonal), nodes sorted by adcode.

    ``label`` picks the row/column labels: ``"adcode"`` (int), ``"name_zh"`` or ``"name_en"``
    (names can repeat in English: Suzhou, Taizhou, ... — prefer adcodes for joins).
    """
    nodes = sorted(graph.nodes)
    matrix = nx.to_numpy_array(graph, nodelist=nodes, weight="weight", dtype=np.int64)
    return pd.DataFrame(
        matrix, index=_labels(graph, nodes, label), columns=_labels(graph, nodes, label)
    )


def binary_adjacency(graph: nx.Graph, threshold: int = 1, *, label: str = "adcode") -> pd.DataFrame:
    """0/1 matrix: 1 where the pair's weight is at least ``threshold`` (method.md, section 1)."""
    if threshold < 1:
        raise InputError(f"threshold={threshold!r}: must be >= 1.")
    weighted = weighted_adjacency(graph, label=label)
    return (weighted >= threshold).astype(np.int64)


def _labels(graph: nx.Graph, nodes: list[int], label: str) -> pd.Index:
    if label == "adcode":
        return pd.Index(nodes, name="adcode", dtype="int64")
    if label in {"name_zh", "name_en"}:
        return pd.Index([graph.nodes[n].get(label, str(n)) for n in nodes], name=label)
    raise InputError(f"label={label!r}: use 'adcode', 'name_zh' or 'name_en'.")


# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------
def _checked_adcodes(adcodes, argument: str = "adcodes") -> list[int]:
    if adcodes is None:
        return _city_table()["adcode"].tolist()
    if isinstance(adcodes, nx.Graph):
        adcodes = list(adcodes.nodes)
    try:
        codes = [int(a) for a in adcodes]
    except (TypeError, ValueError):
        raise InputError(
            f"{argument}: expected 6-digit integer adcodes, got {adcodes!r:.80}."
        ) from None
    seen: set[int] = set()
    repeated = sorted({c for c in codes if c in seen or seen.add(c)})
    if repeated:
        raise InputError(
            f"{argument}: adcodes {repeated[:10]} appear more than once; a matrix needs each city "
            "once (drop the repeats)."
        )
    known = set(_city_table()["adcode"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(
            f"{argument}: {unknown[:10]} are not adcodes of data/china_cities.csv "
            "(resolve names with pyreslib.cities.CityResolver first)."
        )
    return codes


def distance_matrix(adcodes: Iterable[int] | nx.Graph | None = None) -> pd.DataFrame:
    """Great-circle distance in km between city seats, labelled by adcode (order kept).

    Haversine: d = 2 R asin( sqrt( sin^2(dphi/2) + cos(phi1) cos(phi2) sin^2(dlambda/2) ) ),
    R = :data:`EARTH_RADIUS_KM` (Sinnott 1984, "Virtues of the haversine", Sky & Telescope
    68(2):159). Seats are WGS-84 (data/PROVENANCE.md). ``adcodes`` may be a stage network (its
    nodes); None means all 369 cities.
    """
    codes = _checked_adcodes(adcodes)
    table = _city_table().set_index("adcode").loc[codes]
    lat = np.radians(table["lat"].to_numpy(float))
    lon = np.radians(table["lon"].to_numpy(float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    index = pd.Index(codes, name="adcode", dtype="int64")
    return pd.DataFrame(km, index=index, columns=index)


def proximity_matrix(
    adcodes: Iterable[int] | nx.Graph | None = None, *, transform: str = "neg_log"
) -> pd.DataFrame:
    """Geographic proximity, larger = closer (docs/method.md, section 6), diagonal 0.

    ``transform``: ``"neg_log"`` = -ln(d_km) (default), ``"inverse"`` = 1/d_km. Distances
    under 1 km are floored at 1 km so two seats in one place do not give an infinite value.
    """
    km = distance_matrix(adcodes)
    floored = np.maximum(km.to_numpy(), 1.0)
    if transform == "neg_log":
        values = -np.log(floored)
    elif transform == "inverse":
        values = 1.0 / floored
    else:
        raise InputError(f"transform={transform!r}: use 'neg_log' or 'inverse'.")
    np.fill_diagonal(values, 0.0)
    return pd.DataFrame(values, index=km.index, columns=km.columns)


def border_matrix(adcodes: Iterable[int] | nx.Graph | None = None) -> pd.DataFrame:
    """1 where two cities share a land border (data/china_city_borders.csv), else 0.

    Labelled by adcode in the given order; the diagonal is 0. See PROVENANCE.md for the rule
    (0.01 degree tolerance; sea crossings are not borders).
    """
    codes = _checked_adcodes(adcodes)
    position = {c: i for i, c in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)), dtype=np.int64)
    borders = border_table()
    for a, b in zip(borders["adcode_a"].tolist(), borders["adcode_b"].tolist()):
        if a in position and b in position:
            matrix[position[a], position[b]] = matrix[position[b], position[a]] = 1
    index = pd.Index(codes, name="adcode", dtype="int64")
    return pd.DataFrame(matrix, index=index, columns=index)


def region_labels(adcodes: Iterable[int] | nx.Graph | None = None) -> pd.Series:
    """The NBS region (East, Central, West, Northeast) of each city, indexed by adcode."""
    codes = _checked_adcodes(adcodes)
    table = _city_table().set_index("adcode")
    return pd.Series(
        table.loc[codes, "region"].to_numpy(), index=pd.Index(codes, name="adcode"), name="region"
    )
