r"""Rich-club coefficient of stage networks against degree-preserving rewirings.

Do the best-connected cities collaborate among themselves more than their degrees alone
imply?  For each degree :math:`k` with :math:`N_k > 1` cities of degree above :math:`k`, the
rich-club coefficient (Zhou & Mondragón 2004) is the density of the links among them,

.. math:: \phi(k) = \frac{2 E_k}{N_k (N_k - 1)},

with :math:`E_k` the links whose two ends both have degree above :math:`k`.  :math:`\phi`
rises with :math:`k` even in random graphs, so it is compared with its values
:math:`\phi_\text{null}(k)` on random graphs with the same degrees (Colizza, Flammini, Serrano
& Vespignani 2006): the network rewired by :math:`Q M` double-edge swaps (Maslov & Sneppen
2002; Q = 100 by default, as networkx), once per null draw.  The normalised coefficient is

.. math:: \rho(k) = \phi(k) / \bar\phi_\text{null}(k),

with :math:`\bar\phi_\text{null}` the mean over the draws; reported with the draws' standard
deviation (ddof 1), the central ``level`` band of the draws, :math:`z = (\phi - \bar\phi_
\text{null}) / \text{sd}` and the one-sided permutation p-value :math:`(1 + \#\{\phi_\text{null}
\ge \phi\}) / (1 + \text{draws})` (Davison & Hinkley 1997).  Edge weights are ignored.

Each draw ``d`` rewires with the integer seed ``seeds[d]`` (from
``numpy.random.SeedSequence(seed).spawn(nulls)``), by networkx's ``double_edge_swap``
algorithm step for step, so ``phi / phi_null`` of a draw equals
``networkx.rich_club_coefficient(G, normalized=True, Q=Q, seed=seeds[d])`` exactly; the draws
do not depend on ``workers``.

References
----------
.. [1] Zhou, S. & Mondragón, R. J. (2004). The rich-club phenomenon in the Internet topology.
   IEEE Communications Letters 8(3), 180-182.
.. [2] Colizza, V., Flammini, A., Serrano, M. A. & Vespignani, A. (2006). Detecting rich-club
   ordering in complex networks. Nature Physics 2, 110-115.
.. [3] Maslov, S. & Sneppen, K. (2002). Specificity and stability in topology of protein
   networks. Science 296, 910-913.
.. [4] Milo, R., Kashtan, N., Itzkovitz, S., Newman, M. E. J. & Alon, U. (2003). On the uniform
   generation of random graphs with prescribed degree sequences. arXiv:cond-mat/0312028.
.. [5] Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application.
   Cambridge University Press, section 4.2.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import random
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.convert import _check_networks, _convert
from pyreslib.errors import InputError

__all__ = ["RichClubResult", "rich_club", "rich_club_coefficient", "stage_rich_club"]

MAX_NULLS = 100_000
MAX_WORKERS = 64


def _degrees_and_edges(G: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    _convert(G)  # refuses directed graphs, multigraphs, self-loops
    index = {node: i for i, node in enumerate(G)}
    degrees = np.fromiter((d for _, d in G.degree()), dtype=np.int64, count=len(index))
    edges = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64)
    return degrees, edges.reshape(-1, 2)


def _phi(degrees: np.ndarray, edges: np.ndarray) -> pd.DataFrame:
    """k, N_k, E_k, phi(k) for every k with N_k > 1 (networkx's ``_compute_rc``)."""
    if len(edges) == 0:
        return pd.DataFrame({"k": [], "n_rich": [], "edges_rich": [], "phi": []})
    counts = np.bincount(degrees)
    n_rich = len(degrees) - np.cumsum(counts)  # N_k: degree > k, for k = 0 .. max degree
    keep = n_rich > 1
    low_end = np.minimum(degrees[edges[:, 0]], degrees[edges[:, 1]])
    edges_rich = len(edges) - np.cumsum(np.bincount(low_end, minlength=len(counts)))
    n_k, e_k = n_rich[keep], edges_rich[keep]
    return pd.DataFrame({
        "k": np.flatnonzero(keep),
        "n_rich": n_k,
        "edges_rich": e_k,
        "phi": 2 * e_k / (n_k * (n_k - 1)),  # exact integers, one rounding, as networkx
    })


def rich_club_coefficient(G: nx.Graph) -> pd.DataFrame:
    r"""The unnormalised rich-club coefficient :math:`\phi(k) = 2E_k / (N_k(N_k-1))`.

    Parameters
    ----------
    G : networkx.Graph
        A stage network (weights ignored).

    Returns
    -------
    pandas.DataFrame
        One row per degree ``k`` with :math:`N_k > 1`: ``k``, ``n_rich`` (:math:`N_k`, cities
        of degree above k), ``edges_rich`` (:math:`E_k`, links among them), ``phi``.  Equals
        ``networkx.rich_club_coefficient(G, normalized=False)``.

    References
    ----------
    .. [1] Zhou, S. & Mondragón, R. J. (2004). IEEE Communications Letters 8(3), 180-182.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph([(0, 1), (0, 2), (1, 2), (1, 3), (1, 4), (4, 5)])
    >>> rich_club_coefficient(G).values.tolist()  # k=1: 4 cities, 4 links of 6 possible
    [[0.0, 6.0, 6.0, 0.4], [1.0, 4.0, 4.0, 0.6666666666666666]]
    """
    return _phi(*_degrees_and_edges(G))


def _rewire(G: nx.Graph, nswap: float, max_tries: float, seed: int) -> list[tuple]:
    """The edges of ``G`` after networkx's ``double_edge_swap(G.copy(), nswap, max_tries,
    seed)``: the same algorithm on plain dicts (no graph bookkeeping, about three times
    faster), with the same random stream and adjacency order, hence the same graph."""
    adj: dict = {u: {} for u in G}
    for u, neighbours in G.adj.items():  # laid out as G.copy() lays out its adjacency
        for v in neighbours:
            adj[u][v] = None
            adj[v][u] = None
    rng = random.Random(seed)
    keys = list(adj)
    cdf = nx.utils.cumulative_distribution([len(adj[u]) for u in keys])
    tries = swaps = 0
    while swaps < nswap:
        ui = bisect.bisect_left(cdf, rng.random()) - 1
        xi = bisect.bisect_left(cdf, rng.random()) - 1
        if ui == xi:
            continue
        u, x = keys[ui], keys[xi]
        v = rng.choice(list(adj[u]))
        y = rng.choice(list(adj[x]))
        if v == y:
            continue
        if x not in adj[u] and y not in adj[v]:
            adj[u][x] = adj[x][u] = adj[v][y] = adj[y][v] = None
            del adj[u][v], adj[v][u], adj[x][y], adj[y][x]
            swaps += 1
        if tries >= max_tries:
            raise InputError(
                f"no degree-preserving rewiring found after {int(tries):,} attempts (the "
                "degrees leave no room to swap, e.g. a complete graph or a star); the rich-club "
                "null model is undefined for this network."
            )
        tries += 1
    return [(u, v) for u in adj for v in adj[u]]


def _null_phis(task: tuple) -> list[np.ndarray]:
    """phi of the rewired network for each seed (a worker's unit of work)."""
    G, Q, seeds = task
    index = {node: i for i, node in enumerate(G)}
    degrees, _ = _degrees_and_edges(G)
    swaps = Q * G.number_of_edges()
    out = []
    for s in seeds:
        pairs = _rewire(G, swaps, swaps * 10, s)
        edges = np.array([(index[u], index[v]) for u, v in pairs if index[u] < index[v]])
        out.append(_phi(degrees, edges.reshape(-1, 2))["phi"].to_numpy())
    return out


def _check(nulls: int, Q: float, level: float, workers: int) -> None:
    if isinstance(nulls, bool) or not isinstance(nulls, (int, np.integer)) or not (
        1 <= nulls <= MAX_NULLS
    ):
        raise InputError(f"nulls = {nulls!r}: give a whole number of null draws, 1 .. {MAX_NULLS}.")
    if not isinstance(Q, (int, float, np.number)) or not (math.isfinite(Q) and Q > 0):
        raise InputError(f"Q = {Q!r}: swaps per edge must be a positive number (networkx: 100).")
    if not 0 < level < 1:
        raise InputError(f"level = {level!r}: the null band's coverage must lie in (0, 1).")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not (
        0 <= workers <= MAX_WORKERS
    ):
        raise InputError(f"workers = {workers!r}: give a whole number from 0 to {MAX_WORKERS}.")


def _draw_seeds(seed: int, nulls: int) -> list[int]:
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(nulls)]


