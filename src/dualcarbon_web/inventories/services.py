"""Writes of the inventories app: inventories, activity lines (form and upload), calculation runs.

Every write runs in one transaction with its audit entry. An upload is all or nothing: every row is
validated first -- by the platform (entity and period belong to this inventory) and by the
accounting core (:func:`dualcarbon.accounting.account` with the inventory's options and the
platform's factor database) -- and if any row is bad, :class:`LinesRejected` lists every bad row
with its row number, column and reason, and nothing is stored.

A calculation stores the engine's result, one :class:`CalculationLine` per activity line (tCO2e,
the ``id@version`` of every factor used and the key of its trace) and the complete
:class:`~dualcarbon.accounting.records.CalculationRecord`, which :func:`run_rerun` re-runs with the
pinned factor versions. Inventories with more than :data:`INLINE_MAX_LINES` lines are calculated as
a background job with progress.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dualcarbon.accounting import (
    ActivityDataError,
    CalculationRecord,
    RecordMismatch,
    account,
    read_lines,
    rerun,
)
from dualcarbon.accounting.engine import NUMERIC_COLUMNS
from dualcarbon.accounting.methodologies import SCOPE_OF_CATEGORY, get_methodology
from dualcarbon.errors import DataNotFound, DualCarbonError, InputError
from dualcarbon_web.factors.selectors import factor_database
from dualcarbon_web.inventories.choices import (
    FACTOR_SET_CHOICES,
    GWP_CHOICES,
    METHODOLOGY_CHOICES,
    InventoryStatusChoices,
    VintageChoices,
)
from dualcarbon_web.inventories.models import (
    LINE_COLUMNS,
    ActivityLine,
    CalculationCheck,
    CalculationLine,
    CalculationRun,
    Inventory,
    MonteCarloAnalysis,
)
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed, ValidationFailed

__all__ = (
    "INLINE_MAX_LINES",
    "MONTE_CARLO_DEFAULT_ITERATIONS",
    "MONTE_CARLO_MAX_ITERATIONS",
    "MONTE_CARLO_MAX_SEED",
    "MONTE_CARLO_MIN_ITERATIONS",
    "UPLOAD_INLINE_MAX_BYTES",
    "UPLOAD_SUFFIXES",
    "LinesRejected",
    "UploadResult",
    "activity_line_add",
    "activity_line_delete",
    "activity_line_update",
    "activity_lines_upload",
    "activity_lines_upload_submit",
    "facility_entity",
    "inventory_calculate",
    "inventory_calculate_now",
    "inventory_create",
    "inventory_entities",
    "inventory_release",
    "inventory_update",
    "run_monte_carlo_now",
    "run_monte_carlo_request",
    "run_rerun",
    "upload_is_large",
    "user_may_edit_inventory",
)

#: Inventories with more lines than this are calculated as a background job.
INLINE_MAX_LINES = 5000
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".json")
_ELECTRICITY = ("purchased_electricity", "exported_electricity")
_TEXT_COLUMNS = tuple(c for c in LINE_COLUMNS if c not in NUMERIC_COLUMNS)
_BATCH = 2000
#: Row-number columns of the core's readers: spreadsheet rows (``_row``) or JSON records (``_record``).
_ROW_COLUMNS = ("_row", "_record")
#: Whether a line named its own methodology; lines that do not follow the inventory's when it changes.
_METHODOLOGY_GIVEN = "_methodology_given"

Progress = Callable[..., None]


class LinesRejected(ValidationFailed):
    """Activity lines with bad rows: nothing was stored. ``extra["rows"]`` lists {row, column, reason}."""

    def __init__(self, message: str, *, rows: list[dict[str, Any]], filename: str = "") -> None:
        super().__init__(message, extra={"rows": rows, "filename": filename})
        self.rows = rows


@dataclass(frozen=True)
class UploadResult:
    created: int
    replaced: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "replaced": self.replaced}


# --------------------------------------------------------------------------- permissions


def user_may_edit_inventory(user, inventory: Inventory) -> bool:
    """Administrators edit any inventory; enterprise members those of their own organisation."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    return user.role == RoleChoices.ENTERPRISE and inventory.organization_id == user.organization_id


def _require_editor(user, inventory: Inventory) -> None:
    if not user_may_edit_inventory(user, inventory):
        raise NotAllowed("Only the reporting enterprise (or an administrator) changes an inventory.")


# --------------------------------------------------------------------------- entities


def facility_entity(facility: Facility) -> str:
    """The ``entity`` value of a facility's lines: its facility code, or ``F<id>`` when it has none."""
    return facility.code or f"F{facility.pk}"


def inventory_entities(inventory: Inventory) -> tuple[str, dict[str, Facility | None]]:
    """(default entity, allowed entity -> facility or ``None`` for the enterprise itself)."""
    if inventory.facility_id:
        entity = facility_entity(inventory.facility)
        return entity, {entity: inventory.facility}
    allowed: dict[str, Facility | None] = {}
    for facility in Facility.objects.filter(organization_id=inventory.organization_id).order_by("pk"):
        allowed.setdefault(facility_entity(facility), facility)
    allowed[inventory.organization.uscc] = None
    return inventory.organization.uscc, allowed


# --------------------------------------------------------------------------- inventories


def _choice(value: str, choices, field: str) -> str:
    values = [str(c[0]) for c in choices]
    if value not in values:
        raise ValidationFailed(
            f"{field}: {value!r} is not one of the choices.",
            extra={"fields": {field: [f"one of {', '.join(v or '(empty)' for v in values)}"]}},
        )
    return value


