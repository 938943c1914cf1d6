r"""Node resilience: the cities of a stage network scored and ranked (docs/method.md, 4).

Degree, closeness and betweenness centrality (:func:`pyreslib.centrality.node_centralities`)
are min-max normalised (:func:`pyreslib.composite_index.normalise`) and combined by entropy
weights (or equal weights) into a node resilience score,

.. math:: R_i = \sum_j w_j x_{ij},

with :math:`x_{ij}` the normalised centrality :math:`j` of city :math:`i` and :math:`w_j` its
weight; cities are ranked by it within their stage.  The normalisation runs within each stage
(``normalisation="within_stage"``: the top city of every stage scores 1 on the centralities it
leads) or over the rows of all stages compared at once (``"pooled"``), which makes scores
comparable across stages, so that a city's growth from one stage to the next shows
(:func:`stage_node_resilience`, :func:`node_resilience_by_stage` for the wide city x stage
table).  The resilience of the network as a whole is :mod:`pyreslib.resilience`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import pandas as pd

from pyreslib import composite_index
from pyreslib.centrality import node_centralities, stage_city_rows
from pyreslib.composite_index import Weights
from pyreslib.errors import InputError

__all__ = [
    "NODE_NORMALISATIONS",
    "node_resilience",
    "node_resilience_by_stage",
    "stage_node_resilience",
]

NODE_NORMALISATIONS = ("within_stage", "pooled")
"""How :func:`stage_node_resilience` normalises centralities: per stage, or over all stages."""


def _raw_centralities(
    G: nx.Graph, precomputed: pd.DataFrame | None, weighted: bool
) -> pd.DataFrame:
    """The centralities of ``G``: computed, or ``precomputed`` checked against the network."""
    if precomputed is None:
        return node_centralities(G, weighted=weighted)
    if set(precomputed.index) != set(G.nodes):
        raise InputError(
            "precomputed centralities must have one row per node of the network (index 'node'); "
            f"got {len(precomputed)} rows for {G.number_of_nodes()} nodes. Pass the table "
            "centrality.node_centralities(G) returns, or leave precomputed out."
        )
    return precomputed


def _score_nodes(
    raw: pd.DataFrame, centralities: Sequence[str], weights: Weights, floor: float
) -> pd.DataFrame:
    """Min-max normalised ``centralities`` of the rows of ``raw`` and their weighted sum."""
    unknown = [c for c in centralities if c not in raw.columns]
    if unknown or not centralities:
        raise InputError(
            f"unknown centralities {unknown}; choose from {list(raw.columns)} (at least one)."
        )
    if len(raw) < 2:
        raise InputError("node resilience compares cities: the network needs at least 2 nodes.")
    normalised, notes = composite_index.normalise(
        raw[list(centralities)], dict.fromkeys(centralities, 1), method="minmax", floor=floor
    )
    if isinstance(weights, str) and weights == "entropy":
        w, weight_notes = composite_index.entropy_weights(normalised)
        notes += weight_notes
    elif isinstance(weights, str) and weights == "equal":
        w = pd.Series(1.0 / len(centralities), index=list(centralities), name="weight")
    elif isinstance(weights, Mapping):
        w = pd.Series(weights, dtype=float).reindex(list(centralities))
        if w.isna().any() or (w < 0).any() or w.sum() <= 0:
            raise InputError(
                "explicit weights must give a non-negative number for each of "
                f"{list(centralities)}."
            )
        w = w / w.sum()
    else:
        raise InputError(f"weights must be 'entropy', 'equal' or a mapping, got {weights!r}.")
    out = normalised.copy()
    out["score"] = normalised.mul(w, axis=1).sum(axis=1)
    out.attrs["weights"] = w.to_dict()
    out.attrs["notes"] = notes
    return out


def _rank(score: pd.Series, decimals: int) -> pd.Series:
    return score.round(decimals).rank(ascending=False, method="min").astype("int64")


def node_resilience(
    G: nx.Graph,
    *,
    weights: Weights = "entropy",
    centralities: Sequence[str] = ("degree", "closeness", "betweenness"),
    weighted: bool = False,
    floor: float = 0.0,
    decimals: int = 12,
    precomputed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Node resilience of every city of one network: normalised centralities, score, rank.

    The ``centralities`` of :func:`pyreslib.centrality.node_centralities` are min-max
    normalised over the cities, :math:`x_{ij} = \text{floor} + (1 - \text{floor})
    (c_{ij} - \min_i c_{ij}) / (\max_i c_{ij} - \min_i c_{ij})`, weighted and summed:

    .. math:: R_i = \sum_j w_j x_{ij}, \qquad \sum_j w_j = 1.

    Parameters
    ----------
    G : networkx.Graph
        A stage network with at least 2 nodes.
    weights : {"entropy", "equal"} or Mapping[str, float], optional (default="entropy")
        Entropy weights over the cities (:func:`pyreslib.composite_index.entropy_weights`),
        equal weights, or a mapping centrality -> weight (rescaled to sum 1).
    centralities : sequence of str, optional (default=("degree", "closeness", "betweenness"))
        Columns of :func:`pyreslib.centrality.node_centralities` to combine.
    weighted : bool, optional (default=False)
        Passed on to :func:`pyreslib.centrality.node_centralities`.
    floor : float, optional (default=0.0)
        Passed on to :func:`pyreslib.composite_index.normalise`.
    decimals : int, optional (default=12)
        Scores are rounded to this many decimals before ranking, so that floating-point noise
        (which depends on node order) cannot split a tie.
    precomputed : pandas.DataFrame, optional
        The table :func:`pyreslib.centrality.node_centralities` returns for ``G``, computed
        already; skips the shortest-path pass (``weighted`` is then the caller's business).

    Returns
    -------
    pandas.DataFrame
        Index ``node``; columns: the normalised centralities, ``score`` and ``rank`` (1 the
        most resilient; ties share the best rank).  ``.attrs["weights"]`` holds the weights
        used and ``.attrs["notes"]`` what the computation decided on its own.

    Raises
    ------
    InputError
        If a centrality is unknown, the network has fewer than 2 nodes, the weights are
        malformed, or ``precomputed`` does not have one row per node of ``G``.

    See Also
    --------
    stage_node_resilience : the same for every stage, optionally pooled.

    References
    ----------
    .. [1] Freeman, L. C. (1978/79). Centrality in social networks: conceptual clarification.
       Social Networks 1, 215-239. https://doi.org/10.1016/0378-8733(78)90021-7
    .. [2] Zou, Z., Yun, Y. & Sun, J. (2006). Entropy method for determination of weight of
       evaluating indicators in fuzzy synthetic evaluation for water quality assessment.
       Journal of Environmental Sciences 18(5), 1020-1023.
    .. [3] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    Beijing joins the northern triangle to Shanghai's and to the Guangzhou-Shenzhen pair:

    >>> import networkx as nx
    >>> from pyreslib.node_resilience import node_resilience
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([
    ...     (110000, 120000, 12), (110000, 130100, 4), (120000, 130100, 3),
    ...     (110000, 310000, 9), (310000, 320100, 7), (310000, 330100, 6), (320100, 330100, 2),
    ...     (110000, 440100, 3), (440100, 440300, 5)])
    >>> table = node_resilience(G)
    >>> table.round(3)  # doctest: +NORMALIZE_WHITESPACE
            degree  closeness  betweenness  score  rank
    node
    110000   1.000      1.000        1.000  1.000     1
    120000   0.333      0.333        0.000  0.115     4
    130100   0.333      0.333        0.000  0.115     4
    310000   0.667      0.667        0.625  0.639     2
    320100   0.333      0.176        0.000  0.085     6
    330100   0.333      0.176        0.000  0.085     6
    440100   0.333      0.429        0.375  0.379     3
    440300   0.000      0.000        0.000  0.000     8

    Betweenness is the most unequal over the cities (lowest entropy), so the entropy weights
    favour it:

    >>> {name: round(w, 4) for name, w in table.attrs["weights"].items()}
    {'degree': 0.1523, 'closeness': 0.1916, 'betweenness': 0.6561}
    """
    raw = _raw_centralities(G, precomputed, weighted)
    out = _score_nodes(raw, centralities, weights, floor)
    out["rank"] = _rank(out["score"], decimals)
    return out


