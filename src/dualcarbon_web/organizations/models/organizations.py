"""Organisations (enterprises, verification bodies, regulators, ...), industrial parks and facilities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon_web.organizations.choices import (
    FacilityStatusChoices,
    OrganizationKindChoices,
    ParkLevelChoices,
)
from dualcarbon_web.platform.i18n import localized_name

__all__ = ("Facility", "Organization", "Park")


class Park(models.Model):
    """An industrial park (产业园区), located in one region."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    level = models.CharField(
        _("级别"), max_length=16, choices=ParkLevelChoices.choices, default=ParkLevelChoices.OTHER
    )
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.PROTECT, related_name="parks", verbose_name=_("行政区划")
    )
    description = models.TextField(_("简介"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("产业园区")
        verbose_name_plural = _("产业园区")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name_en`` in English (when recorded), else ``name``."""
        return localized_name(self.name, self.name_en)


class Organization(models.Model):
    """A legal entity identified by its 统一社会信用代码 (GB 32100-2015)."""

    kind = models.CharField(_("类型"), max_length=32, choices=OrganizationKindChoices.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.ForeignKey(
        "organizations.Region",
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("所在地"),
    )
    industry = models.ForeignKey(
        "organizations.Industry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("行业"),
    )
    park = models.ForeignKey(
        "organizations.Park",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("所在园区"),
    )
    jurisdiction = models.ForeignKey(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regulators",
        verbose_name=_("管辖区域"),
        help_text=_("Regulators only: the province or city they oversee."),
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["kind", "region"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name_en`` in English (when recorded), else ``name``."""
        return localized_name(self.name, self.name_en)


class Facility(models.Model):
    """A facility (排放设施/生产场所) of an enterprise."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("所属企业"),
    )
    name = models.CharField(_("名称"), max_length=200)
    code = models.CharField(_("设施编号"), max_length=64, blank=True)
    industry = models.ForeignKey(
        "organizations.Industry", on_delete=models.PROTECT, related_name="facilities", verbose_name=_("行业")
    )
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.PROTECT, related_name="facilities", verbose_name=_("所在地")
    )
    park = models.ForeignKey(
        "organizations.Park",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("所在园区"),
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.CharField(_("规模/产能"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=FacilityStatusChoices.choices,
        default=FacilityStatusChoices.OPERATING,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("organization__name", "name")
        verbose_name = pgettext_lazy("field", "设施")
        verbose_name_plural = pgettext_lazy("list heading", "设施")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="facility_unique_name_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} · {self.name}"
