"""GB/T 4754-2017 industry codes (国民经济行业分类): form, level, parent and the shipped table.

Codes have four levels (GB/T 4754-2017, 4.1-4.2): a section letter A-T (门类), a two-digit
division 01-97 (大类), a three-digit group (中类) and a four-digit class (小类). A group's code
starts with its division's, a class's with its group's; each division belongs to the section
whose range contains it (:data:`SECTION_DIVISIONS`).

References
----------
GB/T 4754-2017 《国民经济行业分类》, sections 4 (coding) and 5 (the table).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

from dualcarbon.errors import DataNotFound
from dualcarbon.registry.errors import InvalidIndustryCode

__all__ = [
    "SECTION_DIVISIONS",
    "Industry",
    "industries",
    "industry_code_check",
    "industry_get",
    "industry_level",
    "industry_parent_code",
    "industry_section",
]

SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
"""The first and last division of each section (GB/T 4754-2017, Table 1)."""

_LEVELS = {1: "section", 2: "division", 3: "group", 4: "class"}


def industry_code_check(code: str) -> str:
    """Return ``code`` (stripped, section letters upper-cased) if well-formed, else raise.

    A section letter A-T, or 2-4 digits whose first two are a division 01-97. A class code may be
    written with its section letter in front (``"D4411"``); the letter is checked and dropped.

    Raises
    ------
    InvalidIndustryCode
        Anything else, with what was expected.
    """
    if not isinstance(code, str):
        raise InvalidIndustryCode(f"a GB/T 4754 code is text, not {type(code).__name__}", value=code)
    value = code.strip().upper()
    if not value.isascii():
        raise InvalidIndustryCode(
            f"{value!r} is not a GB/T 4754 code: use ASCII letters and digits", value=code
        )
    if len(value) == 1:
        if value not in SECTION_DIVISIONS:
            raise InvalidIndustryCode(f"{value!r} is not a GB/T 4754-2017 section (A-T)", value=code)
        return value
    if value[:1].isalpha() and value[1:].isdigit() and len(value) in (3, 4, 5):
        letter, digits = value[0], value[1:]
        division = industry_code_check(digits)[:2]
        if industry_section(division) != letter:
            raise InvalidIndustryCode(
                f"{value!r}: division {division} belongs to section {industry_section(division)}, not {letter}",
                value=code,
            )
        return digits
    if not value.isdigit() or len(value) not in (2, 3, 4):
        raise InvalidIndustryCode(
            f"{value!r} is not a GB/T 4754 code: a section letter A-T or 2, 3 or 4 digits", value=code
        )
    if not 1 <= int(value[:2]) <= 97:
        raise InvalidIndustryCode(f"{value!r}: divisions run from 01 to 97", value=code)
    return value


def industry_level(code: str) -> str:
    """``"section"``, ``"division"``, ``"group"`` or ``"class"`` from the shape of the code."""
    return _LEVELS[len(industry_code_check(code))]


def industry_section(code: str) -> str:
    """The section letter of ``code`` (itself for a section)."""
    value = industry_code_check(code)
    if len(value) == 1:
        return value
    division = int(value[:2])
    for letter, (first, last) in SECTION_DIVISIONS.items():
        if first <= division <= last:
            return letter
    raise InvalidIndustryCode(f"division {value[:2]} is in no section", value=code)  # unreachable for 01-97


def industry_parent_code(code: str) -> str | None:
    """The enclosing code: class → group → division → section letter → ``None``."""
    value = industry_code_check(code)
    if len(value) == 1:
        return None
    if len(value) == 2:
        return industry_section(value)
    return value[:-1]


@dataclass(frozen=True, slots=True)
class Industry:
    """One row of the shipped GB/T 4754-2017 table."""

    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None
    status: str


@functools.cache
def industries() -> tuple[Industry, ...]:
    """The shipped table ``dualcarbon/data/industries/gb4754_2017.csv`` (parents before children)."""
    path = resources.files("dualcarbon.data").joinpath("industries/gb4754_2017.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [
            Industry(
                code=industry_code_check(row["code"]),
                name=row["name"],
                name_en=row["name_en"],
                level=row["level"],
                parent_code=row["parent_code"] or None,
                status=row["status"],
            )
            for row in csv.DictReader(fh)
        ]
    return tuple(rows)


def industry_get(code: str) -> Industry:
    """The shipped industry with ``code``; raises :class:`~dualcarbon.errors.DataNotFound`."""
    value = industry_code_check(code)
    for row in industries():
        if row.code == value:
            return row
    raise DataNotFound(f"GB/T 4754-2017 code {value} is not in the shipped table")