def _options(data: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    if "methodology" in data:
        out["methodology"] = _choice(str(data["methodology"] or ""), METHODOLOGY_CHOICES, "methodology")
    if "gwp" in data:
        out["gwp"] = _choice(str(data["gwp"] or "").upper(), GWP_CHOICES, "gwp")
    if "factor_set" in data:
        out["factor_set"] = _choice(str(data["factor_set"] or ""), FACTOR_SET_CHOICES, "factor_set")
    if "vintage" in data:
        out["vintage"] = _choice(str(data["vintage"] or ""), VintageChoices.choices, "vintage")
    return out


def inventory_create(
    *,
    user,
    organization: Organization | None = None,
    facility: Facility | None = None,
    year: int,
    name: str = "",
    methodology: str | None = None,
    gwp: str = "AR5",
    factor_set: str = "",
    vintage: str = VintageChoices.EXACT,
) -> Inventory:
    """Create an inventory for ``facility`` (or the whole ``organization``) and ``year``.

    Enterprise members create inventories for their own organisation and its facilities;
    administrators for any enterprise. Raises :class:`ValidationFailed` naming the bad field.
    """
    if facility is not None:
        if organization is not None and facility.organization_id != organization.pk:
            raise ValidationFailed(
                "The facility belongs to another organisation.",
                extra={"fields": {"facility": ["not a facility of this organisation"]}},
            )
        organization = facility.organization
    if organization is None:
        if getattr(user, "organization", None) is None:
            raise ValidationFailed(
                "Name the organisation or the facility.", extra={"fields": {"organization": ["required"]}}
            )
        organization = user.organization
    if not getattr(user, "is_authenticated", False) or not (
        user.is_platform_admin
        or (user.role == RoleChoices.ENTERPRISE and user.organization_id == organization.pk)
    ):
        raise NotAllowed(
            "Enterprise members create inventories for their own enterprise; administrators for any."
        )
    if organization.kind != OrganizationKindChoices.ENTERPRISE:
        raise ValidationFailed(
            "Inventories are kept for enterprises (重点排放单位).",
            extra={"fields": {"organization": ["not an enterprise"]}},
        )
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"year {year!r} is not a year", extra={"fields": {"year": ["not a year"]}}
        ) from None
    if not 1990 <= year <= 2100:
        raise ValidationFailed(
            f"year {year} is out of range", extra={"fields": {"year": ["between 1990 and 2100"]}}
        )
    options = _options(
        {
            "methodology": methodology or get_methodology(None).id,
            "gwp": gwp,
            "factor_set": factor_set or "",
            "vintage": vintage,
        }
    )
    duplicate = Inventory.objects.filter(organization=organization, facility=facility, year=year).exists()
    if duplicate:
        raise ValidationFailed(
            f"There is already an inventory for {facility or organization} in {year}.",
            extra={"fields": {"year": ["an inventory for this year exists"]}},
        )
    try:
        with transaction.atomic():
            inventory = Inventory.objects.create(
                organization=organization,
                facility=facility,
                year=year,
                name=(name or "").strip()[:200],
                created_by=user if getattr(user, "is_authenticated", False) else None,
                **options,
            )
            audit_record(
                user=user, action=AuditActionChoices.CREATE, instance=inventory, after=snapshot(inventory)
            )
    except IntegrityError as exc:  # a concurrent request created the same inventory
        raise ValidationFailed(
            "That inventory was created meanwhile.",
            extra={"fields": {"year": ["an inventory for this year exists"]}},
        ) from exc
    return inventory


def inventory_update(*, user, inventory: Inventory, data: Mapping[str, Any]) -> Inventory:
    """Change the name or the accounting options; a changed option makes the results out of date."""
    _require_editor(user, inventory)
    unknown = set(data) - {"name", "methodology", "gwp", "factor_set", "vintage"}
    if unknown:
        raise ValidationFailed(
            f"cannot change {sorted(unknown)}", extra={"fields": {k: ["not changeable"] for k in unknown}}
        )
    options = _options(data)
    with transaction.atomic():
        inventory = (
            Inventory.objects.select_for_update(of=("self",))
            .select_related("organization", "facility")
            .get(pk=inventory.pk)
        )
        before = snapshot(inventory)
        changed = {k: v for k, v in options.items() if getattr(inventory, k) != v}
        for k, v in changed.items():
            setattr(inventory, k, v)
        if "name" in data:
            inventory.name = str(data["name"] or "").strip()[:200]
        if changed:
            _mark_changed(inventory)
        inventory.save()
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=inventory,
            before=before,
            after=snapshot(inventory),
        )
    return inventory


def _mark_changed(inventory: Inventory) -> None:
    """Bump the revision: the latest run no longer reflects the lines and options."""
    inventory.revision = (inventory.revision or 0) + 1
    if inventory.status != InventoryStatusChoices.CALCULATING:
        inventory.status = InventoryStatusChoices.DRAFT


# --------------------------------------------------------------------------- validating lines


def _normalise(frame: pl.DataFrame) -> pl.DataFrame:
    rename = {c: c.strip().lower() for c in frame.columns if c != c.strip().lower()}
    return frame.rename(rename) if rename else frame


def _row_errors(exc: ActivityDataError) -> list[dict[str, Any]]:
    return [
        {"row": e.row, "column": e.column, "reason": e.reason, "row_label": e.row_label} for e in exc.errors
    ]


