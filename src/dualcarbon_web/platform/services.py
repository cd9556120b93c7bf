"""Writes of the platform app: sign-in bookkeeping, password change, API tokens, users."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import NotAllowed, NotFound, ValidationFailed
from dualcarbon_web.platform.models import ApiToken, LoginFailure, User

__all__ = (
    "login_failure_record",
    "login_is_throttled",
    "login_success_record",
    "password_change",
    "token_create",
    "token_revoke",
    "user_create",
    "user_update",
)


def _window_start():
    return timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_S)


def login_is_throttled(*, username: str, ip: str) -> bool:
    """True when the user name or the client address has too many recent failures."""
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    if recent.filter(username__iexact=username).count() >= limit:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


def login_failure_record(*, username: str, ip: str) -> None:
    with transaction.atomic():
        LoginFailure.objects.create(username=username[:150], ip=ip[:64])
        audit_record(
            user=None,
            action=AuditActionChoices.LOGIN_FAILED,
            object_type="platform.user",
            object_id=username[:64],
        )


def login_success_record(*, user: User, ip: str) -> None:
    with transaction.atomic():
        LoginFailure.objects.filter(username__iexact=user.username).delete()
        audit_record(user=user, action=AuditActionChoices.LOGIN, instance=user)


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed(
            "The current password is wrong.", extra={"fields": {"old_password": ["wrong password"]}}
        )
    try:
        password_validation.validate_password(new_password, user)
    except Exception as exc:  # django.core.exceptions.ValidationError
        messages = list(getattr(exc, "messages", [str(exc)]))
        raise ValidationFailed(
            "The new password is too weak.", extra={"fields": {"new_password": messages}}
        ) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(user=user, action=AuditActionChoices.PASSWORD_CHANGE, instance=user)


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the token a name.", extra={"fields": {"name": ["required"]}})
    secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=secret[3:11], digest=ApiToken.digest_of(secret)
        )
        audit_record(
            user=user,
            action=AuditActionChoices.TOKEN_CREATE,
            instance=token,
            after={"name": token.name, "prefix": token.prefix},
        )
    return token, secret


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"No API token {token_id}.")
    if token.user_id != user.pk and not user.is_platform_admin:
        raise NotAllowed("You may revoke only your own tokens.")
    with transaction.atomic():
        before = snapshot(token)
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        audit_record(
            user=user,
            action=AuditActionChoices.TOKEN_REVOKE,
            instance=token,
            before=before,
            after=snapshot(token),
        )
    return token


ORGANIZATION_ROLES = (
    RoleChoices.ENTERPRISE,
    RoleChoices.VERIFIER,
    RoleChoices.REGULATOR,
    RoleChoices.TECHNOLOGY_OWNER,
)


def _check_role_organization(role: str, organization) -> None:
    """A known role; roles that act for an organisation name one; a regulator's has a jurisdiction."""
    if role not in RoleChoices.values:
        raise ValidationFailed(
            f"Unknown role {role!r}.", extra={"fields": {"role": [f"one of {RoleChoices.values}"]}}
        )
    if role in ORGANIZATION_ROLES and organization is None:
        raise ValidationFailed(
            f"A {role} user needs an organisation.",
            extra={"fields": {"organization": ["required for this role"]}},
        )
    if role == RoleChoices.REGULATOR and organization.jurisdiction_id is None:
        raise ValidationFailed(
            "A regulator's organisation needs a jurisdiction (province or city).",
            extra={"fields": {"organization": ["organisation has no jurisdiction"]}},
        )


def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    organization=None,
    display_name: str = "",
    email: str = "",
    validate_password: bool = True,
) -> User:
    """Create a user with one role. Roles that act for an organisation must name it."""
    _check_role_organization(role, organization)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            f"The user name {username!r} is taken.", extra={"fields": {"username": ["taken"]}}
        )
    user = User(
        username=username, role=role, organization=organization, display_name=display_name, email=email
    )
    if validate_password:
        try:
            password_validation.validate_password(password, user)
        except Exception as exc:  # django.core.exceptions.ValidationError
            messages = list(getattr(exc, "messages", [str(exc)]))
            raise ValidationFailed(
                "The password is too weak.", extra={"fields": {"password": messages}}
            ) from exc
    user.set_password(password)
    with transaction.atomic():
        user.is_staff = role == RoleChoices.ADMIN
        user.save()
        audit_record(user=actor, action=AuditActionChoices.CREATE, instance=user, after=snapshot(user))
    return user


def _require_admin(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_platform_admin:
        raise NotAllowed("Only administrators manage users.")


def user_update(*, actor, user: User, **changes) -> User:
    """Change a user's role, organisation, name, e-mail or active flag (administrators only)."""
    _require_admin(actor)
    allowed = {"role", "organization", "display_name", "email", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            f"Cannot change {sorted(unknown)}.", extra={"fields": {k: ["not editable"] for k in unknown}}
        )
    role = changes.get("role", user.role)
    _check_role_organization(role, changes.get("organization", user.organization))
    if user.pk == actor.pk and (changes.get("is_active") is False or role != RoleChoices.ADMIN):
        raise ValidationFailed(
            "You cannot demote or deactivate yourself.", extra={"fields": {"role": ["own account"]}}
        )
    with transaction.atomic():
        before = snapshot(user)
        for key, value in changes.items():
            setattr(user, key, value)
        user.is_staff = user.role == RoleChoices.ADMIN
        user.save()
        audit_record(
            user=actor, action=AuditActionChoices.UPDATE, instance=user, before=before, after=snapshot(user)
        )
    return user
