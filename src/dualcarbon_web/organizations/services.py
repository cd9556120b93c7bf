"""Writes of the organisations registry: reference data, organisations, facilities, parks, imports.

Every write checks permission (:mod:`dualcarbon_web.platform.visibility`), validates with the
core (:mod:`dualcarbon.registry`), and records an audit entry with the values before and after in
the same transaction. Validation collects *all* field errors and raises one
:class:`~dualcarbon_web.platform.errors.ValidationFailed` with ``extra["fields"]``; forms and the
API show them next to their fields. A bulk import validates every row first and stores nothing
unless every row is good (:func:`organizations_import`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from dualcarbon.registry.errors import InvalidIndustryCode, InvalidRegionCode, InvalidTable, InvalidUSCC
from dualcarbon.registry.gb2260 import divisions, region_code_check
from dualcarbon.registry.gb4754 import industries, industry_code_check
from dualcarbon.registry.tables import table_rows, table_write_csv, table_write_xlsx
from dualcarbon.registry.uscc import uscc_validate
from dualcarbon_web.organizations.choices import (
    FacilityStatusChoices,
    OrganizationKindChoices,
    ParkLevelChoices,
    RegionLevelChoices,
)
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region
from dualcarbon_web.organizations.selectors import facility_list, organization_list
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed
from dualcarbon_web.platform.visibility import can_edit_organization, jurisdiction_prefix

__all__ = (
    "IMPORT_COLUMNS",
    "ImportRejected",
    "ImportResult",
    "facilities_export",
    "facility_create",
    "facility_update",
    "organization_create",
    "organization_update",
    "organizations_export",
    "organizations_import",
    "park_create",
    "park_update",
    "reference_data_load",
)

Errors = dict[str, list[str]]


# --------------------------------------------------------------------------- reference data


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    """Load the shipped GB/T 2260 and GB/T 4754-2017 tables into Region and Industry.

    Idempotent: missing rows are bulk-created (parents before children), changed names are
    bulk-updated, nothing is deleted. Returns the number of rows of each table now present.
    """
    counts = {}
    for model, rows, name in (
        (Region, divisions(), "regions"),
        (Industry, industries(), "industries"),
    ):
        existing = {obj.code: obj for obj in model.objects.all()}
        changed = []
        # shipped tables list parents first; create level by level so parent ids exist
        for level in (
            ("province", "prefecture", "county")
            if model is Region
            else ("section", "division", "group", "class")
        ):
            new = []
            for row in rows:
                if row.level != level:
                    continue
                parent = existing.get(row.parent_code) if row.parent_code else None
                obj = existing.get(row.code)
                if obj is None:
                    new.append(
                        model(
                            code=row.code, name=row.name, name_en=row.name_en, level=row.level, parent=parent
                        )
                    )
                elif (obj.name, obj.name_en, obj.level, obj.parent_id) != (
                    row.name,
                    row.name_en,
                    row.level,
                    parent.pk if parent else None,
                ):
                    obj.name, obj.name_en, obj.level, obj.parent = row.name, row.name_en, row.level, parent
                    changed.append(obj)
            if new:
                model.objects.bulk_create(new)
                existing.update(
                    {obj.code: obj for obj in model.objects.filter(code__in=[o.code for o in new])}
                )
        if changed:
            model.objects.bulk_update(changed, ["name", "name_en", "level", "parent"])
        counts[name] = model.objects.count()
    return counts


# --------------------------------------------------------------------------- helpers


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _reject_control_characters(data: dict[str, Any], errors: Errors) -> None:
    """Text with NUL or other control characters (except tab and newlines) is refused field by field."""
    for name, value in data.items():
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in value):
            _add(errors, name, "contains a control character; remove it")


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


def _is_regulator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == RoleChoices.REGULATOR)


def _in_jurisdiction(user, region: Region | None) -> bool:
    prefix = jurisdiction_prefix(user)
    return bool(prefix and region is not None and region.code.startswith(prefix))


class _Lookups:
    """Regions, industries and parks by code/id, loaded once for a whole import (a few queries)."""

    def __init__(self) -> None:
        self._regions: dict[str, Region] | None = None
        self._industries: dict[str, Industry] | None = None
        self._parks: dict[str, Park] | None = None

    @property
    def regions(self) -> dict[str, Region]:
        if self._regions is None:
            self._regions = {r.code: r for r in Region.objects.all()}
        return self._regions

    @property
    def industries(self) -> dict[str, Industry]:
        if self._industries is None:
            self._industries = {i.code: i for i in Industry.objects.all()}
        return self._industries

    @property
    def parks(self) -> dict[str, Park]:
        if self._parks is None:
            self._parks = {}
            for p in Park.objects.select_related("region"):
                self._parks[str(p.pk)] = p
                self._parks[p.name] = p
        return self._parks

    def region(self, value: Any, name: str, errors: Errors, *, required: bool) -> Region | None:
        if isinstance(value, Region):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                _add(errors, name, "required: a six-digit GB/T 2260 code, e.g. 440100")
            return None
        try:
            code = region_code_check(text)
        except InvalidRegionCode as exc:
            _add(errors, name, exc.reason)
            return None
        region = self.regions.get(code)
        if region is None:
            _add(errors, name, f"{code} is not a province or prefecture in the GB/T 2260 table")
        return region

    def industry(self, value: Any, name: str, errors: Errors, *, required: bool) -> Industry | None:
        if isinstance(value, Industry):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                _add(errors, name, "required: a GB/T 4754-2017 code, e.g. 4411")
            return None
        try:
            code = industry_code_check(text)
        except InvalidIndustryCode as exc:
            _add(errors, name, exc.reason)
            return None
        industry = self.industries.get(code)
        if industry is None:
            _add(errors, name, f"{code} is not in the GB/T 4754-2017 table shipped with dualcarbon")
        return industry

    def park(self, value: Any, name: str, errors: Errors) -> Park | None:
        if isinstance(value, Park) or value is None:
            return value
        text = str(value).strip()
        if not text:
            return None
        park = self.parks.get(text)
        if park is None:
            _add(errors, name, f"no industrial park {text!r} (give its id or exact name)")
        return park


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


# --------------------------------------------------------------------------- facilities


def _decimal(value: Any, name: str, low: float, high: float, errors: Errors) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        _add(errors, name, f"{value!r} is not a number")
        return None
    if not number.is_finite() or not low <= number <= high:
        _add(errors, name, f"must lie between {low} and {high} degrees")
        return None
    return number.quantize(Decimal("0.000001"))


def _facility_clean(
    *, user, data: dict[str, Any], instance: Facility | None, errors: Errors
) -> dict[str, Any]:
    creating = instance is None
    _reject_control_characters(data, errors)
    lookups = _Lookups()
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


# --------------------------------------------------------------------------- import / export

IMPORT_COLUMNS: dict[str, str] = {
    "kind": "类型: enterprise, verification_body, regulator, technology_owner, research",
    "name": "名称 (required)",
    "name_en": "英文名称",
    "uscc": "统一社会信用代码 (required; 18 characters, both check characters are verified)",
    "region": "所在地: six-digit GB/T 2260 code of a province or prefecture (required)",
    "industry": "行业: GB/T 4754-2017 code, e.g. 4411",
    "park": "所在园区: id or exact name of an industrial park",
    "jurisdiction": "管辖区域: regulators only, a province or prefecture code",
    "address": "地址",
    "contact_email": "联系邮箱",
}
"""Columns of an organisation import file (the header row); export writes the same columns."""

_HEADER_ALIASES = {
    "类型": "kind",
    "名称": "name",
    "英文名称": "name_en",
    "统一社会信用代码": "uscc",
    "所在地": "region",
    "行政区划": "region",
    "区划代码": "region",
    "行业": "industry",
    "行业代码": "industry",
    "所在园区": "park",
    "园区": "park",
    "管辖区域": "jurisdiction",
    "地址": "address",
    "联系邮箱": "contact_email",
}
_EXPORT_ONLY = {"id", "region_name", "industry_name", "park_name", "jurisdiction_name"}
IMPORT_INLINE_MAX_ROWS = 500
"""Uploads with more rows than this run as a background job from the import page."""


@dataclass
class ImportResult:
    """What an import stored: counts and, per row, the organisation and the action."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rows": self.rows,
        }


