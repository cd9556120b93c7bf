"""Technology achievements (低碳科技成果) and technology needs (技术需求).

A pragmatic subset of the schema in the research note ``registry.md`` §11.1 and §11.2: no
versioning, IP statement, cases, economics or catalogue listings yet (docs/techregistry.md).
Status changes go through :mod:`dualcarbon_web.techregistry.services` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.techregistry.choices import (
    TRL_CHOICES,
    AchievementStatusChoices,
    DomainChoices,
    NeedStatusChoices,
)

__all__ = ("TechnologyAchievement", "TechnologyNeed")


class TechnologyAchievement(models.Model):
    """One technology offered by its owner organisation; published after review."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="technology_achievements",
        verbose_name=_("持有单位"),
    )
    title = models.CharField(_("技术名称"), max_length=200)
    domain = models.CharField(_("技术领域"), max_length=16, choices=DomainChoices.choices)
    industries = models.ManyToManyField(
        "organizations.Industry", blank=True, related_name="+", verbose_name=_("适用行业")
    )
    trl = models.PositiveSmallIntegerField(_("技术就绪水平"), choices=TRL_CHOICES)
    cpc_codes = models.JSONField(_("CPC 分类号"), default=list, blank=True)
    summary = models.TextField(_("技术简介"))
    indicators = models.TextField(_("主要技术指标"), blank=True)
    reduction_tco2e_per_year = models.DecimalField(
        _("减排量 tCO2e/a"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    energy_saving_tce_per_year = models.DecimalField(
        _("节能量 tce/a"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    is_example = models.BooleanField(_("示例记录"), default=False)
    source_note = models.CharField(_("来源说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AchievementStatusChoices.choices,
        default=AchievementStatusChoices.DRAFT,
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ("-updated_at", "-pk")
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        indexes = [models.Index(fields=["status", "domain"])]

    def __str__(self) -> str:
        return self.title


class TechnologyNeed(models.Model):
    """A technology need posted by an enterprise for its organisation."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="technology_needs",
        verbose_name=_("需求单位"),
    )
    title = models.CharField(_("需求名称"), max_length=200)
    description = models.TextField(_("需求描述"))
    industry = models.ForeignKey(
        "organizations.Industry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属行业"),
    )
    domain = models.CharField(_("技术领域"), max_length=16, choices=DomainChoices.choices, blank=True)
    min_trl = models.PositiveSmallIntegerField(
        _("最低技术就绪水平"), choices=TRL_CHOICES, null=True, blank=True
    )
    cpc_codes = models.JSONField(_("CPC 分类号"), default=list, blank=True)
    expected_reduction_tco2e_per_year = models.DecimalField(
        _("期望减排量 tCO2e/a"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=NeedStatusChoices.choices, default=NeedStatusChoices.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")

    def __str__(self) -> str:
        return self.title
