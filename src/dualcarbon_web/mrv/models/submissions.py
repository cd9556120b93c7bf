"""Annual emission report submissions (年度排放报告报送), each anchored in the MRV log.

The table is append-only (database triggers, migration 0002): a submission is never changed or
deleted. A later submission of the same inventory (the same enterprise or facility and year)
supersedes the earlier one by pointing at it (``supersedes``); the earlier row stays as it was, so
the history of what was submitted, and when, is kept. A submission is *current* when no later one
points at it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ("ReportSubmission",)


class ReportSubmission(models.Model):
    """One submission of an inventory's calculation run, with where it sits in the MRV log.

    ``record_sha256`` is the SHA-256 of the run's calculation record as canonical JSON (keys
    sorted, no whitespace, UTF-8; :func:`dualcarbon.ledger.canonical_json`), the digest the public
    log entry carries. ``leaf_index`` and ``leaf_hash`` (hex) locate that entry; ``tree_size`` is
    the size of the signed checkpoint written with it. The organisation, facility, year and totals
    are copies of the inventory's and run's at the time of submission, for lists and filters.
    """

    run = models.OneToOneField(
        "inventories.CalculationRun",
        on_delete=models.PROTECT,
        related_name="submission",
        verbose_name=_("核算结果"),
    )
    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("排放报告"),
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("企业")
    )
    facility = models.ForeignKey(
        "organizations.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("field", "设施"),
    )
    year = models.PositiveSmallIntegerField(_("核算年度"), db_index=True)
    run_number = models.PositiveIntegerField(_("核算序号"))
    total_tco2e = models.FloatField(_("排放总量 tCO2e"))
    record_sha256 = models.CharField(_("计算记录 SHA-256"), max_length=64)
    leaf_index = models.BigIntegerField(_("日志序号"), unique=True)
    leaf_hash = models.CharField(_("叶哈希"), max_length=64)
    tree_size = models.BigIntegerField(_("检查点树大小"))
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("取代的报送"),
    )
    submitted_by = models.ForeignKey(
        "platform.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)

    class Meta:
        ordering = ("-submitted_at", "-pk")
        verbose_name = _("报告报送")
        verbose_name_plural = _("报告报送")
        indexes = [models.Index(fields=["inventory", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.year} · #{self.run_number} · log {self.leaf_index}"