class ImportRejected(ValidationFailed):
    """An upload with bad rows: nothing was stored. ``extra["rows"]`` lists {row, column, reason}."""

    def __init__(self, message: str, *, rows: list[dict[str, Any]], filename: str = "") -> None:
        super().__init__(message, extra={"rows": rows, "filename": filename})
        self.rows = rows


def _normalise_header(name: str) -> str:
    key = name.strip()
    key = _HEADER_ALIASES.get(key, key).lower()
    return re.sub(r"[\s\-]+", "_", key)


def organizations_import(
    *,
    user,
    data: bytes,
    filename: str = "",
    kind: str | None = None,
    progress: Callable[..., None] | None = None,
) -> ImportResult:
    """Create or update organisations from a CSV or XLSX file, all or nothing.

    Parameters
    ----------
    user
        Who imports: an administrator, or a regulator for organisations in its jurisdiction.
    data, filename
        The upload; the format is taken from the name (.csv, .xlsx) or the content.
    kind
        The organisation kind for rows that have no ``kind`` column or leave it empty.
    progress
        Optional ``progress(done, total, message)`` callback (background jobs).

    Rows are matched on ``uscc``: an existing organisation is updated (only the columns present),
    a new code creates one. Every row is validated first; if any is bad, :class:`ImportRejected`
    lists every problem as ``{"row": n, "column": name, "reason": text}`` with ``n`` the
    spreadsheet row (the header is row 1) and nothing is stored. Otherwise all rows are written in
    one transaction with one audit entry each.
    """
    _check_can_create_organization(user)
    if kind and kind not in OrganizationKindChoices.values:
        raise ValidationFailed(
            f"unknown kind {kind!r}", extra={"fields": {"kind": [f"one of {OrganizationKindChoices.values}"]}}
        )
    try:
        raw_header, table = table_rows(data, filename)
    except InvalidTable as exc:
        row = exc.row if exc.row is not None else 1
        raise ImportRejected(
            f"{filename or 'the upload'} cannot be read: {exc.reason}",
            rows=[{"row": row, "column": exc.column or "", "reason": exc.reason}],
            filename=filename,
        ) from exc
    problems: list[dict[str, Any]] = []
    header = [_normalise_header(h) for h in raw_header]
    for original, name in zip(raw_header, header, strict=True):
        if name not in IMPORT_COLUMNS and name not in _EXPORT_ONLY:
            problems.append(
                {
                    "row": 1,
                    "column": original,
                    "reason": f"unknown column; known: {', '.join(IMPORT_COLUMNS)}",
                }
            )
    required = ["name", "uscc", "region"] + ([] if kind else ["kind"])
    for name in required:
        if name not in header:
            problems.append({"row": 1, "column": name, "reason": "required column is missing"})
    if not table and not problems:
        problems.append({"row": 2, "column": "", "reason": "the file has a header but no data rows"})
    if problems:
        raise ImportRejected(
            f"{filename or 'the upload'}: the header is not usable", rows=problems, filename=filename
        )

    total = len(table)
    lookups = _Lookups()
    wanted_codes = set()
    for row in table:
        cells = {_normalise_header(k): v for k, v in row.cells.items()}
        code = cells.get("uscc", "").strip().upper()
        if code:
            wanted_codes.add(code)
    existing = {
        o.uscc: o
        for o in Organization.objects.select_related("region", "jurisdiction").filter(uscc__in=wanted_codes)
    }
    seen: dict[str, int] = {}
    plan: list[tuple[int, Organization | None, dict[str, Any]]] = []
    for i, row in enumerate(table, start=1):
        cells = {
            _normalise_header(k): v for k, v in row.cells.items() if _normalise_header(k) in IMPORT_COLUMNS
        }
        if kind and not cells.get("kind"):
            cells["kind"] = kind
        code = cells.get("uscc", "").strip().upper()
        errors: Errors = {}
        instance = existing.get(code)
        if code and code in seen:
            _add(errors, "uscc", f"{code} appears already in row {seen[code]}")
        elif code:
            seen[code] = row.number
        if instance is not None and not can_edit_organization(user, instance):
            _add(errors, "uscc", f"{code} is registered to an organisation you may not edit")
        elif instance is not None:
            # update: only the columns present; the USCC itself is the key and stays
            changes = {k: v for k, v in cells.items() if k != "uscc"}
            values = _organization_clean(
                user=user, data=changes, instance=instance, lookups=lookups, errors=errors
            )
        else:
            values = _organization_clean(user=user, data=cells, instance=None, lookups=lookups, errors=errors)
        for column, messages in errors.items():
            for message in messages:
                problems.append({"row": row.number, "column": column, "reason": message})
        if not errors:
            plan.append((row.number, instance, values))
        if progress is not None:
            progress(i, total * 2, "validating")
    if problems:
        problems.sort(key=lambda p: (p["row"], p["column"]))
        raise ImportRejected(
            f"{filename or 'the upload'}: {len({p['row'] for p in problems})} row(s) have problems; nothing was stored",
            rows=problems,
            filename=filename,
        )

    result = ImportResult()
    with transaction.atomic():
        for i, (number, instance, values) in enumerate(plan, start=1):
            note = f"import {filename or 'upload'} row {number}"
            if instance is None:
                org = Organization(**values)
                org.save()
                audit_record(
                    user=user, action=AuditActionChoices.IMPORT, instance=org, after=snapshot(org), note=note
                )
                result.created += 1
                result.rows.append({"row": number, "id": org.pk, "uscc": org.uscc, "action": "created"})
            else:
                before = snapshot(instance)
                for key, value in values.items():
                    setattr(instance, key, value)
                after = snapshot(instance)
                if {k: v for k, v in before.items() if k != "updated"} == {
                    k: v for k, v in after.items() if k != "updated"
                }:
                    result.unchanged += 1
                    result.rows.append(
                        {"row": number, "id": instance.pk, "uscc": instance.uscc, "action": "unchanged"}
                    )
                else:
                    instance.save()
                    audit_record(
                        user=user,
                        action=AuditActionChoices.IMPORT,
                        instance=instance,
                        before=before,
                        after=snapshot(instance),
                        note=note,
                    )
                    result.updated += 1
                    result.rows.append(
                        {"row": number, "id": instance.pk, "uscc": instance.uscc, "action": "updated"}
                    )
            if progress is not None:
                progress(total + i, total * 2, "storing")
    return result