def _platform_fill(
    inventory: Inventory, frame: pl.DataFrame, label: str
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Check and fill what the platform decides: known columns, the entity, the period, the methodology.

    Empty ``entity`` becomes the inventory's facility (or the enterprise's USCC); empty ``period``
    becomes the inventory's year; empty ``methodology`` the inventory's methodology.
    """
    errors: list[dict[str, Any]] = []
    unknown = [c for c in frame.columns if c not in LINE_COLUMNS and c not in _ROW_COLUMNS]
    for c in unknown:
        errors.append(
            {
                "row": 1,
                "column": c,
                "reason": "unknown column; the interchange columns are " + ", ".join(LINE_COLUMNS),
                "row_label": "row",
            }
        )
    if unknown:
        frame = frame.drop(unknown)
    rc = next((c for c in _ROW_COLUMNS if c in frame.columns), None)
    if rc is None:
        rc = "_row"
        frame = frame.with_row_index(rc, offset=1)
    for c in ("entity", "period", "methodology"):
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    default_entity, allowed = inventory_entities(inventory)
    year = str(inventory.year)

    def text(c: str) -> pl.Expr:
        v = pl.col(c).cast(pl.String).str.strip_chars()
        return pl.when(v == "").then(None).otherwise(v)

    frame = frame.with_columns(
        text("methodology").is_not_null().alias(_METHODOLOGY_GIVEN),
        text("entity").fill_null(default_entity).alias("entity"),
        text("period").fill_null(year).alias("period"),
        text("methodology").fill_null(inventory.methodology).alias("methodology"),
    )
    bad_entity = frame.filter(~pl.col("entity").is_in(list(allowed))).select(rc, "entity")
    where = (
        f"this inventory's facility {default_entity!r}"
        if inventory.facility_id
        else "a facility code of this enterprise (" + ", ".join(sorted(allowed)) + ")"
    )
    for row, value in bad_entity.iter_rows():
        errors.append(
            {
                "row": row,
                "column": "entity",
                "reason": f"{value!r} is not {where}; leave it empty",
                "row_label": label,
            }
        )
    bad_period = frame.filter(~pl.col("period").str.starts_with(year)).select(rc, "period")
    for row, value in bad_period.iter_rows():
        errors.append(
            {
                "row": row,
                "column": "period",
                "reason": f"{value!r} is outside the inventory's year {year} (write {year}, {year}-05 or {year}Q2)",
                "row_label": label,
            }
        )
    return frame, errors


def _core_check(inventory: Inventory, frame: pl.DataFrame, source: str, label: str) -> list[dict[str, Any]]:
    """Every row the accounting core cannot compute with the inventory's options, or ``[]``.

    ``label`` is the reader's word for a row (``row`` in a spreadsheet, ``record`` in JSON)."""
    try:
        account(
            frame,
            gwp=inventory.gwp,
            factor_set=inventory.factor_set or None,
            vintage=inventory.vintage,
            db=factor_database(),
            source=source,
            keep_lines=False,
        )
    except ActivityDataError as exc:
        return [{**e, "row_label": label if e["row"] > 1 else e["row_label"]} for e in _row_errors(exc)]
    except InputError as exc:
        return [{"row": exc.row or 1, "column": exc.column or "", "reason": exc.reason, "row_label": "row"}]
    return []


def _validated(inventory: Inventory, frame: pl.DataFrame, label: str, source: str) -> pl.DataFrame:
    """The frame with platform defaults filled, typed by the core; :class:`LinesRejected` otherwise."""
    from dualcarbon.accounting import prepare_lines

    frame, errors = _platform_fill(inventory, _normalise(frame), label)
    errors += _core_check(inventory, frame, source, label)
    if errors:
        unique = {(e["row"], e["column"], e["reason"]): e for e in errors}
        rows = sorted(unique.values(), key=lambda e: (e["row"], e["column"]))
        raise LinesRejected(
            f"{len({e['row'] for e in rows})} row(s) cannot be accounted; nothing was stored.",
            rows=rows,
            filename=source,
        )
    typed, _ = prepare_lines(frame, source=source)
    return typed


