"""What each role sees first: figures computed from the data the user may see."""

from __future__ import annotations

from django.db.models import Count

from dualcarbon.accounting import round_for_report
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.i18n import localized_name
from dualcarbon_web.platform.models import AuditEntry, Job
from dualcarbon_web.platform.visibility import organization_q

__all__ = ("dashboard_for",)


def _facility_qs(user):
    """The facilities the registry shows this user (the same rule as the facility list)."""
    from dualcarbon_web.organizations.selectors import facility_q

    return Facility.objects.filter(facility_q(user))


def dashboard_for(user) -> dict:
    """Figures for the home page of ``user``'s role, all from visible data."""
    orgs = Organization.objects.filter(organization_q(user))
    enterprises = orgs.filter(kind=OrganizationKindChoices.ENTERPRISE)
    facilities = _facility_qs(user)
    data: dict = {
        "role": user.role if not user.is_platform_admin else RoleChoices.ADMIN,
        "organization": user.organization,
        "jurisdiction": user.jurisdiction,
        "enterprise_count": enterprises.count(),
        "facility_count": facilities.count(),
        "recent_jobs": list(Job.objects.filter(owner=user).order_by("-created")[:5]),
    }
    by_industry = (
        facilities.values("industry__code", "industry__name", "industry__name_en")
        .annotate(n=Count("id"))
        .order_by("-n", "industry__code")[:12]
    )
    data["facilities_by_industry"] = [
        {
            "code": r["industry__code"],
            "name": localized_name(r["industry__name"], r["industry__name_en"]),
            "n": r["n"],
        }
        for r in by_industry
    ]
    by_region = (
        facilities.values("region__code", "region__name", "region__name_en")
        .annotate(n=Count("id"))
        .order_by("-n", "region__code")[:12]
    )
    data["facilities_by_region"] = [
        {
            "code": r["region__code"],
            "name": localized_name(r["region__name"], r["region__name_en"]),
            "n": r["n"],
        }
        for r in by_region
    ]
    data.update(_emissions(user))
    data.update(_submissions(user))
    data.update(_techregistry(user))
    data.update(_planning(user))
    if user.is_platform_admin:
        data["recent_audit"] = list(AuditEntry.objects.order_by("-at", "-id")[:8])
        data["organization_counts"] = {
            str(label): orgs.filter(kind=value).count() for value, label in OrganizationKindChoices.choices
        }
    return data


def _emissions(user) -> dict:
    """Calculated emissions the user may see: the latest year's total and the largest emitters.

    Only the newest calculation of each inventory counts, and enterprise-wide inventories and
    facility inventories of the same enterprise are not added together (enterprise-wide wins).
    """
    from dualcarbon_web.inventories.models import Inventory
    from dualcarbon_web.inventories.selectors import inventory_q, user_may_read_inventories

    if not user_may_read_inventories(user):
        return {}
    rows = list(
        Inventory.objects.filter(inventory_q(user), latest_run__isnull=False)
        .values(
            "organization_id",
            "organization__name",
            "organization__name_en",
            "facility_id",
            "year",
            "latest_run__total_tco2e",
        )
        .order_by("-year")
    )
    if not rows:
        return {"emission_year": None}
    year = rows[0]["year"]
    per_org: dict[int, dict] = {}
    for r in rows:
        if r["year"] != year:
            continue
        entry = per_org.setdefault(
            r["organization_id"],
            {
                "name": localized_name(r["organization__name"], r["organization__name_en"]),
                "whole": None,
                "facilities": 0.0,
            },
        )
        if r["facility_id"] is None:
            entry["whole"] = r["latest_run__total_tco2e"]
        else:
            entry["facilities"] += r["latest_run__total_tco2e"]
    totals = sorted(
        (
            {"name": e["name"], "tco2e": e["whole"] if e["whole"] is not None else e["facilities"]}
            for e in per_org.values()
        ),
        key=lambda e: -e["tco2e"],
    )
    total = sum(e["tco2e"] for e in totals)
    return {
        "emission_year": year,
        "emission_total_tco2e": total,
        "emission_total_display": f"{int(round_for_report(total, 0)):,}",  # half-up, then digit grouping
        "top_emitters": totals[:10],
    }


def _submissions(user) -> dict:
    """For regulators and verifiers: how many current annual reports they may see, and the latest five
    (the MRV app's visibility rule, :func:`dualcarbon_web.mrv.selectors.submission_list`)."""
    if user.is_platform_admin or user.role not in (RoleChoices.REGULATOR, RoleChoices.VERIFIER):
        return {}
    from dualcarbon_web.mrv.selectors import submission_list

    current = submission_list(user=user, current=True)
    return {"submission_count": current.count(), "recent_submissions": list(current[:5])}


def _techregistry(user) -> dict:
    """For technology owners: their achievements by status and the open needs they match best; for
    reviewers (regulators, administrators): how many achievements await review."""
    from dualcarbon_web.techregistry import selectors as tech

    if tech.user_is_owner(user):
        return {"tech": tech.owner_dashboard(user=user)}
    if tech.user_is_reviewer(user):
        return {"tech_review_count": tech.achievement_list(user=user, status="submitted").count()}
    return {}


def _planning(user) -> dict:
    """For analysts, regulators and administrators: the 14th FYP CO2-intensity headline (no queries)."""
    from django.apps import apps

    if not apps.is_installed("dualcarbon_web.planning"):
        return {}
    from dualcarbon_web.planning import selectors as plan

    if not plan.user_may_use_planning(user):
        return {}
    return {"planning": plan.tracking_headline()}
