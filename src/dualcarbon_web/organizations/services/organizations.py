"""Registering and changing organisations, with permission checks, field errors and audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from dualcarbon.registry.errors import InvalidUSCC
from dualcarbon.registry.uscc import uscc_validate
from dualcarbon_web.organizations.choices import (
    OrganizationKindChoices,
    RegionLevelChoices,
)
from dualcarbon_web.organizations.models import Organization
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
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed
from dualcarbon_web.platform.visibility import can_edit_organization

ORG_FIELDS = (
    "kind",
    "name",
    "name_en",
    "uscc",
    "region",
    "industry",
    "park",
    "jurisdiction",
    "address",
    "contact_email",
)

__all__ = ("ORG_FIELDS", "organization_create", "organization_update")


def _organization_clean(
    *,
    user,
    data: dict[str, Any],
    instance: Organization | None,
    lookups: _Lookups,
    errors: Errors,
) -> dict[str, Any]:
    """Validate organisation fields (all of them for a create, the given ones for an update).

    Returns the cleaned values; adds every problem to ``errors`` (field name -> messages).
    Permission rules on fields: only administrators create regulators or set a jurisdiction;
    regulators keep organisations inside their jurisdiction; members may not change the kind or
    the USCC of their own organisation.
    """
    creating = instance is None
    _reject_control_characters(data, errors)
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return creating or name in data

    if given("kind"):
        kind = str(data.get("kind") or "").strip()
        if kind not in OrganizationKindChoices.values:
            _add(errors, "kind", f"one of {', '.join(OrganizationKindChoices.values)}")
        out["kind"] = kind
    if given("name"):
        name = str(data.get("name") or "").strip()
        if not name:
            _add(errors, "name", "required")
        elif len(name) > 200:
            _add(errors, "name", "at most 200 characters")
        out["name"] = name
    for opt, limit in (("name_en", 200), ("address", 300)):
        if given(opt):
            value = str(data.get(opt) or "").strip()
            if len(value) > limit:
                _add(errors, opt, f"at most {limit} characters")
            out[opt] = value
    if given("contact_email"):
        email = str(data.get("contact_email") or "").strip()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                _add(errors, "contact_email", f"{email!r} is not an e-mail address")
        out["contact_email"] = email
    if given("uscc"):
        try:
            uscc = uscc_validate(str(data.get("uscc") or ""))
        except InvalidUSCC as exc:
            _add(errors, "uscc", exc.reason)
            uscc = str(data.get("uscc") or "").strip().upper()
        else:
            clash = Organization.objects.filter(uscc=uscc)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                _add(errors, "uscc", f"{uscc} is already registered")
        out["uscc"] = uscc
    if given("region"):
        out["region"] = lookups.region(data.get("region"), "region", errors, required=True)
    if given("industry"):
        out["industry"] = lookups.industry(data.get("industry"), "industry", errors, required=False)
    if given("park"):
        out["park"] = lookups.park(data.get("park"), "park", errors)
    if given("jurisdiction"):
        out["jurisdiction"] = lookups.region(data.get("jurisdiction"), "jurisdiction", errors, required=False)

    kind = out.get("kind", instance.kind if instance else "")
    jurisdiction = out.get("jurisdiction", instance.jurisdiction if instance else None)
    region = out.get("region", instance.region if instance else None)
    if kind == OrganizationKindChoices.REGULATOR:
        if jurisdiction is None and "jurisdiction" not in errors:
            _add(errors, "jurisdiction", "a regulator needs a jurisdiction: a province or prefecture code")
        elif jurisdiction is not None and jurisdiction.level not in (
            RegionLevelChoices.PROVINCE,
            RegionLevelChoices.PREFECTURE,
        ):
            _add(errors, "jurisdiction", "a jurisdiction is a province or a prefecture")
    elif jurisdiction is not None and given("jurisdiction"):
        _add(errors, "jurisdiction", "only regulators have a jurisdiction; leave it empty")

    # field-level permission rules
    if not _is_admin(user):
        if kind == OrganizationKindChoices.REGULATOR and (
            creating or ("kind" in out and instance.kind != kind)
        ):
            _add(errors, "kind", "only an administrator registers regulators")
        if (
            "jurisdiction" in out
            and out["jurisdiction"] is not None
            and (instance is None or out["jurisdiction"] != instance.jurisdiction)
        ):
            _add(errors, "jurisdiction", "only an administrator sets a jurisdiction")
        if _is_regulator(user) and region is not None and not _in_jurisdiction(user, region):
            _add(errors, "region", f"{region.code} is outside your jurisdiction")
        if user.role != RoleChoices.REGULATOR and instance is not None:
            if "kind" in out and out["kind"] != instance.kind:
                _add(errors, "kind", "ask a regulator or administrator to change the kind")
            if "uscc" in out and out["uscc"] != instance.uscc:
                _add(errors, "uscc", "ask a regulator or administrator to change the 统一社会信用代码")
    return out


def _check_can_create_organization(user) -> None:
    if not (_is_admin(user) or _is_regulator(user)):
        raise NotAllowed("Only regulators and administrators register organisations.")


def _check_can_edit(user, organization: Organization) -> None:
    if not can_edit_organization(user, organization):
        raise NotAllowed(f"You may not edit {organization.name}.")


# --------------------------------------------------------------------------- organisations


@transaction.atomic
def organization_create(*, user, **data: Any) -> Organization:
    """Register an organisation. ``data``: the fields of :data:`ORG_FIELDS`; codes for region,
    industry and jurisdiction, an id or exact name for park.

    Raises NotAllowed (not a regulator or administrator) or ValidationFailed (``extra.fields``).
    """
    _check_can_create_organization(user)
    errors: Errors = {}
    values = _organization_clean(user=user, data=data, instance=None, lookups=_Lookups(), errors=errors)
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    org = Organization(**values)
    org.full_clean(validate_unique=False)
    org.save()
    audit_record(user=user, action=AuditActionChoices.CREATE, instance=org, after=snapshot(org))
    return org


@transaction.atomic
def organization_update(*, user, organization: Organization, **data: Any) -> Organization:
    """Change the given fields of ``organization`` (a PATCH: absent fields stay as they are)."""
    _check_can_edit(user, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    errors: Errors = {}
    values = _organization_clean(
        user=user, data=data, instance=organization, lookups=_Lookups(), errors=errors
    )
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    before = snapshot(organization)
    for key, value in values.items():
        setattr(organization, key, value)
    organization.full_clean(validate_unique=False)
    organization.save()
    after = snapshot(organization)
    if before != after:
        audit_record(
            user=user, action=AuditActionChoices.UPDATE, instance=organization, before=before, after=after
        )
    return organization
