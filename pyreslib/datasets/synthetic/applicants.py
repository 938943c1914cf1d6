"""Made-up applicants of the SYNTHETIC demo: organisation names and addresses per city.

Nothing here is real: brands, industries, roads and districts are invented words, each checked
not to contain any city name (:func:`_clean`), so that no resolver is misled by them.  Real
city names enter only as the city part of a name or address ("南京…有限公司",
"江苏省南京市…").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyreslib._resources import data_dir
from pyreslib.datasets.synthetic import (
    _STREAM_ROWS,
    DEFAULT_SEED,
    CityMasses,
    city_masses,
    geography,
)

_BRANDS = (
    "华宇",
    "恒通",
    "天成",
    "博远",
    "新源",
    "力拓",
    "鼎盛",
    "瑞丰",
    "众合",
    "嘉禾",
    "宏达",
    "金科",
    "远景",
    "长风",
    "启航",
    "卓越",
    "领航",
    "驰骋",
    "绿动",
    "星辰",
    "元能",
    "睿驰",
    "蓝海",
    "中科",
    "汇能",
    "智行",
    "国轩",
    "正泰",
    "海纳",
    "凯瑞",
)
_INDUSTRIES = (
    "新能源汽车",
    "汽车",
    "电池",
    "电机",
    "电气",
    "动力",
    "智能科技",
    "新材料",
    "储能",
    "电子",
    "充电设备",
)
_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司")
_INSTITUTES = ("大学", "理工大学", "工业大学", "科技大学", "新能源汽车研究院", "职业技术学院")
_DISTRICTS = ("高新区", "开发区", "新区", "城东区", "城西区", "城南区", "城北区", "园区")
_ROADS = (
    "科技路",
    "创新大道",
    "学府路",
    "建设路",
    "人民路",
    "解放路",
    "和平路",
    "工业大道",
    "文化路",
    "发展大道",
    "振兴路",
    "胜利路",
    "科学大道",
    "环城路",
    "高新大道",
)

#: Unresolvable applicants the messy rows add (foreign, Hong Kong and Taiwan are outside the
#: 337 units; "海外" names no place).
FOREIGN_APPLICANTS = (
    ("丰田自动车株式会社", "Tokyo, Japan"),
    ("Robert Bosch GmbH", "Stuttgart, Germany"),
    ("LG Chem, Ltd.", "Seoul, Korea"),
    ("某海外研究所", "海外"),
    ("香港新能源科技有限公司", "香港特别行政区九龙湾宏光道8号"),
    ("台湾电能股份有限公司", "台湾省台北市信义路5号"),
)

#: Historical names the messy rows put into addresses: current adcode -> old name in address.
HISTORICAL_NAMES = {
    420600: "襄樊市",
    340100: "巢湖市",
    370100: "莱芜市",
    520500: "毕节地区",
    530800: "思茅市",
    630200: "海东地区",
}


@functools.cache
def _forbidden_fragments() -> tuple[str, ...]:
    folder = data_dir()
    every = pd.read_csv(folder / "china_cities.csv")
    aliases = pd.read_csv(folder / "china_city_aliases.csv")
    names = set(every["short_zh"]) | set(every["name_zh"]) | set(aliases["alias_zh"])
    return tuple(sorted(n for n in names if isinstance(n, str) and len(n) >= 2))


def _clean(word: str) -> bool:
    """A made-up word must not name any city, or a resolver could be misled by it."""
    return not any(f in word for f in _forbidden_fragments())


@dataclass(frozen=True)
class ApplicantPool:
    """Made-up organisations per city: ``names[k]``, ``addresses[k]`` for k in
    ``start[i]:start[i] + size[i]`` belong to city i."""

    names: np.ndarray
    addresses: np.ndarray
    start: np.ndarray
    size: np.ndarray


def applicant_pool(
    seed: int = DEFAULT_SEED,
    *,
    min_size: int = 4,
    max_size: int = 60,
    masses: CityMasses | None = None,
) -> ApplicantPool:
    """Organisations for every city, more for bigger cities (size ∝ sqrt mass)."""
    geo = geography()
    masses = city_masses(seed) if masses is None else masses
    rng = np.random.default_rng([seed, _STREAM_ROWS, 0])
    brands = [b for b in _BRANDS if _clean(b)]
    districts = [d for d in _DISTRICTS if _clean(d)]
    roads = [r for r in _ROADS if _clean(r)]
    rel = np.sqrt(masses.base / masses.base.max())
    sizes = np.clip(np.round(min_size + (max_size - min_size) * rel), min_size, max_size).astype(
        int
    )
    names: list[str] = []
    addresses: list[str] = []
    for row, size in zip(geo.cities.itertuples(index=False), sizes, strict=True):
        prefix = row.name_zh if row.province_zh == row.name_zh else row.province_zh + row.name_zh
        seen: set[str] = set()
        institutes = list(rng.permutation(len(_INSTITUTES))[: max(1, size // 8)])
        while len(seen) < size:
            if institutes:
                name = row.short_zh + _INSTITUTES[institutes.pop()]
            else:
                name = (
                    row.short_zh
                    + brands[rng.integers(len(brands))]
                    + _INDUSTRIES[rng.integers(len(_INDUSTRIES))]
                    + _SUFFIXES[rng.integers(len(_SUFFIXES))]
                )
            if name in seen:
                continue
            seen.add(name)
            names.append(name)
            district = districts[rng.integers(len(districts))] if rng.random() < 0.5 else ""
            addresses.append(
                f"{prefix}{district}{roads[rng.integers(len(roads))]}{rng.integers(1, 999)}号"
            )
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return ApplicantPool(
        np.array(names, dtype=object), np.array(addresses, dtype=object), start, sizes
    )


