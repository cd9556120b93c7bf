"""GB/T 2260 administrative-division codes (中华人民共和国行政区划代码): form, level and parent.

A code has six digits: two for the province-level division, two for the prefecture-level
division, two for the county-level division (GB/T 2260-2007, 4). ``XX0000`` is a province,
``pppp00`` (with pppp not ending in 00) a prefecture-level division, anything else a county-level
division. The Ministry of Civil Affairs publishes the current list each year
(《中华人民共和国县以上行政区划代码》); :func:`divisions` reads the table shipped with dualcarbon.

References
----------
GB/T 2260-2007 《中华人民共和国行政区划代码》, section 4 (code structure); the Ministry of Civil
Affairs' yearly list of codes (民政部 行政区划代码).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

from dualcarbon.errors import DataNotFound
from dualcarbon.registry.errors import InvalidRegionCode

__all__ = [
    "PROVINCE_PREFIXES",
    "Division",
    "division_get",
    "divisions",
    "region_code_check",
    "region_contains",
    "region_level",
    "region_parent_code",
    "region_province_code",
]

PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
"""The first two digits of the 34 provincial-level divisions (GB/T 2260)."""

LEVELS = ("province", "prefecture", "county")


def region_code_check(code: str) -> str:
    """Return ``code`` (stripped) if it is a well-formed GB/T 2260 code, else raise.

    Raises
    ------
    InvalidRegionCode
        Not six digits, or the first two digits are not one of the 34 provincial-level divisions.
    """
    if not isinstance(code, str):
        raise InvalidRegionCode(f"a GB/T 2260 code is text, not {type(code).__name__}", value=code)
    value = code.strip()
    if len(value) != 6 or not (value.isascii() and value.isdigit()):
        raise InvalidRegionCode(f"a GB/T 2260 code has six digits; got {value!r}", value=code)
    if value[:2] not in PROVINCE_PREFIXES:
        raise InvalidRegionCode(
            f"{value!r} does not start with the two digits of a provincial-level division (11-82)", value=code
        )
    if value[2:4] == "00" and value[4:] != "00":
        raise InvalidRegionCode(
            f"{value!r} has a county part under no prefecture part (digits 3-4 are 00)", value=code
        )
    return value


def region_level(code: str) -> str:
    """``"province"``, ``"prefecture"`` or ``"county"`` from the shape of the code."""
    value = region_code_check(code)
    if value[2:] == "0000":
        return "province"
    if value[4:] == "00":
        return "prefecture"
    return "county"


def region_parent_code(code: str) -> str | None:
    """The code one level up (county → prefecture, prefecture → province), ``None`` for a province.

    The parent of a county-level division of a municipality (e.g. 110101) is the pseudo-division
    ``110100``, which the MCA list does not print; use :func:`division_get` to find real parents.
    """
    value = region_code_check(code)
    level = region_level(value)
    if level == "province":
        return None
    if level == "prefecture":
        return value[:2] + "0000"
    return value[:4] + "00"


def region_province_code(code: str) -> str:
    """The province-level code that contains ``code``."""
    return region_code_check(code)[:2] + "0000"


def region_contains(outer: str, inner: str) -> bool:
    """True when division ``inner`` lies within (or is) division ``outer``, judged by the codes."""
    outer_v, inner_v = region_code_check(outer), region_code_check(inner)
    level = region_level(outer_v)
    width = {"province": 2, "prefecture": 4, "county": 6}[level]
    return inner_v[:width] == outer_v[:width]


@dataclass(frozen=True, slots=True)
class Division:
    """One row of the shipped GB/T 2260 table."""

    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None


@functools.cache
def divisions() -> tuple[Division, ...]:
    """All provincial- and prefecture-level divisions shipped in ``dualcarbon/data/regions/gb2260.csv``.

    Parents come before children. See ``provenance.json`` beside the CSV for source and edition.
    """
    path = resources.files("dualcarbon.data").joinpath("regions/gb2260.csv")
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = region_code_check(row["code"])
            out.append(
                Division(
                    code=code,
                    name=row["name"],
                    name_en=row["name_en"],
                    level=row["level"],
                    parent_code=row["parent_code"] or None,
                )
            )
    return tuple(out)


def division_get(code: str) -> Division:
    """The shipped division with ``code``; raises :class:`~dualcarbon.errors.DataNotFound`."""
    value = region_code_check(code)
    for division in divisions():
        if division.code == value:
            return division
    raise DataNotFound(f"GB/T 2260 code {value} is not in the shipped table of provinces and prefectures")