def _line_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The stored values of a validated line; a methodology filled in from the inventory stays empty."""
    out: dict[str, Any] = {}
    for c in LINE_COLUMNS:
        v = record.get(c)
        if c in NUMERIC_COLUMNS:
            out[c] = None if v is None else float(v)
        else:
            out[c] = "" if v is None else str(v).strip()
    if record.get(_METHODOLOGY_GIVEN) is False:
        out["methodology"] = ""
    return out


def _frame_from_data(data: Mapping[str, Any], row: int) -> pl.DataFrame:
    record: dict[str, Any] = {"_row": row}
    for c in LINE_COLUMNS:
        v = data.get(c)
        if isinstance(v, str):
            v = v.strip() or None
        record[c] = v
    schema = {
        "_row": pl.Int64,
        **{c: (pl.Float64 if c in NUMERIC_COLUMNS else pl.String) for c in LINE_COLUMNS},
    }
    try:
        return pl.DataFrame([record], schema=schema)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        # a value that is not a number: let the core name it
        return pl.DataFrame([{k: (None if v is None else str(v)) for k, v in record.items()}])


def _fields_error(exc: LinesRejected) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for e in exc.rows:
        fields.setdefault(e["column"] or "__all__", []).append(e["reason"])
    return ValidationFailed("The line cannot be accounted; see extra.fields.", extra={"fields": fields})


# --------------------------------------------------------------------------- lines: form


def activity_line_add(*, user, inventory: Inventory, data: Mapping[str, Any]) -> ActivityLine:
    """Add one line (a form or an API call); field errors name the column and the reason."""
    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    try:
        typed = _validated(inventory, _frame_from_data(data, 1), "row", "form")
    except LinesRejected as exc:
        raise _fields_error(exc) from exc
    values = _line_values(typed.to_dicts()[0])
    with transaction.atomic():
        inventory = _lock(inventory)
        position = (
            ActivityLine.objects.filter(inventory=inventory).aggregate(m=Max("position"))["m"] or 0
        ) + 1
        line = ActivityLine.objects.create(inventory=inventory, position=position, source="form", **values)
        _mark_changed(inventory)
        inventory.save(update_fields=["revision", "status", "updated"])
        audit_record(user=user, action=AuditActionChoices.CREATE, instance=line, after=snapshot(line))
    return line


def activity_line_update(
    *, user, inventory: Inventory, line: ActivityLine, data: Mapping[str, Any]
) -> ActivityLine:
    """Change one line; the whole line is validated again as it will be."""
    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    merged = {**line.as_row(), **{k: v for k, v in data.items() if k in LINE_COLUMNS}}
    try:
        typed = _validated(inventory, _frame_from_data(merged, line.position), "row", "form")
    except LinesRejected as exc:
        raise _fields_error(exc) from exc
    values = _line_values(typed.to_dicts()[0])
    with transaction.atomic():
        inventory = _lock(inventory)
        line = ActivityLine.objects.select_for_update(of=("self",)).get(pk=line.pk, inventory=inventory)
        before = snapshot(line)
        for k, v in values.items():
            setattr(line, k, v)
        line.save()
        _mark_changed(inventory)
        inventory.save(update_fields=["revision", "status", "updated"])
        audit_record(
            user=user, action=AuditActionChoices.UPDATE, instance=line, before=before, after=snapshot(line)
        )
    return line


def activity_line_delete(*, user, inventory: Inventory, line: ActivityLine) -> None:
    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    with transaction.atomic():
        inventory = _lock(inventory)
        before = snapshot(line)
        audit_record(user=user, action=AuditActionChoices.DELETE, instance=line, before=before)
        ActivityLine.objects.filter(pk=line.pk, inventory=inventory).delete()
        _mark_changed(inventory)
        inventory.save(update_fields=["revision", "status", "updated"])


def _lock(inventory: Inventory) -> Inventory:
    return (
        Inventory.objects.select_for_update(of=("self",))
        .select_related("organization", "facility")
        .get(pk=inventory.pk)
    )


def _refuse_while_calculating(inventory: Inventory) -> None:
    if inventory.status == InventoryStatusChoices.CALCULATING:
        raise InvalidTransition("The inventory is being calculated; wait for the job to finish.")


# --------------------------------------------------------------------------- lines: upload


#: Uploads larger than this (bytes) are stored and validated as a background job.
UPLOAD_INLINE_MAX_BYTES = 2 * 1024 * 1024


def upload_is_large(data: bytes, filename: str) -> bool:
    """Whether an upload goes to a background job: more than :data:`INLINE_MAX_LINES` text lines
    (CSV, JSON) or more than :data:`UPLOAD_INLINE_MAX_BYTES` bytes (any format)."""
    if len(data) > UPLOAD_INLINE_MAX_BYTES:
        return True
    return (
        Path(filename or "").suffix.lower() in (".csv", ".txt", ".json")
        and data.count(b"\n") > INLINE_MAX_LINES
    )


def activity_lines_upload(
    *,
    user,
    inventory: Inventory,
    data: bytes,
    filename: str,
    replace: bool = False,
    progress: Progress | None = None,
) -> UploadResult:
    """Add (or, with ``replace``, replace) lines from a CSV, XLSX or JSON file, all or nothing.

    The file is in the core's interchange format (docs/accounting.md): a header row of column names.
    Row numbers in errors are spreadsheet rows (the header is row 1) or, for JSON, record numbers.
    Raises :class:`LinesRejected` listing every bad row; then nothing is stored.
    """
    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    name = Path(filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationFailed(
            f"{name}: unsupported file type {suffix or '(none)'}; upload .csv, .xlsx or .json",
            extra={"fields": {"file": ["use .csv, .xlsx or .json"]}},
        )
    with tempfile.TemporaryDirectory(prefix="dc-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            frame, label = read_lines(path)
        except ActivityDataError as exc:
            raise LinesRejected(
                f"{name} cannot be read; nothing was stored.", rows=_row_errors(exc), filename=name
            ) from exc
        except InputError as exc:
            raise LinesRejected(
                f"{name} cannot be read; nothing was stored.",
                rows=[
                    {
                        "row": exc.row or 1,
                        "column": exc.column or "",
                        "reason": exc.reason,
                        "row_label": "row",
                    }
                ],
                filename=name,
            ) from exc
    if frame.height == 0:
        raise LinesRejected(
            f"{name} has no activity lines.",
            rows=[
                {"row": 2, "column": "entity", "reason": "no data rows below the header", "row_label": "row"}
            ],
            filename=name,
        )
    report = progress or (lambda *a, **k: None)
    report(0, frame.height, "validating")
    typed = _validated(inventory, frame, label, name)
    records = typed.to_dicts()
    report(0, len(records), "storing")
    with transaction.atomic():
        inventory = _lock(inventory)
        before = {
            "lines": ActivityLine.objects.filter(inventory=inventory).count(),
            "revision": inventory.revision,
        }
        replaced = 0
        if replace:
            replaced = ActivityLine.objects.filter(inventory=inventory).delete()[0]
            start = 0
        else:
            start = ActivityLine.objects.filter(inventory=inventory).aggregate(m=Max("position"))["m"] or 0
        lines = [
            ActivityLine(
                inventory=inventory,
                position=start + i,
                source=f"{name} {label} {rec['_row']}"[:200],
                **_line_values(rec),
            )
            for i, rec in enumerate(records, start=1)
        ]
        for start_at in range(0, len(lines), _BATCH):
            ActivityLine.objects.bulk_create(lines[start_at : start_at + _BATCH])
            report(min(start_at + _BATCH, len(lines)), len(lines), "storing")
        _mark_changed(inventory)
        inventory.save(update_fields=["revision", "status", "updated"])
        audit_record(
            user=user,
            action=AuditActionChoices.IMPORT,
            instance=inventory,
            before=before,
            after={
                "lines": before["lines"] - replaced + len(lines),
                "revision": inventory.revision,
                "file": name,
                "created": len(lines),
                "replaced": replaced,
            },
            note=f"upload {name}",
        )
    return UploadResult(created=len(lines), replaced=replaced)


def activity_lines_upload_submit(
    *, user, inventory: Inventory, data: bytes, filename: str, replace: bool = False
):
    """Store an upload now (returns :class:`UploadResult`) or, when :func:`upload_is_large`, queue it as
    a background job (returns the Job; a rejected file fails the job with every bad row listed)."""
    from dualcarbon_web.inventories.jobs import activity_lines_upload_enqueue

    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    suffix = Path(filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationFailed(
            f"{filename}: unsupported file type {suffix or '(none)'}; upload .csv, .xlsx or .json",
            extra={"fields": {"file": ["use .csv, .xlsx or .json"]}},
        )
    if upload_is_large(data, filename):
        return activity_lines_upload_enqueue(
            user=user, inventory=inventory, data=data, filename=filename, replace=replace
        )
    return activity_lines_upload(
        user=user, inventory=inventory, data=data, filename=filename, replace=replace
    )


# --------------------------------------------------------------------------- calculation


def inventory_calculate(*, user, inventory: Inventory):
    """Calculate now (returns the :class:`CalculationRun`) or, for more than :data:`INLINE_MAX_LINES`
    lines, queue a background job (returns the :class:`~dualcarbon_web.platform.models.Job`)."""
    from dualcarbon_web.inventories.jobs import inventory_calculate_enqueue

    _require_editor(user, inventory)
    _refuse_while_calculating(inventory)
    n = ActivityLine.objects.filter(inventory=inventory).count()
    if n == 0:
        raise ValidationFailed(
            "The inventory has no activity lines yet; add or upload some first.",
            extra={"fields": {"lines": ["no lines"]}},
        )
    if n <= INLINE_MAX_LINES:
        return inventory_calculate_now(user=user, inventory=inventory)
    with transaction.atomic():
        locked = _lock(inventory)
        _refuse_while_calculating(locked)
        before = snapshot(locked)
        locked.status = InventoryStatusChoices.CALCULATING
        locked.save(update_fields=["status", "updated"])
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=locked,
            before=before,
            after=snapshot(locked),
        )
    try:
        return inventory_calculate_enqueue(user=user, inventory=locked)
    except Exception:
        Inventory.objects.filter(pk=locked.pk, status=InventoryStatusChoices.CALCULATING).update(
            status=InventoryStatusChoices.DRAFT
        )
        raise


def _calculation_frame(inventory: Inventory) -> pl.DataFrame:
    columns = ("position", *LINE_COLUMNS)
    rows = list(ActivityLine.objects.filter(inventory=inventory).order_by("position").values_list(*columns))
    data: dict[str, list] = {c: [] for c in columns}
    for row in rows:
        for c, v in zip(columns, row, strict=True):
            data[c].append(None if v == "" else v)
    data["methodology"] = [m or inventory.methodology for m in data["methodology"]]
    schema = {c: (pl.Float64 if c in NUMERIC_COLUMNS else pl.String) for c in LINE_COLUMNS}
    frame = pl.DataFrame({c: data[c] for c in LINE_COLUMNS}, schema=schema)
    return frame.with_columns(pl.Series("_row", data["position"], dtype=pl.Int64)).select(
        "_row", *LINE_COLUMNS
    )


def _key_signature(values: Mapping[str, Any]) -> tuple:
    """The core's line key of a line (the columns that decide its arithmetic), to find its trace."""

    def t(c: str) -> str:
        v = values.get(c)
        return "" if v is None else str(v).strip()

    has = {
        c: values.get(c) is not None for c in ("ncv", "carbon_content", "oxidation_rate", "factor", "purity")
    }
    category = t("category")
    try:
        methodology = get_methodology(t("methodology") or None).ref
    except DataNotFound:
        methodology = t("methodology")
    return (
        category,
        t("item"),
        t("unit"),
        t("region") if category in _ELECTRICITY else "",
        methodology,
        int(t("period")[:4]),
        t("ncv_unit") if has["ncv"] else "",
        t("carbon_content_unit") if has["carbon_content"] else "",
        t("factor_unit") if has["factor"] else "",
        has["ncv"],
        has["carbon_content"],
        has["oxidation_rate"],
        has["factor"],
        has["purity"],
    )


