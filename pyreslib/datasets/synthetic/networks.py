r"""The SYNTHETIC demo's stage networks: hubs, stars and regional communities, built explicitly.

Nothing here is real data.  The city geography is (``data/china_cities.csv``: the 337
prefecture-level units and the great-circle distances between their seats); which cities
collaborate, and how often, is invented by the model below and calibrated so that the three
stage networks have the *shape* the reference study reports (docs/method.md, the study's
figures): its stage aggregates (cities, pairs, collaborations), its centrality shares (closeness
above the mean, zero betweenness, betweenness above the mean), Beijing first on every centrality
and Beijing, Shanghai, Nanjing the top three by degree, Infomap's modules in the first two stages
and a network resilience rising from stage to stage.  :mod:`pyreslib.datasets` turns the
networks into patent records.

Why a constructed network and not a gravity draw: a gravity model (pairs drawn with probability
:math:`\propto m_a m_b / d^\gamma`) matches the totals but not the study's shape: about half the
study's cities have zero betweenness while a fifth carry most of it, which needs explicit stars
(leaves hanging on one broker), and Infomap finding one module of 150 cities in stage 2 but 12 in
stage 1 needs weights that decide where a random walker's flow stays.

The model (one stage; every count, share and factor is a field of :class:`StageStructure`)
------------------------------------------------------------------------------------------
Innovation mass :math:`m_i(t) = m_i e^{g_i (t - 2011)}` as in :func:`city_masses`; ``t`` is the
stage's middle year.  Every city has its own uniform draws per stage, so that a small change
of a share changes the role of few cities.

1. *Cities.*  The stage's ``cities`` are the national hubs (Beijing, Shanghai, Nanjing), the
   cities of the stage's story pairs (:data:`STORY_PAIRS`) and then the cities with the largest
   presence score :math:`\ln m_i(t) + s\,\varepsilon_i` (``presence_noise`` s; one
   :math:`\varepsilon_i \sim N(0,1)` per city shared by all stages, so the stages nest).
2. *Detached groups.*  The lowest-scored of them that are not NEV centres (:data:`MASS_BOOST`)
   form small groups outside the main component (``detached``: their sizes), ordered west to
   east and cut into consecutive groups, each group a clique.  Infomap gives each its own
   module; the Wasserman-Faust closeness of their cities is small, which is why most cities
   are above the mean closeness.
3. *Core.*  The national hubs form a triangle; ``regional_hubs`` regional hubs (the largest
   remaining cities by mass, at most one per province and none in a national hub's province)
   each link to Beijing; ``core_links`` more hub-hub links are drawn with probability
   :math:`\propto m_a m_b / d_{ab}`; the story pairs are links too.
4. *Members.*  Every other city joins a group: with probability ``direct_share`` a national
   hub's (Beijing, Shanghai or Nanjing with probabilities :data:`NATIONAL_SPLIT`), otherwise
   the regional or national hub with the largest :math:`m_h / d_{ih}^{\,\text{hub_reach}}`;
   but first the largest ``hub_member_share`` of the regional hubs each claim their nearest
   city.  Its first link goes to the group's hub or, with probability ``chain_share``, to the group's
   nearest member placed before it (members are placed in order of presence), which makes
   stars of stars.
5. *Second links.*  A share ``clique_share`` of the members links to a neighbour of its first
   contact (closing a triangle: the member keeps zero betweenness), ``sibling_share`` to another
   still single-linked member of the same contact (a triangle again), and the links still
   missing to reach ``pairs`` come from ``broker_share`` of the members linking among
   themselves and to the hubs (probability :math:`\propto m_j^{\text{broker_exponent}}`; if
   they cannot take them all, any member may).  The rest stay leaves, and so does every contact's first member: every hub
   or chain parent with members brokers for at least one city of its own, the cities the
   study's share above the mean betweenness counts.
6. *Weights.*  Every pair other than a story pair gets collaborations in proportion to its
   score :math:`f\,(m_a m_b)^{\text{weight_exponent}}(k_a k_b)^{\text{degree_exponent}}`
   (k: the degrees in the stage network; f: ``national_weight`` for a link to a national hub,
   else ``member_weight`` for a first link, ``triangle_weight`` for a clique or sibling link,
   ``core_weight`` for a hub-hub link, 1 for broker and detached links), at least one, the
   rounding remainder drawn multinomially; the story pairs get their fixed counts
   (Beijing-Nanjing 752 in 2018-2021 ...), and no other pair exceeds :data:`STORY_CAP` (each
   pair's cap is drawn in [0.55, 1] x the stage cap).  This is what Infomap sees: heavy links
   to the national hubs draw the flow of every group through them (stage 2's one large
   module); heavy member and triangle links keep it in regional communities (stage 1's many).
7. *Patents.*  A share :data:`THREE_CITY_SHARE` of the collaborations become three-city patents
   on triangles of the network (each adds one to all three pairs, docs/method.md's counting
   rule), the rest two-city patents; single-city collaborations total :data:`INTERNAL_RATIO`
   times the cross-city ones, the study's four leaders taking the fixed shares
   :data:`INTERNAL_LEADERS` and every other city a share :math:`\propto m_i(t)^{0.6}`.

The calibration of :data:`STAGE_STRUCTURE` is :mod:`pyreslib.datasets.synthetic.calibration`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib.datasets.synthetic.cities import (
    DEFAULT_SEED,
    MASS_BOOST,
    MIN_DISTANCE_KM,
    CityMasses,
    city_masses,
    geography,
)
from pyreslib.errors import InputError

__all__ = [
    "NATIONAL_HUBS",
    "STAGE_STRUCTURE",
    "STORY_PAIRS",
    "StageDraw",
    "StageStructure",
    "draw_stage",
    "stage_network_of",
    "structure_table",
]

# Random streams of the model (the city masses have their own): default_rng([seed, STREAM, ...]).
_STREAM_CROSS, _STREAM_INTERNAL = 10, 20

# --- the network model ----------------------------------------------------------------------
BEIJING, SHANGHAI, NANJING = 110000, 310000, 320100
NATIONAL_HUBS = (BEIJING, SHANGHAI, NANJING)
#: Probability that a member who joins a national hub's group joins Beijing's, Shanghai's,
#: Nanjing's (the study's top three by degree, in this order).
NATIONAL_SPLIT = (0.62, 0.21, 0.17)
THREE_CITY_SHARE = 0.06
"""Share of a stage's cross-city collaborations that come from three-city patents."""

