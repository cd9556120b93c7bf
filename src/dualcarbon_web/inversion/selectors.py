"""Reads of the inversion app, each filtered to what the user may see, and the prior from inventories.

Who sees what (the same rule serves the pages and the API):

* administrators: every observation set and run;
* a regulator: the sets and runs whose region lies inside its jurisdiction (a province regulator
  sees its own runs and those of its cities; a city regulator sees its city's, never the
  province's, because a province run holds the reported emissions of facilities outside the
  city), plus those it created itself;
* an analyst: only the sets and runs it created (it may see no inventories, so it cannot build a
  prior; the pages are open to it for its own work);
* enterprises, verifiers and technology owners: none — the pages and the API answer 403.

Absent and invisible answer the same :class:`NotFound`, so existence is never revealed.

The prior (:func:`inversion_prior`) is built from the reported inventories the user may see
(:func:`dualcarbon_web.inventories.selectors.inventory_q`): for each facility located in the region
with coordinates, its direct CO2 emissions of the inventory year from the latest calculation run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from dualcarbon_web.inventories.models import CalculationLine, Inventory
from dualcarbon_web.inventories.selectors import inventory_q
from dualcarbon_web.inversion.choices import AttributionChoices
from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet
from dualcarbon_web.organizations.models import Facility
from dualcarbon_web.organizations.selectors import facility_q
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.errors import NotFound
from dualcarbon_web.platform.visibility import jurisdiction_prefix, region_code_prefix

__all__ = (
    "DIRECT_CO2_CATEGORIES",
    "INVERSION_ROLES",
    "PriorFacility",
    "PriorTable",
    "estimate_list",
    "inventory_ids_visible",
    "inversion_prior",
    "observation_set_get",
    "observation_set_list",
    "run_get",
    "run_list",
    "user_may_use_inversion",
    "visible_q",
)

#: Roles that use the inversion pages at all (the others get 403).
INVERSION_ROLES = (RoleChoices.REGULATOR, RoleChoices.ANALYST, RoleChoices.ADMIN)

#: Inventory line categories whose emissions leave the facility's stack as CO2 (the atmosphere
#: sees them there): fuel combustion, process emissions, minus CO2 recovered. Purchased or
#: exported electricity and heat (scope 2) are emitted elsewhere; ``direct_gas`` lines are
#: CH4/N2O/fluorinated gases, not CO2.
DIRECT_CO2_CATEGORIES = ("combustion", "process", "recovered_co2")


def user_may_use_inversion(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin or user.role in INVERSION_ROLES
    )


def visible_q(user) -> Q:
    """A filter on :class:`ObservationSet` or :class:`InversionRun` (module docstring)."""
    nothing = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return nothing
    if user.is_platform_admin:
        return Q()
    own = Q(created_by_id=user.pk)
    if user.role == RoleChoices.REGULATOR:
        prefix = jurisdiction_prefix(user)
        return own | Q(region__code__startswith=prefix) if prefix else own
    if user.role == RoleChoices.ANALYST:
        return own
    return nothing


def observation_set_list(*, user, q: str = "") -> QuerySet[ObservationSet]:
    qs = (
        ObservationSet.objects.filter(visible_q(user))
        .select_related("region", "created_by")
        .defer("data", "met", "synthetic")
    )
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("-created", "-pk")


def observation_set_get(*, user, set_id, full: bool = False) -> ObservationSet:
    try:
        pk = int(set_id)
    except (TypeError, ValueError):
        raise NotFound(f"No observation set {set_id!r} that you may see.") from None
    qs = ObservationSet.objects.filter(visible_q(user)).select_related("region", "created_by")
    if not full:
        qs = qs.defer("data", "met")
    obs = qs.filter(pk=pk).first()
    if obs is None:
        raise NotFound(f"No observation set {set_id} that you may see.")
    return obs


def run_list(*, user, q: str = "", status: str = "", year: int | None = None) -> QuerySet[InversionRun]:
    """Runs ``user`` may see, newest first, with everything the list shows selected up front."""
    qs = InversionRun.objects.filter(visible_q(user)).select_related(
        "region", "observation_set", "job", "created_by"
    )
    qs = qs.defer("observation_set__data", "observation_set__met", "observation_set__synthetic", "summary")
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(observation_set__name__icontains=q.strip()))
    if year:
        qs = qs.filter(year=year)
    if status == "succeeded":
        qs = qs.filter(finished__isnull=False)
    elif status:
        qs = qs.filter(finished__isnull=True, job__status=status)
    return qs.order_by("-created", "-pk")


def run_get(*, user, run_id) -> InversionRun:
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise NotFound(f"No inversion run {run_id!r} that you may see.") from None
    run = (
        InversionRun.objects.filter(visible_q(user))
        .select_related("region", "observation_set", "job", "created_by")
        .defer("observation_set__data", "observation_set__met")
        .filter(pk=pk)
        .first()
    )
    if run is None:
        raise NotFound(f"No inversion run {run_id} that you may see.")
    return run


def estimate_list(*, run: InversionRun, flagged: bool | None = None) -> QuerySet[FacilityEstimate]:
    qs = FacilityEstimate.objects.filter(run=run).select_related("facility__organization")
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    return qs.order_by("index")


def inventory_ids_visible(*, user, ids) -> set[int]:
    """The ids among ``ids`` of inventories ``user`` may open (links are shown only for those)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return set()
    return set(Inventory.objects.filter(inventory_q(user), pk__in=ids).values_list("pk", flat=True))


