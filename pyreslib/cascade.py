r"""Cascading failure of stage networks under load redistribution (method.md, 5).

After Motter & Lai (2002), the load of city :math:`i` is its betweenness,

.. math:: L_i = \sum_{s<t;\; s,t \ne i} \sigma_{st}(i) / \sigma_{st},

the number of city pairs whose shortest paths run through :math:`i` (igraph's betweenness,
*not* normalised: normalising by :math:`(N-1)(N-2)/2` of the shrinking network would change
the unit between rounds).  Paths are binary (edges count 1) unless ``weighted=True``, which
uses the length ``distance(weight)`` (default 1/weight) as in :mod:`pyreslib.metrics`.  A
city's capacity is :math:`C_i = (1 + \alpha) L_i(0)` on the intact network.  A *trigger*
removes one city (the top city by degree or by betweenness, or a random city); then, round
after round, the loads are recomputed on the remaining network and every city with
:math:`L_i(r) > C_i` fails at once (``>`` up to a relative :data:`OVERLOAD_RTOL`, since a
recomputed float sum may differ from an equal load in its last bits), until no city fails.
Cities with :math:`L_i(0) = 0` are simplicial (their neighbours are all linked), stay at
load 0 and never fail.  Each cascade reports the share of the original cities in the final
giant component and the global efficiency (Latora & Marchiori 2001)

.. math:: E = \frac{1}{N(N-1)} \sum_{i \ne j} \frac{1}{d_{ij}}

of the final network relative to the intact one, with the original :math:`N` (a failed city
is unreachable: :math:`1/d = 0`).  A cascade is *large* when it shrinks the giant component
by more than ``threshold`` of its size right after the trigger,
:math:`s_\text{final} < (1 - \text{threshold})\, s_\text{trigger}`; the *critical alpha* is
the smallest :math:`\alpha` of the grid from which on no cascade is large (NaN when the
largest one still is).  The curves need not be monotone in :math:`\alpha` (an early failure
can cut the network and spare the cities behind the cut): the alphas where a curve falls are
flagged ``non_monotone``, never smoothed.

Seeds: every random choice (a failure order, the order among cities tied on degree or
betweenness, a random trigger) comes from ``numpy.random.default_rng``, so a run repeats
exactly.  A cascade is deterministic given its trigger, so the numbers do not depend on
``workers``; each trigger kind draws from its own child of
``numpy.random.SeedSequence(seed).spawn(3)`` (in the order of :data:`TRIGGERS`), so asking
for more kinds does not change the others.

References
----------
.. [1] Motter, A. E. & Lai, Y.-C. (2002). Cascade-based attacks on complex networks.
   Phys. Rev. E 66, 065102(R).
.. [2] Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world networks.
   Phys. Rev. Lett. 87, 198701.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import Distance, _check_networks, _convert, _distances, _inverse_weight
from pyreslib.errors import InputError
from pyreslib.robustness import top_order

__all__ = [
    "DEFAULT_ALPHAS",
    "OVERLOAD_RTOL",
    "TRIGGERS",
    "Cascade",
    "CascadeResult",
    "cascade",
    "cascade_curves",
    "critical_alpha",
    "stage_cascades",
]

TRIGGERS = ("degree", "betweenness", "random")
"""Cascade triggers: the top city by degree, by betweenness, or ``repeats`` random cities."""

DEFAULT_ALPHAS = tuple(round(0.05 * i, 2) for i in range(21))
"""The default tolerance grid of the cascades: 0, 0.05, ..., 1."""

OVERLOAD_RTOL = 1e-9
"""A city fails when its load exceeds its capacity by more than this relative margin."""

MAX_WORKERS = 64


@dataclass(frozen=True)
class Cascade:
    """One load-capacity cascade (see the module docstring).

    Attributes
    ----------
    trigger : object
        The city removed first.
    alpha : float
        Tolerance: capacity = (1 + alpha) * initial load.
    rounds : tuple of tuple
        ``rounds[0] == (trigger,)``; ``rounds[r]`` the cities that failed together in round r.
    post_trigger_share, giant_share : float
        Giant component / original N right after the trigger, and after the cascade.
    efficiency : float
        Global efficiency after the cascade / that of the intact network (NaN when the intact
        network has no edge or when efficiency was not asked for).
    """

    trigger: object
    alpha: float
    rounds: tuple
    post_trigger_share: float
    giant_share: float
    efficiency: float

    @property
    def failed(self) -> tuple:
        """The cities that failed after the trigger, round by round."""
        return tuple(city for rnd in self.rounds[1:] for city in rnd)

    @property
    def n_rounds(self) -> int:
        """Rounds in which some city failed after the trigger (0: the trigger alone)."""
        return len(self.rounds) - 1


class _LoadEngine:
    """Loads, giant share and efficiency of the network minus a set of failed vertices, each
    computed once per set (alphas share their first rounds)."""

    def __init__(self, g: ig.Graph, initial: np.ndarray, efficiency0: float | None):
        self.g, self.n = g, g.vcount()
        self.lengths = "length" if "length" in g.es.attributes() else None
        self.initial, self.efficiency0 = initial, efficiency0
        self._loads: dict[frozenset, np.ndarray] = {}
        self._state: dict[frozenset, tuple[float, float]] = {}

    def _without(self, dead: frozenset) -> tuple[ig.Graph, np.ndarray]:
        alive = np.setdiff1d(np.arange(self.n), np.fromiter(dead, dtype=np.int64))
        sub = self.g.copy()
        sub.delete_vertices(sorted(dead))  # keeps the order: sub vertex j is alive[j]
        return sub, alive

    def loads(self, dead: frozenset) -> np.ndarray:
        if dead not in self._loads:
            sub, alive = self._without(dead)
            loads = np.zeros(self.n)
            if sub.vcount():
                loads[alive] = sub.betweenness(directed=False, weights=self.lengths)
            self._loads[dead] = loads
        return self._loads[dead]

    def state(self, dead: frozenset) -> tuple[float, float]:
        """(giant share of the original N, relative efficiency)."""
        if dead not in self._state:
            sub, _ = self._without(dead)
            giant = max(sub.connected_components().sizes(), default=0) / self.n
            efficiency = math.nan
            if self.efficiency0 and sub.vcount():
                harmonic = sub.harmonic_centrality(weights=self.lengths, normalized=False)
                efficiency = float(np.sum(harmonic)) / self.efficiency0
            self._state[dead] = (giant, efficiency)
        return self._state[dead]

    def run(self, trigger: int, alpha: float) -> tuple[list[list[int]], float, float, float]:
        capacity = (1.0 + alpha) * self.initial * (1.0 + OVERLOAD_RTOL)
        dead = frozenset([trigger])
        rounds = [[trigger]]
        while True:
            over = np.flatnonzero(self.loads(dead) > capacity)
            over = [int(i) for i in over if i not in dead]  # a failed city has load 0 anyway
            if not over:
                break
            rounds.append(over)
            dead = dead | frozenset(over)
        post = self.state(frozenset([trigger]))[0]
        giant, efficiency = self.state(dead)
        return rounds, post, giant, efficiency


def _cascade_task(task: tuple) -> list[tuple]:
    """Every alpha of one trigger city (a worker's unit of work; no randomness inside)."""
    g, initial, efficiency0, trigger, alphas = task
    engine = _LoadEngine(g, initial, efficiency0)
    return [engine.run(trigger, alpha) for alpha in alphas]


@dataclass(frozen=True)
class _Prepared:
    """A stage network ready for cascades: igraph copy, initial loads, intact efficiency."""

    g: ig.Graph
    nodes: list
    initial: np.ndarray
    efficiency0: float | None


def _prepare(G: nx.Graph, weighted: bool, distance: Distance, efficiency: bool) -> _Prepared:
    conv = _convert(G)
    if conv.graph.vcount() == 0:
        raise InputError("the network has no nodes; a cascade needs at least one city.")
    g = conv.graph
    lengths = _distances(conv, weighted, distance)
    if lengths is not None:
        g.es["length"] = lengths
    weights = "length" if lengths is not None else None
    initial = np.asarray(g.betweenness(directed=False, weights=weights), dtype=float)
    efficiency0 = None
    if efficiency:
        efficiency0 = float(np.sum(g.harmonic_centrality(weights=weights, normalized=False)))
    return _Prepared(g, conv.nodes, initial, efficiency0)


def _trigger_cities(prep: _Prepared, trigger: str, repeats: int, seed: int) -> np.ndarray:
    """Vertex indices of the trigger cities: one for degree/betweenness, ``repeats`` random."""
    child = np.random.SeedSequence(seed).spawn(len(TRIGGERS))[TRIGGERS.index(trigger)]
    rng = np.random.default_rng(child)
    n = prep.g.vcount()
    if trigger == "random":
        return rng.permutation(n)[:repeats]  # a prefix: more repeats keep the earlier cities
    values = np.asarray(prep.g.degree(), dtype=float) if trigger == "degree" else prep.initial
    return top_order(values, rng.permutation(n))[:1]  # ties as attack_order(recalculate=False)


def _check_alphas(alphas) -> np.ndarray:
    try:
        values = np.atleast_1d(np.asarray(alphas, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"alpha must be numbers >= 0, got {alphas!r}.") from None
    if values.ndim != 1 or values.size == 0:
        raise InputError("alphas must be a non-empty list of numbers >= 0, e.g. [0, 0.1, 0.5].")
    bad = values[~np.isfinite(values) | (values < 0)]
    if bad.size:
        raise InputError(
            f"alpha = {float(bad[0])!r}: the tolerance must be a finite number >= 0 (capacity = "
            "(1 + alpha) * initial load)."
        )
    if np.unique(values).size != values.size:
        raise InputError(f"alphas {values.tolist()} repeat a value; give each alpha once.")
    return np.sort(values)


def _check_options(triggers: Sequence[str], repeats: int, threshold: float, workers: int):
    if isinstance(triggers, str):
        triggers = [triggers]
    if not triggers:
        raise InputError(f"triggers is empty; give some of {list(TRIGGERS)}.")
    for trigger in triggers:
        if trigger not in TRIGGERS:
            raise InputError(f"unknown trigger {trigger!r}; use one of {list(TRIGGERS)}.")
    if not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool) or repeats < 1:
        raise InputError(f"repeats = {repeats!r}: give a whole number of random triggers >= 1.")
    if not 0 < threshold < 1:
        raise InputError(f"threshold = {threshold!r}: must lie strictly between 0 and 1.")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not (
        0 <= workers <= MAX_WORKERS
    ):
        raise InputError(f"workers = {workers!r}: give a whole number from 0 to {MAX_WORKERS}.")
    return list(dict.fromkeys(triggers))


def cascade(
    G: nx.Graph,
    alpha: float,
    trigger: str | None = None,
    *,
    city=None,
    seed: int = 0,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
) -> Cascade:
    """One Motter-Lai cascade on ``G`` (formulas in the module docstring).

    Parameters
    ----------
    G : networkx.Graph
        A stage network.
    alpha : float
        Tolerance >= 0: capacity = (1 + alpha) * initial load.
    trigger : {"degree", "betweenness", "random"}, optional
        How the first city is chosen (default "betweenness"); "random" is the first random
        trigger of :func:`cascade_curves` with the same seed.
    city : node, optional
        Remove this city first instead (then leave ``trigger`` out).
    seed : int, default 0
        Breaks ties among top cities and draws a random trigger.
    weighted : bool, default False
        Shortest paths on the length ``distance(weight)`` instead of edge counts.
    distance : callable, default 1 / weight
        Edge weights -> edge lengths, used when ``weighted``.

    Returns
    -------
    Cascade
        The failures round by round and the final giant share and efficiency.

    References
    ----------
    .. [1] Motter, A. E. & Lai, Y.-C. (2002). Phys. Rev. E 66, 065102(R).

    Examples
    --------
    A ring of six: every city carries 2 pairs.  Removing one leaves a path whose middle city
    carries 4 pairs and its two neighbours 3 each.

    >>> import networkx as nx
    >>> c = cascade(nx.cycle_graph(6), alpha=0.7, city=0)
    >>> c.rounds  # 4 > 2 * 1.7 fails, 3 does not; the two halves then carry nothing
    ((0,), (3,))
    >>> round(c.giant_share, 4), c.n_rounds
    (0.3333, 1)
    >>> cascade(nx.cycle_graph(6), alpha=1.0, city=0).failed
    ()
    """
    if city is not None and trigger is not None:
        raise InputError("give either trigger or city, not both.")
    alphas = _check_alphas(alpha)
    if alphas.size != 1:
        raise InputError(f"alpha must be one number, got {alpha!r}; use cascade_curves for a grid.")
    prep = _prepare(G, weighted, distance, efficiency=True)
    if city is not None:
        index = {node: i for i, node in enumerate(prep.nodes)}
        if city not in index:
            raise InputError(f"city {city!r} is not a node of the network; pick one of G.nodes.")
        start = index[city]
        label = "city"
    else:
        label = _check_options([trigger or "betweenness"], 1, 0.5, 0)[0]
        start = int(_trigger_cities(prep, label, 1, seed)[0])
    (rounds, post, giant, efficiency), = _cascade_task(
        (prep.g, prep.initial, prep.efficiency0, start, [float(alphas[0])])
    )
    return Cascade(
        trigger=prep.nodes[start],
        alpha=float(alphas[0]),
        rounds=tuple(tuple(prep.nodes[i] for i in rnd) for rnd in rounds),
        post_trigger_share=post,
        giant_share=giant,
        efficiency=efficiency,
    )


_KEYS = ["stage", "trigger", "repeat"]


def _flag_curves(frame: pd.DataFrame, keys: list[str], threshold: float) -> pd.DataFrame:
    """Add ``large`` and ``non_monotone`` (a share lower than at the next smaller alpha)."""
    frame = frame.sort_values(keys + ["alpha"], kind="stable").reset_index(drop=True)
    frame["large"] = frame["giant_share"] < (1.0 - threshold) * frame["post_trigger_share"]
    grouped = frame.groupby(keys, sort=False)
    falls = np.zeros(len(frame), dtype=bool)
    for column in ("giant_share", "efficiency"):
        step = frame[column] - grouped[column].shift()
        falls |= (step < -1e-12).to_numpy()
    frame["non_monotone"] = falls
    return frame


def critical_alpha(curves: pd.DataFrame, threshold: float = 0.1) -> pd.DataFrame:
    r"""The smallest alpha of the grid from which on no cascade is large.

    A cascade is large when :math:`s_\text{final} < (1 - \text{threshold})\,s_\text{trigger}`:
    it shrinks the giant component by more than ``threshold`` of its size right after the
    trigger.  Because a curve need not be monotone, the critical alpha is the first alpha
    after the *last* large cascade on the grid.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``CascadeResult.curve`` (means over repeats) or ``.curves`` (one per repeat): columns
        ``alpha, giant_share, post_trigger_share`` and any of ``stage, trigger, repeat``.
    threshold : float, default 0.1
        In (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per curve: its keys, ``critical_alpha`` (the smallest alpha of the grid when
        no cascade is large; NaN when the largest alpha still gives a large one) and
        ``large_alphas`` (how many alphas of the grid give a large cascade).

    References
    ----------
    .. [1] Motter, A. E. & Lai, Y.-C. (2002). Phys. Rev. E 66, 065102(R).

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"alpha": [0.0, 0.5, 1.0], "post_trigger_share": 0.9,
    ...                       "giant_share": [0.2, 0.85, 0.9]})
    >>> critical_alpha(curve)["critical_alpha"].tolist()
    [0.5]
    """
    if not 0 < threshold < 1:
        raise InputError(f"threshold = {threshold!r}: must lie strictly between 0 and 1.")
    keys = [k for k in _KEYS if k in curves.columns]
    frame = curves.assign(_key=0) if not keys else curves
    keys = keys or ["_key"]
    rows = []
    for key, group in frame.groupby(keys, sort=False):
        group = group.sort_values("alpha")
        large = (group["giant_share"] < (1 - threshold) * group["post_trigger_share"]).to_numpy()
        alphas = group["alpha"].to_numpy()
        if large[-1]:
            alpha_c = math.nan
        elif large.any():
            alpha_c = float(alphas[np.flatnonzero(large)[-1] + 1])
        else:
            alpha_c = float(alphas[0])
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), "critical_alpha": alpha_c,
                     "large_alphas": int(large.sum())})
    return pd.DataFrame(rows).drop(columns="_key", errors="ignore")


