"""Stage networks as one time series for a temporal model, with one rule for the node sets.

The stages of a study hold different cities (92, 158 and 257 in the demo): a city is a node
of a stage's network when it has a cross-city collaboration in that stage.  A temporal model
(btergm's pooled TERGM, tergm's separable TERGM) links a stage to the one before it, so it
needs a rule for the cities that are not yet, or no longer, in the network.  Cities are
always matched **by label** (the adcode, compared as text), never by position; plain arrays
without labels are refused.

:func:`stage_series` puts the stages on the **common node set** U, the union of every stage's
cities in sorted label order, and records which city is present in which stage.  Two rules
say which dyads a stage's likelihood holds (docs/method.md, "Temporal models: node sets
across stages"):

``"union"`` (the default): structural zeros.
    At stage t the dyads of every city present at t are modelled; a city absent at t is in
    the node set with all its dyads *structural zeros*: not observed non-ties but dyads
    outside the model.  A term that looks back (``memory``, ``delrecip``, tergm's formation
    and persistence) reads an absent city's ties at t - 1 as none: a city new at t forms
    its ties at t from nothing.
``"adjust"``: btergm's label-based adjustment.
    At stage t only the cities present at t and, when a term looks back to t - 1, present at
    t - 1 too, are modelled (btergm's ``offset = FALSE``: cities missing from any object of a
    time step are removed from that step).  A city new at t enters the model one stage
    later.  For tergm, where every term looks back, the dyads of a transition t - 1 -> t are
    those of the cities present at both.

With no term that looks back the two rules model the same dyads.  Networks given over the
same cities in every stage (an absent city as an isolate) make the rule moot: every city is
present everywhere and its missing ties are observed zeros.

Ties are binary: a dyad is a tie when its weight (collaborations) is at least ``threshold``.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.errors import InputError, excerpt, excerpt_repr
from pyreslib.stages import parse_stages

__all__ = ["NODE_SETS", "StageSeries", "stage_series"]

NODE_SETS = ("union", "adjust")
MAX_STAGES = 100


def _first(items: Sequence[Any], k: int = 5) -> str:
    shown = [excerpt(str(i), 30) for i in list(items)[:k]]
    return "[" + ", ".join(shown) + (", …" if len(items) > k else "") + "]"


@dataclass(frozen=True)
class StageSeries:
    """Stages on one node set (:func:`stage_series`).

    ``stages``: the stage labels in time order; ``cities``: the common node set U (labels,
    sorted as text); ``present[t, i]``: whether city i is a node of stage t's network;
    ``ties[t]``: stage t's binary adjacency over U (0 for an absent city);
    ``node_covariates[name][t]``: the values at stage t over U (0 for an absent city without
    a value; such a value never enters a likelihood); ``edge_covariates[name][t]``: the matrix
    at stage t over U (0 where a city without a row or column is absent);
    ``node_sets``: the rule.
    """

    stages: tuple[str, ...]
    cities: tuple[str, ...]
    present: np.ndarray
    ties: tuple[np.ndarray, ...]
    directed: bool
    node_sets: str
    node_covariates: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    edge_covariates: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.stages)

    def stage_cities(self, t: int) -> list[str]:
        """The labels of the cities present at stage ``t`` (0-based), in node-set order."""
        return [c for c, here in zip(self.cities, self.present[t]) if here]

    def modelled(self, t: int, looks_back: bool) -> np.ndarray:
        """Whether each city's dyads are in stage ``t``'s likelihood under the rule (a city
        absent at t never is; with ``"adjust"`` and a term that looks back, one absent at
        t - 1 is not either)."""
        here = self.present[t].copy()
        if looks_back and self.node_sets == "adjust" and t > 0:
            here &= self.present[t - 1]
        return here

    def structural_zeros(self, t: int, looks_back: bool) -> np.ndarray:
        """Stage ``t``'s n x n indicator of dyads outside the likelihood (1) under the rule;
        the diagonal is 0."""
        out_ = ~self.modelled(t, looks_back)
        zeros = (out_[:, None] | out_[None, :]).astype(float)
        np.fill_diagonal(zeros, 0.0)
        return zeros

    def summary(self) -> pd.DataFrame:
        """Cities per stage: present, new since the stage before, gone since it, and ties."""
        rows = []
        for t, label in enumerate(self.stages):
            before = self.present[t - 1] if t else np.zeros(len(self.cities), bool)
            ties = self.ties[t].sum() / (1 if self.directed else 2)
            rows.append({"stage": label, "cities": int(self.present[t].sum()),
                         "new": int((self.present[t] & ~before).sum()) if t else 0,
                         "gone": int((before & ~self.present[t]).sum()) if t else 0,
                         "ties": int(ties)})
        return pd.DataFrame(rows).set_index("stage")


# ---- the stages ------------------------------------------------------------------------------

def _stage_items(stages: Any) -> list[tuple[str, Any]]:
    if isinstance(stages, Mapping):
        items = [(str(k), v) for k, v in stages.items()]
    elif isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence):
        raise InputError(f"stages={excerpt_repr(stages)}: give the stage networks in time "
                         "order, as a dict {stage label: network} or a list of networkx "
                         "graphs (their graph['stage'] names them).")
    else:
        items = []
        for k, graph in enumerate(stages):
            label = graph.graph.get("stage") if isinstance(graph, nx.Graph) else None
            items.append((str(label) if label is not None else f"stage {k + 1}", graph))
    if len(items) < 2:
        raise InputError(f"stages: {len(items)} stage given; a temporal model links each "
                         "stage to the one before it, so it needs at least two (fit one "
                         "stage with pyreslib.ergm.ERGM).")
    if len(items) > MAX_STAGES:
        raise InputError(f"stages: {len(items)} stages; at most {MAX_STAGES} are accepted.")
    labels = [k for k, _ in items]
    if len(set(labels)) != len(labels):
        raise InputError(f"stages: labels repeat in {labels}; give each stage its own label.")
    _check_time_order(labels)
    return items


def _check_time_order(labels: list[str]) -> None:
    """Stage labels that are year ranges (2011-2014) must follow time; other labels are
    taken in the order given."""
    try:
        spans = [parse_stages(label)[0] for label in labels]
    except InputError:
        return
    for earlier, later in itertools.pairwise(spans):
        if later.start <= earlier.end:
            raise InputError(
                f"stages: {earlier.label} is followed by {later.label}, which "
                f"{'overlaps it' if later.start >= earlier.start else 'comes before it'}; a "
                "temporal model reads the stages in the order given (each stage's lagged "
                "terms are the stage before it). Give them in time order: "
                f"{', '.join(s.label for s in sorted(spans, key=lambda s: s.start))}.")


def _stage_matrix(label: str, value: Any, threshold: float) -> tuple[np.ndarray, list[str],
                                                                      bool | None]:
    what = f"stage {label!r}"
    if isinstance(value, nx.Graph):
        if value.is_multigraph():
            raise InputError(f"{what}: a multigraph; give a Graph or DiGraph with weights.")
        nodes = list(value.nodes)
        weights = nx.to_numpy_array(value, nodelist=nodes, weight="weight", dtype=float)
        labels, directed = [str(n) for n in nodes], value.is_directed()
    elif isinstance(value, pd.DataFrame):
        rows, cols = [str(i) for i in value.index], [str(c) for c in value.columns]
        if isinstance(value.index, pd.RangeIndex):
            raise InputError(f"{what}: the DataFrame has no city labels (a default 0..n-1 "
                             "index); stages are matched by label, never by position. Index "
                             "rows and columns by adcode.")
        if rows != cols:
            raise InputError(f"{what}: the row labels and column labels differ (first rows "
                             f"{_first(rows, 3)}, first columns {_first(cols, 3)}); use "
                             "df.loc[labels, labels].")
        try:
            weights = value.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"{what}: the matrix has non-numeric entries.") from None
        labels, directed = rows, None
    else:
        raise InputError(f"{what}: got {type(value).__name__}; a stage is a networkx graph or "
                         "a DataFrame labelled by city (a plain array has no labels, and "
                         "stages are matched by label, never by position).")
    if len(labels) < 2:
        raise InputError(f"{what}: {len(labels)} city; a stage network needs at least two.")
    if len(set(labels)) != len(labels):
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        raise InputError(f"{what}: duplicate city labels {_first(dupes)} (labels are compared "
                         "as text).")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise InputError(f"{what}: tie weights must be finite and >= 0.")
    if np.any(np.diag(weights) != 0):
        raise InputError(f"{what}: the diagonal has non-zero entries (self-loops); set it to "
                         "0 (a city's internal collaborations are not ties).")
    return (weights >= threshold).astype(float), labels, directed


def _check_threshold(threshold: Any) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not (
            np.isfinite(threshold) and threshold > 0):
        raise InputError(f"threshold={excerpt_repr(threshold)}: give the smallest weight "
                         "that makes a tie, a number > 0 (1: any collaboration).")
    return float(threshold)


# ---- covariates ------------------------------------------------------------------------------

def _per_stage(value: Any, stages: list[str], what: str, kinds: tuple[type, ...]) -> list[Any]:
    """One value per stage: the same for every stage, or a mapping {stage label: value}."""
    if isinstance(value, kinds):
        return [value] * len(stages)
    if isinstance(value, Mapping):
        keys = [str(k) for k in value]
        missing = [s for s in stages if s not in keys]
        extra = [k for k in keys if k not in stages]
        if missing or extra:
            raise InputError(f"{what}: the stages given ({_first(keys)}) are not the model's "
                             f"({_first(stages)})" + (f"; missing {missing}" if missing else "")
                             + (f"; unknown {extra}" if extra else "")
                             + ". Give one entry per stage, keyed by its label.")
        by_key = {str(k): v for k, v in value.items()}
        out = [by_key[s] for s in stages]
        for s, v in zip(stages, out):
            if not isinstance(v, kinds):
                raise InputError(f"{what}[{s!r}]: got {type(v).__name__}, expected a "
                                 "DataFrame labelled by city.")
        return out
    raise InputError(f"{what}: got {type(value).__name__}; give a DataFrame labelled by city "
                     "(the same for every stage) or a dict {stage label: DataFrame}.")


def _node_values(frames: list[pd.DataFrame], series_cities: list[str], present: np.ndarray,
                 stages: list[str]) -> dict[str, tuple[np.ndarray, ...]]:
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    out: dict[str, list[np.ndarray]] = {str(c): [] for c in columns}
    for t, frame in enumerate(frames):
        if isinstance(frame.index, pd.RangeIndex):
            raise InputError(f"node_covariates[{stages[t]!r}]: the rows have no city labels "
                             "(a default 0..n-1 index); index them by adcode.")
        index = [str(i) for i in frame.index]
        if len(set(index)) != len(index):
            dupes = sorted({i for i in index if index.count(i) > 1})
            raise InputError(f"node_covariates[{stages[t]!r}]: duplicate rows for cities "
                             f"{_first(dupes)}.")
        here = [c for c, p in zip(series_cities, present[t]) if p]
        missing = sorted(set(here) - set(index))
        if missing:
            raise InputError(f"node_covariates[{stages[t]!r}]: no row for {len(missing)} "
                             f"cities of that stage's network (first: {_first(missing)}); give "
                             "every city of the stage a row (matched by label).")
        frame = frame.set_axis(index, axis=0)
        for column in columns:
            if column not in frame.columns:
                raise InputError(f"node_covariates[{stages[t]!r}] has no column {column!r}, "
                                 "which another stage has; give every stage the same columns.")
            values = pd.to_numeric(frame[column], errors="coerce").reindex(series_cities)
            given = values.loc[here]
            if not np.isfinite(given.to_numpy(dtype=float)).all():
                bad = list(given.index[~np.isfinite(given.to_numpy(dtype=float))])
                raise InputError(f"node_covariates[{stages[t]!r}]: column {column!r} is not a "
                                 f"finite number for cities {_first(bad)}.")
            # an absent city's value never enters a likelihood: 0 where none is given
            full = values.to_numpy(dtype=float, copy=True)
            full[~np.isfinite(full)] = 0.0
            out[str(column)].append(full)
    return {k: tuple(v) for k, v in out.items()}


def _edge_values(name: str, frames: list[pd.DataFrame], series_cities: list[str],
                 present: np.ndarray, stages: list[str], directed: bool) -> tuple[np.ndarray, ...]:
    out = []
    for t, frame in enumerate(frames):
        what = f"edge_covariates[{name!r}] at stage {stages[t]!r}"
        rows, cols = [str(i) for i in frame.index], [str(c) for c in frame.columns]
        if isinstance(frame.index, pd.RangeIndex):
            raise InputError(f"{what}: no city labels (a default 0..n-1 index); index rows and "
                             "columns by adcode (e.g. pyreslib.network.proximity_matrix).")
        if rows != cols:
            raise InputError(f"{what}: the row labels and column labels differ.")
        here = [c for c, p in zip(series_cities, present[t]) if p]
        missing = sorted(set(here) - set(rows))
        if missing:
            raise InputError(f"{what}: no row for {len(missing)} cities of that stage's "
                             f"network (first: {_first(missing)}); give a matrix over every "
                             "city of the stage (matched by label).")
        try:
            matrix = frame.set_axis(rows, axis=0).set_axis(rows, axis=1).reindex(
                index=series_cities, columns=series_cities).to_numpy(dtype=float, copy=True)
        except (TypeError, ValueError):
            raise InputError(f"{what}: the matrix has non-numeric entries.") from None
        mask = present[t]
        block = matrix[np.ix_(mask, mask)]
        if not np.isfinite(block).all():
            raise InputError(f"{what}: NaN or infinite entries among the stage's cities.")
        if not directed and not np.allclose(block, block.T):
            raise InputError(f"{what}: the matrix is not symmetric; an undirected network "
                             "needs a symmetric covariate.")
        matrix[~np.isfinite(matrix)] = 0.0  # dyads of absent cities: never in a likelihood
        np.fill_diagonal(matrix, 0.0)
        out.append(matrix)
    return tuple(out)


def stage_series(stages: Mapping[str, Any] | Sequence[Any], *,
                 node_covariates: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
                 edge_covariates: Mapping[str, Any] | None = None,
                 node_sets: str = "union", directed: bool | None = None,
                 threshold: float = 1) -> StageSeries:
    """Stage networks and their covariates on the common node set, matched by label.

    Parameters
    ----------
    stages : dict {stage label: network} or list of networkx graphs
        In time order (labels that are year ranges, like ``"2011-2014"``, are checked to
        follow time).  A network is a networkx graph (nodes: adcodes; edge ``weight``: the
        collaborations) or a DataFrame labelled by city.
    node_covariates : DataFrame or dict {stage label: DataFrame}, optional
        Rows indexed by city, one column per covariate: one table for every stage, or one per
        stage.  Every city present in a stage needs a finite value there; rows of other
        cities are not used.
    edge_covariates : dict {name: DataFrame or dict {stage label: DataFrame}}, optional
        Dyadic covariates (proximity, shared border) labelled by city on both axes, the same
        matrix for every stage or one per stage, covering every city present in a stage.
    node_sets : {"union", "adjust"}
        The rule for cities absent from a stage (module docstring).
    directed : bool, optional
        For DataFrame stages (graphs say it themselves); default False.
    threshold : float
        A dyad is a tie when its weight is at least this (1: any collaboration).

    Returns
    -------
    StageSeries

    Examples
    --------
    >>> import networkx as nx
    >>> g1 = nx.Graph([(110000, 120000), (120000, 130100)])
    >>> g2 = nx.Graph([(110000, 130100), (130100, 130200)])
    >>> series = stage_series({"2011-2014": g1, "2015-2017": g2})
    >>> series.cities
    ('110000', '120000', '130100', '130200')
    >>> series.summary().loc["2015-2017"].to_dict()
    {'cities': 3, 'new': 1, 'gone': 1, 'ties': 2}
    >>> series.present.astype(int)
    array([[1, 1, 1, 0],
           [1, 0, 1, 1]])
    """
    if not isinstance(node_sets, str) or node_sets not in NODE_SETS:
        raise InputError(f"node_sets={excerpt_repr(node_sets)}: choose 'union' (a common node "
                         "set, absent cities' dyads structural zeros) or 'adjust' (btergm's "
                         "label-based adjustment).")
    if directed is not None and not isinstance(directed, (bool, np.bool_)):
        raise InputError(f"directed={excerpt_repr(directed)}: give True, False or None.")
    threshold = _check_threshold(threshold)
    items = _stage_items(stages)
    labels = [k for k, _ in items]
    parsed = [_stage_matrix(k, v, threshold) for k, v in items]
    kinds = {d for _, _, d in parsed if d is not None}
    if len(kinds) > 1:
        raise InputError("stages: some stage graphs are directed and some are not; a temporal "
                         "model needs one kind of network.")
    is_directed = kinds.pop() if kinds else bool(directed)
    if directed is not None and bool(directed) != is_directed:
        raise InputError(f"directed={directed} but the stage graphs are "
                         f"{'directed' if is_directed else 'undirected'}.")
    cities = sorted({c for _, ls, _ in parsed for c in ls})
    position = {c: i for i, c in enumerate(cities)}
    n = len(cities)
    present = np.zeros((len(items), n), dtype=bool)
    ties = []
    for t, (matrix, ls, _) in enumerate(parsed):
        index = [position[c] for c in ls]
        present[t, index] = True
        full = np.zeros((n, n))
        full[np.ix_(index, index)] = matrix
        if not is_directed and not np.array_equal(full, full.T):
            raise InputError(f"stage {labels[t]!r}: the matrix is not symmetric; give an "
                             "undirected network a symmetric matrix, or pass directed=True.")
        ties.append(full)
    nodes = {}
    if node_covariates is not None:
        frames = _per_stage(node_covariates, labels, "node_covariates", (pd.DataFrame,))
        nodes = _node_values(frames, cities, present, labels)
    edges = {}
    if edge_covariates is not None:
        if not isinstance(edge_covariates, Mapping):
            raise InputError("edge_covariates: give a dict {name: DataFrame labelled by city, "
                             "or {stage label: DataFrame}}.")
        for name, value in edge_covariates.items():
            frames = _per_stage(value, labels, f"edge_covariates[{name!r}]", (pd.DataFrame,))
            edges[str(name)] = _edge_values(str(name), frames, cities, present, labels,
                                            is_directed)
    return StageSeries(tuple(labels), tuple(cities), present, tuple(ties), is_directed,
                       node_sets, nodes, edges)
