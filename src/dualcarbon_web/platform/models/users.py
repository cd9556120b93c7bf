"""Users with one role each, API tokens and the login-failure record used for throttling."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.platform.choices import RoleChoices

__all__ = ("ApiToken", "LoginFailure", "User")


class User(AbstractUser):
    """A person using the platform.

    ``role`` decides what the person may use; ``organization`` ties enterprise members, verifiers
    and technology owners to their organisation; regulators see the ``jurisdiction`` of their
    organisation (a province or a city, GB/T 2260). Visibility is enforced in selectors
    (:mod:`dualcarbon_web.platform.visibility`), never in templates.
    """

    role = models.CharField(
        _("角色"), max_length=32, choices=RoleChoices.choices, default=RoleChoices.ANALYST
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所属组织"),
    )
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.role == RoleChoices.ADMIN or self.is_superuser

    @property
    def jurisdiction(self):
        """The region a regulator oversees (its organisation's jurisdiction), else ``None``."""
        if self.role != RoleChoices.REGULATOR or self.organization is None:
            return None
        return self.organization.jurisdiction


class ApiToken(models.Model):
    """A bearer token for scripts. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey("platform.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return "dc_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class LoginFailure(models.Model):
    """One failed login, kept for throttling (per user name and per client address)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
