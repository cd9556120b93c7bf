"""Inventories (排放报告/核算单元) and their activity lines in the core's interchange format."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon.accounting.methodologies import DEFAULT_METHODOLOGY
from dualcarbon_web.inventories.choices import (
    FACTOR_SET_CHOICES,
    GWP_CHOICES,
    LINE_CATEGORY_CHOICES,
    METHODOLOGY_CHOICES,
    InventoryStatusChoices,
    VintageChoices,
)

__all__ = ("LINE_COLUMNS", "ActivityLine", "Inventory")

#: The columns of the core's line schema (``dualcarbon.accounting.engine``), in interchange order.
LINE_COLUMNS = (
    "entity",
    "period",
    "category",
    "item",
    "quantity",
    "unit",
    "ncv",
    "ncv_unit",
    "carbon_content",
    "carbon_content_unit",
    "oxidation_rate",
    "factor",
    "factor_unit",
    "region",
    "methodology",
    "uncertainty_pct",
    "purity",
    "counterparty",
)


class Inventory(models.Model):
    """The emissions of one facility (or a whole enterprise) for one year, with its accounting choices.

    ``methodology`` is used for lines that leave their own ``methodology`` column empty; ``gwp``,
    ``factor_set`` and ``vintage`` are the options of :func:`dualcarbon.accounting.account`.
    ``revision`` counts the writes to the lines, so a calculation run knows whether it is current.
    """

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="inventories",
        verbose_name=_("企业"),
    )
    facility = models.ForeignKey(
        "organizations.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inventories",
        verbose_name=pgettext_lazy("field", "设施"),
        help_text=_("留空表示整个企业"),
    )
    year = models.PositiveSmallIntegerField(_("核算年度"))
    name = models.CharField(_("名称"), max_length=200, blank=True)
    methodology = models.CharField(
        _("核算方法学"), max_length=64, choices=METHODOLOGY_CHOICES, default=DEFAULT_METHODOLOGY
    )
    gwp = models.CharField(_("GWP 取值"), max_length=8, choices=GWP_CHOICES, default="AR5")
    factor_set = models.CharField(_("电力排放因子"), max_length=32, choices=FACTOR_SET_CHOICES, blank=True)
    vintage = models.CharField(
        _("因子年份规则"), max_length=8, choices=VintageChoices.choices, default=VintageChoices.EXACT
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=InventoryStatusChoices.choices,
        default=InventoryStatusChoices.DRAFT,
        db_index=True,
    )
    revision = models.PositiveIntegerField(default=0)
    latest_run = models.ForeignKey(
        "inventories.CalculationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("最近一次核算"),
    )
    created_by = models.ForeignKey(
        "platform.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-year", "pk")
        verbose_name = _("排放报告")
        verbose_name_plural = _("排放报告")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "facility", "year"],
                condition=Q(facility__isnull=False),
                name="inventory_unique_facility_year",
                violation_error_message=_("该设施本年度已有排放报告。"),
            ),
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=Q(facility__isnull=True),
                name="inventory_unique_enterprise_year",
                violation_error_message=_("该企业本年度已有企业级排放报告。"),
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        scope = self.facility.name if self.facility_id else _("全企业")
        return self.name or f"{self.organization.name} · {scope} · {self.year}"

    @property
    def display_name(self) -> str:
        """As ``str()``, with the organisation's name in the active language (pages)."""
        scope = self.facility.name if self.facility_id else _("全企业")
        return self.name or f"{self.organization.display_name} · {scope} · {self.year}"

    @property
    def is_current(self) -> bool:
        """True when the latest run was computed from the lines as they are now."""
        return self.latest_run is not None and self.latest_run.inventory_revision == self.revision


class ActivityLine(models.Model):
    """One activity line (活动数据) in the interchange format; ``position`` is its row number."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("行号"))
    entity = models.CharField(_("排放单元"), max_length=64)
    period = models.CharField(_("期间"), max_length=16)
    category = models.CharField(_("类别"), max_length=32, choices=LINE_CATEGORY_CHOICES)
    item = models.CharField(_("品种/项目"), max_length=100)
    quantity = models.FloatField(_("数量"))
    unit = models.CharField(_("单位"), max_length=32)
    ncv = models.FloatField(_("低位发热量"), null=True, blank=True)
    ncv_unit = models.CharField(_("低位发热量单位"), max_length=32, blank=True)
    carbon_content = models.FloatField(_("含碳量"), null=True, blank=True)
    carbon_content_unit = models.CharField(_("含碳量单位"), max_length=32, blank=True)
    oxidation_rate = models.FloatField(_("碳氧化率"), null=True, blank=True)
    factor = models.FloatField(_("排放因子"), null=True, blank=True)
    factor_unit = models.CharField(_("排放因子单位"), max_length=32, blank=True)
    region = models.CharField(_("电网区域"), max_length=32, blank=True)
    methodology = models.CharField(_("方法学"), max_length=64, blank=True)
    uncertainty_pct = models.FloatField(_("活动数据不确定性 %"), null=True, blank=True)
    purity = models.FloatField(_("纯度"), null=True, blank=True)
    counterparty = models.CharField(_("交易对方"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("inventory", "position")
        verbose_name = _("活动数据")
        verbose_name_plural = _("活动数据")
        constraints = [
            models.UniqueConstraint(fields=["inventory", "position"], name="activity_line_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.category} {self.item} {self.quantity:g} {self.unit}"

    def as_row(self) -> dict:
        """The line as a record of the interchange format (empty text as ``None``)."""
        out: dict = {}
        for column in LINE_COLUMNS:
            value = getattr(self, column)
            out[column] = None if value == "" else value
        return out