# --------------------------------------------------------------------------- the prior


@dataclass(frozen=True)
class PriorFacility:
    """One state element: a facility with its reported direct CO2 emission (t/yr)."""

    facility_id: int
    name: str
    code: str
    organization_name: str
    lon: float
    lat: float
    emission_t: float
    inventory_id: int | None
    attribution: str
    organization_name_en: str = ""


@dataclass
class PriorTable:
    """The prior of a region and year, and what was left out and why."""

    facilities: list[PriorFacility]
    skipped: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.facilities)


def inversion_prior(*, user, region, year: int) -> PriorTable:
    """Each facility's reported direct CO2 emission (t/yr) for ``year`` in ``region``, as ``user`` sees it.

    For each facility the user may see (:func:`~dualcarbon_web.organizations.selectors.facility_q`)
    located in ``region``, the latest calculation run of the inventories of ``year`` the user may
    see (:func:`~dualcarbon_web.inventories.selectors.inventory_q`) gives the prior:

    * a facility inventory: the facility's lines (``attribution="facility"``);
    * an enterprise-wide inventory: the lines whose entity is the facility (``"lines"``); lines
      booked to the enterprise as a whole are shared **equally** among its facilities in the
      state (``"lines+share"``, or ``"share"`` when the facility has no lines of its own).
      A facility with its own facility inventory is not given a share of the enterprise's.

    Only the line categories of :data:`DIRECT_CO2_CATEGORIES` count. Facilities without
    coordinates or without any calculated inventory of the year are left out and listed in
    ``skipped`` with the reason.
    """
    prefix = region_code_prefix(region)
    facilities = list(
        Facility.objects.filter(facility_q(user), region__code__startswith=prefix)
        .select_related("organization")
        .order_by("organization__name", "name", "pk")
    )
    skipped: list[dict] = []
    located = []
    for f in facilities:
        if f.latitude is None or f.longitude is None:
            skipped.append({"facility_id": f.pk, "name": f.name, "reason": "no coordinates"})
        else:
            located.append(f)
    org_ids = {f.organization_id for f in located}
    inventories = list(
        Inventory.objects.filter(inventory_q(user), year=year, latest_run__isnull=False)
        .filter(
            Q(facility__in=[f.pk for f in located]) | Q(facility__isnull=True, organization_id__in=org_ids)
        )
        .only("pk", "organization_id", "facility_id", "latest_run_id")
    )
    run_of = {inv.latest_run_id: inv for inv in inventories}
    sums: dict[tuple[int, int | None], float] = defaultdict(float)
    rows = (
        CalculationLine.objects.filter(run_id__in=list(run_of), category__in=DIRECT_CO2_CATEGORIES)
        .values("run_id", "facility_id")
        .annotate(t=Sum("tco2e"))
    )
    for r in rows:
        sums[(r["run_id"], r["facility_id"])] += float(r["t"] or 0.0)

    facility_inv = {inv.facility_id: inv for inv in inventories if inv.facility_id}
    enterprise_inv = {inv.organization_id: inv for inv in inventories if not inv.facility_id}
    # enterprise-wide lines are shared among all the enterprise's facilities without a facility
    # inventory of their own (inside the region or not), so a region gets only its part
    sharers: dict[int, int] = defaultdict(int)
    own_inventory = set(
        Inventory.objects.filter(year=year, facility__isnull=False, organization_id__in=org_ids).values_list(
            "facility_id", flat=True
        )
    )
    for org_id, fid in Facility.objects.filter(organization_id__in=list(enterprise_inv)).values_list(
        "organization_id", "pk"
    ):
        if fid not in own_inventory:
            sharers[org_id] += 1

    out: list[PriorFacility] = []
    for f in located:
        if f.pk in facility_inv:
            inv = facility_inv[f.pk]
            run_id = inv.latest_run_id
            value = sum(v for (r, _fid), v in sums.items() if r == run_id)
            attribution = AttributionChoices.FACILITY
        elif f.organization_id in enterprise_inv:
            inv = enterprise_inv[f.organization_id]
            run_id = inv.latest_run_id
            own = sums.get((run_id, f.pk))
            whole = sums.get((run_id, None), 0.0)
            share = whole / max(sharers[f.organization_id], 1) if whole else 0.0
            value = (own or 0.0) + share
            if own is not None and whole:
                attribution = AttributionChoices.LINES_AND_SHARE
            elif own is not None:
                attribution = AttributionChoices.LINES
            else:
                attribution = AttributionChoices.SHARE
        else:
            skipped.append({"facility_id": f.pk, "name": f.name, "reason": f"no calculated {year} inventory"})
            continue
        out.append(
            PriorFacility(
                facility_id=f.pk,
                name=f.name,
                code=f.code,
                organization_name=f.organization.name,
                lon=float(f.longitude),
                lat=float(f.latitude),
                emission_t=float(value),
                inventory_id=inv.pk,
                attribution=str(attribution),
                organization_name_en=f.organization.name_en,
            )
        )
    return PriorTable(facilities=out, skipped=skipped)
