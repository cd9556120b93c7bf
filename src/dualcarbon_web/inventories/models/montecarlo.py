"""Monte Carlo (IPCC Approach 2) uncertainty analyses of a calculation run.

An analysis re-runs the run's stored calculation record -- its inputs byte for byte and its pinned
factor versions -- with ``monte_carlo=iterations`` and ``seed`` (:func:`dualcarbon.accounting.rerun`),
so it describes exactly the figures of the run, and the same seed gives the same numbers. The run
and its record are never changed; an analysis is a row of its own, append-only like the run
(database triggers, migration 0003).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ("MonteCarloAnalysis",)


class MonteCarloAnalysis(models.Model):
    """IPCC 2006 Vol.1 Ch.3 Approach 2 of one :class:`CalculationRun`.

    ``result`` is the core's ``monte_carlo`` summary (``iterations``, ``seed``, ``total`` and
    ``entities``: ``mean``, ``p2_5``, ``p97_5``, ``uncertainty_pct``); ``unstated`` lists, in total
    and per entity, the inputs that had no stated uncertainty and so counted as exact (activity data
    of a line, a factor version, a value given in a row); ``factor_uncertainties`` the distribution
    of every factor version the analysis drew from (``None``: none stated).
    """

    run = models.ForeignKey(
        "inventories.CalculationRun",
        on_delete=models.PROTECT,
        related_name="monte_carlo_analyses",
        verbose_name=_("核算结果"),
    )
    number = models.PositiveIntegerField(_("序号"))
    iterations = models.PositiveIntegerField(_("迭代次数"))
    seed = models.PositiveBigIntegerField(_("随机种子"))
    seed_given = models.BooleanField(_("指定了随机种子"), default=False)
    requested_by = models.ForeignKey(
        "platform.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分析人"),
    )
    created = models.DateTimeField(_("分析时间"), default=timezone.now)
    job_id = models.UUIDField(null=True, blank=True)
    total_tco2e = models.FloatField()
    mean_tco2e = models.FloatField()
    p2_5_tco2e = models.FloatField()
    p97_5_tco2e = models.FloatField()
    uncertainty_pct = models.FloatField(null=True, blank=True)
    complete = models.BooleanField(default=False)
    result = models.JSONField()
    unstated = models.JSONField(default=dict)
    factor_uncertainties = models.JSONField(default=dict)
    dualcarbon_version = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("run", "-number")
        verbose_name = _("蒙特卡洛不确定性分析")
        verbose_name_plural = _("蒙特卡洛不确定性分析")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="monte_carlo_unique_number")]

    def __str__(self) -> str:
        return f"MC #{self.number} of run {self.run_id}: {self.iterations} × seed {self.seed}"