#: The study's strongest pairs, fixed collaboration counts per stage.
STORY_PAIRS: dict[str, dict[tuple[int, int], int]] = {
    "2011-2014": {(110000, 130100): 52, (110000, 320100): 47, (110000, 130700): 44},
    "2015-2017": {(110000, 320100): 299},
    "2018-2021": {
        (110000, 320100): 752,
        (330100, 330200): 450,
        (110000, 411000): 294,
        (110000, 511300): 290,
    },
}

#: No other pair exceeds this count in the stage, so that the story pairs stay on top
#: (stage 1: "only Beijing above 40").
STORY_CAP: dict[str, int] = {"2011-2014": 36, "2015-2017": 200, "2018-2021": 260}

#: Single-city collaborations total INTERNAL_RATIO times the stage's cross-city total.
INTERNAL_RATIO = 1.05
#: Who leads internal (single-city) collaboration, the study's four, with fixed shares of it.
INTERNAL_LEADERS: dict[int, float] = {110000: 0.16, 320100: 0.11, 330100: 0.09, 310000: 0.08}
INTERNAL_ALPHA = 0.6
"""Mass exponent of the other cities' share of internal collaboration."""


@dataclass(frozen=True)
class StageStructure:
    """The design of one stage network (see the module docstring, steps 1-6)."""

    cities: int
    pairs: int
    collaborations: int
    regional_hubs: int
    detached: tuple[int, ...] = ()
    core_links: int = 0
    direct_share: float = 0.3
    chain_share: float = 0.2
    clique_share: float = 0.2
    sibling_share: float = 0.1
    broker_share: float = 0.2
    broker_exponent: float = 1.0
    hub_reach: float = 2.0
    hub_member_share: float = 0.0
    presence_noise: float = 0.5
    member_weight: float = 1.0
    triangle_weight: float = 1.0
    national_weight: float = 1.0
    core_weight: float = 1.0
    weight_exponent: float = 0.5
    degree_exponent: float = 0.0

    def scaled(self, scale: float) -> StageStructure:
        """Every count times ``scale`` (at least what the design needs); shares unchanged."""
        if scale == 1:
            return self
        cities = max(12, round(self.cities * scale))
        pairs = max(cities + 4, round(self.pairs * scale))
        return replace(
            self,
            cities=cities,
            pairs=pairs,
            collaborations=max(pairs, round(self.collaborations * scale)),
            regional_hubs=max(1, round(self.regional_hubs * scale)),
            detached=tuple(self.detached[: round(len(self.detached) * scale)]),
            core_links=round(self.core_links * scale),
        )


