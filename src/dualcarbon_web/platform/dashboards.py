"""What each role sees first: figures computed from the data the user may see."""

from __future__ import annotations

from django.db.models import Count

from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import AuditEntry, Job
from dualcarbon_web.platform.visibility import organization_q, region_code_prefix

__all__ = ("dashboard_for",)


def _facility_qs(user):
    qs = Facility.objects.filter(organization_q(user, "organization__"))
    if user.role == RoleChoices.REGULATOR and user.jurisdiction is not None:
        qs = Facility.objects.filter(region__code__startswith=region_code_prefix(user.jurisdiction))
    return qs


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
        facilities.values("industry__code", "industry__name")
        .annotate(n=Count("id"))
        .order_by("-n", "industry__code")[:12]
    )
    data["facilities_by_industry"] = [
        {"code": r["industry__code"], "name": r["industry__name"], "n": r["n"]} for r in by_industry
    ]
    by_region = (
        facilities.values("region__code", "region__name")
        .annotate(n=Count("id"))
        .order_by("-n", "region__code")[:12]
    )
    data["facilities_by_region"] = [
        {"code": r["region__code"], "name": r["region__name"], "n": r["n"]} for r in by_region
    ]
    if user.is_platform_admin:
        data["recent_audit"] = list(AuditEntry.objects.order_by("-at", "-id")[:8])
        data["organization_counts"] = {
            str(label): orgs.filter(kind=value).count() for value, label in OrganizationKindChoices.choices
        }
    return data
