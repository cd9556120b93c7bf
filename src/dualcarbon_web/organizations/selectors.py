"""Reads of the organisations registry, each filtered to what the user may see.

Visibility comes from :func:`dualcarbon_web.platform.visibility.organization_q` (one rule for the
whole platform): an enterprise member sees its own organisation; a regulator the organisations
registered in its jurisdiction; everyone signed in the public directory (regulators, verification
bodies) and the parks. Facilities follow their organisation, and a regulator sees only those
*located* in its jurisdiction. Every list selects its related rows up front, so a list page runs
the same number of queries whatever its length.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dualcarbon.registry.errors import InvalidIndustryCode, InvalidRegionCode
from dualcarbon.registry.gb2260 import region_code_check, region_level
from dualcarbon.registry.gb4754 import SECTION_DIVISIONS, industry_code_check
from dualcarbon.registry.uscc import uscc_normalize
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.errors import NotFound, ValidationFailed
from dualcarbon_web.platform.visibility import jurisdiction_prefix, organization_q

__all__ = (
    "facility_get",
    "facility_list",
    "facility_q",
    "industry_filter_q",
    "industry_list",
    "organization_get",
    "organization_list",
    "park_get",
    "park_list",
    "region_code_prefix_of",
    "region_list",
)


def region_code_prefix_of(code: str, *, field: str = "region") -> str:
    """The code prefix covered by a GB/T 2260 filter value: 44 for 440000, 4401 for 440100.

    A bare prefix of 2 or 4 digits is accepted as it is. Raises ValidationFailed naming ``field``.
    """
    value = (code or "").strip()
    if value.isascii() and value.isdigit() and len(value) in (2, 4):
        return value
    try:
        level = region_level(region_code_check(value))
    except InvalidRegionCode as exc:
        raise ValidationFailed(exc.reason, extra={"fields": {field: [exc.reason]}}) from exc
    return value[: {"province": 2, "prefecture": 4, "county": 6}[level]]


def industry_filter_q(code: str, *, path: str = "industry__", field: str = "industry") -> Q:
    """Rows whose GB/T 4754 industry lies in ``code`` (a section letter, division, group or class)."""
    try:
        value = industry_code_check(code)
    except InvalidIndustryCode as exc:
        raise ValidationFailed(exc.reason, extra={"fields": {field: [exc.reason]}}) from exc
    if len(value) == 1:
        first, last = SECTION_DIVISIONS[value]
        q = Q()
        for division in range(first, last + 1):
            q |= Q(**{f"{path}code__startswith": f"{division:02d}"})
        return q | Q(**{f"{path}code": value})
    return Q(**{f"{path}code__startswith": value})


MAX_ID = 2**63 - 1


def _id_ok(value) -> bool:
    """Ids outside a 64-bit signed integer match nothing (and must not reach the SQL driver)."""
    try:
        return 1 <= int(value) <= MAX_ID
    except (TypeError, ValueError):
        return False


def _clean_text(text: str) -> str:
    return (text or "").replace("\x00", "").strip()


def _search_q(q: str, *, path: str = "") -> Q:
    text = _clean_text(q)
    if not text:
        return Q()
    cond = Q(**{f"{path}name__icontains": text}) | Q(**{f"{path}name_en__icontains": text})
    code = uscc_normalize(text)
    if code.isalnum() and len(code) >= 4:
        cond |= Q(**{f"{path}uscc__startswith": code})
    return cond


def organization_list(
    *,
    user,
    q: str = "",
    kind: str = "",
    region: str = "",
    industry: str = "",
    park: int | None = None,
) -> QuerySet[Organization]:
    """Organisations ``user`` may see, searched by name/USCC and filtered by kind, region, industry, park."""
    qs = Organization.objects.filter(organization_q(user)).select_related(
        "region", "industry", "park", "jurisdiction"
    )
    if q:
        qs = qs.filter(_search_q(q))
    if kind:
        if kind not in OrganizationKindChoices.values:
            raise ValidationFailed(
                f"unknown kind {kind!r}",
                extra={"fields": {"kind": [f"one of {OrganizationKindChoices.values}"]}},
            )
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region_code_prefix_of(region))
    if industry:
        qs = qs.filter(industry_filter_q(industry))
    if park:
        qs = qs.filter(park_id=park) if _id_ok(park) else qs.none()
    return qs.order_by("name", "pk")


def organization_get(*, user, organization_id) -> Organization:
    """One organisation ``user`` may see; :class:`NotFound` otherwise (never says whether it exists)."""
    org = organization_list(user=user).filter(pk=organization_id).first() if _id_ok(organization_id) else None
    if org is None:
        raise NotFound(f"No organisation {organization_id} that you may see.")
    return org


def facility_q(user, path: str = "") -> Q:
    """Facilities ``user`` may see, as a filter on ``<path>`` (the Facility model itself when ``path``
    is ''; e.g. ``"facility__"`` on a model with a facility foreign key, which filters by joins
    instead of an ``IN (subquery)`` over every visible facility).

    Administrators: all. Regulators: facilities of the organisations they may see that are located
    in their jurisdiction, plus their own organisation's. Everyone else: their own organisation's
    facilities (the public directory shows who regulators and verifiers are, not their sites).
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_platform_admin:
        return Q()
    own = Q(**{f"{path}organization_id": user.organization_id}) if user.organization_id else Q(pk__in=[])
    visible_org = organization_q(user, f"{path}organization__")
    if user.role == RoleChoices.REGULATOR:
        prefix = jurisdiction_prefix(user)
        if prefix:
            return (visible_org & Q(**{f"{path}region__code__startswith": prefix})) | own
        return own
    return visible_org & own