STAGE_STRUCTURE: dict[str, StageStructure] = {
    # found by pyreslib.datasets.synthetic.calibration.calibrate_stage at seed 20231 (see that module)
    "2011-2014": StageStructure(
        cities=92, pairs=181, collaborations=628, regional_hubs=13,
        detached=(2, 3, 2, 3, 2, 3), core_links=9, direct_share=0.3391, chain_share=0.2229,
        clique_share=0.5, sibling_share=0.06235, broker_share=0.2015, hub_reach=1.446,
        presence_noise=0.2153, member_weight=0.1, triangle_weight=0.1, national_weight=1.0,
        core_weight=3.0, weight_exponent=0.0, degree_exponent=0.0,
    ),
    "2015-2017": StageStructure(
        cities=158, pairs=415, collaborations=2740, regional_hubs=36, detached=(2, 3, 3),
        core_links=11, direct_share=0.4863, chain_share=0.0632, clique_share=0.3449,
        sibling_share=0.1345, broker_share=0.2178, hub_reach=1.620, hub_member_share=0.3957,
        presence_noise=0.9115, member_weight=1.119, triangle_weight=0.1078, national_weight=11.84,
        core_weight=8.050, weight_exponent=0.0015, degree_exponent=0.0976,
    ),
    "2018-2021": StageStructure(
        cities=257, pairs=1032, collaborations=9500, regional_hubs=24,
        detached=(2, 3, 2, 3, 2, 3, 2), core_links=13, direct_share=0.2707, chain_share=0.1190,
        clique_share=0.1530, sibling_share=0.4787, broker_share=0.2725, broker_exponent=0.9159,
        hub_reach=1.802, hub_member_share=0.1084, presence_noise=0.8892, member_weight=10.0,
        triangle_weight=0.1246, national_weight=8.927, core_weight=4.480, weight_exponent=0.4519,
        degree_exponent=0.0,
    ),
}

# --- one stage ------------------------------------------------------------------------------


