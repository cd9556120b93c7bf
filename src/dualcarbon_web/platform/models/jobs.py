"""Long jobs (bulk imports, accounting runs, inversions) with progress that UI and API can show."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.platform.choices import JobStatusChoices

__all__ = ("Job",)


class Job(models.Model):
    """A unit of background work. The queue itself is django-tasks; this row carries progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    owner = models.ForeignKey("platform.User", null=True, on_delete=models.SET_NULL, related_name="jobs")
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=JobStatusChoices.choices, default=JobStatusChoices.QUEUED
    )
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (titles are stored in Chinese, the default language)."""
        from dualcarbon_web.platform.jobs import job_title_display

        return job_title_display(self.kind, self.title)

    @property
    def percent(self) -> float:
        if self.progress_total <= 0:
            return 100.0 if self.status == JobStatusChoices.SUCCEEDED else 0.0
        return min(100.0, 100.0 * self.progress_done / self.progress_total)
