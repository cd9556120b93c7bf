"""Writes of the factor database: administrators append new factors and new versions (corrections).

Nothing is ever changed or deleted: a correction is version n+1 that names ``id@n`` in ``supersedes``;
calculations pin ``id@version`` and so re-run identically after a correction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from dualcarbon.accounting.factors import FactorDatabase, FactorRecord, Provenance
from dualcarbon.errors import DataNotFound, InputError
from dualcarbon_web.factors import selectors
from dualcarbon_web.factors.store import OrmFactorStore
from dualcarbon_web.platform.audit import audit_record
from dualcarbon_web.platform.choices import AuditActionChoices
from dualcarbon_web.platform.errors import NotAllowed, NotFound, ValidationFailed

__all__ = ("factor_add", "factor_correct")

PROVENANCE_FIELDS = (
    "source",
    "locator",
    "publisher",
    "document_no",
    "published_on",
    "source_url",
    "licence",
    "retrieval_note",
)


def _require_admin(user) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_platform_admin:
        raise NotAllowed("Only administrators add factor versions.")


def _field_error(exc: InputError) -> ValidationFailed:
    field = exc.column or "__all__"
    return ValidationFailed(exc.reason, extra={"fields": {field: [exc.reason]}})


def _append(user, record: FactorRecord, action_note: str) -> FactorRecord:
    with transaction.atomic():
        db = FactorDatabase(store=OrmFactorStore(created_by=user))
        try:
            db.add(record)
        except InputError as exc:
            raise _field_error(exc) from exc
        except IntegrityError as exc:  # a concurrent administrator took the same version number
            raise ValidationFailed(
                f"{record.ref} was added by someone else meanwhile; reload and try again.",
                extra={"fields": {"version": ["taken"]}},
            ) from exc
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            object_type="factors.factorversion",
            object_id=record.ref,
            after=record.to_dict(),
            note=action_note,
        )
    return record


def factor_add(*, user, data: dict) -> FactorRecord:
    """Add version 1 of a new factor from a flat dict (record fields + provenance fields)."""
    _require_admin(user)
    data = {k: v for k, v in data.items() if v not in (None, "")}
    if not data.get("id"):
        raise ValidationFailed("Give the factor an id.", extra={"fields": {"id": ["required"]}})
    for required in ("family", "gas", "value", "unit"):
        if not str(data.get(required, "")).strip():
            raise ValidationFailed(f"{required} is required.", extra={"fields": {required: ["required"]}})
    if selectors.factor_database().versions(str(data["id"])):
        raise ValidationFailed(
            f"factor {data['id']!r} exists; add a new version (a correction) instead.",
            extra={"fields": {"id": ["exists"]}},
        )
    data.setdefault("status", "user")
    data["version"] = 1
    provenance = Provenance(
        table=str(data.get("table") or "platform"),
        status=str(data["status"]),
        **{k: str(data.get(k, "")) for k in PROVENANCE_FIELDS},
    )
    try:
        record = FactorRecord.from_dict(data, provenance)
    except InputError as exc:
        raise _field_error(exc) from exc
    return _append(user, record, "new factor")


def factor_correct(*, user, factor_id: str, changes: dict, reason: str) -> FactorRecord:
    """Append version n+1 of ``factor_id`` with ``changes`` (value, unit, status, note, ...)."""
    _require_admin(user)
    if not reason.strip():
        raise ValidationFailed("Say why the factor is corrected.", extra={"fields": {"reason": ["required"]}})
    try:
        latest = selectors.factor_database().get(factor_id)
    except DataNotFound as exc:
        raise NotFound(str(exc)) from exc
    allowed = {
        "value",
        "unit",
        "status",
        "note",
        "valid_from",
        "valid_to",
        "data_year",
        "basis",
        "uncertainty_distribution",
        "uncertainty_low_pct",
        "uncertainty_high_pct",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            f"cannot change {sorted(unknown)}", extra={"fields": {k: ["not changeable"] for k in unknown}}
        )
    data = latest.to_dict()
    data.pop("uncertainty", None)
    if latest.uncertainty is not None:
        data.update(
            uncertainty_distribution=latest.uncertainty.distribution,
            uncertainty_low_pct=latest.uncertainty.low_pct,
            uncertainty_high_pct=latest.uncertainty.high_pct,
        )
    data.update({k: v for k, v in changes.items() if v is not None})
    data["version"] = latest.version + 1
    data["supersedes"] = latest.ref
    data["note"] = (str(changes.get("note") or latest.note) + f" [correction: {reason.strip()}]").strip()
    try:
        record = FactorRecord.from_dict(data, latest.provenance)
    except InputError as exc:
        raise _field_error(exc) from exc
    return _append(user, record, f"correction of {latest.ref}: {reason.strip()}"[:300])
