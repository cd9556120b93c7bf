"""GB/T 2260 and GB/T 4754-2017: code shapes, parents, and the shipped tables."""

from __future__ import annotations

from collections import Counter

import pytest

from dualcarbon.errors import DataNotFound
from dualcarbon.registry.errors import InvalidIndustryCode, InvalidRegionCode
from dualcarbon.registry.gb2260 import (
    division_get,
    divisions,
    region_code_check,
    region_contains,
    region_level,
    region_parent_code,
    region_province_code,
)
from dualcarbon.registry.gb4754 import (
    industries,
    industry_code_check,
    industry_get,
    industry_level,
    industry_parent_code,
    industry_section,
)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [("440000", "province", None), ("440800", "prefecture", "440000"), ("440803", "county", "440800")],
)
def test_region_level_and_parent(code, level, parent) -> None:
    assert region_level(code) == level and region_parent_code(code) == parent


@pytest.mark.parametrize("bad", ["44080", "4408000", "44O800", "990000", "440012", 440800])
def test_region_bad_codes(bad) -> None:
    with pytest.raises(InvalidRegionCode):
        region_code_check(bad)


def test_region_contains() -> None:
    assert region_contains("440000", "440803") and region_contains("440100", "440106")
    assert not region_contains("440100", "440800") and not region_contains("440000", "430100")
    assert region_province_code("440803") == "440000"


def test_division_table() -> None:
    rows = divisions()
    levels = Counter(r.level for r in rows)
    assert levels == {"province": 34, "prefecture": 333}
    codes = {r.code for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        assert region_level(r.code) == r.level
        assert r.parent_code is None or (
            r.parent_code in codes and r.parent_code == region_parent_code(r.code)
        )
        assert r.name and r.name_en
    # the Ministry of Civil Affairs' breakdown of prefecture-level divisions
    kinds = Counter(
        "自治州" if r.name.endswith("自治州") else "地区" if r.name.endswith("地区") else r.name[-1]
        for r in rows
        if r.level == "prefecture"
    )
    assert kinds == {"市": 293, "自治州": 30, "地区": 7, "盟": 3}
    assert division_get("440800").name == "湛江市" and division_get("440100").name_en == "Guangzhou"
    assert division_get("540600").name == "那曲市"
    with pytest.raises(DataNotFound):
        division_get("371200")  # 莱芜市, merged into 济南市 in 2019


@pytest.mark.parametrize(
    ("code", "level", "parent", "section"),
    [
        ("D", "section", None, "D"),
        ("44", "division", "D", "D"),
        ("441", "group", "44", "D"),
        ("4411", "class", "441", "D"),
        ("3011", "class", "301", "C"),
        ("5611", "class", "561", "G"),
        ("97", "division", "T", "T"),
    ],
)
def test_industry_levels(code, level, parent, section) -> None:
    assert industry_level(code) == level
    assert industry_parent_code(code) == parent
    assert industry_section(code) == section


def test_industry_letter_prefix() -> None:
    assert industry_code_check("d4411") == "4411"
    with pytest.raises(InvalidIndustryCode, match="belongs to section D"):
        industry_code_check("C4411")


@pytest.mark.parametrize("bad", ["U", "00", "98", "44111", "4A11", ""])
def test_industry_bad_codes(bad) -> None:
    with pytest.raises(InvalidIndustryCode):
        industry_code_check(bad)


def test_industry_table() -> None:
    rows = industries()
    by_code = {r.code: r for r in rows}
    assert len(by_code) == len(rows)
    levels = Counter(r.level for r in rows)
    assert levels["section"] == 20 and levels["division"] == 97
    for r in rows:
        assert r.level == industry_level(r.code)
        assert r.parent_code == industry_parent_code(r.code)
        assert r.parent_code is None or r.parent_code in by_code
    for code, name in {
        "4411": "火力发电",
        "4412": "热电联产",
        "3011": "水泥制造",
        "3041": "平板玻璃制造",
        "3110": "炼铁",
        "3120": "炼钢",
        "3130": "钢压延加工",
        "3216": "铝冶炼",
        "2511": "原油加工及石油制品制造",
        "2614": "有机化学原料制造",
        "2621": "氮肥制造",
        "2221": "机制纸及纸板制造",
        "2222": "手工纸制造",
        "5611": "航空旅客运输",
    }.items():
        assert industry_get(code).name == name
