"""The SYNTHETIC data generator: which cities collaborate, per stage, for demos and tests.

Nothing in this module is real data.  The city geography is real (``data/china_cities.csv``:
the 337 prefecture-level units, great-circle distances between their seats, and the shared
borders of ``data/china_city_borders.csv``); which cities collaborate, and how often, is
invented.  Every output says so (:data:`SYNTHETIC_NOTICE`).

The draw layer lives in three modules, gathered here:

- :mod:`pyreslib.datasets.synthetic.cities`: the geography and the cities' innovation masses;
- :mod:`pyreslib.datasets.synthetic.networks`: the network model, with explicit hubs, stars, regional groups
  and detached groups, whose per-stage design :data:`STAGE_STRUCTURE` gives the stage networks
  the *shape* the reference study reports (aggregates, centrality shares, top cities, Infomap
  modules, rising network resilience), and its draw of city sets per stage
  (:class:`StageDraw`);
- :mod:`pyreslib.datasets.synthetic.calibration`: the documented procedure that found
  :data:`STAGE_STRUCTURE`, and the measurement of a patent file against the study.

:mod:`pyreslib.datasets.synthetic.files` turns the city sets into the files it writes: patent records with
named applicants and addresses, yearly city covariates, and the committed demo folder
``data/demo`` (whose README lists what the files measure next to the study).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pyreslib.datasets.synthetic.cities import (
    DEFAULT_SEED,
    PREFECTURE_LEVEL_KINDS,
    CityMasses,
    Geography,
    city_masses,
    geography,
)
from pyreslib.datasets.synthetic.networks import STAGE_STRUCTURE, StageDraw, draw_stage
from pyreslib.study import STAGE_YEARS

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_STAGES",
    "PREFECTURE_LEVEL_KINDS",
    "STAGE_STRUCTURE",
    "STAGE_TOTALS",
    "CityMasses",
    "Geography",
    "StageDraw",
    "city_masses",
    "draw_stage",
    "draw_stages",
    "geography",
    "stage_aggregates",
]


DEFAULT_STAGES: tuple[tuple[int, int], ...] = STAGE_YEARS

#: Cross-city collaborations per stage (sum of pair weights). 628 and 2740 are the study's;
#: stage 3 is not stated there, 9 500 is the demo's documented choice (about 9.2 per pair).
STAGE_TOTALS: dict[str, int] = {label: s.collaborations for label, s in STAGE_STRUCTURE.items()}

# Random streams of the text layer (pyreslib.datasets.synthetic.files; the network model and the masses have
# their own), so that changing one part (say the names) does not move the networks:
# default_rng([seed, STREAM]).
_STREAM_ROWS, _STREAM_COVARIATES = 30, 40


def stage_label(first: int, last: int) -> str:
    return f"{first}-{last}"


def draw_stages(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    stages: Iterable[tuple[int, int]] = DEFAULT_STAGES,
) -> list[StageDraw]:
    """Draw every stage with the calibrated structures (one shared set of city masses)."""
    masses = city_masses(seed)
    return [
        draw_stage(stage_label(*years), tuple(years), seed=seed, masses=masses, scale=scale)
        for years in stages
    ]


def stage_aggregates(draws: Iterable[StageDraw]) -> pd.DataFrame:
    """Aggregates of drawn stages, counted from the generator's own city sets."""
    n = len(geography().cities)
    return pd.DataFrame([{"stage": d.label, **d.aggregates(n)} for d in draws])
