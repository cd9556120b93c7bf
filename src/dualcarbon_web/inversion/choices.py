"""Choices of the inversion app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = (
    "AttributionChoices",
    "ObservationSetKindChoices",
    "ObservationUnitChoices",
    "StabilityChoices",
    "TerrainChoices",
)


class ObservationSetKindChoices(models.TextChoices):
    UPLOADED = "uploaded", _("上传的观测")
    SYNTHETIC = "synthetic", _("模拟观测（OSSE）")


class ObservationUnitChoices(models.TextChoices):
    PPM = "ppm", "ppm"
    PPB = "ppb", "ppb"
    UG_M3 = "ug/m3", "µg/m³"


class TerrainChoices(models.TextChoices):
    RURAL = "rural", _("开阔乡村")
    URBAN = "urban", _("城市")


class StabilityChoices(models.TextChoices):
    A = "A", _("A 极不稳定")
    B = "B", _("B 不稳定")
    C = "C", _("C 弱不稳定")
    D = "D", _("D 中性")
    E = "E", _("E 弱稳定")
    F = "F", _("F 稳定")


class AttributionChoices(models.TextChoices):
    """How a facility's prior was taken from the reported inventories (docs/inversion.md)."""

    FACILITY = "facility", _("设施级报告")
    LINES = "lines", _("企业报告中该设施的活动数据行")
    LINES_AND_SHARE = "lines+share", _("设施行 + 企业级行均分")
    SHARE = "share", _("企业级排放按设施均分")