def _record_key_signature(key: Mapping[str, Any]) -> tuple:
    return (
        key["category"],
        key["item"],
        key["unit"],
        key["region"],
        key["methodology"],
        int(key["year"]),
        key["ncv_unit"],
        key["carbon_content_unit"],
        key["factor_unit"],
        key["has_ncv"],
        key["has_carbon_content"],
        key["has_oxidation_rate"],
        key["has_factor"],
        key["has_purity"],
    )


def _scope_totals(result_json: Mapping[str, Any]) -> tuple[float, float]:
    s1 = sum(e["by_scope"].get("scope1", 0.0) for e in result_json["entities"].values())
    s2 = sum(e["by_scope"].get("scope2", 0.0) for e in result_json["entities"].values())
    return s1, s2


def inventory_calculate_now(
    *, user, inventory: Inventory, progress: Progress | None = None, job_id=None
) -> CalculationRun:
    """Calculate ``inventory`` in this process and store the run (see the module docstring).

    Raises :class:`LinesRejected` (every line the core cannot compute) and
    :class:`InvalidTransition` if the lines changed while the calculation ran.
    """
    _require_editor(user, inventory)
    report = progress or (lambda *a, **k: None)
    revision = Inventory.objects.filter(pk=inventory.pk).values_list("revision", flat=True).first()
    frame = _calculation_frame(inventory)
    total_lines = frame.height
    report(0, total_lines, "accounting")
    try:
        result = account(
            frame,
            gwp=inventory.gwp,
            factor_set=inventory.factor_set or None,
            vintage=inventory.vintage,
            db=factor_database(),
            source=f"inventory:{inventory.pk}",
            keep_lines=True,
        )
    except ActivityDataError as exc:
        inventory_release(inventory)
        raise LinesRejected(
            f"{len({e.row for e in exc.errors})} line(s) cannot be accounted; correct them and calculate again.",
            rows=_row_errors(exc),
        ) from exc
    except DualCarbonError:
        inventory_release(inventory)
        raise
    record = result.record
    record_dict = record.to_dict(include_inputs=True)  # hashes the inputs once
    record_text = json.dumps(record_dict, ensure_ascii=False, separators=(",", ":"), default=str)
    keys = record_dict["keys"]
    signature_to_key = {_record_key_signature(k): k["key"] for k in keys}
    _, allowed = inventory_entities(inventory)
    result_json = result.to_json()
    scope1, scope2 = _scope_totals(result_json)
    inputs_by_row = {r["_row"]: r for r in frame.to_dicts()}
    line_rows = result.lines.to_dicts() if result.lines is not None else []
    has_key_column = result.lines is not None and "key" in result.lines.columns
    with transaction.atomic():
        locked = _lock(inventory)
        if locked.revision != revision:
            raise InvalidTransition("The lines changed while the calculation ran; calculate again.")
        before = snapshot(locked)
        number = (CalculationRun.objects.filter(inventory=locked).aggregate(m=Max("number"))["m"] or 0) + 1
        run = CalculationRun.objects.create(
            inventory=locked,
            number=number,
            inventory_revision=locked.revision,
            ran_by=user if getattr(user, "is_authenticated", False) else None,
            job_id=job_id,
            methodology=locked.methodology,
            gwp=result.gwp,
            factor_set=locked.factor_set,
            vintage=locked.vintage,
            line_count=total_lines,
            total_tco2e=result.total_tco2e,
            scope1_tco2e=scope1,
            scope2_tco2e=scope2,
            result=_finite(json.loads(json.dumps(result_json, default=str))),
            keys=keys,
            factors=record.factors,
            record=record_text,
            input_sha256=record_dict["input_sha256"],
            dualcarbon_version=record.dualcarbon_version[:32],
        )
        batch: list[CalculationLine] = []
        for done, line in enumerate(line_rows, start=1):
            source = inputs_by_row.get(line["row"], {})
            key = line.get("key") if has_key_column else signature_to_key.get(_key_signature(source))
            facility = allowed.get(line["entity"] or "")
            batch.append(
                CalculationLine(
                    run=run,
                    row=line["row"],
                    facility_id=facility.pk if facility is not None else None,
                    entity=line["entity"] or "",
                    period=line["period"] or "",
                    category=line["category"],
                    scope=SCOPE_OF_CATEGORY.get(line["category"], ""),
                    item=line["item"] or "",
                    quantity=line["quantity"],
                    unit=line["unit"] or "",
                    counterparty=line.get("counterparty") or "",
                    tco2e=line["tco2e"],
                    factors=list(line["factors"] or []),
                    methodology=line["methodology"] or "",
                    uncertainty_pct=line.get("uncertainty_pct"),
                    flags=line.get("flags") or "",
                    key=key,
                )
            )
            if len(batch) >= _BATCH:
                CalculationLine.objects.bulk_create(batch)
                batch = []
                report(done, total_lines, "storing line results")
        if batch:
            CalculationLine.objects.bulk_create(batch)
        locked.latest_run = run
        locked.status = InventoryStatusChoices.CALCULATED
        locked.save(update_fields=["latest_run", "status", "updated"])
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            instance=run,
            after={
                "inventory": locked.pk,
                "number": run.number,
                "lines": total_lines,
                "total_tco2e": run.total_tco2e,
                "factors_used": result_json["factors_used"],
                "input_sha256": run.input_sha256,
            },
        )
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=locked,
            before=before,
            after=snapshot(locked),
        )
    report(total_lines, total_lines, "done")
    return run