@dataclass(frozen=True)
class CascadeResult:
    """Cascades of every stage, trigger and alpha, from :func:`stage_cascades`.

    Attributes
    ----------
    curves : pandas.DataFrame
        One row per cascade: ``stage, trigger, repeat, city`` (the trigger city), ``alpha,
        post_trigger_share, giant_share, efficiency, failed_count`` (cities failed after the
        trigger), ``rounds`` (rounds with a failure), ``large``, ``non_monotone``.
    curve : pandas.DataFrame
        Means over the repeats (``stage, trigger, alpha``, ``repeats``, the means, the
        standard deviations ``giant_share_sd`` and ``efficiency_sd`` (ddof 0), ``large`` and
        ``non_monotone`` judged on the means).
    critical : pandas.DataFrame
        :func:`critical_alpha` of ``curve``.
    cascades : dict
        ``(stage, trigger, repeat, alpha) -> Cascade``, with the failures round by round.
    options : dict
        The run's options (alphas, repeats, seed, threshold, weighted, load definition).
    """

    curves: pd.DataFrame
    curve: pd.DataFrame
    critical: pd.DataFrame
    cascades: dict
    options: dict = field(default_factory=dict)

    @property
    def non_monotone(self) -> pd.DataFrame:
        """Rows of ``curve`` where the mean giant share or efficiency is lower than at the
        next smaller alpha."""
        return self.curve[self.curve["non_monotone"]]

    def failures(self) -> pd.DataFrame:
        """Long table ``stage, trigger, repeat, alpha, round, city``; round 0 is the trigger."""
        rows = [
            (stage, trigger, repeat, alpha, r, city)
            for (stage, trigger, repeat, alpha), c in self.cascades.items()
            for r, rnd in enumerate(c.rounds)
            for city in rnd
        ]
        return pd.DataFrame(rows, columns=["stage", "trigger", "repeat", "alpha", "round", "city"])

    def to_frame(self) -> pd.DataFrame:
        """The per-cascade table ``curves``."""
        return self.curves

    def summary(self) -> str:
        """Critical alpha, the giant share at the ends of the grid and the non-monotone alphas
        of every stage and trigger."""
        ends = self.curve.groupby(["stage", "trigger"], sort=False)["giant_share"]
        table = self.critical.set_index(["stage", "trigger"])
        table["giant_at_min_alpha"] = ends.first()
        table["giant_at_max_alpha"] = ends.last()
        falls: dict = {}
        for row in self.non_monotone.itertuples():
            falls.setdefault((row.stage, row.trigger), []).append(f"{row.alpha:g}")
        table["non_monotone_at"] = [", ".join(falls.get(key, ["-"])) for key in table.index]
        o = self.options
        head = (
            "Cascading failure (Motter & Lai 2002): load = betweenness (city pairs, not "
            f"normalised), {'weighted' if o['weighted'] else 'binary'} shortest paths, capacity "
            f"(1 + alpha) x initial load; alphas {o['alphas'][0]:g}..{o['alphas'][-1]:g} "
            f"({len(o['alphas'])}); random triggers: {o['repeats']} (seed {o['seed']}); large = "
            f"giant share below {1 - o['threshold']:g} x its value after the trigger"
        )
        return head + "\n" + table.round(4).to_string()

    def __repr__(self) -> str:
        return f"<CascadeResult critical alpha=\n{self.critical.to_string(index=False)}>"