@dataclass(frozen=True)
class RichClubResult:
    """Rich-club coefficients and their null, from :func:`rich_club` / :func:`stage_rich_club`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per stage and degree: ``stage, k, n_rich, edges_rich, phi, null_mean,
        null_sd, null_lo, null_hi`` (the central ``level`` band of the draws), ``rho``
        (phi / null_mean), ``rho_lo, rho_hi`` (the band divided by null_mean: the band around
        rho = 1), ``z`` and ``p_value`` (one-sided, rich club above the null).
    draws : pandas.DataFrame
        Every null draw: ``stage, draw, seed, k, phi_null, ratio`` (phi / phi_null: what
        ``networkx.rich_club_coefficient(G, normalized=True, Q=Q, seed=seed)`` returns).
    options : dict
        ``nulls, Q, seed, level``.
    """

    table: pd.DataFrame
    draws: pd.DataFrame
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-degree table ``table``."""
        return self.table

    def summary(self) -> str:
        """Per stage: the degrees where phi lies above the null band, and the largest rho."""
        rows = {}
        for stage, t in self.table.groupby("stage", sort=False):
            above = t.loc[t["phi"] > t["null_hi"], "k"].astype(int).tolist()
            best = t.loc[t["rho"].idxmax()] if t["rho"].notna().any() else None
            rows[stage] = {
                "degrees": f"{int(t['k'].min())}..{int(t['k'].max())}",
                "k above the null band": ", ".join(map(str, above)) or "-",
                "max rho": float(best["rho"]) if best is not None else math.nan,
                "at k": int(best["k"]) if best is not None else -1,
            }
        o = self.options
        head = (f"Rich club (Colizza et al. 2006): phi / mean of {o['nulls']} degree-preserving "
                f"rewirings ({o['Q']:g} swaps per link, seed {o['seed']}); band "
                f"{100 * o['level']:g}% of the draws")
        return head + "\n" + pd.DataFrame(rows).T.round(4).to_string()


def rich_club(
    G: nx.Graph,
    *,
    nulls: int = 100,
    Q: float = 100,
    seed: int = 0,
    level: float = 0.95,
    workers: int = 0,
) -> RichClubResult:
    """Rich-club coefficient of one network against degree-preserving rewirings.

    Parameters
    ----------
    G : networkx.Graph
        A stage network (weights ignored); at least 4 cities and 2 links.
    nulls : int, default 100
        Rewired networks (null draws).
    Q : float, default 100
        Double-edge swaps per link in each draw (networkx's default).
    seed : int, default 0
        Seed of the draws' seeds (module docstring).
    level : float, default 0.95
        Coverage of the null band (0.95: the 2.5% and 97.5% quantiles, numpy's linear rule).
    workers : int, default 0
        Processes drawing at once (0 or 1: in this process); the numbers do not depend on
        it.  They are spawned: call under ``if __name__ == "__main__":`` in a script.

    Returns
    -------
    RichClubResult
        The stage label is ``G.graph["stage"]`` (or ``"network"``).

    References
    ----------
    .. [1] Colizza, V. et al. (2006). Nature Physics 2, 110-115.
    .. [2] Zhou, S. & Mondragón, R. J. (2004). IEEE Communications Letters 8(3), 180-182.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.barabasi_albert_graph(60, 3, seed=1)
    >>> result = rich_club(G, nulls=5, Q=10, seed=7)
    >>> draw = result.draws[result.draws["draw"] == 0]
    >>> expected = nx.rich_club_coefficient(G, normalized=True, Q=10, seed=int(draw.seed.iloc[0]))
    >>> draw["ratio"].tolist() == list(expected.values())
    True
    """
    return stage_rich_club({G.graph.get("stage", "network"): G}, nulls=nulls, Q=Q, seed=seed,
                           level=level, workers=workers)


def stage_rich_club(
    networks: Mapping[str, nx.Graph],
    *,
    nulls: int = 100,
    Q: float = 100,
    seed: int = 0,
    level: float = 0.95,
    workers: int = 0,
) -> RichClubResult:
    """:func:`rich_club` of every stage, each with the same ``seed``.

    Parameters
    ----------
    networks : mapping of str to networkx.Graph
        Stage label -> stage network.
    nulls, Q, seed, level, workers
        As for :func:`rich_club`.

    Returns
    -------
    RichClubResult

    References
    ----------
    .. [1] Colizza, V. et al. (2006). Nature Physics 2, 110-115.

    Examples
    --------
    >>> import networkx as nx
    >>> result = stage_rich_club({"a": nx.karate_club_graph()}, nulls=3, Q=5, seed=1)
    >>> list(result.table.columns[:5])
    ['stage', 'k', 'n_rich', 'edges_rich', 'phi']
    """
    _check_networks(networks)
    _check(nulls, Q, level, workers)
    seeds = _draw_seeds(seed, nulls)
    observed, tasks = {}, []
    for stage, G in networks.items():
        observed[stage] = rich_club_coefficient(G)
        if G.number_of_nodes() < 4 or G.number_of_edges() < 2:
            raise InputError(
                f"stage {stage!r} has {G.number_of_nodes()} cities and {G.number_of_edges()} "
                "links; rewiring needs at least 4 cities and 2 links."
            )
        chunks = max(1, min(workers, nulls))
        tasks += [(stage, (G, Q, seeds[i::chunks])) for i in range(chunks)]
    if workers > 1 and len(tasks) > 1:
        context = multiprocessing.get_context("spawn")  # not fork: R may be embedded
        with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=context) as pool:
            done = list(pool.map(_null_phis, [t for _, t in tasks]))
    else:
        done = [_null_phis(t) for _, t in tasks]
    tables, draw_frames = [], []
    for stage, obs in observed.items():
        parts = [d for (s, (_, _, chunk)), d in zip(tasks, done) if s == stage]
        null = np.empty((nulls, len(obs)))
        for i, part in enumerate(parts):  # chunk i drew seeds[i::len(parts)]
            null[i::len(parts)] = np.vstack(part)
        tables.append(_summarise(stage, obs, null, level))
        phi = obs["phi"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = phi / null
        draw_frames.append(pd.DataFrame({
            "stage": stage,
            "draw": np.repeat(np.arange(nulls), len(obs)),
            "seed": np.repeat(seeds, len(obs)),
            "k": np.tile(obs["k"].to_numpy(), nulls),
            "phi_null": null.ravel(),
            "ratio": ratio.ravel(),
        }))
    return RichClubResult(
        table=pd.concat(tables, ignore_index=True),
        draws=pd.concat(draw_frames, ignore_index=True),
        options={"nulls": nulls, "Q": Q, "seed": seed, "level": level},
    )


def _summarise(stage: str, obs: pd.DataFrame, null: np.ndarray, level: float) -> pd.DataFrame:
    phi = obs["phi"].to_numpy()
    tail = (1 - level) / 2
    # where every draw is the same (k = 0 always), say so exactly rather than with rounding
    # noise: mean = that value, sd = 0, z undefined
    fixed = np.ptp(null, axis=0) == 0
    mean = np.where(fixed, null[0], null.mean(axis=0))
    sd = null.std(axis=0, ddof=1) if len(null) > 1 else np.full(len(phi), np.nan)
    sd = np.where(fixed & (len(null) > 1), 0.0, sd)
    lo, hi = np.quantile(null, [tail, 1 - tail], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = obs.assign(
            null_mean=mean, null_sd=sd, null_lo=lo, null_hi=hi,
            rho=phi / mean, rho_lo=lo / mean, rho_hi=hi / mean, z=(phi - mean) / sd,
            p_value=(1 + (null >= phi).sum(axis=0)) / (1 + len(null)),
        )
    table.insert(0, "stage", stage)
    return table