def _finite(value: Any) -> Any:
    """JSON with every non-finite float as ``null`` (PostgreSQL's jsonb has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def inventory_release(inventory: Inventory) -> None:
    """A failed calculation leaves the inventory editable again."""
    Inventory.objects.filter(pk=inventory.pk, status=InventoryStatusChoices.CALCULATING).update(
        status=InventoryStatusChoices.DRAFT
    )


# --------------------------------------------------------------------------- re-running a record


def run_rerun(*, user, run: CalculationRun) -> CalculationCheck:
    """Re-run the stored record of ``run`` with its pinned factor versions and store whether it matches.

    Anyone who may see the run may check it (it writes only the check). ``newer_versions`` lists the
    pinned factors that have a newer version now: the check shows the record still reproduces.
    """
    if not run.record:
        run = CalculationRun.objects.get(pk=run.pk)
    db = factor_database()
    matches, total, message = False, None, ""
    try:
        record = CalculationRecord.from_dict(json.loads(run.record))
        result = rerun(record, db=db)
    except RecordMismatch as exc:
        message = str(exc)
    except DualCarbonError as exc:
        message = f"{type(exc).__name__}: {exc}"
    else:
        matches = result.total_tco2e == run.total_tco2e
        total = result.total_tco2e
        message = (
            "re-run reproduced the recorded total exactly"
            if matches
            else f"re-run total {result.total_tco2e!r} differs from the stored {run.total_tco2e!r}"
        )
    newer: dict[str, str] = {}
    for ref in run.factor_refs:
        fid = ref.rpartition("@")[0]
        try:
            newest = db.get(fid).ref
        except DataNotFound:
            continue
        if newest != ref:
            newer[ref] = newest
    with transaction.atomic():
        check = CalculationCheck.objects.create(
            run=run,
            checked_by=user if getattr(user, "is_authenticated", False) else None,
            matches=matches,
            total_tco2e=total,
            message=message,
            newer_versions=newer,
        )
        audit_record(user=user, action=AuditActionChoices.CREATE, instance=check, after=snapshot(check))
    return check


# --------------------------------------------------------------------------- Monte Carlo (Approach 2)

#: Bounds and default of the iterations of a Monte Carlo analysis on the platform.
MONTE_CARLO_MIN_ITERATIONS = 1_000
MONTE_CARLO_MAX_ITERATIONS = 200_000
MONTE_CARLO_DEFAULT_ITERATIONS = 10_000
#: Seeds are stored in a signed 64-bit column (PostgreSQL ``bigint``).
MONTE_CARLO_MAX_SEED = 2**63 - 1
#: Row numbers kept per input without stated uncertainty (the count is always complete).
_UNSTATED_ROWS = 20
_UNSTATED_ORDER = {"activity": 0, "factor": 1, "row_value": 2}


def user_may_analyse_run(user, run: CalculationRun) -> bool:
    """Who may request a Monte Carlo analysis: whoever may calculate the run's inventory."""
    return user_may_edit_inventory(user, run.inventory)


