r"""Calibrating the SYNTHETIC demo's stage networks (:mod:`pyreslib.datasets.synthetic.networks`) to the study.

:func:`calibrate_stage` is the procedure that found
:data:`pyreslib.datasets.synthetic.networks.STAGE_STRUCTURE`, at the default seed,
against :data:`SHAPE_TARGETS` (loss: :func:`shape_loss`): a random search over
:data:`SEARCH_SPACE` (globally, or within a fraction ``spread`` of each range around a start),
coordinate refinement of the best, then a grid over the weight settings (:data:`WEIGHT_GRID`),
which change nothing but Infomap.  Every candidate is measured with pyreslib's own metrics and
Infomap (seed and trials of data/demo/demo.toml) on the network exactly as ingest builds it from
the patents (:func:`stage_network_of`).  The stored structures came from a few such runs per
stage (minutes each): a global search (``iterations=500``), then local searches from the best
so far (``spread`` 0.2-0.35), with two changes made by hand between runs and kept because they
lowered the loss: stage 1's detached groups (2, 3, 2, 3) -> (2, 3, 2, 3, 2, 3), and stage 2's
``hub_member_share`` (added to the model for it) started at 0.5.  Stage 1 was calibrated first,
then stage 3, then stage 2 between them.  Stage 3's weights come from one more run that moved
only the weights, with the target of at most 10 Infomap modules (the study gives none for stage
3; fewer, larger modules keep its map readable and follow the stages' trend): it found 11.
Stage 3's links were then screened once more, because the demo must also serve the extended
ERGM (``gwesp(0.5) + gwdegree(0.5)``, as docs/python.md fits it) and the structure found first was
degenerate under it: 250 candidates within ``spread`` 0.25 of it (``broker_exponent`` added to
the model then, 1.0 elsewhere), those within 4 points of every share and keeping the
indicators' order across stages fitted by lowest loss, the first that fitted kept.  What the stored structures measure is in
data/demo/README.md (written by :func:`pyreslib.datasets.synthetic.files.write_demo`) and checked by
tests/test_datasets.py; other seeds give networks of the same design but are not guaranteed
within the study's tolerances.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from pyreslib import study
from pyreslib.datasets.synthetic.cities import DEFAULT_SEED, city_masses
from pyreslib.datasets.synthetic.networks import (
    BEIJING,
    NATIONAL_HUBS,
    STAGE_STRUCTURE,
    StageStructure,
    draw_stage,
    stage_network_of,
)
from pyreslib.errors import InputError

__all__ = [
    "SEARCH_SPACE",
    "SHAPE_TARGETS",
    "WEIGHT_GRID",
    "calibrate_stage",
    "measure_shape",
    "measured_shape",
    "shape_loss",
]

#: What each stage is calibrated to (:func:`shape_loss`): the study's centrality shares and
#: Infomap modules (docs/method.md; the study gives no modules for stage 3), and ranges (low,
#: high) or values for the three indicators of the study's resilience index that are this
#: module's choice: stage 1 the worst on each (longest paths, least clustering, flattest
#: degree slope: its network resilience is then the published 0.01), stage 3 the best, stage 2
#: in between (the study reports 0.01, 0.77 and 0.99).  The aggregates (cities, pairs,
#: collaborations) are the design's counts, met exactly.
# The indicators of the resilience index, this module's choice (see SHAPE_TARGETS).
_INDICATOR_TARGETS: dict[str, dict[str, float | tuple[float, float]]] = {
    "2011-2014": {"avg_path_length": (2.55, 9.0), "avg_clustering": (0.0, 0.46),
                  "degree_slope": (0.0, 0.92)},
    "2015-2017": {"avg_path_length": (2.37, 2.55), "avg_clustering": (0.50, 0.555),
                  "degree_slope": (0.93, 1.10)},
    "2018-2021": {"avg_path_length": 2.3, "avg_clustering": 0.56, "degree_slope": 1.15},
}
_STUDY_SHAPE = ("closeness_above_mean_pct", "zero_betweenness_pct",
                "betweenness_above_mean_pct", "modules", "largest_module")

SHAPE_TARGETS: dict[str, dict[str, float | tuple[float, float]]] = {
    stage: {**{f.quantity: f.value for f in study.REPORTED
               if f.stage == stage and f.quantity in _STUDY_SHAPE and not math.isnan(f.value)},
            **indicators}
    for stage, indicators in _INDICATOR_TARGETS.items()
}

#: Infomap options the demo configuration uses (data/demo/demo.toml: seed and trials).
INFOMAP_SEED, INFOMAP_TRIALS = 2023, 10


def measure_shape(
    G: nx.Graph, *, infomap: bool = True, seed: int = INFOMAP_SEED, trials: int = INFOMAP_TRIALS
) -> dict[str, object]:
    """The study's figures for one stage network, by pyreslib's own metrics.

    Keys: ``cities, pairs, collaborations, average_degree``, the three centrality shares of
    :func:`pyreslib.centrality.centrality_shares`, ``avg_path_length, avg_clustering,
    degree_slope``, ``top_by_degree`` (the three largest, by adcode), ``beijing_first`` (first
    on degree, closeness and betweenness) and, with ``infomap``, ``modules`` and
    ``largest_module`` of :func:`pyreslib.community.infomap_partition`.
    """
    from pyreslib import centrality, community, metrics

    indicators, centralities = metrics.describe(G)
    shares = centrality.centrality_shares(
        centrality.stage_city_rows(str(G.graph.get("stage", "")), G, centralities)
    ).iloc[0]
    order = centralities["degree"].sort_values(ascending=False, kind="stable")
    out: dict[str, object] = {
        "cities": int(indicators["nodes"]),
        "pairs": int(indicators["edges"]),
        "collaborations": float(indicators["weight"]),
        "average_degree": float(indicators["avg_degree"]),
        "closeness_above_mean_pct": float(shares["closeness_above_mean_pct"]),
        "zero_betweenness_pct": float(shares["zero_betweenness_pct"]),
        "betweenness_above_mean_pct": float(shares["betweenness_above_mean_pct"]),
        "avg_path_length": float(indicators["avg_path_length"]),
        "avg_clustering": float(indicators["avg_clustering"]),
        "degree_slope": float(indicators["degree_slope"]),
        "top_by_degree": [int(v) for v in order.index[:3]],
        "beijing_first": all(
            centralities[c].idxmax() == BEIJING
            and (centralities[c] == centralities[c].max()).sum() == 1
            for c in ("degree", "closeness", "betweenness")
        ),
    }
    if infomap:
        partition = community.infomap_partition(G, seed=seed, trials=trials)
        out["modules"] = partition.num_modules
        out["largest_module"] = partition.largest
    return out


def measured_shape(
    patents: str | Path,
    *,
    seed: int = INFOMAP_SEED,
    trials: int = INFOMAP_TRIALS,
    weights: str = "entropy",
) -> pd.DataFrame:
    """The study's figures measured on a patent export the way ``pyreslib demo`` measures them.

    The file is ingested (:func:`pyreslib.ingest.ingest_file`, default options), each stage
    network measured by :func:`measure_shape` (Infomap ``seed``/``trials``, those of
    data/demo/demo.toml) and the stages' network resilience D computed with the study preset
    (:func:`pyreslib.resilience.network_resilience`, ``weights`` as in demo.toml).  One row per
    stage.
    """
    from pyreslib import ingest, metrics, resilience

    networks = ingest.ingest_file(patents).networks
    table = pd.DataFrame(
        {label: measure_shape(G, seed=seed, trials=trials) for label, G in networks.items()}
    ).T
    table.index.name = "stage"
    indicators = metrics.stage_indicators(networks)
    table["network_resilience"] = resilience.network_resilience(
        indicators, preset="study", weights=weights
    ).D
    return table


def shape_loss(
    shape: Mapping[str, object], targets: Mapping[str, float | tuple[float, float]]
) -> float:
    r"""How far a measured shape is from ``targets`` (0 = on target).

    A target is a value or a range ``(low, high)``.  For a value, the loss adds
    :math:`e^2 + 20\max(|e| - 1, 0)^2`, where e is the error in units of its tolerance: 5
    percentage points for a centrality share, 30 % (relative) for an Infomap figure, 3 % for a
    resilience indicator (average path length, clustering, degree slope), 2 % for anything else;
    for a range, :math:`20 e^2` with e the distance outside the range in units of 3 % of the
    bound passed.  Plus 10 if Beijing, Shanghai, Nanjing are not the top three by degree in this
    order or Beijing is not strictly first on every centrality.
    """
    loss = 0.0
    for key, target in targets.items():
        value = float(shape[key])  # type: ignore[arg-type]
        if isinstance(target, tuple):
            low, high = target
            outside = (low - value) / low if value < low else max(value - high, 0) / high
            loss += 20 * (outside / 0.03) ** 2
            continue
        if key.endswith("_pct"):
            error = (value - target) / 5.0
        elif key in ("modules", "largest_module"):
            error = (value / target - 1) / 0.3
        elif key in ("avg_path_length", "avg_clustering", "degree_slope"):
            error = (value / target - 1) / 0.03
        else:
            error = (value / target - 1) / 0.02
        # one unit is the tolerance: beyond it the loss climbs twenty times as fast
        loss += error**2 + 20 * max(abs(error) - 1, 0) ** 2
    if shape["top_by_degree"] != list(NATIONAL_HUBS) or not shape["beijing_first"]:
        loss += 10.0
    return loss


#: Where :func:`calibrate_stage` draws its candidates: field -> (low, high); integers stay
#: integers, the weight factors are drawn on a log scale.  ``detached`` is drawn as 0-5 groups
#: of sizes 2, 3, 2, 3, 2.
SEARCH_SPACE: dict[str, tuple[float, float]] = {
    "regional_hubs": (4, 40),
    "core_links": (0, 60),
    "direct_share": (0.0, 0.7),
    "chain_share": (0.0, 0.8),
    "clique_share": (0.0, 0.5),
    "sibling_share": (0.0, 0.5),
    "broker_share": (0.0, 0.6),
    "broker_exponent": (0.0, 1.0),
    "hub_reach": (0.5, 3.0),
    "hub_member_share": (0.0, 1.0),
    "presence_noise": (0.0, 1.0),
    "member_weight": (0.1, 10.0),
    "triangle_weight": (0.1, 10.0),
    "national_weight": (0.1, 30.0),
    "core_weight": (0.1, 10.0),
    "weight_exponent": (0.0, 1.0),
    "degree_exponent": (0.0, 2.0),
}
#: The weight settings :func:`calibrate_stage` tries last, for Infomap (every combination).
WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "national_weight": (1.0, 3.0, 10.0, 30.0),
    "member_weight": (0.1, 0.3, 1.0, 3.0, 10.0),
    "triangle_weight": (0.1, 1.0),
    "core_weight": (0.3, 1.0, 3.0, 10.0),
    "weight_exponent": (0.0, 0.5),
    "degree_exponent": (0.0, 1.0),
}
_INFOMAP_TARGETS = ("modules", "largest_module")


def _random_structure(
    base: StageStructure, rng: np.random.Generator, spread: float = 1.0
) -> StageStructure:
    """A candidate: each field uniform over ``spread`` x its range around ``base``'s value
    (``spread=1``: anywhere in :data:`SEARCH_SPACE`; weight factors on a log scale)."""
    values: dict[str, object] = {}
    for name, (low, high) in SEARCH_SPACE.items():
        value = getattr(base, name)
        if name.endswith("_weight"):
            low, high, value = math.log(low), math.log(high), math.log(value)
        if spread < 1:
            half = spread * (high - low) / 2
            low, high = max(low, value - half), min(high, value + half)
        if isinstance(value, int):
            values[name] = int(rng.integers(round(low), round(high) + 1))
        elif name.endswith("_weight"):
            values[name] = float(np.exp(rng.uniform(low, high)))
        else:
            values[name] = float(rng.uniform(low, high))
    if spread >= 1:
        n_detached = int(rng.integers(0, 6))
        values["detached"] = tuple([2, 3] * (n_detached // 2) + [2] * (n_detached % 2))
    return replace(base, **values)  # type: ignore[arg-type]


def _perturb(structure: StageStructure, name: str, step: float, sign: int) -> StageStructure:
    value = getattr(structure, name)
    if name == "detached":
        sizes = list(value)
        sizes = sizes + [2 if len(sizes) % 2 == 0 else 3] if sign > 0 else sizes[:-1]
        return replace(structure, detached=tuple(sizes))
    low, high = SEARCH_SPACE[name]
    if isinstance(value, int):
        delta = max(1, round(step * (high - low) / 4))
        return replace(structure, **{name: int(min(max(value + sign * delta, low), high))})
    if name.endswith("_weight"):
        moved = value * math.exp(sign * step)
    else:
        moved = value + sign * step * (high - low) / 4
    return replace(structure, **{name: float(min(max(moved, low), high))})


def calibrate_stage(
    label: str,
    years: tuple[int, int],
    *,
    targets: Mapping[str, float] | None = None,
    start: StageStructure | None = None,
    iterations: int = 400,
    refine_rounds: int = 8,
    seed: int = DEFAULT_SEED,
    search_seed: int = 0,
    extra_loss: Callable[[dict], float] | None = None,
    fixed: Collection[str] = (),
    spread: float = 1.0,
) -> tuple[StageStructure, dict, float]:
    """Search a :class:`StageStructure` for ``label`` (development-time; minutes).

    1. *Random search.*  ``iterations`` candidates drawn from :data:`SEARCH_SPACE` (random
       stream ``search_seed``; ``spread`` < 1 draws each field within that fraction of its
       range around ``start``'s value), the counts (cities, pairs, collaborations) those of
       ``start`` (default :data:`STAGE_STRUCTURE`), plus ``start`` itself.
    2. *Refinement.*  ``refine_rounds`` rounds of coordinate refinement of the best: each field
       up and down by a step (a quarter of its range at first, a factor e for the weights),
       halved after a round without improvement.
    3. *Weights.*  If ``targets`` has Infomap figures, every combination of the weight
       settings in :data:`WEIGHT_GRID` on the best links (the weights have their own random
       stream and change nothing but Infomap), kept if better.

    Loss: :func:`shape_loss` against ``targets`` (default :data:`SHAPE_TARGETS`) plus
    ``extra_loss(shape)`` if given.  Fields named in ``fixed`` keep ``start``'s values.

    Candidates that cannot be built are skipped.  Returns the best structure, its measured
    shape and its loss.
    """
    base = STAGE_STRUCTURE[label] if start is None else start
    targets = SHAPE_TARGETS.get(label, {}) if targets is None else targets
    masses = city_masses(seed)
    infomap = any(k in targets for k in _INFOMAP_TARGETS)

    def evaluate(structure: StageStructure) -> tuple[float, dict]:
        try:
            draw = draw_stage(label, years, seed=seed, masses=masses, structure=structure)
        except InputError:
            return math.inf, {}
        shape = measure_shape(stage_network_of(draw), infomap=infomap)
        loss = shape_loss(shape, targets)
        return loss + (extra_loss(shape) if extra_loss is not None else 0.0), shape

    rng = np.random.default_rng(search_seed)
    best, (best_loss, best_shape) = base, evaluate(base)
    keep = {name: getattr(base, name) for name in fixed}
    for _ in range(iterations):
        candidate = replace(_random_structure(base, rng, spread), **keep)
        loss, shape = evaluate(candidate)
        if loss < best_loss:
            best, best_loss, best_shape = candidate, loss, shape
    step = 1.0
    for _ in range(refine_rounds):
        improved = False
        for name in [n for n in [*SEARCH_SPACE, "detached"] if n not in keep]:
            for sign in (1, -1):
                candidate = _perturb(best, name, step, sign)
                if candidate == best:
                    continue
                loss, shape = evaluate(candidate)
                if loss < best_loss:
                    best, best_loss, best_shape, improved = candidate, loss, shape, True
        if not improved:
            step /= 2
    if infomap and not set(WEIGHT_GRID) & set(keep):
        links = best
        for values in itertools.product(*WEIGHT_GRID.values()):
            candidate = replace(links, **dict(zip(WEIGHT_GRID, values, strict=True)))
            loss, shape = evaluate(candidate)
            if loss < best_loss:
                best, best_loss, best_shape = candidate, loss, shape
    return best, best_shape, best_loss