def stage_node_resilience(
    networks: Mapping[str, nx.Graph],
    *,
    centralities: pd.DataFrame | None = None,
    normalisation: str = "within_stage",
    **options,
) -> pd.DataFrame:
    """Node resilience of every stage as one long table, sorted by stage and rank.

    ``normalisation="within_stage"`` runs :func:`node_resilience` on each stage: scores
    compare cities within a stage only.  ``"pooled"`` min-max normalises each centrality over
    the rows of all stages together (and takes entropy weights over them), so that a score
    means the same in every stage and a city whose centralities grew scores higher in the later
    stage; ranks are still within the stage.  Centralities are normalised by N - 1 (degree,
    closeness) and (N-1)(N-2)/2 (betweenness) in every stage, so pooling compares shares of the
    stage network, not raw counts.

    Parameters
    ----------
    networks : Mapping[str, networkx.Graph]
        Stage label -> stage network.
    centralities : pandas.DataFrame, optional
        The long table of :func:`pyreslib.centrality.stage_centralities` or
        :func:`pyreslib.metrics.stage_describe` for these networks; saves recomputing them.
    normalisation : {"within_stage", "pooled"}, optional (default="within_stage")
        See above (:data:`NODE_NORMALISATIONS`).
    **options
        ``weights``, ``centralities``, ``weighted``, ``floor``, ``decimals`` as for
        :func:`node_resilience`.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, node, name_zh, name_en``, the normalised centralities, ``score``,
        ``rank``; stages in the order of ``networks``, within a stage by rank, ties by node.
        ``.attrs`` holds ``normalisation``, ``weights`` (pooled: one set; within stage: a
        dict by stage) and ``notes``.

    Raises
    ------
    InputError
        If ``networks`` is not a non-empty mapping, the normalisation is unknown, or
        ``centralities`` lacks the columns ``stage`` and ``node`` or a stage's rows.
    TypeError
        If ``normalisation="pooled"`` is given an option :func:`node_resilience` does not take.

    See Also
    --------
    node_resilience, node_resilience_by_stage

    References
    ----------
    .. [1] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    Shanghai gains a link to Tianjin and Nanjing one to Hangzhou in the second stage:

    >>> import networkx as nx
    >>> from pyreslib.node_resilience import stage_node_resilience
    >>> first = nx.Graph()
    >>> first.add_weighted_edges_from([(110000, 120000, 5), (110000, 310000, 2),
    ...                                (310000, 320100, 1)])
    >>> second = nx.Graph()
    >>> second.add_weighted_edges_from([(110000, 120000, 8), (110000, 310000, 6),
    ...                                 (120000, 310000, 3), (310000, 320100, 4),
    ...                                 (320100, 330100, 2)])
    >>> networks = {"2011-2014": first, "2015-2017": second}
    >>> within = stage_node_resilience(networks, weights="equal")
    >>> within[["stage", "node", "score", "rank"]].round(3)
           stage    node  score  rank
    0  2011-2014  110000  1.000     1
    1  2011-2014  310000  1.000     1
    2  2011-2014  120000  0.000     3
    3  2011-2014  320100  0.000     3
    4  2015-2017  310000  1.000     1
    5  2015-2017  320100  0.625     2
    6  2015-2017  110000  0.286     3
    7  2015-2017  120000  0.286     3
    8  2015-2017  330100  0.000     5

    Pooled, the first stage's leaders no longer score 1: they held smaller shares of their
    network than Shanghai holds in the second stage:

    >>> pooled = stage_node_resilience(networks, weights="equal", normalisation="pooled")
    >>> pooled["score"].round(3).tolist()[:4]
    [0.898, 0.898, 0.108, 0.108]
    """
    if not isinstance(networks, Mapping) or not networks:
        raise InputError("networks must be a non-empty dict mapping stage labels to graphs.")
    if normalisation not in NODE_NORMALISATIONS:
        raise InputError(
            f"unknown node normalisation {normalisation!r}; "
            f"choose from {list(NODE_NORMALISATIONS)}."
        )
    by_stage: dict[str, pd.DataFrame] = {}
    if centralities is not None:
        if not {"stage", "node"} <= set(centralities.columns):
            raise InputError(
                "centralities must be the long table of centrality.stage_centralities(networks) "
                "(columns 'stage' and 'node' at least)."
            )
        by_stage = {
            str(stage): table.set_index("node").drop(columns=["stage"])
            for stage, table in centralities.groupby("stage", sort=False)
        }
        missing = [stage for stage in networks if str(stage) not in by_stage]
        if missing:
            raise InputError(f"centralities has no rows for stage(s) {missing}.")
    frames = []
    if normalisation == "within_stage":
        weights_used, notes = {}, []
        for stage, G in networks.items():
            scores = node_resilience(G, precomputed=by_stage.get(str(stage)), **options)
            weights_used[stage] = scores.attrs["weights"]
            notes += [f"{stage}: {note}" for note in scores.attrs["notes"]]
            frames.append(stage_city_rows(stage, G, scores))
    else:
        unknown = set(options) - {"weights", "centralities", "weighted", "floor", "decimals"}
        if unknown:
            raise TypeError(f"stage_node_resilience() got unexpected options {sorted(unknown)}")
        raw = pd.concat(
            {
                stage: _raw_centralities(
                    G, by_stage.get(str(stage)), options.get("weighted", False)
                )
                for stage, G in networks.items()
            },
            names=["stage", "node"],
        )
        pooled = _score_nodes(
            raw,
            options.get("centralities", ("degree", "closeness", "betweenness")),
            options.get("weights", "entropy"),
            options.get("floor", 0.0),
        )
        weights_used, notes = pooled.attrs["weights"], pooled.attrs["notes"]
        for stage, G in networks.items():
            scores = pooled.xs(stage, level="stage").copy()
            scores["rank"] = _rank(scores["score"], options.get("decimals", 12))
            frames.append(stage_city_rows(stage, G, scores))
    out = pd.concat(
        [f.sort_values(["rank", "node"], kind="stable") for f in frames], ignore_index=True
    )
    out.attrs.update(normalisation=normalisation, weights=weights_used, notes=notes)
    return out