def _whole_number(value: Any, field: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; :class:`ValidationFailed` naming ``field`` otherwise."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+").isdigit():
        number = int(value.strip())
    if number is None:
        message = _("须为整数")
        raise ValidationFailed(f"{field}: {message} ({value!r})", extra={"fields": {field: [message]}})
    if not low <= number <= high:
        message = _("须在 %(low)s 至 %(high)s 之间") % {"low": f"{low:,}", "high": f"{high:,}"}
        raise ValidationFailed(f"{field}: {message} ({number})", extra={"fields": {field: [message]}})
    return number


def monte_carlo_options(iterations: Any = None, seed: Any = None) -> tuple[int, int, bool]:
    """Checked (iterations, seed, seed_given); a missing seed is drawn at random here and recorded."""
    iterations = _whole_number(
        MONTE_CARLO_DEFAULT_ITERATIONS if iterations in (None, "") else iterations,
        "iterations",
        MONTE_CARLO_MIN_ITERATIONS,
        MONTE_CARLO_MAX_ITERATIONS,
    )
    seed_given = seed not in (None, "")
    seed = _whole_number(seed, "seed", 0, MONTE_CARLO_MAX_SEED) if seed_given else secrets.randbelow(2**32)
    return iterations, seed, seed_given


def run_monte_carlo_request(*, user, run: CalculationRun, iterations: Any = None, seed: Any = None):
    """Queue a Monte Carlo (Approach 2) analysis of ``run``; returns the :class:`Job`.

    ``iterations`` defaults to 10,000 (1,000 to 200,000); ``seed`` defaults to a random seed chosen
    now, stored in the job's parameters (audited) and with the analysis. Raises :class:`NotAllowed`
    unless the user may calculate the inventory, :class:`ValidationFailed` naming the bad field.
    """
    from dualcarbon_web.inventories.jobs import monte_carlo_enqueue

    if not user_may_analyse_run(user, run):
        raise NotAllowed(_("只有报告企业（或系统管理员）可以进行蒙特卡洛不确定性分析。"))
    iterations, seed, seed_given = monte_carlo_options(iterations, seed)
    return monte_carlo_enqueue(user=user, run=run, iterations=iterations, seed=seed, seed_given=seed_given)


def _uncertainty_dict(unc: Any) -> dict[str, Any] | None:
    if unc is None:
        return None
    return {"distribution": unc.distribution, "low_pct": unc.low_pct, "high_pct": unc.high_pct}


