"""Factor versions added on the platform. The shipped reference tables live in the core package
(``dualcarbon/data/factors``) and are never copied into the database; this table holds only what
administrators add, and the database itself refuses any UPDATE or DELETE of a row (see the
migration that installs the triggers)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("FactorVersion",)


class FactorVersion(models.Model):
    """One immutable factor version, stored as the core's ``FactorRecord`` dict (with provenance)."""

    factor_id = models.CharField(_("因子编号"), max_length=200, db_index=True)
    version = models.PositiveIntegerField(_("版本"))
    ref = models.CharField(max_length=220, unique=True)
    data = models.JSONField()
    created_by = models.ForeignKey("platform.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("排放因子版本")
        verbose_name_plural = _("排放因子版本")
        constraints = [models.UniqueConstraint(fields=["factor_id", "version"], name="factor_version_unique")]

    def __str__(self) -> str:
        return self.ref
