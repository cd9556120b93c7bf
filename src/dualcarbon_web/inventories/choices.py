"""Choices of the inventories app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon.accounting import FACTOR_SETS, GWP_SETS, METHODOLOGIES

__all__ = (
    "FACTOR_SET_CHOICES",
    "GWP_CHOICES",
    "LINE_CATEGORY_CHOICES",
    "METHODOLOGY_CHOICES",
    "InventoryStatusChoices",
    "VintageChoices",
)


class InventoryStatusChoices(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CALCULATING = "calculating", _("核算中")
    CALCULATED = "calculated", _("已核算")


class VintageChoices(models.TextChoices):
    EXACT = "exact", _("须为核算年份的电网因子")
    LATEST = "latest", _("可用不晚于核算年份的最近因子")


#: Methodologies that account activity lines (ISO 14067 allocates product footprints instead).
METHODOLOGY_CHOICES = [(m.id, f"{m.id} · {m.title}") for m in METHODOLOGIES.values() if m.categories]
GWP_CHOICES = [(g, g) for g in GWP_SETS]
FACTOR_SET_CHOICES = [("", _("按方法学默认")), *[(k, f"{k} · {v.title}") for k, v in FACTOR_SETS.items()]]
LINE_CATEGORY_CHOICES = [
    ("combustion", _("化石燃料燃烧 combustion")),
    ("process", _("工业生产过程 process")),
    ("purchased_electricity", _("净购入电力 purchased_electricity")),
    ("exported_electricity", _("输出电力 exported_electricity")),
    ("purchased_heat", _("净购入热力 purchased_heat")),
    ("exported_heat", _("输出热力 exported_heat")),
    ("recovered_co2", _("CO2 回收利用 recovered_co2")),
    ("direct_gas", _("直接排放气体 direct_gas")),
]