def _unstated_inputs(run: CalculationRun, record: CalculationRecord, result) -> tuple[dict, dict]:
    """Inputs of ``run`` without a stated uncertainty, in total and per entity, and the stated
    distribution of every factor version drawn from.

    Per IPCC 2006 Vol.1 Ch.3 (and the core's Approach 1 and 2) such an input counts as exact: the
    activity data of a line without ``uncertainty_pct``, a factor version whose record states no
    uncertainty, and a value given in the row (NCV, carbon content, oxidation rate, factor, purity)
    that multiplies into the line's result.
    """
    factor_unc: dict[str, dict[str, Any] | None] = {}
    row_columns: dict[int, set[str]] = {}
    for kid, resolution in result.keys.items():
        row_columns[kid] = {c for s in resolution.slots for c in s.uses}
        for s in resolution.slots:
            for f in s.factors:
                factor_unc[f.ref] = _uncertainty_dict(f.uncertainty)
    exact_refs = {ref for ref, unc in factor_unc.items() if unc is None}
    inputs = record.inputs
    given_columns = [
        c for c in ("ncv", "carbon_content", "oxidation_rate", "factor", "purity") if c in inputs.columns
    ]
    by_row: dict[int, tuple[bool, list[str]]] = {}
    unc_column = "uncertainty_pct" if "uncertainty_pct" in inputs.columns else None
    for rec in inputs.select(["_row", *([unc_column] if unc_column else []), *given_columns]).iter_rows(
        named=True
    ):
        stated = unc_column is not None and rec[unc_column] is not None
        by_row[int(rec["_row"])] = (stated, [c for c in given_columns if rec[c] is not None])

    found: dict[str, dict[tuple[str, str], list]] = {}

    def note(scope: str, kind: str, name: str, row: int) -> None:
        entry = found.setdefault(scope, {}).setdefault((kind, name), [0, []])
        entry[0] += 1
        if len(entry[1]) < _UNSTATED_ROWS:
            entry[1].append(row)

    lines = (
        CalculationLine.objects.filter(run=run).order_by("row").values_list("row", "entity", "key", "factors")
    )
    for row, entity, key, refs in lines.iterator(chunk_size=_BATCH):
        stated, given = by_row.get(row, (False, []))
        items = [] if stated else [("activity", "quantity")]
        items += [("factor", ref) for ref in refs or [] if ref in exact_refs]
        uses = row_columns.get(key) if key is not None else None
        items += [("row_value", c) for c in given if uses is None or c in uses]
        for kind, name in items:
            note("", kind, name, row)
            note(entity, kind, name, row)

    def listing(scope: str) -> list[dict[str, Any]]:
        entries = sorted(found.get(scope, {}).items(), key=lambda kv: (_UNSTATED_ORDER[kv[0][0]], kv[0][1]))
        return [
            {"kind": kind, "input": name, "lines": count, "rows": rows}
            for (kind, name), (count, rows) in entries
        ]

    unstated = {
        "total": listing(""),
        "entities": {e: listing(e) for e in sorted(found) if e},
    }
    return unstated, dict(sorted(factor_unc.items()))


def run_monte_carlo_now(
    *,
    user,
    run: CalculationRun,
    iterations: int,
    seed: int,
    seed_given: bool = True,
    progress: Progress | None = None,
    job_id=None,
) -> MonteCarloAnalysis:
    """Run a Monte Carlo (Approach 2) analysis of ``run`` in this process and store it.

    The run's stored :class:`CalculationRecord` is re-run by :func:`dualcarbon.accounting.rerun` --
    its inputs byte for byte, its factor versions pinned -- with ``monte_carlo=iterations`` and
    ``seed`` (IPCC 2006 Vol.1 Ch.3, Approach 2; the sampling is the core's
    :func:`dualcarbon.accounting.aggregate.monte_carlo`). ``rerun`` first checks that the record
    still reproduces the run's totals, so the analysis is of exactly the run's figures; it raises
    :class:`RecordMismatch` (the job fails, nothing is stored) if not. The run and its record are not
    changed.
    """
    if not user_may_analyse_run(user, run):
        raise NotAllowed(_("只有报告企业（或系统管理员）可以进行蒙特卡洛不确定性分析。"))
    iterations, seed, _given = monte_carlo_options(iterations, seed)
    report = progress or (lambda *a, **k: None)
    steps = 3
    report(0, steps, f"Monte Carlo: {iterations:,} iterations, seed {seed}")
    record = CalculationRecord.from_dict(json.loads(run.record))  # loads the column if deferred
    options = {**record.options, "monte_carlo": iterations, "seed": seed}
    result = rerun(dataclasses.replace(record, options=options), db=factor_database())
    mc = _finite(json.loads(json.dumps(result.monte_carlo, default=float)))
    report(1, steps, "listing inputs without stated uncertainty")
    unstated, factor_unc = _unstated_inputs(run, record, result)
    report(2, steps, "storing")
    total = mc["total"]
    with transaction.atomic():
        locked = CalculationRun.objects.select_for_update().only("pk").get(pk=run.pk)
        number = (MonteCarloAnalysis.objects.filter(run=locked).aggregate(m=Max("number"))["m"] or 0) + 1
        analysis = MonteCarloAnalysis.objects.create(
            run=locked,
            number=number,
            iterations=iterations,
            seed=seed,
            seed_given=bool(seed_given),
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            job_id=job_id,
            total_tco2e=result.total_tco2e,
            mean_tco2e=total["mean"],
            p2_5_tco2e=total["p2_5"],
            p97_5_tco2e=total["p97_5"],
            uncertainty_pct=total["uncertainty_pct"],
            complete=not unstated["total"],
            result=mc,
            unstated=unstated,
            factor_uncertainties=factor_unc,
            dualcarbon_version=result.record.dualcarbon_version[:32],
        )
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            instance=analysis,
            after={
                "run": run.pk,
                "number": number,
                "iterations": iterations,
                "seed": seed,
                "seed_given": bool(seed_given),
                "mean_tco2e": analysis.mean_tco2e,
                "p2_5_tco2e": analysis.p2_5_tco2e,
                "p97_5_tco2e": analysis.p97_5_tco2e,
                "uncertainty_pct": analysis.uncertainty_pct,
            },
        )
    report(steps, steps, "done")
    return analysis
