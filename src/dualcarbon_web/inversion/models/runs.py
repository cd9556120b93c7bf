"""Inversion runs and their per-facility results (prior versus posterior, cross-check)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.inversion.choices import AttributionChoices, TerrainChoices
from dualcarbon_web.platform.choices import JobStatusChoices

__all__ = ("FacilityEstimate", "InversionRun")


class InversionRun(models.Model):
    """One Bayesian inversion of a region's facility emissions (t CO2/yr) from an observation set.

    The settings are the forward model's and the error model's (docs/inversion.md, "On the
    platform"); the results are filled in by the background job, in one transaction with the
    per-facility :class:`FacilityEstimate` rows. ``status`` follows the platform :class:`Job`.
    """

    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    year = models.PositiveSmallIntegerField(_("清单年度"))
    observation_set = models.ForeignKey(
        "inversion.ObservationSet",
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("观测数据集"),
    )
    # prior and error model
    prior_relative_sd = models.FloatField(_("先验相对不确定度"), default=0.5)
    prior_sd_floor_t = models.FloatField(_("先验不确定度下限 t/yr"), default=1000.0)
    obs_error_scale = models.FloatField(_("观测误差放大系数"), default=1.0)
    model_error = models.FloatField(_("模式误差（观测单位）"), default=0.0)
    gamma = models.FloatField("γ", default=1.0)
    z_threshold = models.FloatField(_("标记阈值 |z|"), default=3.0)
    # forward model
    stack_height_m = models.FloatField(_("有效排放高度 m"), default=100.0)
    receptor_height_m = models.FloatField(_("观测高度 m（文件未给出时）"), default=10.0)
    terrain = models.CharField(
        _("地形"), max_length=8, choices=TerrainChoices.choices, default=TerrainChoices.RURAL
    )
    background = models.FloatField(_("背景浓度（文件未给出时）"), default=0.0)
    job = models.ForeignKey(
        "platform.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "platform.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # results (null until the job succeeded)
    finished = models.DateTimeField(null=True, blank=True)
    n_state = models.PositiveIntegerField(null=True, blank=True)
    n_obs = models.PositiveIntegerField(null=True, blank=True)
    form = models.CharField(max_length=16, blank=True)
    dofs = models.FloatField(null=True, blank=True)
    cost_prior = models.FloatField(null=True, blank=True)
    cost_obs = models.FloatField(null=True, blank=True)
    prior_total_t = models.FloatField(null=True, blank=True)
    prior_total_sd_t = models.FloatField(null=True, blank=True)
    posterior_total_t = models.FloatField(null=True, blank=True)
    posterior_total_sd_t = models.FloatField(null=True, blank=True)
    region_z = models.FloatField(null=True, blank=True)
    n_flagged = models.PositiveIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created", "-pk")
        verbose_name = _("反演")
        verbose_name_plural = _("反演")

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        if self.finished is not None:
            return JobStatusChoices.SUCCEEDED
        return self.job.status if self.job_id and self.job else JobStatusChoices.FAILED

    def get_status_display(self) -> str:
        return str(JobStatusChoices(self.status).label)


class FacilityEstimate(models.Model):
    """A facility's reported (prior) and top-down (posterior) emission in one run, with its z-score."""

    run = models.ForeignKey(InversionRun, on_delete=models.CASCADE, related_name="facilities")
    index = models.PositiveIntegerField()
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="+")
    inventory = models.ForeignKey(
        "inventories.Inventory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attribution = models.CharField(max_length=16, choices=AttributionChoices.choices)
    name = models.CharField(max_length=200)
    organization_name = models.CharField(max_length=200)
    lon = models.FloatField()
    lat = models.FloatField()
    prior_t = models.FloatField()
    prior_sd_t = models.FloatField()
    posterior_t = models.FloatField()
    posterior_sd_t = models.FloatField()
    sensitivity = models.FloatField(help_text="diag(A)")
    z = models.FloatField()
    flagged = models.BooleanField(default=False)
    truth_t = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("run", "index")
        constraints = [models.UniqueConstraint(fields=["run", "facility"], name="facility_estimate_unique")]

    def __str__(self) -> str:
        return f"{self.name}: {self.prior_t:.0f} -> {self.posterior_t:.0f} t/yr"

    @property
    def change_pct(self) -> float | None:
        return None if self.prior_t == 0 else 100.0 * (self.posterior_t - self.prior_t) / self.prior_t
