"""Background job kind of the inversion app: one inversion run, with progress."""

from __future__ import annotations

from dualcarbon_web.platform.jobs import job_handler
from dualcarbon_web.platform.models import Job

__all__ = ("RUN_JOB_KIND",)

RUN_JOB_KIND = "inversion.run"


@job_handler(RUN_JOB_KIND, title="反演")
def _run_inversion(job: Job, progress) -> dict:
    from dualcarbon_web.inversion.models import InversionRun
    from dualcarbon_web.inversion.services import inversion_run_execute

    run = InversionRun.objects.select_related(
        "region", "created_by", "created_by__organization", "created_by__organization__jurisdiction"
    ).get(pk=job.params["run_id"])
    return inversion_run_execute(run=run, progress=progress)
