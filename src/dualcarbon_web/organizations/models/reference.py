"""Reference classifications: administrative divisions (GB/T 2260) and industries (GB/T 4754-2017)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.organizations.choices import IndustryLevelChoices, RegionLevelChoices
from dualcarbon_web.platform.i18n import localized_name

__all__ = ("Industry", "Region")


class Region(models.Model):
    """An administrative division identified by its six-digit GB/T 2260 code."""

    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevelChoices.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ("code",)
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name_en`` in English (when recorded), else ``name``."""
        return localized_name(self.name, self.name_en)

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class Industry(models.Model):
    """A GB/T 4754-2017 industry: section letter (A–T) or 2/3/4-digit division, group or class."""

    code = models.CharField(_("行业代码"), max_length=5, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    level = models.CharField(_("级别"), max_length=16, choices=IndustryLevelChoices.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ("code",)
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name_en`` in English (when recorded), else ``name``."""
        return localized_name(self.name, self.name_en)

    @property
    def label(self) -> str:
        """Code and name in the active language, e.g. ``4411 Thermal power generation``."""
        return f"{self.code} {self.display_name}"