@dataclass
class StageDraw:
    """What the generator decided for one stage, as city indices (before any text exists)."""

    label: str
    years: tuple[int, int]
    pairs: np.ndarray  # (n2, 2) city indices of two-city patents (story pairs included)
    triples: np.ndarray  # (n3, 3) city indices of three-city patents
    internal: np.ndarray  # (n,) single-city collaborations per city

    def pair_weights(self, n: int) -> np.ndarray:
        """Symmetric (n, n) matrix of pair counts (docs/method.md's counting rule)."""
        weights = np.zeros((n, n), dtype=np.int64)
        links = [self.pairs]
        if len(self.triples):
            t = self.triples
            links += [t[:, [0, 1]], t[:, [0, 2]], t[:, [1, 2]]]
        for link in links:
            if len(link):
                np.add.at(weights, (link[:, 0], link[:, 1]), 1)
                np.add.at(weights, (link[:, 1], link[:, 0]), 1)
        return weights

    def aggregates(self, n: int) -> dict[str, float]:
        """Cities, pairs, cross-city collaborations and average degree of the stage network."""
        w = self.pair_weights(n)
        degree = (w > 0).sum(axis=1)
        cities = int((degree > 0).sum())
        pairs = int((w > 0).sum() // 2)
        return {
            "cities": cities,
            "pairs": pairs,
            "collaborations": int(w.sum() // 2),
            "average_degree": 2 * pairs / cities if cities else 0.0,
        }


class _Links:
    """The growing edge set of a stage design: a neighbour set per city and each link's kind."""

    def __init__(self) -> None:
        self.neighbours: dict[int, set[int]] = {}
        self.kind: dict[tuple[int, int], str] = {}

    def add(self, a: int, b: int, kind: str) -> bool:
        key = (min(a, b), max(a, b))
        if a == b or key in self.kind:
            return False
        self.kind[key] = kind
        self.neighbours.setdefault(a, set()).add(b)
        self.neighbours.setdefault(b, set()).add(a)
        return True

    def degree(self, a: int) -> int:
        return len(self.neighbours.get(a, ()))

    def __len__(self) -> int:
        return len(self.kind)


def _stage_links(
    label: str,
    structure: StageStructure,
    masses: CityMasses,
    t: float,
    streams: _Streams,
    story: Mapping[tuple[int, int], int],
) -> _Links:
    """Steps 1-5 of the module docstring: the stage's links, between city indices."""
    geo = geography()
    d = np.maximum(geo.distance_km, MIN_DISTANCE_KM)
    province = geo.cities["province_zh"].to_numpy()
    mass = masses.at(t)
    national = [geo.index_of(a) for a in NATIONAL_HUBS]
    beijing = national[0]
    forced = list(national)
    for a, b in story:
        forced += [i for i in (geo.index_of(a), geo.index_of(b)) if i not in forced]
    if structure.cities < len(forced) + sum(structure.detached) + 2:
        raise InputError(
            f"stage {label}: {structure.cities} cities cannot hold the national hubs, the story "
            f"cities and detached groups of sizes {list(structure.detached)}."
        )
    # 1-2. Cities, and the detached groups among the lowest-scored.
    score = np.log(mass) + structure.presence_noise * masses.presence
    score[forced] = np.inf
    ranked = [int(i) for i in np.argsort(-score, kind="stable")[: structure.cities]]
    # The detached groups: the lowest-scored cities that are not NEV centres (MASS_BOOST).
    boosted = {geo.index_of(a) for a in MASS_BOOST}
    candidates = [i for i in ranked if i not in boosted and i not in forced]
    sizes = list(structure.detached)
    while sum(sizes) > len(candidates):  # small scales: as many groups as there are cities
        sizes.pop()
    detached = candidates[len(candidates) - sum(sizes) :] if sizes else []
    main = [i for i in ranked if i not in set(detached)]
    detached = sorted(detached, key=lambda i: geo.cities.at[i, "lon"])

    # 3. Core: the national triangle, regional hubs linked to Beijing, story pairs, hub-hub links.
    links = _Links()
    for x in range(3):
        for y in range(x + 1, 3):
            links.add(national[x], national[y], "core")
    taken = {province[i] for i in national}
    hubs: list[int] = []
    for i in sorted(main, key=lambda i: -mass[i]):
        if len(hubs) == structure.regional_hubs:
            break
        if i not in national and province[i] not in taken:
            hubs.append(i)
            taken.add(province[i])
    for h in hubs:
        links.add(h, beijing, "core")
    for a, b in story:
        links.add(geo.index_of(a), geo.index_of(b), "story")
    all_hubs = national + hubs
    hub_mass = mass[all_hubs]
    upper = np.triu_indices(len(all_hubs), 1)
    core_p = (np.outer(hub_mass, hub_mass) / d[np.ix_(all_hubs, all_hubs)])[upper]
    added = 0
    for k in streams.core.choice(len(core_p), size=len(core_p), replace=False,
                                 p=core_p / core_p.sum()):
        if added >= structure.core_links:
            break
        added += links.add(all_hubs[upper[0][k]], all_hubs[upper[1][k]], "core")

    # 4. Members: group and first contact.  Each city has its own uniform draws, so that a
    # small change of a share changes the roles of few cities (the calibration relies on it).
    u = streams.city
    is_hub = set(all_hubs)
    members = [i for i in main if i not in is_hub and links.degree(i) == 0]
    group: dict[int, int] = {h: h for h in all_hubs}
    contact: dict[int, int] = {}
    reach = hub_mass[None, :] / d[np.ix_(members, all_hubs)] ** structure.hub_reach
    national_cumulative = np.cumsum(NATIONAL_SPLIT)
    # The largest hub_member_share of the regional hubs first claim their nearest city each.
    claimed: dict[int, int] = {}
    for h in hubs[: round(structure.hub_member_share * len(hubs))]:
        free = [i for i in members if i not in claimed]
        if free:
            claimed[free[int(np.argmin(d[h, free]))]] = h
    for row, i in enumerate(members):
        if i in claimed:
            g = claimed[i]
        elif u["direct"][i] < structure.direct_share:
            g = national[int(np.searchsorted(national_cumulative, u["split"][i] * 0.999999))]
        else:
            g = all_hubs[int(np.argmax(reach[row]))]
        group[i] = g
        first = g
        if i not in claimed and u["chain"][i] < structure.chain_share:
            same = [j for j in members[:row] if group[j] == g]
            if same:
                first = same[int(np.argmin(d[i, same]))]
        contact[i] = first
        links.add(i, first, "member")

    # 5. Second links by role: clique, sibling, broker; the rest stay leaves.
    c, s, b = _role_shares(structure)
    role = {i: "clique" if u["role"][i] < c else "sibling" if u["role"][i] < c + s
            else "broker" if u["role"][i] < c + s + b else "leaf" for i in members}
    # Every contact's first member stays a leaf, so that every hub (and chain parent) with a
    # member brokers for at least one city of its own (the study's share of cities above the
    # mean betweenness).
    first_member: dict[int, int] = {}
    for i in members:
        first_member.setdefault(contact[i], i)
    role |= dict.fromkeys(first_member.values(), "leaf")
    start = 0
    for size in sizes:
        chunk = detached[start : start + size]
        start += size
        for x in range(len(chunk)):
            for y in range(x + 1, len(chunk)):
                links.add(chunk[x], chunk[y], "detached")
    budget = structure.pairs - len(links)
    for i in members:
        if budget <= 0:
            break
        first = contact[i]
        if role[i] == "clique":  # a neighbour of the first contact: a triangle
            options = sorted(links.neighbours[first] - {i} - links.neighbours[i])
        elif role[i] == "sibling":  # another single-linked member on the same contact
            options = [j for j in members
                       if j != i and contact[j] == first and links.degree(j) == 1]
        else:
            continue
        if options:
            j = options[int(u["pick"][i] * len(options))]
            budget -= links.add(i, j, "triangle")
    # Brokers link among themselves and to the hubs only, so that leaves and triangle members
    # keep zero betweenness.  If they cannot take every missing link, every member may broker,
    # and then any city of the main component (fallbacks for designs the calibration did not
    # see: other seeds, small scales).
    brokers = [i for i in members if role[i] == "broker"]
    for pool in (brokers, members, main):
        if not pool:
            continue
        targets = main if pool is main else all_hubs + pool
        target_p = mass[targets] ** structure.broker_exponent
        target_p = target_p / target_p.sum()
        attempts = 0
        while budget > 0 and attempts < 20 * structure.pairs:
            attempts += 1
            i = pool[int(streams.broker.integers(len(pool)))]
            j = targets[int(streams.broker.choice(len(targets), p=target_p))]
            budget -= links.add(i, j, "broker")
    if budget > 0:
        raise InputError(f"stage {label}: could not place {structure.pairs} pairs.")
    return links


@dataclass
class _Streams:
    """The random streams of one stage, one per step, so that steps do not disturb each other."""

    city: dict[str, np.ndarray]  # per-city uniforms: direct, split, chain, role, pick
    core: np.random.Generator
    broker: np.random.Generator
    weights: np.random.Generator
    patents: np.random.Generator

    @classmethod
    def of(cls, seed: int, stage_index: int, n: int) -> _Streams:
        def stream(k: int) -> np.random.Generator:
            return np.random.default_rng([seed, _STREAM_CROSS, stage_index, k])

        draws = stream(0).random((5, n))
        names = ("direct", "split", "chain", "role", "pick")
        return cls(dict(zip(names, draws, strict=True)), stream(1), stream(2), stream(3),
                   stream(4))


def _role_shares(structure: StageStructure) -> tuple[float, float, float]:
    shares = (structure.clique_share, structure.sibling_share, structure.broker_share)
    if min(shares) < 0 or sum(shares) > 1:
        raise InputError(
            "clique_share, sibling_share and broker_share must be >= 0 and sum to at most 1, "
            f"got {list(shares)}."
        )
    return shares


def _stage_weights(
    links: _Links, structure: StageStructure, mass: np.ndarray, rng: np.random.Generator,
    story: Mapping[tuple[int, int], int], cap: int | None,
) -> dict[tuple[int, int], int]:
    """Step 6: collaborations per link."""
    geo = geography()
    keys = sorted(links.kind)
    story_of = {
        tuple(sorted((geo.index_of(a), geo.index_of(b)))): count for (a, b), count in story.items()
    }
    weight = {key: story_of.get(key, 1) for key in keys}
    free = [key for key in keys if key not in story_of]
    factor = {"member": structure.member_weight, "triangle": structure.triangle_weight,
              "core": structure.core_weight}
    national = {geo.index_of(a) for a in NATIONAL_HUBS}
    p = np.array([
        (structure.national_weight if national & set(k) else factor.get(links.kind[k], 1.0))
        * (mass[k[0]] * mass[k[1]]) ** structure.weight_exponent
        * (links.degree(k[0]) * links.degree(k[1])) ** structure.degree_exponent
        for k in free
    ])
    p = p / p.sum()
    budget = structure.collaborations - sum(weight.values()) + len(free)
    if budget < len(free):
        raise InputError(
            f"{structure.collaborations} collaborations cannot give each of {len(weight)} pairs "
            "at least one (and the story pairs their counts)."
        )
    # Each pair's cap is drawn in [0.55, 1] x cap so capped pairs do not pile up at one value.
    limit = (np.inf * np.ones(len(free)) if cap is None
             else np.maximum(np.floor(cap * rng.uniform(0.55, 1.0, len(free))), 1))
    # Weights follow the scores closely (not 1 + a multinomial share, which leaves most pairs
    # at 1 whatever their score): the expected share, at least 1, at most the cap; what
    # rounding leaves over goes multinomially to the pairs below their caps.
    w = np.minimum(np.maximum(np.floor(budget * p), 1), limit).astype(np.int64)
    remaining = budget - int(w.sum())
    while remaining < 0:  # the pairs raised to 1 took more than their share: trim the largest
        k = min(-remaining, int((w > 1).sum()))
        w[np.argsort(-w, kind="stable")[:k]] -= 1
        remaining += k
    while remaining > 0:
        q = np.where(w < limit, p, 0.0)
        if q.sum() == 0:  # the collaborations do not fit under the cap (small scales): lift it
            limit = limit + 1
            continue
        w += rng.multinomial(remaining, q / q.sum())
        over = np.maximum(w - limit, 0).astype(np.int64)
        w -= over
        remaining = int(over.sum())
    for key, x in zip(free, w.tolist(), strict=True):
        weight[key] = x
    return weight


def _triangle_patents(
    weight: dict[tuple[int, int], int], n3: int, rng: np.random.Generator,
    protected: set[tuple[int, int]],
) -> tuple[dict[tuple[int, int], int], np.ndarray]:
    """Step 7: turn ``n3`` triangles' worth of pair counts into three-city patents."""
    neighbours: dict[int, set[int]] = {}
    for a, b in weight:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    triangles = sorted(
        (a, b, c)
        for a, b in weight
        for c in neighbours[a] & neighbours[b]
        if c > b
    )
    two_city = dict(weight)
    chosen = []
    if triangles and n3 > 0:
        for k in rng.permutation(np.repeat(np.arange(len(triangles)), 4)):
            a, b, c = triangles[k]
            sides = [(a, b), (a, c), (b, c)]
            if any(s in protected or two_city[s] < 2 for s in sides):
                continue
            for s in sides:
                two_city[s] -= 1
            chosen.append((a, b, c))
            if len(chosen) == n3:
                break
    return two_city, np.array(chosen, dtype=np.int64).reshape(-1, 3)


def draw_stage(
    label: str,
    years: tuple[int, int],
    *,
    seed: int = DEFAULT_SEED,
    masses: CityMasses | None = None,
    structure: StageStructure | None = None,
    scale: float = 1.0,
    story: Mapping[tuple[int, int], int] | None = None,
    cap: int | None = None,
    three_city_share: float = THREE_CITY_SHARE,
    internal_ratio: float = INTERNAL_RATIO,
    internal_alpha: float = INTERNAL_ALPHA,
    internal_leaders: Mapping[int, float] | None = None,
) -> StageDraw:
    """Draw one stage's patents as city sets (the model of the module docstring).

    Defaults come from the calibrated constants for ``label``
    (:data:`STAGE_STRUCTURE`, :data:`STORY_PAIRS`, :data:`STORY_CAP`); any can be overridden.
    ``scale`` multiplies every count (story pairs included, see :meth:`StageStructure.scaled`),
    so scale != 1 leaves the calibration.
    """
    geo = geography()
    masses = city_masses(seed) if masses is None else masses
    if structure is None:
        if label not in STAGE_STRUCTURE:
            raise InputError(
                f"no calibrated structure for stage {label!r} (known: {list(STAGE_STRUCTURE)}); "
                "pass structure=StageStructure(...)."
            )
        structure = STAGE_STRUCTURE[label]
    structure = structure.scaled(scale)
    story = STORY_PAIRS.get(label, {}) if story is None else story
    story = {pair: max(1, round(count * scale)) for pair, count in story.items()}
    cap = STORY_CAP.get(label) if cap is None else cap
    cap = None if cap is None else max(2, round(cap * scale))
    internal_leaders = INTERNAL_LEADERS if internal_leaders is None else internal_leaders
    stage_index = sum(ord(c) for c in label)  # stable, label-specific stream
    streams = _Streams.of(seed, stage_index, len(geo.cities))
    t = (years[0] + years[1]) / 2
    mass = masses.at(t)
    links = _stage_links(label, structure, masses, t, streams, story)
    weight = _stage_weights(links, structure, mass, streams.weights, story, cap)
    n3 = round(three_city_share * structure.collaborations / 3)
    protected = {tuple(sorted((geo.index_of(a), geo.index_of(b)))) for a, b in story}
    two_city, triples = _triangle_patents(weight, n3, streams.patents, protected)
    keys = sorted(two_city)
    counts = np.array([two_city[k] for k in keys], dtype=np.int64)
    pairs = np.repeat(np.array(keys, dtype=np.int64).reshape(-1, 2), counts, axis=0)
    streams.patents.shuffle(pairs, axis=0)

    # Internal collaboration: the leaders take fixed shares, the rest goes by mass^alpha.
    rng_internal = np.random.default_rng([seed, _STREAM_INTERNAL, stage_index])
    leader_share = np.array([internal_leaders.get(int(a), 0.0) for a in geo.adcodes])
    rest = np.where(leader_share > 0, 0.0, mass**internal_alpha)
    q = leader_share + (1 - leader_share.sum()) * rest / rest.sum()
    internal = rng_internal.multinomial(round(internal_ratio * structure.collaborations), q)
    return StageDraw(label=label, years=years, pairs=pairs, triples=triples, internal=internal)


# --- the network as ingest builds it ------------------------------------------------------


def stage_network_of(draw: StageDraw) -> nx.Graph:
    """The stage network ingest builds from ``draw``'s patents (same nodes, weights and order)."""
    from pyreslib.network import stage_network

    geo = geography()
    n = len(geo.cities)
    w = np.triu(draw.pair_weights(n), 1)
    a, b = np.nonzero(w)  # row-major: sorted by (city_a, city_b) as ingest sorts them
    adcodes = geo.adcodes
    pairs = pd.DataFrame({"city_a": adcodes[a], "city_b": adcodes[b], "weight": w[a, b]})
    return stage_network(pairs, stage=draw.label)


def structure_table() -> pd.DataFrame:
    """:data:`STAGE_STRUCTURE` as a table (one row per stage), for the demo's README."""
    return pd.DataFrame(
        [{"stage": label, **asdict(s)} for label, s in STAGE_STRUCTURE.items()],
        columns=["stage", *[f.name for f in fields(StageStructure)]],
    )
