"""The audit trail: who wrote what, when, with the values before and after."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon_web.platform.choices import AuditActionChoices

__all__ = ("AuditEntry",)


class AuditEntry(models.Model):
    """One write to the platform. Rows are only ever inserted (services in ``platform.audit``)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "platform.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("用户"), max_length=150, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditActionChoices.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(
        pgettext_lazy("audit object", "对象"), max_length=64, blank=True, db_index=True
    )
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}#{self.object_id}"
        )
