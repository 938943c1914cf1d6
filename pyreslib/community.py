"""Community level: Infomap modules of the stage networks and their stability (method.md, 3).

Infomap (Rosvall & Bergstrom 2008, PNAS 105, 1118) finds the partition that minimises the map
equation, the description length of a random walk on the network.  Here it runs two-level,
undirected, with links weighted by collaboration counts, from a fixed seed with several trials
(the best trial is kept), through the ``infomap`` package.

Choices (all parameters):

- Module numbers are renumbered 1..K by decreasing size (ties: the module holding the smallest
  node comes first), so they do not depend on Infomap's internal ids.
- Isolated nodes carry no random-walk flow; Infomap would attach them to an arbitrary module.
  They are given a singleton module each instead and counted in ``CommunityResult.isolates``.
  Stage networks built by :mod:`pyreslib.network` have no isolates.
- Modularity (Newman & Girvan 2004) of the Infomap partition is weighted by the same weights.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import infomap
import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.errors import InputError
from pyreslib.metrics import _convert

__all__ = [
    "CommunityResult",
    "infomap_partition",
    "membership_table",
    "normalized_mutual_information",
    "pairwise_nmi",
    "stability",
    "stage_communities",
    "summary_table",
]


@dataclass(frozen=True)
class CommunityResult:
    """An Infomap partition of one network.

    ``membership``: Series node -> module (1 = largest); ``sizes``: Series module -> number
    of nodes; ``codelength``: the map equation's value of the partition in bits;
    ``one_level_codelength``: that of the trivial one-module partition (the saving is
    ``1 - codelength / one_level_codelength``); ``modularity``: weighted Newman-Girvan
    modularity of the same partition.  ``options`` records how it was run.
    """

    membership: pd.Series
    sizes: pd.Series
    codelength: float
    one_level_codelength: float
    modularity: float
    isolates: int
    stage: str | None = None
    options: dict = field(default_factory=dict)

    @property
    def num_modules(self) -> int:
        return len(self.sizes)

    @property
    def largest(self) -> int:
        return int(self.sizes.max()) if len(self.sizes) else 0

    @property
    def relative_savings(self) -> float:
        if not self.one_level_codelength:
            return math.nan
        return 1.0 - self.codelength / self.one_level_codelength

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``node``, ``module``, ``module_size``."""
        frame = self.membership.rename("module").reset_index()
        frame["module_size"] = frame["module"].map(self.sizes).astype("int64")
        return frame

    def summary(self) -> str:
        top = ", ".join(str(s) for s in self.sizes.head(5))
        return (
            f"Infomap{' ' + self.stage if self.stage else ''}: {self.num_modules} modules "
            f"(largest {top}), codelength {self.codelength:.4f} bits "
            f"({100 * self.relative_savings:.1f} % below one module), "
            f"modularity {self.modularity:.4f}, {self.isolates} isolates as singletons"
        )

    def __repr__(self) -> str:
        return f"<CommunityResult {self.summary()}>"


