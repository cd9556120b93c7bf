"""Who may see what: object-level visibility as queryset filters, used by every app's selectors.

Rules (tested through the UI and the API in tests/web/platform/test_visibility.py):

* administrators see everything;
* a regulator sees organisations registered in its jurisdiction (the GB/T 2260 region of its own
  organisation: a province covers codes with the same first two digits, a prefecture-level city
  the same first four) and facilities located there, plus its own organisation;
* an enterprise member sees its own organisation and its facilities, never another enterprise's;
* verifiers, technology owners and analysts see their own organisation;
* everyone signed in sees the public directory: regulators and verification bodies, and the parks.
"""

from __future__ import annotations

from django.db.models import Q

from dualcarbon_web.organizations.choices import OrganizationKindChoices, RegionLevelChoices
from dualcarbon_web.platform.choices import RoleChoices

__all__ = (
    "PUBLIC_DIRECTORY_KINDS",
    "can_edit_organization",
    "jurisdiction_prefix",
    "organization_q",
    "region_code_prefix",
    "region_in_jurisdiction",
)

PUBLIC_DIRECTORY_KINDS = (OrganizationKindChoices.REGULATOR, OrganizationKindChoices.VERIFICATION_BODY)


def region_code_prefix(region) -> str:
    """The leading digits of GB/T 2260 codes that fall inside ``region``."""
    if region.level == RegionLevelChoices.PROVINCE:
        return region.code[:2]
    if region.level == RegionLevelChoices.PREFECTURE:
        return region.code[:4]
    return region.code


def jurisdiction_prefix(user) -> str | None:
    """The region-code prefix a regulator oversees, or ``None`` for every other role."""
    region = user.jurisdiction if user.is_authenticated else None
    return region_code_prefix(region) if region is not None else None


def region_in_jurisdiction(user, region) -> bool:
    prefix = jurisdiction_prefix(user)
    return prefix is not None and region is not None and region.code.startswith(prefix)


def organization_q(user, path: str = "") -> Q:
    """A filter on ``<path>organization`` (or the Organization model itself when ``path`` is '')
    that keeps only what ``user`` may see. ``path`` is e.g. ``"organization__"`` for facilities."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_platform_admin:
        return Q()
    pk_field = f"{path}pk" if path else "pk"
    own = Q(**{pk_field: user.organization_id}) if user.organization_id else Q(pk__in=[])
    public = Q(**{f"{path}kind__in": PUBLIC_DIRECTORY_KINDS})
    if user.role == RoleChoices.REGULATOR:
        prefix = jurisdiction_prefix(user)
        if prefix:
            return own | public | Q(**{f"{path}region__code__startswith": prefix})
        return own | public
    return own | public


def can_edit_organization(user, organization) -> bool:
    """Administrators edit any organisation; regulators those in their jurisdiction; members their own."""
    if not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    if user.role == RoleChoices.REGULATOR:
        return region_in_jurisdiction(user, organization.region)
    return user.role == RoleChoices.ENTERPRISE and organization.pk == user.organization_id
