"""Adding and changing facilities, with permission checks, field errors and audit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dualcarbon_web.organizations.choices import FacilityStatusChoices
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.organizations.services._common import (
    Errors,
    _add,
    _decimal,
    _in_jurisdiction,
    _is_regulator,
    _Lookups,
    _reject_control_characters,
)
from dualcarbon_web.organizations.services.organizations import _check_can_edit
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed

__all__ = ("facility_create", "facility_update")

# --------------------------------------------------------------------------- facilities


def _facility_clean(
    *,
    user,
    data: dict[str, Any],
    instance: Facility | None,
    errors: Errors,
    lookups: _Lookups | None = None,
) -> dict[str, Any]:
    """Validate facility fields (all for a create, the given ones for an update) into ``errors``."""
    creating = instance is None
    _reject_control_characters(data, errors)
    lookups = lookups or _Lookups()
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return creating or name in data

    if given("name"):
        name = str(data.get("name") or "").strip()
        if not name:
            _add(errors, "name", "required")
        elif len(name) > 200:
            _add(errors, "name", "at most 200 characters")
        out["name"] = name
    for opt, limit in (("code", 64), ("capacity", 100)):
        if given(opt):
            value = str(data.get(opt) or "").strip()
            if len(value) > limit:
                _add(errors, opt, f"at most {limit} characters")
            out[opt] = value
    if given("status"):
        status = str(data.get("status") or FacilityStatusChoices.OPERATING)
        if status not in FacilityStatusChoices.values:
            _add(errors, "status", f"one of {', '.join(FacilityStatusChoices.values)}")
        out["status"] = status
    if given("industry"):
        out["industry"] = lookups.industry(data.get("industry"), "industry", errors, required=True)
    if given("region"):
        out["region"] = lookups.region(data.get("region"), "region", errors, required=True)
    if given("park"):
        out["park"] = lookups.park(data.get("park"), "park", errors)
    if given("latitude"):
        out["latitude"] = _decimal(data.get("latitude"), "latitude", -90, 90, errors)
    if given("longitude"):
        out["longitude"] = _decimal(data.get("longitude"), "longitude", -180, 180, errors)
    region = out.get("region", instance.region if instance else None)
    if _is_regulator(user) and region is not None and not _in_jurisdiction(user, region):
        _add(errors, "region", f"{region.code} is outside your jurisdiction")
    org_id = instance.organization_id if instance else data.get("organization_id")
    name = out.get("name")
    if name and org_id:
        clash = Facility.objects.filter(organization_id=org_id, name=name)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            _add(errors, "name", f"this organisation already has a facility named {name!r}")
    return out


@transaction.atomic
def facility_create(*, user, organization: Organization, **data: Any) -> Facility:
    """Add a facility to ``organization`` (its members, regulators of the place, administrators)."""
    _check_can_edit(user, organization)
    errors: Errors = {}
    values = _facility_clean(
        user=user, data={**data, "organization_id": organization.pk}, instance=None, errors=errors
    )
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    facility = Facility(organization=organization, **values)
    facility.full_clean(validate_unique=False)
    facility.save()
    audit_record(user=user, action=AuditActionChoices.CREATE, instance=facility, after=snapshot(facility))
    return facility


@transaction.atomic
def facility_update(*, user, facility: Facility, **data: Any) -> Facility:
    """Change the given fields of ``facility`` (a PATCH)."""
    _check_can_edit(user, facility.organization)
    if _is_regulator(user) and not _in_jurisdiction(user, facility.region):
        raise NotAllowed("This facility lies outside your jurisdiction.")
    facility = Facility.objects.select_for_update().select_related("organization").get(pk=facility.pk)
    errors: Errors = {}
    values = _facility_clean(user=user, data=data, instance=facility, errors=errors)
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    before = snapshot(facility)
    for key, value in values.items():
        setattr(facility, key, value)
    facility.full_clean(validate_unique=False)
    facility.save()
    after = snapshot(facility)
    if before != after:
        audit_record(
            user=user, action=AuditActionChoices.UPDATE, instance=facility, before=before, after=after
        )
    return facility
