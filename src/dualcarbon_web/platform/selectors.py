"""Reads of the platform app, each filtered to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from dualcarbon_web.platform.errors import NotAllowed, NotFound
from dualcarbon_web.platform.models import ApiToken, AuditEntry, Job

__all__ = ("audit_list", "job_get", "job_list", "token_list")


def job_list(*, user) -> QuerySet[Job]:
    qs = Job.objects.select_related("owner").order_by("-created")
    if user.is_platform_admin:
        return qs
    return qs.filter(owner=user)


def job_get(*, user, job_id) -> Job:
    job = job_list(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"No job {job_id} that you may see.")
    return job


def audit_list(*, user, object_type: str = "", username: str = "", action: str = "") -> QuerySet[AuditEntry]:
    if not user.is_platform_admin:
        raise NotAllowed("Only administrators read the audit trail.")
    qs = AuditEntry.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if username:
        qs = qs.filter(username__iexact=username)
    if action:
        qs = qs.filter(action=action)
    return qs


def token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
