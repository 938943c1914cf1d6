"""The README of the SYNTHETIC demo folder: what it is, how it was made, what it measures
(written by :func:`pyreslib.datasets.synthetic.files.write_demo`)."""

from __future__ import annotations

import pandas as pd

from pyreslib.datasets.synthetic import geography
from pyreslib.datasets.synthetic.applicants import HISTORICAL_NAMES
from pyreslib.study import aggregates


def _demo_readme(manifest: dict, patents: pd.DataFrame, shape: pd.DataFrame) -> str:
    """The demo folder's README: what it is, how it was made, what it measures."""
    from pyreslib.datasets.synthetic.calibration import SHAPE_TARGETS
    from pyreslib.datasets.synthetic.networks import STORY_PAIRS, structure_table

    geo = geography()
    name = dict(zip(geo.cities["adcode"], geo.cities["name_en"], strict=True))
    study = aggregates().set_index("stage")
    rows = manifest["rows"]
    messy = manifest["messy_rows"]

    def cell(value: float, target: float | None, digits: int) -> str:
        shown = f"{value:,.{digits}f}"
        return shown if target is None or pd.isna(target) else f"{shown} ({target:,.{digits}f})"

    lines = [
        "| figure | " + " | ".join(shape.index) + " |",
        "|---|" + "---|" * len(shape),
    ]
    figures = [
        ("cities", 0, "cities"), ("pairs", 0, "city pairs"),
        ("collaborations", 0, "cross-city collaborations"),
        ("average_degree", 2, "average degree"),
        ("closeness_above_mean_pct", 1, "closeness above the mean, %"),
        ("zero_betweenness_pct", 1, "zero betweenness, %"),
        ("betweenness_above_mean_pct", 1, "betweenness above the mean, %"),
        ("modules", 0, "Infomap modules"), ("largest_module", 0, "largest module (cities)"),
        ("network_resilience", 2, "network resilience D (study preset)"),
    ]
    published_d = {"2011-2014": 0.01, "2015-2017": 0.77, "2018-2021": 0.99}
    for key, digits, label in figures:
        cells = []
        for stage, row in shape.iterrows():
            if key in ("cities", "pairs", "collaborations", "average_degree"):
                target = study.at[stage, key] if stage in study.index else None
            elif key == "network_resilience":
                target = published_d.get(stage)
            else:
                target = SHAPE_TARGETS.get(stage, {}).get(key)
                target = target if isinstance(target, (int, float)) else None
            cells.append(cell(float(row[key]), target, digits))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    tops = [", ".join(name[c] for c in row["top_by_degree"]) for _, row in shape.iterrows()]
    lines.append("| top three by degree | " + " | ".join(tops) + " |")
    firsts = ["yes" if row["beijing_first"] else "no" for _, row in shape.iterrows()]
    lines.append("| Beijing first on degree, closeness, betweenness | " + " | ".join(firsts)
                 + " |")
    measured = "\n".join(lines)

    table = structure_table().set_index("stage").T
    structure = "\n".join(
        ["| field | " + " | ".join(table.columns) + " |", "|---|" + "---|" * len(table.columns)]
        + [f"| `{field}` | " + " | ".join(_short(v) for v in values) + " |"
           for field, values in table.iterrows()]
    )
    story = "; ".join(
        f"{stage} " + ", ".join(f"{name[a]}-{name[b]} {n}" for (a, b), n in pairs.items())
        for stage, pairs in STORY_PAIRS.items()
    )
    old_names = patents["申请人地址"].str.extractall(f"({'|'.join(HISTORICAL_NAMES.values())})")[0]
    historical = ", ".join(f"{k} {v}" for k, v in old_names.value_counts().sort_index().items())
    return f"""# ⚠ SYNTHETIC DEMO DATA — not real patents, applicants, addresses or statistics ⚠

Every file in this folder was **generated** by `pyreslib.datasets.synthetic.files.write_demo("data/demo")`
(seed {manifest["seed"]}, scale {manifest["scale"]}); this README too. No record describes a
real patent; organisation names, addresses and city covariates are invented. Only the city
geography they are built on is real (`../china_cities.csv`, `../china_city_borders.csv`; see
`../PROVENANCE.md`). Anything computed from these files — tables, figures, reports — must say
**synthetic demo data**.

Regenerate (byte-identical with the same pyreslib version):

```bash
python -c "from pyreslib.datasets.synthetic.files import write_demo; write_demo('data/demo')"
```

## Files

| file | rows | what |
|---|---|---|
| `patents.csv` | {rows["patents"]:,} | cooperative patent records, UTF-8, the export format `pyreslib.ingest` reads |
| `patents_gbk.csv` | {rows["patents_gbk"]:,} | the first {rows["patents_gbk"]:,} rows of `patents.csv`, **GBK-encoded** (tests encoding detection; the same patents, so do not ingest both files together) |
| `city_covariates.csv` | {rows["covariates"]:,} | synthetic yearly covariates, 337 units x 2011-2021 |
| `manifest.json` | | seed, row counts, messy-row counts, the figures below |
| `demo.toml` | | the demo's run configuration (`pyreslib demo`); not written by `write_demo` |

### `patents.csv` columns

| column | meaning |
|---|---|
| `申请号` | application number, `CN` + year + kind (1 invention, 2 utility model) + 7-digit serial + `.` + check digit |
| `申请日` | application date, `YYYY-MM-DD` |
| `申请人` | applicants, joined by `;` |
| `申请人地址` | one address per applicant, same order, joined by `;` (e.g. `江苏省南京市高新区科技路12号`) |

### `city_covariates.csv` columns (all SYNTHETIC)

| column | unit | model (x = centred log innovation mass, t = year - 2011, u = persistent city effect) |
|---|---|---|
| `adcode` | | 6-digit code of `../china_cities.csv` (the 337 prefecture-level units) |
| `year` | | 2011-2021 |
| `gdp_per_capita` | yuan | ln = 10.6 + 0.15 x + 0.07 t + u + e |
| `education_spending` | million yuan | ln = 8.3 + 0.35 x + 0.08 t + u + e |
| `st_spending` | million yuan | science & technology expenditure; ln = 5.6 + 0.50 x + 0.10 t + u + e |

They are correlated with the innovation mass on purpose, so ERGM node covariates have something
to find.

## How the patents were generated

The formulas are in the docstrings of `pyreslib/datasets/synthetic/networks.py` (which cities
collaborate, how often; the calibration procedure in `pyreslib/datasets/synthetic/calibration.py`)
and `pyreslib/datasets/synthetic/files.py` (patents from city sets). In short, per stage:

1. Each of the 337 units has an innovation mass (lognormal, boosted for the real NEV centres,
   growing yearly, smaller cities faster). The stage's cities are the national hubs (Beijing,
   Shanghai, Nanjing), the cities of the study's strongest pairs and then the largest by mass
   (with noise); the least of them form small detached groups.
2. Regional hubs (the largest remaining city of a province) link to Beijing and to each other;
   every other city joins a hub's group (a national hub's, or the regional hub with the
   largest mass / distance^reach) and links to its hub or, in a chain, to a member placed
   before it. Some close a triangle with a neighbour of their contact, some link to a sibling,
   brokers link among themselves and to the hubs; the rest stay leaves.
3. Collaborations per pair follow a score (a factor for national, member, triangle and core
   links, times powers of the two cities' masses and degrees), at least one per pair; the
   study's strongest pairs have fixed counts ({story}); no other pair exceeds the stage's cap.
4. 6 % of the collaborations are three-city patents on triangles of the network. Single-city
   collaborations total 1.05 x the cross-city ones; Beijing, Nanjing, Hangzhou and Shanghai
   lead them.
5. Applicants come from a made-up pool of organisations per city; no made-up word contains the
   name of any city.

The calibrated structure of each stage (`pyreslib.datasets.synthetic.networks.STAGE_STRUCTURE`):

{structure}

## What the demo measures, next to the study

Measured on `patents.csv` as `pyreslib demo` measures it: ingested like any export (messy rows
and all), then pyreslib's centralities, Infomap (seed 2023, 10 trials, as `demo.toml`) and the
study preset of network resilience (entropy weights, as `demo.toml`). The study's figures in
brackets; stage 3's collaborations total is not stated by the study (9,500 is this data set's
choice), nor are its Infomap modules.

{measured}

The calibration holds for seed {manifest["seed"]} at scale 1.0; other seeds give networks of the
same design, not the study's numbers.

## Messy rows (deliberate, counted; also in `manifest.json`)

| kind | rows | what an ingester should do |
|---|---|---|
| historical names | {messy.get("historical_name", 0)} | old units in addresses ({historical}); resolve through `../china_city_aliases.csv` |
| full-width separators | {messy.get("fullwidth_separator", 0)} | applicants and addresses joined by `；` instead of `;` |
| duplicated patent ids | {messy.get("duplicate_id", 0)} | exact copies of earlier rows; keep one |
| unresolvable co-applicant | {messy.get("unresolvable_coapplicant", 0)} | a foreign, Hong Kong or Taiwan applicant ("Tokyo, Japan", "海外", "香港特别行政区…") appended to a cross-city patent; drop the applicant, count it, keep the patent |
| unresolvable only | {messy.get("unresolvable_only", 0)} | patents whose two applicants are all unresolvable; no city, nothing to count |
| English addresses | {messy.get("english_address", 0)} | one applicant's address in English ("No. 27 Keji Road, Yinchuan, Ningxia, China") |

With these handled (as `pyreslib.ingest.ingest_file` does), the figures above are exact.
"""


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)
