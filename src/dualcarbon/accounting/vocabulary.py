"""Fuel and region vocabularies (``dualcarbon/data/accounting/``): names users write -> canonical keys."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from dualcarbon.data import path as data_path
from dualcarbon.errors import InputError

__all__ = ["Fuel", "Region", "canonical_fuel", "fuel", "region"]


@dataclass(frozen=True, slots=True)
class Fuel:
    item: str
    state: str  # solid | liquid | gas
    fossil: bool
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # "CN", a grid key ("north") or a GB/T 2260 code ("440000")
    level: str  # national | grid | province
    name_zh: str
    name_en: str


def _key(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").split()).casefold()


@lru_cache(maxsize=1)
def _fuels() -> dict[str, Fuel]:
    out: dict[str, Fuel] = {}
    text = data_path("accounting", "fuels.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        f = Fuel(row["item"], row["state"], row["fossil"] == "true", row["name_zh"], row["name_en"])
        for name in (row["item"], row["name_zh"], row["name_en"], *row["aliases"].split(";")):
            if name.strip():
                out[_key(name)] = f
    return out


@lru_cache(maxsize=1)
def _regions() -> dict[str, Region]:
    out: dict[str, Region] = {}
    text = data_path("accounting", "regions.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        r = Region(row["code"], row["level"], row["name_zh"], row["name_en"])
        for name in (row["code"], row["name_zh"], row["name_en"], *row["aliases"].split(";")):
            if name.strip():
                out[_key(name)] = r
    return out


def fuel(name: str) -> Fuel | None:
    """The known fuel called ``name`` (item key, Chinese or English name, alias), else ``None``."""
    return _fuels().get(_key(name))


def canonical_fuel(name: str) -> str:
    """The canonical item key of a known fuel, or ``name`` itself (lower-cased) for an unknown one."""
    f = fuel(name)
    return f.item if f else _key(name).replace(" ", "_")


def region(name: str | None) -> Region:
    """The region called ``name``: empty means the nation; a six-digit code below a province maps to
    its province (``440300`` -> ``440000``)."""
    if name is None or str(name).strip() == "":
        return _regions()[_key("CN")]
    text = str(name).strip()
    hit = _regions().get(_key(text))
    if hit is None and text.isdigit() and len(text) == 6:
        hit = _regions().get(text[:2] + "0000")
    if hit is None:
        raise InputError(
            f"unknown region {text!r}; use a province (name or GB/T 2260 code), a grid region (华北, 东北, 华东, "
            "华中, 西北, 南方, 西南) or leave it empty for the national factor",
            column="region",
            value=text,
        )
    return hit
