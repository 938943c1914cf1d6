"""City resolution: names, short names, aliases, English names, and the ambiguous cases of
data/PROVENANCE.md. Expected adcodes are read off data/china_cities.csv by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyreslib.cities import PREFECTURE_LEVEL_KINDS, CityResolver, city_table, default_resolver

NANJING, BEIJING, SHANGHAI = 320100, 110000, 310000
JILIN_CITY, CHANGCHUN = 220200, 220100
HAINAN_QINGHAI, HAIKOU = 632500, 460100
ANSHAN, MAANSHAN = 210300, 340500
CHAOYANG_LIAONING = 211300


@pytest.fixture(scope="module")
def resolver() -> CityResolver:
    return default_resolver()


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("江苏省南京市玄武区中山路1号", NANJING),  # province + city address
        ("南京市", NANJING),  # full name
        ("南京", NANJING),  # short name
        ("Nanjing", NANJING),  # English name
        ("nanjing city, jiangsu", NANJING),
        ("北京市朝阳区", BEIJING),  # 朝阳区 is a Beijing district, not Liaoning's 朝阳
        ("辽宁省朝阳市", CHAOYANG_LIAONING),
        ("上海市黄浦区南京东路", SHANGHAI),  # the first city named wins
        ("安徽省马鞍山市", MAANSHAN),  # longest match: 马鞍山, not 鞍山
        ("鞍山市铁东区", ANSHAN),
        ("大兴安岭地区", 232700),  # not 兴安盟
        ("吉林省吉林市", JILIN_CITY),
        ("吉林省长春市", CHANGCHUN),
        ("吉林长春", CHANGCHUN),  # 吉林 is the province here
        ("Jilin City, Jilin", JILIN_CITY),
        ("Changchun, Jilin Province", CHANGCHUN),
        ("青海省海南州", HAINAN_QINGHAI),
        ("青海海南", HAINAN_QINGHAI),  # 海南 resolved by the stated province
        ("海南藏族自治州共和县", HAINAN_QINGHAI),
        ("海南省海口市", HAIKOU),
        ("海南海口", HAIKOU),
        ("Suzhou, Jiangsu", 320500),
        ("Suzhou, Anhui Province", 341300),
        ("Xi'an, Shaanxi", 610100),
        ("Xian", 610100),
        ("Lvliang", 141100),
        ("襄樊市", 420600),  # historical name of 襄阳
        ("巢湖市", 340100),  # dissolved, mapped to 合肥
        ("莱芜", 370100),  # merged into 济南
        ("延边州", 222400),  # "X州" abbreviation
        ("雄安新区", 130600),
        ("320102", NANJING),  # a district adcode maps to its city
        ("110105", BEIJING),
        ("仙桃市", 429004),  # county-level unit governed by Hubei
    ],
)
def test_resolves(resolver, text, adcode):
    assert resolver.resolve(text).adcode == adcode


@pytest.mark.parametrize(
    ("text", "reason_part", "kind"),
    [
        ("吉林", "ambiguous", "ambiguous"),  # province or city: not guessed
        ("海南", "ambiguous", "ambiguous"),
        ("Suzhou", "ambiguous", "ambiguous"),  # 苏州 or 宿州
        ("江苏省", "only a province", "province_only"),
        ("火星基地", "no city", "unknown"),
        ("   ", "empty", "unknown"),
        ("999999", "adcode", "unknown"),
    ],
)
def test_unresolved_texts_say_why(resolver, text, reason_part, kind):
    outcome = resolver.resolve(text)
    assert outcome.adcode is None
    assert reason_part in outcome.reason
    assert outcome.kind == kind


# A name is not an address: stricter rules (docs/method.md, section 1, route 3).
@pytest.mark.parametrize(
    ("name", "adcode", "kind"),
    [
        ("国网江苏省电力有限公司南京供电分公司", NANJING, ""),  # the province confirms 南京
        ("华北电力大学(保定)", 130600, ""),
        ("吉林长春某公司", CHANGCHUN, ""),  # 吉林 is the province here
        ("浙江吉利控股集团有限公司", None, "province_only"),  # a province does not count
        ("吉林大学", None, "ambiguous"),  # the city 吉林 or the province
        ("上海汽车集团股份有限公司北京分公司", None, "ambiguous"),  # two cities
        ("北京朝阳科技有限公司", None, "ambiguous"),  # 北京 and Liaoning's 朝阳
        ("东方电气集团", None, "unknown"),  # 东方: a county-level unit named short
        ("仙桃市某某有限公司", 429004, ""),  # a county-level unit named in full
        ("阿里巴巴集团控股有限公司", None, "unknown"),  # not Ngari (阿里)
        ("复旦大学附属中山医院", None, "unknown"),  # not 中山
        ("南京路商贸有限公司", None, "unknown"),  # a street
        ("国家电网有限公司", None, "unknown"),
    ],
)
def test_resolve_name_places_an_organisation_only_where_its_name_says_so(
    resolver, name, adcode, kind
):
    outcome = resolver.resolve_name(name)
    assert (outcome.adcode, outcome.kind) == (adcode, kind), outcome
    assert (outcome.reason == "") == (adcode is not None)


def test_resolve_name_ignores_county_level_units_in_a_prefecture_level_resolver():
    strict = CityResolver(kinds=PREFECTURE_LEVEL_KINDS)
    assert strict.resolve_name("仙桃市某某有限公司").adcode is None
    assert strict.resolve_name("武汉某某有限公司").adcode == 420100


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_any_name_resolves_to_a_prefecture_level_city_or_gives_a_reason(text):
    outcome = default_resolver().resolve_name(text)
    known = set(city_table()["adcode"])
    assert (outcome.adcode in known and outcome.kind == "") or (
        outcome.adcode is None and outcome.reason and outcome.kind
    )


def test_prefecture_level_only_leaves_county_level_units_unresolved():
    strict = CityResolver(kinds=PREFECTURE_LEVEL_KINDS)
    assert strict.resolve("湖北省仙桃市").adcode is None
    assert strict.resolve("湖北省武汉市").adcode == 420100


def test_resolve_many_scans_each_distinct_text_once(resolver):
    frame = resolver.resolve_many(["南京", "南京", "火星", None])
    assert frame["adcode"].tolist()[:2] == [NANJING, NANJING]
    assert frame["adcode"].isna().tolist() == [False, False, True, True]


def test_city_table_matches_provenance_counts():
    table = city_table()
    assert len(table) == 369
    assert len(city_table(PREFECTURE_LEVEL_KINDS)) == 337
    assert table["adcode"].is_unique


def test_every_city_resolves_to_itself_by_full_name_and_by_short_name_with_province():
    wrong = []
    for row in city_table().itertuples(index=False):
        province = "" if row.kind == "municipality" else row.province_zh
        for address in (f"{province}{row.name_zh}某某路1号", f"{province}{row.short_zh}"):
            if default_resolver().resolve(address).adcode != row.adcode:
                wrong.append(address)
    assert wrong == []


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_any_text_resolves_to_a_known_city_or_gives_a_reason(text):
    outcome = default_resolver().resolve(text)
    known = set(city_table()["adcode"])
    assert (outcome.adcode in known and outcome.reason == "" and outcome.kind == "") or (
        outcome.adcode is None and outcome.reason and outcome.kind
    )


@pytest.mark.parametrize("address", ["廣東省廣州市天河區", "蘇州市工業園區", "臺灣省臺北市", "廈門市思明區"])
def test_an_address_in_traditional_characters_says_so(address):
    resolution = default_resolver().resolve(address)
    assert resolution.adcode is None and resolution.kind == "unknown"
    assert resolution.reason.startswith("written in traditional characters")
    assert "applicant table" in resolution.reason


@pytest.mark.parametrize(("address", "adcode"), [("ＳＨＡＮＧＨＡＩ", 310000),
                                                 ("Ｎａｎｊｉｎｇ", 320100),
                                                 ("ｂｅｉｊｉｎｇ ｃｉｔｙ", 110000)])
def test_full_width_city_names_resolve_as_the_ordinary_ones(address, adcode):
    assert default_resolver().resolve(address).adcode == adcode


def test_a_traditional_province_before_a_simplified_city_still_resolves():
    assert default_resolver().resolve("江蘇省南京市").adcode == 320100
