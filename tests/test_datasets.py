"""The SYNTHETIC demo data: deterministic, labelled, and calibrated to the study's aggregates.

The aggregates are counted twice, independently of the generator's internals: through
``pyreslib.ingest.ingest_file`` and through the small transparent counter below.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from itertools import combinations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib import datasets, demo_data, study
from pyreslib._resources import data_dir
from pyreslib.errors import InputError
from tests.test_study import STUDY

DEMO = data_dir() / "demo"
STAGES = {
    "2011-2014": range(2011, 2015),
    "2015-2017": range(2015, 2018),
    "2018-2021": range(2018, 2022),
}
BEIJING, NANJING, HANGZHOU, SHANGHAI = 110000, 320100, 330100, 310000


# --- a transparent counter, independent of pyreslib.datasets and pyreslib.ingest -------------


def _city_lookup():
    cities = pd.read_csv(data_dir() / "china_cities.csv")
    cities = cities[
        cities["kind"].isin(
            ["municipality", "prefecture_city", "autonomous_prefecture", "prefecture", "league"]
        )
    ]
    by_name = dict(zip(cities["name_zh"], cities["adcode"], strict=True))
    aliases = pd.read_csv(data_dir() / "china_city_aliases.csv")
    by_name |= {
        a: c
        for a, c in zip(aliases["alias_zh"], aliases["adcode"], strict=True)
        if a.endswith(("市", "地区"))
    }
    by_english = {
        (e, p): c
        for e, p, c in zip(cities["name_en"], cities["province_en"], cities["adcode"], strict=True)
    }
    return by_name, by_english


CITY_IN_ADDRESS = re.compile(r"^(?:.+?省|.+?自治区)?(.+?(?:市|地区|自治州|盟))")


def resolve(address: str, by_name, by_english) -> int | None:
    """'江苏省南京市…' -> 320100; 'No. 1 Keji Road, Nanjing, Jiangsu, China' -> 320100."""
    if address.endswith(", China"):
        parts = [p.strip() for p in address.split(",")]
        place = (parts[-3], parts[-2]) if len(parts) >= 4 else (parts[-2], parts[-2])
        return by_english.get(place)
    match = CITY_IN_ADDRESS.match(address)
    return by_name.get(match.group(1)) if match else None


def count_stages(records: pd.DataFrame) -> dict[str, dict]:
    """docs/method.md, section 1, by hand: pair counts and internal strength per stage."""
    by_name, by_english = _city_lookup()
    records = records.drop_duplicates("申请号")
    pairs = {label: Counter() for label in STAGES}
    internal = {label: Counter() for label in STAGES}
    for _, date, addresses in records[["申请号", "申请日", "申请人地址"]].itertuples(index=False):
        label = next(lab for lab, years in STAGES.items() if int(date[:4]) in years)
        cities = [resolve(a, by_name, by_english) for a in re.split("[;；]", addresses)]
        resolved = [c for c in cities if c is not None]
        distinct = sorted(set(resolved))
        if len(distinct) >= 2:
            pairs[label].update(combinations(distinct, 2))
        elif len(distinct) == 1 and len(resolved) >= 2:
            internal[label][distinct[0]] += 1
    out = {}
    for label in STAGES:
        nodes = {c for pair in pairs[label] for c in pair}
        out[label] = {
            "cities": len(nodes),
            "pairs": len(pairs[label]),
            "collaborations": sum(pairs[label].values()),
            "average_degree": 2 * len(pairs[label]) / len(nodes),
            "pair_counts": pairs[label],
            "internal": internal[label],
        }
    return out


@pytest.fixture(scope="module")
def committed_patents() -> pd.DataFrame:
    return pd.read_csv(DEMO / "patents.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def counted(committed_patents):
    return count_stages(committed_patents)


@pytest.fixture(scope="module")
def ingested_networks():
    ingest = pytest.importorskip("pyreslib.ingest")
    return ingest.ingest_file(DEMO / "patents.csv").networks


# --- determinism and labelling --------------------------------------------------------------


def test_same_seed_gives_the_same_frame_and_another_seed_does_not():
    first = demo_data.generate_patents(seed=7, scale=0.2)
    again = demo_data.generate_patents(seed=7, scale=0.2)
    other = demo_data.generate_patents(seed=8, scale=0.2)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert list(first.columns) == ["申请号", "申请日", "申请人", "申请人地址"]


def test_committed_demo_is_exactly_what_the_generator_writes(tmp_path):
    written = demo_data.write_demo(tmp_path)
    for role in ("patents", "patents_gbk", "covariates"):
        assert written[role].read_bytes() == (DEMO / written[role].name).read_bytes(), role


def test_everything_says_synthetic():
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme.splitlines()[0]
    manifest = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
    assert "SYNTHETIC" in manifest["notice"]
    assert "SYNTHETIC" in demo_data.generate_patents(scale=0.05).attrs["notice"]
    assert "SYNTHETIC" in demo_data.generate_covariates(years=[2011]).attrs["notice"]
    assert "SYNTHETIC" in datasets.__doc__.splitlines()[0]
    assert "SYNTHETIC" in demo_data.__doc__.splitlines()[0]


def test_load_demo_returns_the_committed_files():
    patents, covariates = demo_data.load_demo()
    assert patents == DEMO / "patents.csv" and patents.is_file()
    assert covariates == DEMO / "city_covariates.csv" and covariates.is_file()
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 5.5e6  # "under ~5 MB"


# --- calibration against the study (docs/method.md, section 8) ------------------------------


def test_stage_aggregates_counted_by_hand_are_within_5_percent_of_the_study(counted):
    for label, reported in STUDY.items():
        for quantity, target in reported.items():
            assert counted[label][quantity] == pytest.approx(target, rel=0.05), (label, quantity)
    assert 9000 <= counted["2018-2021"]["collaborations"] <= 12000


def test_stage_aggregates_through_ingest_are_within_5_percent_of_the_study(ingested_networks):
    table = study.compare_to_study(ingested_networks)
    checked = table.dropna(subset=["study"])
    assert len(checked) == 11  # stage 3's collaborations total is not in the study
    assert (checked["relative_difference"].abs() <= 0.05).all(), checked.to_string()


def test_ingest_and_the_hand_counter_agree_exactly(counted, ingested_networks):
    for label, graph in ingested_networks.items():
        ours = {tuple(sorted(e)): w for *e, w in graph.edges(data="weight")}
        assert ours == dict(counted[label]["pair_counts"])


def test_strongest_pairs_tell_the_studys_story(counted):
    strongest = {label: counted[label]["pair_counts"].most_common(4) for label in STAGES}
    above_40 = {p for p, w in counted["2011-2014"]["pair_counts"].items() if w > 40}
    assert above_40 == {(BEIJING, 130100), (BEIJING, NANJING), (BEIJING, 130700)}
    assert strongest["2015-2017"][0] == ((BEIJING, NANJING), pytest.approx(299, abs=5))
    top4 = [(p, w) for p, w in strongest["2018-2021"]]
    assert [p for p, _ in top4] == [
        (BEIJING, NANJING),
        (330100, 330200),
        (BEIJING, 411000),
        (BEIJING, 511300),
    ]
    assert [w for _, w in top4] == pytest.approx([752, 450, 294, 290], abs=5)


def test_internal_collaboration_exceeds_cross_city_and_the_four_lead_it(counted):
    for label in STAGES:
        internal = counted[label]["internal"]
        assert sum(internal.values()) > counted[label]["collaborations"]
        assert {c for c, _ in internal.most_common(4)} == {BEIJING, NANJING, HANGZHOU, SHANGHAI}


# --- the messy rows and the GBK slice -------------------------------------------------------


def test_messy_rows_are_there_in_the_documented_numbers(committed_patents):
    manifest = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))["messy_rows"]
    addresses = committed_patents["申请人地址"]
    assert committed_patents["申请号"].duplicated().sum() == manifest["duplicate_id"] == 25
    assert committed_patents["申请人"].str.contains("；").sum() == manifest["fullwidth_separator"]
    old = addresses.str.contains("襄樊市|巢湖市|莱芜市|毕节地区|思茅市|海东地区")
    assert old.sum() == manifest["historical_name"] == 10
    assert addresses.str.contains(", China").sum() == manifest["english_address"] == 15
    foreign = addresses.str.contains("Japan|Germany|Korea|海外|香港|台湾")
    assert foreign.sum() == manifest["unresolvable_coapplicant"] + manifest["unresolvable_only"]
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    for kind, number in [
        ("historical names", 10),
        ("full-width separators", 40),
        ("duplicated patent ids", 25),
        ("unresolvable co-applicant", 30),
        ("unresolvable only", 8),
        ("English addresses", 15),
    ]:
        assert f"| {kind} | {number} |" in readme


def test_applicants_and_addresses_pair_up_in_every_row(committed_patents):
    names = committed_patents["申请人"].str.split("[;；]", regex=True).str.len()
    addresses = committed_patents["申请人地址"].str.split("[;；]", regex=True).str.len()
    assert (names == addresses).all() and (names >= 2).all()
    assert committed_patents["申请日"].str.fullmatch(r"20(1[1-9]|2[01])-\d\d-\d\d").all()


def test_the_gbk_slice_is_gbk_and_holds_the_first_rows(committed_patents):
    raw = (DEMO / "patents_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    gbk = pd.read_csv(io.StringIO(raw.decode("gbk")), dtype=str, keep_default_na=False)
    assert 200 <= len(gbk) <= 500
    pd.testing.assert_frame_equal(gbk, committed_patents.head(len(gbk)))


def test_made_up_addresses_name_only_their_own_city():
    by_name, by_english = _city_lookup()
    pool = demo_data.applicant_pool()
    adcodes = datasets.geography().adcodes
    for i, (start, size) in enumerate(zip(pool.start, pool.size, strict=True)):
        for address in pool.addresses[start : start + size]:
            assert resolve(address, by_name, by_english) == adcodes[i], address


# --- covariates -----------------------------------------------------------------------------


def test_covariates_cover_every_unit_and_year_and_follow_the_mass():
    covariates = pd.read_csv(DEMO / "city_covariates.csv")
    assert list(covariates.columns) == list(demo_data.COVARIATE_COLUMNS)
    assert len(covariates) == 337 * 11 and not covariates.isna().any().any()
    assert (covariates[["gdp_per_capita", "education_spending", "st_spending"]] > 0).all().all()
    mass = pd.Series(datasets.city_masses().base, index=datasets.geography().adcodes)
    for year, frame in covariates.groupby("year"):
        frame = frame.set_index("adcode")
        for column in ("gdp_per_capita", "education_spending", "st_spending"):
            assert frame[column].corr(mass[frame.index], method="spearman") > 0.4, (year, column)
    medians = covariates.groupby("year")["gdp_per_capita"].median()
    assert medians.is_monotonic_increasing
    assert (
        10_000 < covariates["gdp_per_capita"].min() and covariates["gdp_per_capita"].max() < 400_000
    )


# --- properties and benchmark records -------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.02, 0.3))
def test_a_stage_draw_spends_exactly_its_collaboration_budget(seed, scale):
    draw = datasets.draw_stage("2015-2017", (2015, 2017), seed=seed, scale=scale)
    aggregates = draw.aggregates(len(datasets.geography().cities))
    assert aggregates["collaborations"] == round(2740 * scale)
    assert (draw.pairs[:, 0] != draw.pairs[:, 1]).all()
    assert all(len(set(t)) == 3 for t in draw.triples.tolist())


@settings(max_examples=15, deadline=None)
@given(n=st.integers(0, 300), k=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_generate_records_gives_n_rows_of_k_applicants(n, k, seed):
    records = demo_data.generate_records(n, seed=seed, applicants_per_patent=k)
    assert len(records) == n and records["申请号"].is_unique
    assert (records["申请人"].str.count(";") == k - 1).all()
    assert (records["申请人地址"].str.count(";") == k - 1).all()


def test_generate_records_is_deterministic_and_rejects_nonsense():
    pd.testing.assert_frame_equal(
        demo_data.generate_records(50, seed=3), demo_data.generate_records(50, seed=3)
    )
    with pytest.raises(InputError, match="applicants_per_patent"):
        demo_data.generate_records(10, applicants_per_patent=0)