def node_resilience_by_stage(
    table: pd.DataFrame, *, top: int | None = 50, stage: str | None = None, value: str = "score"
) -> pd.DataFrame:
    """The study's ranking table: the top cities of one stage with their value in every stage.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`stage_node_resilience`'s long table (pooled normalisation makes the stages'
        columns comparable).
    top : int or None, optional (default=50)
        How many cities of ``stage`` to list, by rank, ties by adcode; None lists every city of
        that stage.
    stage : str, optional
        The stage whose ranking orders the rows; default the last stage.
    value : {"score", "rank"}, optional (default="score")
        What the stage columns hold.

    Returns
    -------
    pandas.DataFrame
        Index ``node``; columns ``name_zh``, ``name_en``, ``rank`` (in ``stage``), then one
        column per stage with the city's ``value`` (NaN where the city is not in that stage's
        network).

    Raises
    ------
    InputError
        If ``table`` lacks a needed column, ``stage`` is not in it, or ``top`` < 1.

    See Also
    --------
    stage_node_resilience

    References
    ----------
    .. [1] Resilience characteristics and driving mechanism of urban collaborative
       innovation network - a case study of China's new energy vehicle industry (2023).
       Systems 11(5), 214. https://doi.org/10.3390/systems11050214

    Examples
    --------
    >>> import networkx as nx
    >>> from pyreslib.node_resilience import node_resilience_by_stage, stage_node_resilience
    >>> first = nx.Graph()
    >>> first.add_weighted_edges_from([(110000, 120000, 5), (110000, 310000, 2),
    ...                                (310000, 320100, 1)])
    >>> second = nx.Graph()
    >>> second.add_weighted_edges_from([(110000, 120000, 8), (110000, 310000, 6),
    ...                                 (120000, 310000, 3), (310000, 320100, 4),
    ...                                 (320100, 330100, 2)])
    >>> for G in (first, second):
    ...     for city, name in ((110000, "Beijing"), (310000, "Shanghai"), (320100, "Nanjing")):
    ...         G.nodes[city]["name_en"] = name
    >>> table = stage_node_resilience({"2011-2014": first, "2015-2017": second},
    ...                               weights="equal", normalisation="pooled")
    >>> wide = node_resilience_by_stage(table, top=3)
    >>> wide.drop(columns="name_zh").round(3)  # doctest: +NORMALIZE_WHITESPACE
             name_en  rank  2011-2014  2015-2017
    node
    310000  Shanghai     1      0.898      1.000
    320100   Nanjing     2      0.108      0.625
    110000   Beijing     3      0.898      0.286
    """
    needed = {"stage", "node", "name_zh", "name_en", "rank", value}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise InputError(
            f"node_resilience_by_stage needs the long table of stage_node_resilience "
            f"(columns {sorted(needed)})."
        )
    stages = list(dict.fromkeys(table["stage"]))
    stage = stages[-1] if stage is None else stage
    if stage not in stages:
        raise InputError(f"stage {stage!r} is not in the table (stages: {stages}).")
    if top is not None and top < 1:
        raise InputError(f"top must be at least 1 (or None for every city), got {top}.")
    ranked = table[table["stage"] == stage].sort_values(["rank", "node"], kind="stable")
    if top is not None:
        ranked = ranked.head(top)
    out = ranked.set_index("node")[["name_zh", "name_en", "rank"]]
    wide = table.pivot(index="node", columns="stage", values=value)
    for label in stages:
        out[label] = wide[label].reindex(out.index)
    out.columns.name = None
    return out