EXPORT_COLUMNS = (
    "id",
    "kind",
    "name",
    "name_en",
    "uscc",
    "region",
    "region_name",
    "industry",
    "industry_name",
    "park",
    "jurisdiction",
    "address",
    "contact_email",
)


def _export(fmt: str, header: list[str], rows: list[list[Any]], stem: str) -> tuple[bytes, str, str]:
    if fmt == "xlsx":
        return (
            table_write_xlsx(header, rows, sheet=stem),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{stem}.xlsx",
        )
    if fmt == "csv":
        return table_write_csv(header, rows), "text/csv; charset=utf-8", f"{stem}.csv"
    raise ValidationFailed(f"unknown export format {fmt!r}", extra={"fields": {"format": ["csv or xlsx"]}})


def organizations_export(*, user, fmt: str = "csv", **filters: Any) -> tuple[bytes, str, str]:
    """Exactly the organisations ``user`` may see (and the filters keep), in the import format.

    Returns ``(content, content_type, filename)``. The file can be imported back unchanged.
    """
    rows = [
        [
            o.pk,
            o.kind,
            o.name,
            o.name_en,
            o.uscc,
            o.region.code,
            o.region.name,
            o.industry.code if o.industry else "",
            o.industry.name if o.industry else "",
            o.park.name if o.park else "",
            o.jurisdiction.code if o.jurisdiction else "",
            o.address,
            o.contact_email,
        ]
        for o in organization_list(user=user, **filters)
    ]
    return _export(fmt, list(EXPORT_COLUMNS), rows, "organizations")


FACILITY_EXPORT_COLUMNS = (
    "id",
    "organization_uscc",
    "organization",
    "name",
    "code",
    "industry",
    "region",
    "park",
    "latitude",
    "longitude",
    "capacity",
    "status",
)


def facilities_export(*, user, fmt: str = "csv", **filters: Any) -> tuple[bytes, str, str]:
    """Exactly the facilities ``user`` may see, as CSV or XLSX."""
    rows = [
        [
            f.pk,
            f.organization.uscc,
            f.organization.name,
            f.name,
            f.code,
            f.industry.code,
            f.region.code,
            f.park.name if f.park else "",
            f.latitude,
            f.longitude,
            f.capacity,
            f.status,
        ]
        for f in facility_list(user=user, **filters)
    ]
    return _export(fmt, list(FACILITY_EXPORT_COLUMNS), rows, "facilities")
