"""Evaluations of the verification rules on a submission (docs/mrv.md, "Verification rules").

Append-only (database triggers, migration 0003): an evaluation is never changed or deleted; running
the rules again adds a row. Each row keeps the report as canonical JSON (the bytes its SHA-256 is
over), the rule set's id and digest, the counts, and the index of the public log event that
anchors it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ("RuleEvaluation",)


class RuleEvaluation(models.Model):
    """One run of the rule set on one submission, by a verifier, regulator or administrator."""

    submission = models.ForeignKey(
        "mrv.ReportSubmission",
        on_delete=models.PROTECT,
        related_name="rule_evaluations",
        verbose_name=_("报告报送"),
    )
    ruleset_id = models.CharField(_("规则集"), max_length=100)
    ruleset_digest = models.CharField(_("规则集摘要"), max_length=64)
    report = models.TextField(_("核查规则报告（规范 JSON）"))
    report_sha256 = models.CharField(_("报告 SHA-256"), max_length=64)
    counts = models.JSONField(_("计数"), default=dict)
    leaf_index = models.BigIntegerField(_("日志序号"), unique=True)
    evaluated_by = models.ForeignKey(
        "platform.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("核查人")
    )
    evaluated_at = models.DateTimeField(_("核查时间"), default=timezone.now)

    class Meta:
        ordering = ("-evaluated_at", "-pk")
        verbose_name = _("核查规则评估")
        verbose_name_plural = _("核查规则评估")
        indexes = [models.Index(fields=["submission", "-evaluated_at"])]

    def __str__(self) -> str:
        return f"rules on submission {self.submission_id} · log {self.leaf_index}"
