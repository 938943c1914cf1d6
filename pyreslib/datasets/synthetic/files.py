"""The files the SYNTHETIC generator writes: patent records, city covariates, the demo folder.

Nothing in this module is real data.  :mod:`pyreslib.datasets` draws, per stage, which cities
collaborate (the seeded network model of :mod:`pyreslib.datasets.synthetic.networks`); this module dresses
those city sets as what a user would bring:

- patent records in the export format :mod:`pyreslib.ingest` reads (:func:`generate_patents`):
  applicants are named like real ones ("南京恒通新能源汽车有限公司", "南京理工大学") and their
  addresses follow the export format ("江苏省南京市高新区科技路12号"), with a documented,
  counted set of messy rows (historical names, full-width separators, duplicated ids,
  unresolvable and English addresses);
- yearly city covariates correlated with the innovation mass (:func:`generate_covariates`);
- patent rows of any size, fast, for benchmarks (:func:`generate_records`);
- the committed demo folder ``data/demo`` (:func:`write_demo`, :func:`load_demo`), with a
  GBK-encoded slice and a README generated with the figures the files measure next to the
  study's.

Every output carries :data:`pyreslib.datasets.SYNTHETIC_NOTICE`.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pyreslib.datasets import DEMO_FILES, SYNTHETIC_NOTICE
from pyreslib.datasets.synthetic import (
    _STREAM_COVARIATES,
    _STREAM_ROWS,
    DEFAULT_SEED,
    DEFAULT_STAGES,
    CityMasses,
    StageDraw,
    city_masses,
    draw_stages,
    geography,
)
from pyreslib.datasets.synthetic.applicants import (
    FOREIGN_APPLICANTS,
    HISTORICAL_NAMES,
    ApplicantPool,
    applicant_pool,
)
from pyreslib.datasets.synthetic.readme import _demo_readme
from pyreslib.errors import InputError
from pyreslib.study import COVARIATES

COLUMNS = ("申请号", "申请日", "申请人", "申请人地址")
"""Export columns: patent id, application date, applicants and their addresses (";"-joined)."""


# --- patents --------------------------------------------------------------------------------

YEARLY_GROWTH = 0.25
"""Within a stage, patents per year grow as exp(YEARLY_GROWTH * (year - first year))."""

#: How many rows of each messy kind :func:`generate_patents` adds or alters (``messy=True``).
MESSY_COUNTS: dict[str, int] = {
    "historical_name": 4,  # per old name in HISTORICAL_NAMES, where that city appears
    "fullwidth_separator": 40,
    "duplicate_id": 25,
    "unresolvable_coapplicant": 30,
    "unresolvable_only": 8,
    "english_address": 15,
}


def _check_digit(digits: str) -> str:
    """CNIPA application-number check digit: weights 2..9 cycling, sum mod 11, 10 -> X."""
    total = sum(int(c) * (2 + k % 8) for k, c in enumerate(digits))
    r = total % 11
    return "X" if r == 10 else str(r)


def _patent_id(year: int, kind: int, serial: int) -> str:
    digits = f"{year}{kind}{serial:07d}"
    return f"CN{digits}.{_check_digit(digits)}"


@dataclass
class _Patent:
    year: int
    cities: list[int]  # city index per applicant (same order as names)
    names: list[str]
    addresses: list[str]
    cross_city: bool
    sep: str = ";"
    pid: str = ""
    date: str = ""


@functools.cache
def _zipf_cumulative(size: int) -> tuple[float, ...]:
    # A few organisations file most patents: Zipf-like weights 1/rank^0.8 over a city's pool.
    return tuple(itertools.accumulate(1.0 / r**0.8 for r in range(1, size + 1)))


def _pick_orgs(rand: random.Random, pool: ApplicantPool, city: int, k: int) -> list[int]:
    """k distinct organisations of ``city``, Zipf-weighted (plain Python: this runs ~40k times)."""
    size = int(pool.size[city])
    cumulative = _zipf_cumulative(size)
    picks: list[int] = []
    while len(picks) < min(k, size):
        j = bisect.bisect_right(cumulative, rand.random() * cumulative[-1])
        if j not in picks:
            picks.append(j)
    start = int(pool.start[city])
    return [start + j for j in picks]


def _build_patents(draws: list[StageDraw], pool: ApplicantPool, seed: int) -> list[_Patent]:
    rng = np.random.default_rng([seed, _STREAM_ROWS, 1])
    rand = random.Random(int(rng.integers(2**62)))
    patents: list[_Patent] = []
    for draw in draws:
        first, last = draw.years
        years = np.arange(first, last + 1)
        year_p = np.exp(YEARLY_GROWTH * (years - first))
        year_p /= year_p.sum()
        city_sets: list[tuple[list[int], bool]] = [(p.tolist(), True) for p in draw.pairs]
        city_sets += [(t.tolist(), True) for t in draw.triples]
        internal = np.repeat(np.arange(len(draw.internal)), draw.internal).tolist()
        city_sets += [([i], False) for i in internal]
        chosen_years = rng.choice(years, size=len(city_sets), p=year_p).tolist()
        for (cities, cross), year in zip(city_sets, chosen_years, strict=True):
            if cross:
                # One applicant per city, sometimes two.
                per_city = [2 if rand.random() < 0.15 else 1 for _ in cities]
            else:
                u = rand.random()
                per_city = [2 if u < 0.75 else 3 if u < 0.97 else 4]
            pairs: list[tuple[int, int]] = []
            for city, k in zip(cities, per_city, strict=True):
                pairs += [(city, org) for org in _pick_orgs(rand, pool, city, k)]
            rand.shuffle(pairs)
            patents.append(
                _Patent(
                    year=int(year),
                    cities=[c for c, _ in pairs],
                    names=[pool.names[o] for _, o in pairs],
                    addresses=[pool.addresses[o] for _, o in pairs],
                    cross_city=cross,
                )
            )
    return patents


def _add_messy(
    patents: list[_Patent], rng: np.random.Generator, counts: Mapping[str, int]
) -> tuple[list[_Patent], dict[str, int]]:
    """Alter or add the documented messy rows; return the patents and what was done."""
    geo = geography()
    done = dict.fromkeys(counts, 0)
    cities = geo.cities
    cross_rows = [k for k, p in enumerate(patents) if p.cross_city]
    touched: set[int] = set()

    def fresh(candidates: list[int], n: int) -> list[int]:
        candidates = [k for k in candidates if k not in touched]
        if not candidates or n <= 0:
            return []
        picked = sorted(rng.choice(candidates, size=min(n, len(candidates)), replace=False))
        touched.update(int(k) for k in picked)
        return [int(k) for k in picked]

    # Historical names: old prefecture names in addresses (they resolve to today's unit).
    for adcode, old in HISTORICAL_NAMES.items():
        i = geo.index_of(adcode)
        current = cities.at[i, "name_zh"]
        rows = [k for k, p in enumerate(patents) if i in p.cities and p.year <= 2018]
        for k in fresh(rows, counts.get("historical_name", 0)):
            p = patents[k]
            j = p.cities.index(i)
            p.addresses[j] = p.addresses[j].replace(current, old, 1)
            done["historical_name"] += 1

    # English addresses on cross-city patents.
    for k in fresh(cross_rows, counts.get("english_address", 0)):
        p = patents[k]
        j = int(rng.integers(len(p.cities)))
        c = cities.iloc[p.cities[j]]
        place = (
            c["name_en"]
            if c["province_zh"] == c["name_zh"]
            else f"{c['name_en']}, {c['province_en']}"
        )
        p.addresses[j] = f"No. {int(rng.integers(1, 300))} Keji Road, {place}, China"
        done["english_address"] += 1

    # A foreign (unresolvable) co-applicant appended to cross-city patents.
    for k in fresh(cross_rows, counts.get("unresolvable_coapplicant", 0)):
        name, address = FOREIGN_APPLICANTS[int(rng.integers(len(FOREIGN_APPLICANTS)))]
        patents[k].names.append(name)
        patents[k].addresses.append(address)
        patents[k].cities.append(-1)
        done["unresolvable_coapplicant"] += 1

    # Full-width separators.
    for k in fresh(list(range(len(patents))), counts.get("fullwidth_separator", 0)):
        patents[k].sep = "；"
        done["fullwidth_separator"] += 1

    # Patents with only unresolvable applicants.
    extra = []
    for _ in range(counts.get("unresolvable_only", 0)):
        a, b = rng.choice(len(FOREIGN_APPLICANTS), size=2, replace=False)
        extra.append(
            _Patent(
                year=int(rng.integers(2011, 2022)),
                cities=[-1, -1],
                names=[FOREIGN_APPLICANTS[a][0], FOREIGN_APPLICANTS[b][0]],
                addresses=[FOREIGN_APPLICANTS[a][1], FOREIGN_APPLICANTS[b][1]],
                cross_city=False,
            )
        )
        done["unresolvable_only"] += 1
    return patents + extra, done


def generate_patents(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    years: Iterable[int] = range(2011, 2022),
    stages: Iterable[tuple[int, int]] = DEFAULT_STAGES,
    messy: bool = True,
    messy_counts: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """SYNTHETIC cooperative patent records in the export format ingest reads.

    Columns :data:`COLUMNS` (申请号, 申请日, 申请人, 申请人地址; applicants and addresses joined by
    ";" in the same order).  ``scale`` multiplies every count (the calibration to the study
    holds at 1.0 only).  Rows outside ``years`` are dropped.  With ``messy=True`` the
    :data:`MESSY_COUNTS` rows are altered or added (counts in ``frame.attrs["messy"]``).
    Same seed, same frame.
    """
    stages = [tuple(s) for s in stages]
    years = {int(y) for y in years}
    draws = draw_stages(seed=seed, scale=scale, stages=stages)
    pool = applicant_pool(seed)
    patents = _build_patents(draws, pool, seed)
    done: dict[str, int] = {}
    if messy:
        rng = np.random.default_rng([seed, _STREAM_ROWS, 2])
        patents, done = _add_messy(
            patents, rng, MESSY_COUNTS if messy_counts is None else messy_counts
        )

    rng = np.random.default_rng([seed, _STREAM_ROWS, 3])
    patents = [p for p in patents if p.year in years]
    serial: dict[int, int] = {}
    order = np.argsort([p.year for p in patents], kind="stable")
    for k in order:
        p = patents[k]
        serial[p.year] = serial.get(p.year, 0) + int(rng.integers(1, 40))
        p.pid = _patent_id(p.year, 1 if rng.random() < 0.6 else 2, serial[p.year])
        day = int(rng.integers(0, 365))
        p.date = str(np.datetime64(f"{p.year}-01-01") + np.timedelta64(day, "D"))
    rows = [(p.pid, p.date, p.sep.join(p.names), p.sep.join(p.addresses)) for p in patents]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame = frame.sort_values(["申请日", "申请号"], kind="stable").reset_index(drop=True)
    n_dup = (
        (MESSY_COUNTS if messy_counts is None else messy_counts).get("duplicate_id", 0)
        if messy
        else 0
    )
    if n_dup:
        dup = np.sort(rng.choice(len(frame), size=min(n_dup, len(frame)), replace=False))
        frame = pd.concat([frame, frame.iloc[dup]]).sort_values(["申请日", "申请号"], kind="stable")
        frame = frame.reset_index(drop=True)
        done["duplicate_id"] = len(dup)
    frame.attrs["notice"] = SYNTHETIC_NOTICE
    frame.attrs["messy"] = done
    return frame


# --- covariates -----------------------------------------------------------------------------

COVARIATE_COLUMNS = {
    "adcode": "6-digit city code (data/china_cities.csv)",
    "year": "calendar year",
    **{c.column: f"{c.meaning}, {c.unit} (SYNTHETIC)" for c in COVARIATES},
}
"""The columns of the covariates file (:data:`pyreslib.study.COVARIATE_COLUMNS`), described."""


def generate_covariates(
    *,
    seed: int = DEFAULT_SEED,
    years: Iterable[int] = range(2011, 2022),
    masses: CityMasses | None = None,
) -> pd.DataFrame:
    """SYNTHETIC yearly city covariates, correlated with the innovation mass.

    With x_i = ln m_i - mean (the centred log base mass), persistent city effects
    u_vi ~ N(0, s_v^2) (s = 0.20, 0.15, 0.25) and yearly noise e ~ N(0, 0.03^2) (GDP) or
    N(0, 0.05^2) (spending), independent per variable, city and year:

        ln gdp_per_capita     = 10.6 + 0.15 x_i + 0.07 (t - 2011) + u_1i + e
        ln education_spending = 8.3  + 0.35 x_i + 0.08 (t - 2011) + u_2i + e
        ln st_spending        = 5.6  + 0.50 x_i + 0.10 (t - 2011) + u_3i + e

    (yuan; million yuan; million yuan).  The levels are of the order of Chinese prefecture
    statistics (GDP per capita about 15-200 thousand yuan) but none of the numbers is real.
    """
    geo = geography()
    masses = city_masses(seed) if masses is None else masses
    rng = np.random.default_rng([seed, _STREAM_COVARIATES])
    n = len(geo.cities)
    city_effect = rng.normal(0, 1, (3, n)) * np.array([[0.20], [0.15], [0.25]])
    yearly_sd = np.array([[0.03], [0.05], [0.05]])
    # Levels follow the base mass; the common time trends carry the growth (the masses' own
    # growth would compound into implausible levels for the largest cities).
    x = np.log(masses.base)
    x = x - x.mean()
    frames = []
    for year in years:
        t = year - 2011
        e = city_effect + rng.normal(0, 1, (3, n)) * yearly_sd
        frames.append(
            pd.DataFrame(
                {
                    "adcode": geo.adcodes,
                    "year": year,
                    "gdp_per_capita": np.round(np.exp(10.6 + 0.15 * x + 0.07 * t + e[0]), -1),
                    "education_spending": np.round(np.exp(8.3 + 0.35 * x + 0.08 * t + e[1]), 1),
                    "st_spending": np.round(np.exp(5.6 + 0.50 * x + 0.10 * t + e[2]), 1),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["gdp_per_capita"] = out["gdp_per_capita"].astype("int64")
    out.attrs["notice"] = SYNTHETIC_NOTICE
    return out


# --- records of any size (benchmarks) -------------------------------------------------------


def generate_records(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    applicants_per_patent: int = 3,
    years: tuple[int, int] = (2011, 2021),
) -> pd.DataFrame:
    """``n`` SYNTHETIC patent rows in the export format, fast (vectorised), for benchmarks.

    Each row has ``applicants_per_patent`` applicants in cities drawn ∝ innovation mass (no
    gravity, no calibration: use :func:`generate_patents` for the demo).  Ids are unique.
    """
    if n < 0 or applicants_per_patent < 1:
        raise InputError("generate_records: n must be >= 0 and applicants_per_patent >= 1")
    masses = city_masses(seed)
    pool = applicant_pool(seed, masses=masses)
    rng = np.random.default_rng([seed, _STREAM_ROWS, 9])
    p = masses.base / masses.base.sum()
    city = rng.choice(len(p), size=(n, applicants_per_patent), p=p)
    org = pool.start[city] + (rng.random(city.shape) * pool.size[city]).astype(np.int64)
    # Plain joins over Python lists beat numpy's object/char arithmetic by an order of magnitude.
    all_names, all_addresses = pool.names.tolist(), pool.addresses.tolist()
    columns = [org[:, j].tolist() for j in range(applicants_per_patent)]
    applicants = list(map(";".join, zip(*[[all_names[k] for k in c] for c in columns])))
    where = list(map(";".join, zip(*[[all_addresses[k] for k in c] for c in columns])))
    year = rng.integers(years[0], years[1] + 1, n)
    day = rng.integers(0, 365, n)
    dates = ((year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + day).astype(str)
    ids = list(map("CN{}".format, (year * 10**9 + np.arange(n)).tolist()))
    return pd.DataFrame(
        {"申请号": ids, "申请日": dates, "申请人": applicants, "申请人地址": where}, dtype="str"
    )


# --- the committed demo ---------------------------------------------------------------------



def write_demo(
    out_dir: str | Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0, gbk_rows: int = 300
) -> dict[str, Path]:
    """Write the SYNTHETIC demo data set into ``out_dir``; return the paths by role.

    ``patents.csv`` (UTF-8) holds every record, ``patents_gbk.csv`` its first ``gbk_rows`` rows
    encoded GBK (the same patents, for testing encoding detection: do not ingest both),
    ``city_covariates.csv`` the yearly covariates, ``manifest.json`` the notice, seed, the
    messy-row counts, the stage aggregates and every figure the study reports as measured on
    ``patents.csv`` by
    pyreslib's own ingest, metrics, Infomap and resilience index
    (:func:`pyreslib.datasets.synthetic.calibration.measured_shape`), and ``README.md`` describes it all.
    Only these five files are written (others in ``out_dir`` are left alone).
    """
    from pyreslib.datasets.synthetic.calibration import measured_shape

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    patents = generate_patents(seed=seed, scale=scale)
    covariates = generate_covariates(seed=seed)
    paths = {role: out / name for role, name in DEMO_FILES.items()}
    patents.to_csv(paths["patents"], index=False, encoding="utf-8", lineterminator="\n")
    patents.head(gbk_rows).to_csv(
        paths["patents_gbk"], index=False, encoding="gbk", lineterminator="\n"
    )
    covariates.to_csv(paths["covariates"], index=False, lineterminator="\n")
    shape = measured_shape(paths["patents"])
    manifest = {
        "notice": SYNTHETIC_NOTICE,
        "generator": "pyreslib.datasets.synthetic.files.write_demo",
        "seed": seed,
        "scale": scale,
        "rows": {
            "patents": len(patents),
            "patents_gbk": min(gbk_rows, len(patents)),
            "covariates": len(covariates),
        },
        "messy_rows": patents.attrs.get("messy", {}),
        "stage_aggregates": [
            {"stage": label, **{k: _plain(row[k]) for k in
                                ("cities", "pairs", "collaborations", "average_degree")}}
            for label, row in shape.iterrows()
        ],
        "measured_on_patents_csv": {
            label: {k: _plain(v) for k, v in row.items()} for label, row in shape.iterrows()
        },
        "covariate_columns": COVARIATE_COLUMNS,
    }
    paths["manifest"].write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    paths["readme"].write_text(_demo_readme(manifest, patents, shape), encoding="utf-8")
    return paths


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return round(float(value), 6)
