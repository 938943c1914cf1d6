"""City geography and innovation masses for the SYNTHETIC demo (:mod:`pyreslib.datasets.synthetic.networks`).

The geography is real: the 337 prefecture-level units of ``data/china_cities.csv``, the
great-circle distances between their seats and the shared borders of
``data/china_city_borders.csv``.  The innovation masses are invented (:func:`city_masses`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyreslib.cities import PREFECTURE_LEVEL_KINDS, city_table
from pyreslib.errors import InputError

__all__ = [
    "DEFAULT_SEED",
    "MASS_BOOST",
    "PREFECTURE_LEVEL_KINDS",
    "CityMasses",
    "Geography",
    "city_masses",
    "geography",
]


DEFAULT_SEED = 20231

# --- city masses ----------------------------------------------------------------------------
MASS_SIGMA = 1.0
GROWTH_MEAN = 0.10
GROWTH_SD = 0.05
CATCH_UP = 0.04
"""Extra yearly growth per unit of -z (smaller cities grow faster)."""
MIN_DISTANCE_KM = 30.0
REGION_FACTOR = {"East": 1.6, "Central": 1.0, "Northeast": 0.9, "West": 0.7}

#: Real NEV innovation centres get a multiplicative boost on their mass (adcode: factor).
MASS_BOOST: dict[int, float] = {
    110000: 60.0,  # Beijing
    310000: 25.0,  # Shanghai
    320100: 22.0,  # Nanjing
    330100: 16.0,  # Hangzhou
    440300: 18.0,  # Shenzhen
    440100: 10.0,  # Guangzhou
    120000: 8.0,  # Tianjin
    320500: 8.0,  # Suzhou (Jiangsu)
    420100: 8.0,  # Wuhan
    340100: 7.0,  # Hefei
    500000: 6.0,  # Chongqing
    510100: 6.0,  # Chengdu
    330200: 5.0,  # Ningbo
    610100: 5.0,  # Xi'an
    430100: 5.0,  # Changsha
    220100: 5.0,  # Changchun
    370100: 4.0,  # Jinan
    370200: 4.0,  # Qingdao
    130100: 3.0,  # Shijiazhuang
    210100: 3.0,  # Shenyang
    350200: 3.0,  # Xiamen
    410100: 3.0,  # Zhengzhou
    320200: 3.0,  # Wuxi
    320400: 3.0,  # Changzhou
}

# --- geography ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geography:
    """The 337 prefecture-level units with pairwise distances (km) and the border matrix."""

    cities: pd.DataFrame  # one row per unit, index 0..n-1, in adcode order
    distance_km: np.ndarray  # (n, n)
    border: np.ndarray  # (n, n) bool

    @property
    def adcodes(self) -> np.ndarray:
        return self.cities["adcode"].to_numpy()

    def index_of(self, adcode: int) -> int:
        hits = np.flatnonzero(self.adcodes == adcode)
        if hits.size == 0:
            raise InputError(f"adcode {adcode} is not a prefecture-level unit of china_cities.csv")
        return int(hits[0])


@functools.cache
def geography() -> Geography:
    """The prefecture-level units with great-circle distances and shared borders (cached).

    Distances and borders are :func:`pyreslib.network.distance_matrix` and
    :func:`pyreslib.network.border_matrix` of the units, in adcode order.
    """
    from pyreslib.network import border_matrix, distance_matrix

    cities = city_table(PREFECTURE_LEVEL_KINDS).sort_values("adcode").reset_index(drop=True)
    adcodes = cities["adcode"].tolist()
    return Geography(cities=cities, distance_km=distance_matrix(adcodes).to_numpy(),
                     border=border_matrix(adcodes).to_numpy().astype(bool))


# --- city masses ----------------------------------------------------------------------------

# Independent random streams per purpose, so changing one part (say the names) does not move
# the networks: default_rng([seed, STREAM]).
_STREAM_MASS = 1


@dataclass(frozen=True)
class CityMasses:
    """Base innovation mass ``m_i``, yearly growth rate ``g_i`` and presence noise of every unit."""

    base: np.ndarray
    growth: np.ndarray
    z: np.ndarray
    presence: np.ndarray

    def at(self, year: float) -> np.ndarray:
        """m_i(t) = m_i * exp(g_i * (t - 2011))."""
        return self.base * np.exp(self.growth * (year - 2011))


def city_masses(
    seed: int = DEFAULT_SEED,
    *,
    sigma: float = MASS_SIGMA,
    boost: Mapping[int, float] | None = None,
    region_factor: Mapping[str, float] | None = None,
    growth_mean: float = GROWTH_MEAN,
    growth_sd: float = GROWTH_SD,
    catch_up: float = CATCH_UP,
) -> CityMasses:
    """Innovation masses of the 337 units.

    :math:`m_i = e^{\\sigma z_i}\\,\\text{boost}_i\\,\\text{region}_{r(i)}` with
    :math:`z_i \\sim N(0,1)` (lognormal, ``sigma``; ``boost`` lifts the real leaders of China's
    NEV industry, :data:`MASS_BOOST`; the region factor favours the East), growing yearly at
    :math:`g_i \\sim N(\\text{growth_mean}, \\text{growth_sd}^2) + \\text{catch_up}\\max(-z_i, 0)`
    (smaller cities grow faster).  ``presence`` is one more N(0, 1) draw per city (step 1 of the
    module docstring).
    """
    geo = geography()
    boost = MASS_BOOST if boost is None else boost
    region_factor = REGION_FACTOR if region_factor is None else region_factor
    rng = np.random.default_rng([seed, _STREAM_MASS])
    n = len(geo.cities)
    z = rng.standard_normal(n)
    factor = np.array([boost.get(int(a), 1.0) for a in geo.adcodes])
    region = geo.cities["region"].map(lambda r: region_factor.get(r, 1.0)).to_numpy(dtype=float)
    base = np.exp(sigma * z) * factor * region
    growth = rng.normal(growth_mean, growth_sd, n) + catch_up * np.clip(-z, 0, None)
    presence = rng.standard_normal(n)
    return CityMasses(base=base, growth=growth, z=z, presence=presence)
