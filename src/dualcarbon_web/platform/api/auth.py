"""API authentication: Django session (CSRF-checked) or a bearer token for scripts."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from dualcarbon_web.platform.models import ApiToken

__all__ = ("BearerTokenAuth", "api_auth")


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer dc_...``; only the SHA-256 digest of a token is stored."""

    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user", "user__organization", "user__organization__jurisdiction")
            .filter(digest=ApiToken.digest_of(token), revoked__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used is None or (now - row.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used=now)
        request.user = row.user
        return row.user


api_auth = [BearerTokenAuth(), SessionAuth()]