def infomap_partition(
    G: nx.Graph,
    *,
    seed: int = 123,
    trials: int = 10,
    weighted: bool = True,
    markov_time: float = 1.0,
    teleportation_probability: float = 0.15,
) -> CommunityResult:
    """Two-level undirected Infomap partition of ``G``.

    ``seed`` makes the run repeat exactly; ``trials`` independent runs, the one with the
    shortest codelength kept; ``weighted=False`` ignores the weights; ``markov_time`` > 1 gives
    fewer, larger modules (Kheirkhahzadeh, Lancichinetti & Rosvall 2016);
    ``teleportation_probability`` only matters for directed flow and is passed as recorded.
    """
    if trials < 1:
        raise InputError(f"trials must be at least 1, got {trials}.")
    if not isinstance(seed, (int, np.integer)) or seed < 1:
        raise InputError(f"seed must be a positive integer (Infomap requires >= 1), got {seed!r}.")
    conv = _convert(G)
    g = conv.graph
    n = g.vcount()
    if n == 0:
        raise InputError("the network has no nodes; nothing to partition.")
    degree = np.asarray(g.degree())
    isolated = np.flatnonzero(degree == 0)
    options = {
        "seed": int(seed),
        "trials": int(trials),
        "weighted": weighted,
        "markov_time": markov_time,
        "teleportation_probability": teleportation_probability,
    }
    module_of = np.full(n, -1, dtype=np.int64)
    codelength = one_level = 0.0
    if g.ecount():
        network = infomap.Network()
        weights = conv.weights if weighted else np.ones(g.ecount())
        edges = np.asarray(g.get_edgelist(), dtype=float)
        network.add_links(np.column_stack([edges, weights]))
        result = infomap.run(
            network,
            options=infomap.Options(
                two_level=True,
                flow_model="undirected",
                silent=True,
                teleportation_probability=teleportation_probability,
            ),
            seed=int(seed),
            num_trials=int(trials),
            markov_time=float(markov_time),
        )
        for node_id, module in result.modules().items():
            module_of[node_id] = module
        codelength = float(result.codelength)
        one_level = float(result.one_level_codelength)
    next_id = (module_of.max() + 1) if n else 0
    for offset, v in enumerate(isolated):
        module_of[v] = next_id + offset
    if (module_of < 0).any():  # pragma: no cover - Infomap returns every linked node
        raise RuntimeError("Infomap left a linked node without a module")
    membership = _renumber_by_size(module_of)
    modularity = g.modularity(membership.tolist(), weights=conv.weights if weighted else None)
    members = pd.Series(membership + 1, index=pd.Index(conv.nodes, name="node"), name="module")
    sizes = members.value_counts().sort_index()
    sizes.index.name = "module"
    sizes.name = "size"
    return CommunityResult(
        membership=members,
        sizes=sizes.astype("int64"),
        codelength=codelength,
        one_level_codelength=one_level,
        modularity=float(modularity),
        isolates=len(isolated),
        stage=G.graph.get("stage"),
        options=options,
    )


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..K-1 by decreasing size, ties by first position (smallest node index)."""
    uniques, first, inverse, counts = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    order = sorted(range(len(uniques)), key=lambda i: (-counts[i], first[i]))
    new_id = np.empty(len(uniques), dtype=np.int64)
    new_id[order] = np.arange(len(uniques))
    return new_id[inverse]


def normalized_mutual_information(a: Iterable, b: Iterable) -> float:
    r"""Normalised mutual information of two partitions of the same nodes.

    .. math:: \mathrm{NMI}(A,B) = \frac{2\, I(A;B)}{H(A) + H(B)}

    (Danon, Díaz-Guilera, Duch & Arenas 2005, J. Stat. Mech. P09008; the arithmetic-mean
    normalisation also used by igraph's ``compare_communities(method="nmi")``).  1 for
    identical partitions; defined as 1 when both are the trivial one-module partition.
    """
    a = pd.Series(list(a))
    b = pd.Series(list(b))
    if len(a) != len(b):
        raise InputError(
            f"partitions differ in length ({len(a)} vs {len(b)}); pass the same nodes."
        )
    n = len(a)
    if n == 0:
        return math.nan
    joint = pd.crosstab(a, b).to_numpy(dtype=float) / n
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    h_a = -np.sum(pa * np.log(pa))
    h_b = -np.sum(pb * np.log(pb))
    if h_a + h_b == 0:
        return 1.0
    nz = joint > 0
    mutual = np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz]))
    return float(2 * mutual / (h_a + h_b))


def pairwise_nmi(
    G: nx.Graph, *, seeds: Iterable[int] = range(1, 11), trials: int = 1, **infomap_options
) -> pd.DataFrame:
    """NMI between the Infomap partitions found from each pair of ``seeds`` (square table)."""
    seeds = list(seeds)
    if len(seeds) < 2:
        raise InputError(f"stability needs at least 2 seeds, got {seeds!r}.")
    partitions = {
        s: infomap_partition(G, seed=s, trials=trials, **infomap_options).membership for s in seeds
    }
    table = pd.DataFrame(1.0, index=pd.Index(seeds, name="seed"), columns=seeds)
    for s, t in itertools.combinations(seeds, 2):
        value = normalized_mutual_information(partitions[s], partitions[t])
        table.loc[s, t] = table.loc[t, s] = value
    return table


def stability(
    G: nx.Graph, *, seeds: Iterable[int] = range(1, 11), trials: int = 1, **infomap_options
) -> float:
    """Mean NMI over all pairs of Infomap partitions found from different ``seeds``.

    1 means every seed finds the same partition.  ``trials`` per seed defaults to 1, so the
    stability of a single Infomap run is measured (with more trials each run is already the
    best of several, and agreement rises).
    """
    table = pairwise_nmi(G, seeds=seeds, trials=trials, **infomap_options)
    upper = table.to_numpy()[np.triu_indices(len(table), k=1)]
    return float(upper.mean())


def stage_communities(
    networks: Mapping[str, nx.Graph], *, seed: int = 123, trials: int = 10, **infomap_options
) -> dict[str, CommunityResult]:
    """:func:`infomap_partition` of every stage, same options; dict stage -> result."""
    if not isinstance(networks, Mapping) or not networks:
        raise InputError("networks must be a non-empty dict mapping stage labels to graphs.")
    out = {}
    for stage, G in networks.items():
        result = infomap_partition(G, seed=seed, trials=trials, **infomap_options)
        out[stage] = replace(result, stage=stage)
    return out


def summary_table(results: Mapping[str, CommunityResult]) -> pd.DataFrame:
    """One row per stage: modules, largest, singleton modules, codelength, savings, modularity."""
    rows = {
        stage: {
            "modules": r.num_modules,
            "largest": r.largest,
            "singletons": int((r.sizes == 1).sum()),
            "codelength": r.codelength,
            "relative_savings": r.relative_savings,
            "modularity": r.modularity,
        }
        for stage, r in results.items()
    }
    table = pd.DataFrame(rows).T
    table.index = pd.Index(list(rows), name="stage", dtype=object)
    for column in ("modules", "largest", "singletons"):
        table[column] = table[column].astype("int64")
    return table


def membership_table(results: Mapping[str, CommunityResult]) -> pd.DataFrame:
    """Long table ``stage, node, module, module_size`` over all stages."""
    frames = []
    for stage, r in results.items():
        frame = r.to_frame()
        frame.insert(0, "stage", stage)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
