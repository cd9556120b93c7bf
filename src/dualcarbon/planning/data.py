"""Readers for the planning reference tables (``dualcarbon.data.planning``).

Two bases are shipped and kept apart (``research/planning.md`` §1; ``shared/data/README.md`` rules):

* ``nbs_official`` -- :func:`official_observations`, the NBS communiqué facts of
  ``china_nbs_intensity.csv`` (one row per reported fact, each with ``status`` and ``certainty``);
* ``owid_gcb_maddison`` -- :func:`owid_rows`, the Our World in Data extract (Global Carbon Budget CO2,
  Maddison PPP GDP, Energy Institute primary energy).

Every record carries its ``basis``; the tracking and decomposition functions refuse to mix them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache

from dualcarbon.data import path as data_path
from dualcarbon.errors import DataNotFound, InputError

__all__ = [
    "BASIS_OFFICIAL",
    "BASIS_OWID",
    "CERTAINTY_ORDER",
    "Observation",
    "official_observations",
    "owid_regions",
    "owid_rows",
    "owid_value",
    "worst_certainty",
]

BASIS_OFFICIAL = "nbs_official"
BASIS_OWID = "owid_gcb_maddison"

#: Certainty flags of ``china_nbs_intensity.csv`` from weakest to strongest (research/planning.md §1.2).
CERTAINTY_ORDER: tuple[str, ...] = ("UNCERTAIN", "secondary_reprint", "news_report", "official")


@dataclass(frozen=True, slots=True)
class Observation:
    """One reported fact of the official table, with its vintage (``status``) and ``certainty``."""

    year: int
    indicator: str
    value: float
    unit: str
    status: str
    certainty: str
    source_url: str
    source_note: str
    basis: str = BASIS_OFFICIAL

    @property
    def is_target(self) -> bool:
        return "target" in self.indicator or self.status.lower().startswith("target")

    @property
    def is_superseded(self) -> bool:
        return "superseded" in self.status.lower()

    def to_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "indicator": self.indicator,
            "value": self.value,
            "unit": self.unit,
            "status": self.status,
            "certainty": self.certainty,
            "source_url": self.source_url,
            "source_note": self.source_note,
            "basis": self.basis,
        }


def worst_certainty(flags: object) -> str:
    """The weakest certainty among ``flags`` (order :data:`CERTAINTY_ORDER`; unknown flags rank lowest)."""
    items = list(flags)  # type: ignore[call-overload]
    if not items:
        return "none"
    rank = {c: i for i, c in enumerate(CERTAINTY_ORDER)}
    return min(items, key=lambda c: rank.get(c, -1))


def _read(name: str) -> str:
    return data_path("planning", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def official_observations() -> tuple[Observation, ...]:
    """All rows of ``china_nbs_intensity.csv`` as :class:`Observation` (basis ``nbs_official``)."""
    out = []
    source = "china_nbs_intensity.csv"
    for i, row in enumerate(csv.DictReader(io.StringIO(_read(source))), start=2):
        try:
            year = int(row["year"])
            value = float(row["value"])
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a number: {exc}", source=source, row=i) from exc
        out.append(
            Observation(
                year=year,
                indicator=row["indicator"],
                value=value,
                unit=row["unit"],
                status=row["status"],
                certainty=row["certainty"],
                source_url=row["source_url"],
                source_note=row["source_note"],
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def owid_rows() -> tuple[dict[str, str], ...]:
    """All rows of ``owid_co2_selected.csv`` (original OWID column names; basis ``owid_gcb_maddison``)."""
    return tuple(csv.DictReader(io.StringIO(_read("owid_co2_selected.csv"))))


def owid_regions() -> list[str]:
    """Region names of the OWID extract, in file order."""
    seen: dict[str, None] = {}
    for r in owid_rows():
        seen.setdefault(r["country"], None)
    return list(seen)


def owid_value(region: str, year: int, column: str) -> float:
    """One value of the OWID extract; :class:`DataNotFound` when the region/year is absent,
    :class:`InputError` naming the column when the cell is empty (e.g. ``gdp`` for 2023)."""
    for r in owid_rows():
        if r["country"] == region and int(r["year"]) == year:
            cell = r.get(column)
            if cell is None:
                raise InputError(
                    "no such column in the OWID extract", source="owid_co2_selected.csv", column=column
                )
            if cell.strip() == "":
                raise InputError(
                    f"no value for {region} {year} (the OWID extract leaves it empty)",
                    source="owid_co2_selected.csv",
                    column=column,
                    value=year,
                )
            return float(cell)
    raise DataNotFound(
        f"no OWID row for region {region!r} and year {year}; regions: {', '.join(owid_regions())}; years 2000-2023"
    )
