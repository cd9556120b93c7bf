"""Vocabularies of the technology registry: technology domains and CPC Y02/Y04S codes.

Domains: the eight categories of the fifth batch of 《国家重点推广的低碳技术目录》 (环办气候函〔2025〕44号,
MEE with MIIT, MOHURD, MOT and MOA, 103 items), research note ``registry.md`` section 4.1 ([V]),
which the note recommends as the top level of the technology taxonomy (section 9: no
machine-readable version of the plan's own taxonomy exists). The ids are dualcarbon's; the Chinese
names are the catalogue's; the English names are dualcarbon's renderings.

CPC: ``data/techregistry/cpc_y02.csv`` with its provenance sidecar; subclass titles verified,
main-group titles from the note's memory-marked list (``certainty`` column).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from dualcarbon.data import path as data_path
from dualcarbon.errors import InputError

__all__ = (
    "DOMAINS",
    "CpcCode",
    "Domain",
    "cpc_codes",
    "cpc_normalize",
    "cpc_subclass",
    "domain_check",
)


@dataclass(frozen=True)
class Domain:
    id: str
    name_zh: str
    name_en: str
    batch5_items: int


DOMAINS: dict[str, Domain] = {
    d.id: d
    for d in (
        Domain("energy", "能源绿色低碳转型", "Green and low-carbon energy transition", 20),
        Domain("industry", "工业", "Industry", 28),
        Domain("building", "建筑", "Buildings", 11),
        Domain("transport", "交通", "Transport", 15),
        Domain("agriculture", "农业", "Agriculture", 5),
        Domain("carbon_sink", "储碳固碳", "Carbon storage and sequestration", 3),
        Domain("digital", "数智赋能", "Digital and intelligent enablement", 14),
        Domain("non_co2", "非二氧化碳减排", "Non-CO2 emission reduction", 7),
    )
}


def domain_check(value: str, *, field: str = "domain") -> str:
    if value not in DOMAINS:
        raise InputError(f"{value!r} is not a technology domain ({', '.join(DOMAINS)})", column=field)
    return value


@dataclass(frozen=True)
class CpcCode:
    code: str
    level: str
    title: str
    certainty: str


@cache
def cpc_codes() -> dict[str, CpcCode]:
    """The shipped CPC table, keyed by code (``Y02E``, ``Y02E10``)."""
    with data_path("techregistry", "cpc_y02.csv").open(encoding="utf-8") as fh:
        return {
            r["code"]: CpcCode(r["code"], r["level"], r["title"], r["certainty"]) for r in csv.DictReader(fh)
        }


_CPC_RE = re.compile(r"^(Y0[24][A-Z])(?:\s*(\d{1,4})(?:/(\d{2,6})?)?)?$")


def cpc_normalize(value: str, *, field: str = "cpc_codes") -> str:
    """A CPC symbol inside Y02/Y04S in the canonical form ``Y02E``, ``Y02E 10/`` or ``Y02E 10/50``.

    The subclass must be one of the table's; finer symbols are accepted in form (the table does not
    list every group) and kept as written, upper-cased.
    """
    text = " ".join(str(value).strip().upper().split())
    m = _CPC_RE.match(text.replace(" /", "/"))
    if not m or m.group(1) not in cpc_codes():
        raise InputError(
            f"{value!r} is not a CPC code of Y02A-Y02W or Y04S (e.g. 'Y02E' or 'Y02E 10/50')", column=field
        )
    subclass, group, sub = m.groups()
    if group is None:
        return subclass
    return f"{subclass} {int(group)}/{sub or ''}"


def cpc_subclass(code: str) -> str:
    """The 4-character subclass of a normalised code (``Y02E 10/50`` → ``Y02E``)."""
    return code[:4]
