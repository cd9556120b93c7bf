"""Calculation runs: what the engine returned, per line, with the record that re-runs it exactly.

The three tables are append-only (database triggers, migration 0002): a run is never changed or
deleted, so a figure once shown can always be traced and reproduced.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ("CalculationCheck", "CalculationLine", "CalculationRun")


class CalculationRun(models.Model):
    """One calculation of an inventory by :func:`dualcarbon.accounting.account`.

    ``result`` is the engine's JSON (``AccountingResult.to_json``); ``keys`` the resolution of each
    distinct line key with its trace of intermediate values; ``factors`` the values of every factor
    version used (``id@version``); ``record`` the complete :class:`CalculationRecord` as JSON text
    (kept as text, byte for byte, so the re-run sees exactly the inputs that were calculated).
    """

    inventory = models.ForeignKey(
        "inventories.Inventory", on_delete=models.PROTECT, related_name="runs", verbose_name=_("排放报告")
    )
    number = models.PositiveIntegerField(_("序号"))
    inventory_revision = models.PositiveIntegerField()
    ran_by = models.ForeignKey(
        "platform.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核算人"),
    )
    ran_at = models.DateTimeField(_("核算时间"), default=timezone.now)
    job_id = models.UUIDField(null=True, blank=True)
    methodology = models.CharField(max_length=64)
    gwp = models.CharField(max_length=8)
    factor_set = models.CharField(max_length=32, blank=True)
    vintage = models.CharField(max_length=8)
    line_count = models.PositiveIntegerField()
    total_tco2e = models.FloatField()
    scope1_tco2e = models.FloatField()
    scope2_tco2e = models.FloatField()
    result = models.JSONField()
    keys = models.JSONField()
    factors = models.JSONField()
    record = models.TextField()
    input_sha256 = models.CharField(max_length=64)
    dualcarbon_version = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("inventory", "-number")
        verbose_name = _("核算结果")
        verbose_name_plural = _("核算结果")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "number"], name="calculation_run_unique_number")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.total_tco2e:.2f} tCO2e"

    @property
    def factor_refs(self) -> list[str]:
        return list(self.result.get("factors_used", []))


class CalculationLine(models.Model):
    """The result of one activity line in one run: tCO2e, the factor versions and the key of its trace."""

    run = models.ForeignKey(CalculationRun, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField(_("行号"))
    facility = models.ForeignKey(
        "organizations.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entity = models.CharField(max_length=64)
    period = models.CharField(max_length=16)
    category = models.CharField(max_length=32)
    scope = models.CharField(max_length=8)
    item = models.CharField(max_length=100)
    quantity = models.FloatField()
    unit = models.CharField(max_length=32)
    counterparty = models.CharField(max_length=64, blank=True)
    tco2e = models.FloatField()
    factors = models.JSONField(default=list)
    methodology = models.CharField(max_length=64)
    uncertainty_pct = models.FloatField(null=True, blank=True)
    flags = models.TextField(blank=True)
    key = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("run", "row")
        verbose_name = _("逐行核算结果")
        verbose_name_plural = _("逐行核算结果")
        indexes = [models.Index(fields=["run", "row"])]

    def __str__(self) -> str:
        return f"{self.row}: {self.tco2e:.4f} tCO2e"


class CalculationCheck(models.Model):
    """A re-run of a stored record with its pinned factor versions, and whether it reproduced it."""

    run = models.ForeignKey(CalculationRun, on_delete=models.PROTECT, related_name="checks")
    checked_by = models.ForeignKey(
        "platform.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    matches = models.BooleanField()
    total_tco2e = models.FloatField(null=True, blank=True)
    message = models.TextField(blank=True)
    newer_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-checked_at", "-pk")
        verbose_name = _("复算校验")
        verbose_name_plural = _("复算校验")

    def __str__(self) -> str:
        return f"check of run {self.run_id}: {'match' if self.matches else 'MISMATCH'}"
