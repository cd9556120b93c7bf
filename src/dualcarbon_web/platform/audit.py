"""Writing the audit trail. Every service that writes calls :func:`audit_record` in its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from dualcarbon_web.platform.context import client_ip
from dualcarbon_web.platform.models import AuditEntry

__all__ = ("audit_record", "snapshot")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(instance: models.Model | None) -> dict[str, Any] | None:
    """The concrete field values of ``instance`` (foreign keys as ids), for before/after records."""
    if instance is None:
        return None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"password"}:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def audit_record(
    *,
    user,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Append one entry to the audit trail (who, what, when, before/after)."""
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
    real_user = user if getattr(user, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        user=real_user,
        username=getattr(real_user, "username", "") or (getattr(user, "username", "") or ""),
        ip=client_ip(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(instance)[:300] if instance is not None else "",
        before=before,
        after=after,
        note=note[:300],
    )