def stage_cascades(
    networks: Mapping[str, nx.Graph],
    *,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    triggers: Sequence[str] = TRIGGERS,
    repeats: int = 50,
    seed: int = 0,
    threshold: float = 0.1,
    weighted: bool = False,
    distance: Distance = _inverse_weight,
    efficiency: bool = True,
    workers: int = 0,
) -> CascadeResult:
    """Motter-Lai cascade curves of every stage and trigger against alpha.

    Parameters
    ----------
    networks : mapping of str to networkx.Graph
        Stage label -> stage network.
    alphas : sequence of float, default :data:`DEFAULT_ALPHAS`
        Tolerances >= 0, each once (sorted in the output).
    triggers : sequence of {"degree", "betweenness", "random"}, default all
        The top city by degree, by initial betweenness (ties broken at random as
        :func:`attack_order` does), or ``repeats`` distinct random cities.
    repeats : int, default 50
        Random triggers per stage, 1 .. N (N: the stage's cities; N triggers every city once).
    seed : int, default 0
        Seed of the ties and the random triggers; every stage uses the same seed.
    threshold : float, default 0.1
        Defines a large cascade (see :func:`critical_alpha`).
    weighted, distance
        As for :func:`cascade`.
    efficiency : bool, default True
        Compute the final efficiency (one more all-pairs pass per distinct final network);
        NaN otherwise.
    workers : int, default 0
        Processes running trigger cities at once (0 or 1: in this process).  The numbers do
        not depend on it.  The processes are spawned, so a script using them must call this
        under ``if __name__ == "__main__":``.

    Returns
    -------
    CascadeResult

    References
    ----------
    .. [1] Motter, A. E. & Lai, Y.-C. (2002). Phys. Rev. E 66, 065102(R).
    .. [2] Latora, V. & Marchiori, M. (2001). Phys. Rev. Lett. 87, 198701.

    Examples
    --------
    >>> import networkx as nx
    >>> result = stage_cascades({"ring": nx.cycle_graph(6)}, alphas=[0.2, 0.7, 1.0],
    ...                         triggers=["degree"])
    >>> result.curve[["alpha", "giant_share", "failed_count"]].round(4).values.tolist()
    [[0.2, 0.1667, 3.0], [0.7, 0.3333, 1.0], [1.0, 0.8333, 0.0]]
    >>> result.critical["critical_alpha"].tolist()
    [1.0]
    """
    _check_networks(networks)
    grid = _check_alphas(alphas)
    triggers = _check_options(triggers, repeats, threshold, workers)
    prepared, chosen, tasks = {}, {}, {}
    for stage, G in networks.items():
        prep = prepared[stage] = _prepare(G, weighted, distance, efficiency)
        if "random" in triggers and repeats > prep.g.vcount():
            raise InputError(
                f"repeats = {repeats} but stage {stage!r} has {prep.g.vcount()} cities; give at "
                f"most {prep.g.vcount()} (that many triggers every city once)."
            )
        for trigger in triggers:
            chosen[stage, trigger] = _trigger_cities(prep, trigger, repeats, seed)
            for start in chosen[stage, trigger]:
                # a city chosen by two triggers is run once
                tasks[stage, int(start)] = (prep.g, prep.initial, prep.efficiency0, int(start),
                                            grid.tolist())
    keys = list(tasks)
    if workers > 1 and len(keys) > 1:
        # spawn, not fork: the parent may hold an embedded R session
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, len(keys)), mp_context=context) as pool:
            done = dict(zip(keys, pool.map(_cascade_task, [tasks[k] for k in keys])))
    else:
        done = {key: _cascade_task(tasks[key]) for key in keys}
    rows, cascades = [], {}
    for (stage, trigger), starts in chosen.items():
        nodes = prepared[stage].nodes
        for repeat, start in enumerate(starts):
            for alpha, (rounds, post, giant, eff) in zip(grid.tolist(), done[stage, int(start)]):
                c = Cascade(nodes[start], alpha, tuple(tuple(nodes[i] for i in r) for r in rounds),
                            post, giant, eff)
                cascades[stage, trigger, repeat, alpha] = c
                rows.append((stage, trigger, repeat, c.trigger, alpha, post, giant, eff,
                             len(c.failed), c.n_rounds))
    columns = ["stage", "trigger", "repeat", "city", "alpha", "post_trigger_share",
               "giant_share", "efficiency", "failed_count", "rounds"]
    order = {"stage": list(networks), "trigger": triggers}
    curves = pd.DataFrame(rows, columns=columns)
    curves = _flag_curves(curves, _KEYS, threshold)
    measures = ["post_trigger_share", "giant_share", "efficiency", "failed_count", "rounds"]
    grouped = curves.groupby(["stage", "trigger", "alpha"], sort=False)
    curve = grouped[measures].mean()
    curve.insert(0, "repeats", grouped.size())
    for column in ("giant_share", "efficiency"):
        curve.insert(curve.columns.get_loc(column) + 1, f"{column}_sd", grouped[column].std(ddof=0))
    curve = _flag_curves(curve.reset_index(), ["stage", "trigger"], threshold)
    for frame in (curves, curve):
        for column, levels in order.items():
            frame[column] = pd.Categorical(frame[column], categories=levels)
    curves = curves.sort_values(_KEYS + ["alpha"], kind="stable", ignore_index=True)
    curve = curve.sort_values(["stage", "trigger", "alpha"], kind="stable", ignore_index=True)
    for frame in (curves, curve):
        for column in order:
            frame[column] = frame[column].astype(object)
    options = {"alphas": grid.tolist(), "triggers": triggers, "repeats": repeats, "seed": seed,
               "threshold": threshold, "weighted": weighted, "efficiency": efficiency,
               "load": "betweenness, unnormalised (city pairs)", "rtol": OVERLOAD_RTOL}
    return CascadeResult(curves, curve, critical_alpha(curve, threshold), cascades, options)


def cascade_curves(G: nx.Graph, **options) -> CascadeResult:
    """:func:`stage_cascades` of one network, its stage label ``G.graph["stage"]`` (or
    ``"network"``).

    Parameters
    ----------
    G : networkx.Graph
        A stage network.
    **options
        Keyword arguments of :func:`stage_cascades`.

    Returns
    -------
    CascadeResult

    References
    ----------
    .. [1] Motter, A. E. & Lai, Y.-C. (2002). Phys. Rev. E 66, 065102(R).

    Examples
    --------
    >>> import networkx as nx
    >>> result = cascade_curves(nx.cycle_graph(6), alphas=[0.7], triggers=["random"], repeats=6)
    >>> result.curves["giant_share"].round(4).unique().tolist()  # the same from every city
    [0.3333]
    """
    return stage_cascades({G.graph.get("stage", "network"): G}, **options)