def facility_list(
    *,
    user,
    q: str = "",
    organization: int | None = None,
    region: str = "",
    industry: str = "",
    park: int | None = None,
    status: str = "",
) -> QuerySet[Facility]:
    """Facilities ``user`` may see, searched by name/code/organisation and filtered."""
    qs = Facility.objects.filter(facility_q(user)).select_related(
        "organization", "organization__region", "industry", "region", "park"
    )
    if q:
        text = _clean_text(q)
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(code__icontains=text)
            | Q(organization__name__icontains=text)
            | Q(organization__name_en__icontains=text)
        )
    if organization:
        qs = qs.filter(organization_id=organization) if _id_ok(organization) else qs.none()
    if region:
        qs = qs.filter(region__code__startswith=region_code_prefix_of(region))
    if industry:
        qs = qs.filter(industry_filter_q(industry))
    if park:
        qs = qs.filter(park_id=park) if _id_ok(park) else qs.none()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("organization__name", "name", "pk")


def facility_get(*, user, facility_id) -> Facility:
    facility = facility_list(user=user).filter(pk=facility_id).first() if _id_ok(facility_id) else None
    if facility is None:
        raise NotFound(f"No facility {facility_id} that you may see.")
    return facility


def park_list(*, user, q: str = "", region: str = "") -> QuerySet[Park]:
    """Industrial parks: part of the public directory, visible to everyone signed in."""
    if not user.is_authenticated:
        return Park.objects.none()
    qs = Park.objects.select_related("region", "region__parent")
    if q:
        text = _clean_text(q)
        qs = qs.filter(Q(name__icontains=text) | Q(name_en__icontains=text))
    if region:
        qs = qs.filter(region__code__startswith=region_code_prefix_of(region))
    return qs.order_by("name", "pk")


def park_get(*, user, park_id) -> Park:
    park = park_list(user=user).filter(pk=park_id).first() if _id_ok(park_id) else None
    if park is None:
        raise NotFound(f"No park {park_id}.")
    return park


def region_list(*, q: str = "", level: str = "", parent: str = "") -> QuerySet[Region]:
    """GB/T 2260 divisions (reference data, public)."""
    qs = Region.objects.select_related("parent")
    q = _clean_text(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=_clean_text(parent))
    return qs.order_by("code")


def industry_list(*, q: str = "", level: str = "", parent: str = "") -> QuerySet[Industry]:
    """GB/T 4754-2017 industries (reference data, public)."""
    qs = Industry.objects.select_related("parent")
    q = _clean_text(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__startswith=q.upper()))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=_clean_text(parent).upper())
    return qs.order_by("code")
