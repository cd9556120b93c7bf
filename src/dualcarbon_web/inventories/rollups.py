"""Regulators' roll-ups: a jurisdiction's calculated inventories by city, industry and park, and a
ranking of enterprises -- computed by the core's :func:`dualcarbon.accounting.rollup`.

Reads only (a selector module). Each calculated inventory contributes its latest run. Every line is
attributed to an *entity*: the facility it names, or the enterprise itself for enterprise-wide lines
(``f<id>`` / ``o<id>``). The hierarchy maps each entity to its enterprise, park, city (GB/T 2260
prefecture), province and industry (GB/T 4754 division). A purchase or export of electricity or heat
whose ``counterparty`` names another entity of the same unit is an internal transfer and is
eliminated at that level (the core's mechanism; ``eliminated_tco2e``), so energy sold from one
facility of a park to another is not counted twice in the park's total. A counterparty is written as
the other facility's code (设施编号) or an enterprise's USCC; a code shared by several facilities of
the roll-up is ambiguous and left unresolved (never eliminated).

A regulator's roll-up keeps only entities located in its jurisdiction. Names of cities and industries
are in the active language (English names when the user chose English).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dualcarbon.accounting import ranking, rollup
from dualcarbon_web.inventories.choices import InventoryStatusChoices
from dualcarbon_web.inventories.models import CalculationLine, Inventory
from dualcarbon_web.inventories.selectors import inventory_q
from dualcarbon_web.inventories.services import facility_entity
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.errors import NotAllowed
from dualcarbon_web.platform.visibility import jurisdiction_prefix

__all__ = ("JurisdictionRollup", "jurisdiction_rollup", "rollup_years", "user_may_see_rollups")


@dataclass
class JurisdictionRollup:
    """Totals of one year for what the user oversees (tCO2e, unrounded)."""

    year: int | None
    years: list[int]
    jurisdiction: str
    inventories: int = 0
    entities: int = 0
    total_tco2e: float = 0.0
    scope1_tco2e: float = 0.0
    scope2_tco2e: float = 0.0
    by_city: list[dict[str, Any]] = field(default_factory=list)
    by_industry: list[dict[str, Any]] = field(default_factory=list)
    by_park: list[dict[str, Any]] = field(default_factory=list)
    outside_parks_tco2e: float = 0.0
    ranking: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "years": self.years,
            "jurisdiction": self.jurisdiction,
            "inventories": self.inventories,
            "entities": self.entities,
            "total_tco2e": self.total_tco2e,
            "scope1_tco2e": self.scope1_tco2e,
            "scope2_tco2e": self.scope2_tco2e,
            "by_city": self.by_city,
            "by_industry": self.by_industry,
            "by_park": self.by_park,
            "outside_parks_tco2e": self.outside_parks_tco2e,
            "ranking": self.ranking,
        }


def user_may_see_rollups(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin
        or (user.role == RoleChoices.REGULATOR and jurisdiction_prefix(user) is not None)
    )


def _calculated(user):
    return Inventory.objects.filter(inventory_q(user), status=InventoryStatusChoices.CALCULATED).exclude(
        latest_run__isnull=True
    )


def rollup_years(*, user) -> list[int]:
    """Years with calculated inventories the user may roll up, newest first."""
    return sorted(set(_calculated(user).values_list("year", flat=True)), reverse=True)


def _units(frame: pl.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dicts():
        unit = row["unit"]
        out.append(
            {
                "unit": unit,
                "name": names.get(unit, unit),
                "total_tco2e": row["total_tco2e"],
                "scope1_tco2e": row["scope1_tco2e"],
                "scope2_tco2e": row["scope2_tco2e"],
                "eliminated_tco2e": row["eliminated_tco2e"],
                "entities": row["entities"],
                **({"rank": row["rank"]} if "rank" in row else {}),
            }
        )
    return out


def jurisdiction_rollup(*, user, year: int | None = None) -> JurisdictionRollup:
    """Roll up the calculated inventories of ``year`` (default: the newest) that ``user`` oversees.

    Regulators get their jurisdiction, administrators the whole platform; everyone else
    :class:`NotAllowed`.
    """
    if not user_may_see_rollups(user):
        raise NotAllowed("Roll-ups are for regulators (their jurisdiction) and administrators.")
    prefix = "" if user.is_platform_admin else (jurisdiction_prefix(user) or "")
    jurisdiction = (
        user.jurisdiction.display_name if user.jurisdiction is not None else pgettext("roll-up of", "全部")
    )
    years = rollup_years(user=user)
    if year is None:
        year = years[0] if years else None
    out = JurisdictionRollup(year=year, years=years, jurisdiction=jurisdiction)
    if year is None:
        return out
    runs = list(_calculated(user).filter(year=year).values_list("latest_run_id", "organization_id"))
    out.inventories = len(runs)
    if not runs:
        return out
    rows = list(
        CalculationLine.objects.filter(run_id__in=[r for r, _org in runs])
        .values("run__inventory__organization_id", "facility_id", "category", "counterparty")
        .annotate(tco2e=Sum("tco2e"))
        .order_by()
    )
    facility_ids = {r["facility_id"] for r in rows if r["facility_id"]}
    org_ids = {r["run__inventory__organization_id"] for r in rows}
    facilities = {
        f.pk: f
        for f in Facility.objects.filter(pk__in=facility_ids).select_related("region", "industry", "park")
    }
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(pk__in=org_ids).select_related("region", "industry", "park")
    }

    hierarchy: dict[str, dict[str, str | None]] = {}
    codes: dict[str, set[str]] = {}
    for r in rows:
        org = orgs[r["run__inventory__organization_id"]]
        fac = facilities.get(r["facility_id"]) if r["facility_id"] else None
        entity = f"f{fac.pk}" if fac is not None else f"o{org.pk}"
        if entity in hierarchy:
            continue
        region = fac.region if fac is not None else org.region
        industry = fac.industry if fac is not None else org.industry
        park = fac.park if fac is not None else org.park
        hierarchy[entity] = {
            "enterprise": str(org.pk),
            "park": str(park.pk) if park is not None else None,
            "city": region.code[:4] + "00",
            "province": region.code[:2] + "0000",
            "industry": industry.code[:2] if industry is not None else "--",
            "_located": region.code,
        }
        codes.setdefault(facility_entity(fac) if fac is not None else org.uscc, set()).add(entity)
    if prefix:
        hierarchy = {e: h for e, h in hierarchy.items() if str(h["_located"]).startswith(prefix)}
    cp_map = {code: next(iter(ents)) for code, ents in codes.items() if len(ents) == 1}

    records = []
    for r in rows:
        entity = f"f{r['facility_id']}" if r["facility_id"] else f"o{r['run__inventory__organization_id']}"
        if entity not in hierarchy:
            continue
        cp = (r["counterparty"] or "").strip()
        records.append(
            {
                "entity": entity,
                "category": r["category"],
                "tco2e": float(r["tco2e"] or 0.0),
                "counterparty": cp_map.get(cp, f"?{cp}" if cp else None),
            }
        )
    if not records:
        return out
    lines = pl.DataFrame(
        records,
        schema={"entity": pl.String, "category": pl.String, "tco2e": pl.Float64, "counterparty": pl.String},
    )
    h = pl.DataFrame(
        [
            {"entity": e, **{k: v for k, v in d.items() if not k.startswith("_")}}
            for e, d in hierarchy.items()
        ],
        schema={
            "entity": pl.String,
            "enterprise": pl.String,
            "park": pl.String,
            "city": pl.String,
            "province": pl.String,
            "industry": pl.String,
        },
    )
    out.entities = h.height
    facility_level = rollup(lines, None, "facility")
    out.total_tco2e = float(facility_level["total_tco2e"].sum())
    out.scope1_tco2e = float(facility_level["scope1_tco2e"].sum())
    out.scope2_tco2e = float(facility_level["scope2_tco2e"].sum())

    city_codes = h["city"].unique().to_list()
    city_names = {r.code: r.display_name for r in Region.objects.filter(code__in=city_codes)}
    industry_codes = [c for c in h["industry"].unique().to_list() if c != "--"]
    industry_names = {i.code: i.label for i in Industry.objects.filter(code__in=industry_codes)} | {
        "--": _("未登记行业")
    }
    out.by_city = _units(rollup(lines, h, "city"), city_names)
    out.by_industry = _units(rollup(lines, h, "industry"), industry_names)

    in_park = h.filter(pl.col("park").is_not_null())["entity"].to_list()
    park_lines = lines.filter(pl.col("entity").is_in(in_park))
    if park_lines.height:
        park_ids = [int(p) for p in h["park"].drop_nulls().unique().to_list()]
        park_names = {str(p.pk): p.display_name for p in Park.objects.filter(pk__in=park_ids)}
        out.by_park = _units(rollup(park_lines, h, "park"), park_names)
    outside = lines.filter(~pl.col("entity").is_in(in_park))
    out.outside_parks_tco2e = (
        float(rollup(outside, None, "facility")["total_tco2e"].sum()) if outside.height else 0.0
    )

    org_names = {str(o.pk): o.display_name for o in orgs.values()}
    out.ranking = _units(ranking(rollup(lines, h, "enterprise")), org_names)
    return out
