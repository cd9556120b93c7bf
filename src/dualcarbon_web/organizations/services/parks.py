"""Registering and changing industrial parks (administrators and the regulators of the region)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dualcarbon_web.organizations.choices import ParkLevelChoices
from dualcarbon_web.organizations.models import Park
from dualcarbon_web.organizations.services._common import (
    Errors,
    _add,
    _in_jurisdiction,
    _is_admin,
    _is_regulator,
    _Lookups,
    _reject_control_characters,
)
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed

__all__ = ("park_create", "park_update")

# --------------------------------------------------------------------------- parks


def _park_clean(*, user, data: dict[str, Any], instance: Park | None, errors: Errors) -> dict[str, Any]:
    creating = instance is None
    _reject_control_characters(data, errors)
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return creating or name in data

    if given("name"):
        name = str(data.get("name") or "").strip()
        if not name:
            _add(errors, "name", "required")
        elif Park.objects.filter(name=name).exclude(pk=instance.pk if instance else None).exists():
            _add(errors, "name", f"a park named {name!r} exists already")
        out["name"] = name[:200]
    for opt in ("name_en", "description"):
        if given(opt):
            out[opt] = str(data.get(opt) or "").strip()
    if given("level"):
        level = str(data.get("level") or ParkLevelChoices.OTHER)
        if level not in ParkLevelChoices.values:
            _add(errors, "level", f"one of {', '.join(ParkLevelChoices.values)}")
        out["level"] = level
    if given("region"):
        out["region"] = _Lookups().region(data.get("region"), "region", errors, required=True)
    region = out.get("region", instance.region if instance else None)
    if _is_regulator(user) and region is not None and not _in_jurisdiction(user, region):
        _add(errors, "region", f"{region.code} is outside your jurisdiction")
    return out


def _check_can_edit_park(user, park: Park | None) -> None:
    if _is_admin(user):
        return
    if _is_regulator(user) and (park is None or _in_jurisdiction(user, park.region)):
        return
    raise NotAllowed("Only administrators and the regulators of its region edit an industrial park.")


@transaction.atomic
def park_create(*, user, **data: Any) -> Park:
    _check_can_edit_park(user, None)
    errors: Errors = {}
    values = _park_clean(user=user, data=data, instance=None, errors=errors)
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    park = Park.objects.create(**values)
    audit_record(user=user, action=AuditActionChoices.CREATE, instance=park, after=snapshot(park))
    return park


@transaction.atomic
def park_update(*, user, park: Park, **data: Any) -> Park:
    _check_can_edit_park(user, park)
    park = Park.objects.select_for_update().get(pk=park.pk)
    errors: Errors = {}
    values = _park_clean(user=user, data=data, instance=park, errors=errors)
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    before = snapshot(park)
    for key, value in values.items():
        setattr(park, key, value)
    park.save()
    after = snapshot(park)
    if before != after:
        audit_record(user=user, action=AuditActionChoices.UPDATE, instance=park, before=before, after=after)
    return park
