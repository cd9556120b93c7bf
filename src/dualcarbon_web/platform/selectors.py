"""Reads of the platform app, each filtered to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from dualcarbon_web.platform.errors import NotAllowed, NotFound
from dualcarbon_web.platform.models import ApiToken, AuditEntry, Job, User

__all__ = ("audit_list", "job_get", "job_list", "token_list", "user_get", "user_list")


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


def _contains_nul(*values: str) -> bool:
    """Whether a filter value holds U+0000. PostgreSQL cannot store NUL in text, so such a filter
    matches nothing -- and sending it to PostgreSQL raises DataError (a 500), so it is not sent."""
    return any("\x00" in (v or "") for v in values)


def audit_list(*, user, object_type: str = "", username: str = "", action: str = "") -> QuerySet[AuditEntry]:
    if not user.is_platform_admin:
        raise NotAllowed("Only administrators read the audit trail.")
    qs = AuditEntry.objects.all()
    if _contains_nul(object_type, username, action):
        return qs.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if username:
        qs = qs.filter(username__iexact=username)
    if action:
        qs = qs.filter(action=action)
    return qs


def token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def user_list(*, user, q: str = "", role: str = "") -> QuerySet[User]:
    """All users, for administrators only."""
    if not user.is_platform_admin:
        raise NotAllowed("Only administrators manage users.")
    qs = User.objects.select_related("organization", "organization__jurisdiction").order_by("username")
    if _contains_nul(q, role):
        return qs.none()
    if q:
        from django.db.models import Q

        qs = qs.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(organization__name__icontains=q)
            | Q(organization__name_en__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    return qs


def user_get(*, user, user_id: int) -> User:
    found = user_list(user=user).filter(pk=user_id).first()
    if found is None:
        raise NotFound(f"No user {user_id}.")
    return found
