"""Bulk import (all rows or none) and export of the registry, as CSV or XLSX."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from dualcarbon.registry.errors import InvalidTable
from dualcarbon.registry.tables import table_rows, table_write_csv, table_write_xlsx
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.organizations.selectors import facility_list, organization_list
from dualcarbon_web.organizations.services._common import (
    Errors,
    _add,
    _in_jurisdiction,
    _is_regulator,
    _Lookups,
)
from dualcarbon_web.organizations.services.facilities import _facility_clean
from dualcarbon_web.organizations.services.organizations import (
    _check_can_create_organization,
    _organization_clean,
)
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices
from dualcarbon_web.platform.errors import ValidationFailed
from dualcarbon_web.platform.visibility import can_edit_organization

__all__ = (
    "EXPORT_COLUMNS",
    "FACILITY_EXPORT_COLUMNS",
    "FACILITY_IMPORT_COLUMNS",
    "IMPORT_COLUMNS",
    "IMPORT_INLINE_MAX_ROWS",
    "ImportRejected",
    "ImportResult",
    "facilities_export",
    "facilities_import",
    "organizations_export",
    "organizations_import",
)

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
_EXPORT_ONLY = {"id", "region_name", "industry_name", "park_name", "jurisdiction_name", "organization"}
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


def _read_upload(
    *,
    data: bytes,
    filename: str,
    columns: dict[str, str],
    required: list[str],
) -> list[tuple[int, dict[str, str]]]:
    """Read the upload and check its header; returns ``(row number, cells by column)`` per data row.

    Unknown columns, missing required columns, an unreadable file or a file without data rows are
    reported as :class:`ImportRejected` (row 1 for header problems).
    """
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
        if name not in columns and name not in _EXPORT_ONLY:
            problems.append(
                {"row": 1, "column": original, "reason": f"unknown column; known: {', '.join(columns)}"}
            )
    for name in required:
        if name not in header:
            problems.append({"row": 1, "column": name, "reason": "required column is missing"})
    if not table and not problems:
        problems.append({"row": 2, "column": "", "reason": "the file has a header but no data rows"})
    if problems:
        raise ImportRejected(
            f"{filename or 'the upload'}: the header is not usable", rows=problems, filename=filename
        )
    out = []
    for row in table:
        cells = {}
        for key, value in row.cells.items():
            name = _normalise_header(key)
            if name in columns:
                cells[name] = value
        out.append((row.number, cells))
    return out


def _reject_if_problems(problems: list[dict[str, Any]], filename: str) -> None:
    if problems:
        problems.sort(key=lambda p: (p["row"], p["column"]))
        raise ImportRejected(
            f"{filename or 'the upload'}: {len({p['row'] for p in problems})} row(s) have problems; nothing was stored",
            rows=problems,
            filename=filename,
        )


def _store(
    *,
    user,
    plan: list[tuple[int, Any, Any, dict[str, Any]]],
    filename: str,
    progress: Callable[..., None] | None,
    offset: int,
    total: int,
) -> ImportResult:
    """Write the validated plan in one transaction, one audit entry per changed row.

    ``plan`` rows are ``(row number, existing instance or None, model class, values)``.
    """
    result = ImportResult()
    with transaction.atomic():
        for i, (number, instance, model, values) in enumerate(plan, start=1):
            note = f"import {filename or 'upload'} row {number}"
            if instance is None:
                obj = model(**values)
                obj.save()
                audit_record(
                    user=user, action=AuditActionChoices.IMPORT, instance=obj, after=snapshot(obj), note=note
                )
                result.created += 1
                result.rows.append({"row": number, "id": obj.pk, "action": "created"})
            else:
                before = snapshot(instance)
                for key, value in values.items():
                    setattr(instance, key, value)
                if _same(before, snapshot(instance)):
                    result.unchanged += 1
                    result.rows.append({"row": number, "id": instance.pk, "action": "unchanged"})
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
                    result.rows.append({"row": number, "id": instance.pk, "action": "updated"})
            if progress is not None:
                progress(offset + i, total, "storing")
    return result


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return {k: v for k, v in before.items() if k != "updated"} == {
        k: v for k, v in after.items() if k != "updated"
    }


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
    rows = _read_upload(
        data=data,
        filename=filename,
        columns=IMPORT_COLUMNS,
        required=["name", "uscc", "region"] + ([] if kind else ["kind"]),
    )
    total = len(rows)
    lookups = _Lookups()
    wanted = {cells.get("uscc", "").strip().upper() for _n, cells in rows} - {""}
    existing = {
        o.uscc: o
        for o in Organization.objects.select_related("region", "jurisdiction").filter(uscc__in=wanted)
    }
    seen: dict[str, int] = {}
    problems: list[dict[str, Any]] = []
    plan: list[tuple[int, Any, Any, dict[str, Any]]] = []
    for i, (number, cells) in enumerate(rows, start=1):
        if kind and not cells.get("kind"):
            cells["kind"] = kind
        code = cells.get("uscc", "").strip().upper()
        errors: Errors = {}
        instance = existing.get(code)
        if code and code in seen:
            _add(errors, "uscc", f"{code} appears already in row {seen[code]}")
        elif code:
            seen[code] = number
        values: dict[str, Any] = {}
        if instance is not None and not can_edit_organization(user, instance):
            _add(errors, "uscc", f"{code} is registered to an organisation you may not edit")
        elif instance is not None:
            # an update: only the columns present; the USCC itself is the key and stays
            changes = {k: v for k, v in cells.items() if k != "uscc"}
            values = _organization_clean(
                user=user, data=changes, instance=instance, lookups=lookups, errors=errors
            )
        else:
            values = _organization_clean(user=user, data=cells, instance=None, lookups=lookups, errors=errors)
        for column, messages in errors.items():
            problems.extend({"row": number, "column": column, "reason": m} for m in messages)
        if not errors:
            plan.append((number, instance, Organization, values))
        if progress is not None:
            progress(i, total * 2, "validating")
    _reject_if_problems(problems, filename)
    return _store(user=user, plan=plan, filename=filename, progress=progress, offset=total, total=total * 2)


FACILITY_IMPORT_COLUMNS: dict[str, str] = {
    "organization_uscc": "所属企业的统一社会信用代码 (required): an organisation you may edit",
    "name": "设施名称 (required); with the organisation, the key: an existing facility is updated",
    "code": "设施编号",
    "industry": "行业: GB/T 4754-2017 code (required for a new facility)",
    "region": "所在地: GB/T 2260 code of a province or prefecture (required for a new facility)",
    "park": "所在园区: id or exact name",
    "latitude": "纬度, decimal degrees (-90 to 90)",
    "longitude": "经度, decimal degrees (-180 to 180)",
    "capacity": "规模/产能, free text",
    "status": "operating, suspended or closed",
}
"""Columns of a facility import file; :func:`facilities_export` writes them (plus export-only ones)."""


def facilities_import(
    *,
    user,
    data: bytes,
    filename: str = "",
    progress: Callable[..., None] | None = None,
) -> ImportResult:
    """Create or update facilities from a CSV or XLSX file, all or nothing.

    Each row names its organisation by ``organization_uscc``; the user must be allowed to edit
    that organisation (its members, the regulators of its region, administrators). A row whose
    ``(organisation, name)`` exists updates that facility with the columns present; otherwise a
    facility is created. Errors, row numbers and the single transaction are as in
    :func:`organizations_import`.
    """
    rows = _read_upload(
        data=data, filename=filename, columns=FACILITY_IMPORT_COLUMNS, required=["organization_uscc", "name"]
    )
    total = len(rows)
    lookups = _Lookups()
    codes = {cells.get("organization_uscc", "").strip().upper() for _n, cells in rows} - {""}
    orgs = {o.uscc: o for o in Organization.objects.select_related("region").filter(uscc__in=codes)}
    facilities = {
        (f.organization_id, f.name): f
        for f in Facility.objects.select_related("organization", "region").filter(
            organization__uscc__in=codes
        )
    }
    seen: dict[tuple[int, str], int] = {}
    problems: list[dict[str, Any]] = []
    plan: list[tuple[int, Any, Any, dict[str, Any]]] = []
    for i, (number, cells) in enumerate(rows, start=1):
        errors: Errors = {}
        code = cells.get("organization_uscc", "").strip().upper()
        org = orgs.get(code)
        values: dict[str, Any] = {}
        instance = None
        if not code:
            _add(errors, "organization_uscc", "required")
        elif org is None or not can_edit_organization(user, org):
            _add(errors, "organization_uscc", f"no organisation {code} that you may edit")
        else:
            name = cells.get("name", "").strip()
            key = (org.pk, name)
            if name and key in seen:
                _add(errors, "name", f"{org.name} · {name} appears already in row {seen[key]}")
            elif name:
                seen[key] = number
            instance = facilities.get(key)
            changes = {k: v for k, v in cells.items() if k != "organization_uscc"}
            if instance is not None:
                if _is_regulator(user) and not _in_jurisdiction(user, instance.region):
                    _add(
                        errors,
                        "region",
                        f"{instance.region.code}: this facility lies outside your jurisdiction",
                    )
                changes.pop("name", None)
            else:
                changes["organization_id"] = org.pk
            values = _facility_clean(
                user=user, data=changes, instance=instance, errors=errors, lookups=lookups
            )
            if instance is None:
                values["organization"] = org
        for column, messages in errors.items():
            problems.extend({"row": number, "column": column, "reason": m} for m in messages)
        if not errors:
            plan.append((number, instance, Facility, values))
        if progress is not None:
            progress(i, total * 2, "validating")
    _reject_if_problems(problems, filename)
    return _store(user=user, plan=plan, filename=filename, progress=progress, offset=total, total=total * 2)


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
    ``region_name`` and ``industry_name`` (export only) are in the active language: English names
    when the user chose English, Chinese otherwise.
    """
    rows = [
        [
            o.pk,
            o.kind,
            o.name,
            o.name_en,
            o.uscc,
            o.region.code,
            o.region.display_name,
            o.industry.code if o.industry else "",
            o.industry.display_name if o.industry else "",
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
