"""Observation sets: station/satellite observations in the core's format, with their meteorology."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.inversion.choices import ObservationSetKindChoices, ObservationUnitChoices

__all__ = ("ObservationSet",)


class ObservationSet(models.Model):
    """Observations of one region, as columns of :class:`dualcarbon.inversion.io.Observations`.

    ``data`` holds the columns ``time`` (ISO 8601, UTC), ``lon``, ``lat``, ``value``,
    ``uncertainty``, ``id`` and optionally ``height_m`` and ``background``; ``met`` the columns
    of :class:`dualcarbon.inversion.io.Meteorology` (``time``, ``wind_speed_m_s``,
    ``wind_from_deg``, ``stability``, optionally ``mixing_height_m``). Both were parsed by the core's
    readers when the set was stored. A synthetic set (``kind="synthetic"``) was simulated from a
    known truth; ``synthetic`` records the seed, the truth per facility and how it was made.
    """

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(
        _("类型"),
        max_length=16,
        choices=ObservationSetKindChoices.choices,
        default=ObservationSetKindChoices.UPLOADED,
    )
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    gas = models.CharField(_("气体"), max_length=8, default="CO2")
    unit = models.CharField(
        _("单位"), max_length=8, choices=ObservationUnitChoices.choices, default=ObservationUnitChoices.PPM
    )
    n_obs = models.PositiveIntegerField(_("观测数"))
    stations = models.JSONField(_("站点"), default=list)
    data = models.JSONField()
    met = models.JSONField()
    filename = models.CharField(max_length=200, blank=True)
    met_filename = models.CharField(max_length=200, blank=True)
    synthetic = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "platform.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created", "-pk")
        verbose_name = _("观测数据集")
        verbose_name_plural = _("观测数据集")

    def __str__(self) -> str:
        return self.name

    @property
    def is_synthetic(self) -> bool:
        return self.kind == ObservationSetKindChoices.SYNTHETIC
