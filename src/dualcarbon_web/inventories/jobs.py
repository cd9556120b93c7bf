"""Background job kinds of the inventories app: calculating a large inventory, storing a large
upload and the Monte Carlo (Approach 2) analysis of a run, with progress."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dualcarbon.errors import InputError
from dualcarbon_web.platform.jobs import job_enqueue, job_handler
from dualcarbon_web.platform.models import Job, User

__all__ = (
    "CALCULATE_JOB_KIND",
    "MONTE_CARLO_JOB_KIND",
    "UPLOAD_JOB_KIND",
    "activity_lines_upload_enqueue",
    "inventory_calculate_enqueue",
    "monte_carlo_enqueue",
)

CALCULATE_JOB_KIND = "inventories.calculate"
UPLOAD_JOB_KIND = "inventories.upload"
MONTE_CARLO_JOB_KIND = "inventories.monte_carlo"


def _rejected_as_input_error(exc, source: str) -> InputError:
    lines = [f"row {r['row']}, column {r['column']!r}: {r['reason']}" for r in exc.rows[:100]]
    more = f"\n… and {len(exc.rows) - 100} more" if len(exc.rows) > 100 else ""
    return InputError(exc.message + "\n" + "\n".join(lines) + more, source=source)


def activity_lines_upload_enqueue(*, user, inventory, data: bytes, filename: str, replace: bool) -> Job:
    """Keep a large upload in the media store and queue its validation and storage."""
    name = Path(filename or "upload.csv").name
    path = default_storage.save(f"imports/inventories/{uuid.uuid4().hex}-{name}", ContentFile(data))
    return job_enqueue(
        kind=UPLOAD_JOB_KIND,
        title=f"上传活动数据 {name} → {inventory}"[:200],
        user=user,
        params={"inventory_id": inventory.pk, "path": path, "filename": name, "replace": bool(replace)},
        organization=inventory.organization,
    )


@job_handler(UPLOAD_JOB_KIND, title="上传活动数据", terms=("全企业",))
def _run_upload(job: Job, progress) -> dict:
    from dualcarbon_web.inventories.models import Inventory
    from dualcarbon_web.inventories.services import LinesRejected, activity_lines_upload

    params = job.params
    user = User.objects.select_related("organization", "organization__jurisdiction").get(pk=job.owner_id)
    inventory = Inventory.objects.select_related("organization", "facility").get(pk=params["inventory_id"])
    try:
        with default_storage.open(params["path"], "rb") as fh:
            data = fh.read()
        result = activity_lines_upload(
            user=user,
            inventory=inventory,
            data=data,
            filename=params["filename"],
            replace=params["replace"],
            progress=progress,
        )
    except LinesRejected as exc:
        raise _rejected_as_input_error(exc, params["filename"]) from exc
    finally:
        default_storage.delete(params["path"])
    return {**result.as_dict(), "inventory_id": inventory.pk, "url": f"/accounting/{inventory.pk}/"}


def inventory_calculate_enqueue(*, user, inventory) -> Job:
    """Queue the calculation of ``inventory`` (its status is already ``calculating``)."""
    return job_enqueue(
        kind=CALCULATE_JOB_KIND,
        title=f"排放核算 {inventory}"[:200],
        user=user,
        params={"inventory_id": inventory.pk, "revision": inventory.revision},
        organization=inventory.organization,
    )


@job_handler(CALCULATE_JOB_KIND, title="排放核算", terms=("全企业",))
def _run_calculation(job: Job, progress) -> dict:
    from dualcarbon_web.inventories.models import Inventory
    from dualcarbon_web.inventories.services import LinesRejected, inventory_calculate_now, inventory_release

    user = User.objects.select_related("organization", "organization__jurisdiction").get(pk=job.owner_id)
    inventory = Inventory.objects.select_related("organization", "facility").get(
        pk=job.params["inventory_id"]
    )
    try:
        run = inventory_calculate_now(user=user, inventory=inventory, progress=progress, job_id=job.pk)
    except LinesRejected as exc:
        inventory_release(inventory)
        lines = [f"row {r['row']}, column {r['column']!r}: {r['reason']}" for r in exc.rows[:100]]
        more = f"\n… and {len(exc.rows) - 100} more" if len(exc.rows) > 100 else ""
        raise InputError(
            exc.message + "\n" + "\n".join(lines) + more, source=f"inventory {inventory.pk}"
        ) from exc
    except BaseException:
        inventory_release(inventory)
        raise
    return {
        "inventory_id": inventory.pk,
        "run_id": run.pk,
        "number": run.number,
        "total_tco2e": run.total_tco2e,
        "url": f"/accounting/runs/{run.pk}/",
    }


def monte_carlo_enqueue(*, user, run, iterations: int, seed: int, seed_given: bool) -> Job:
    """Queue a Monte Carlo analysis of ``run``; the seed (given or drawn) is in the job's parameters."""
    return job_enqueue(
        kind=MONTE_CARLO_JOB_KIND,
        title=f"蒙特卡洛不确定性分析 #{run.number} {run.inventory}"[:200],
        user=user,
        params={
            "run_id": run.pk,
            "inventory_id": run.inventory_id,
            "iterations": iterations,
            "seed": seed,
            "seed_given": seed_given,
        },
        organization=run.inventory.organization,
    )


@job_handler(MONTE_CARLO_JOB_KIND, title="蒙特卡洛不确定性分析", terms=("全企业",))
def _run_monte_carlo(job: Job, progress) -> dict:
    from dualcarbon_web.inventories.models import CalculationRun
    from dualcarbon_web.inventories.services import run_monte_carlo_now

    params = job.params
    user = User.objects.select_related("organization", "organization__jurisdiction").get(pk=job.owner_id)
    run = CalculationRun.objects.select_related("inventory", "inventory__organization").get(
        pk=params["run_id"]
    )
    analysis = run_monte_carlo_now(
        user=user,
        run=run,
        iterations=params["iterations"],
        seed=params["seed"],
        seed_given=params.get("seed_given", True),
        progress=progress,
        job_id=job.pk,
    )
    return {
        "run_id": run.pk,
        "analysis_id": analysis.pk,
        "number": analysis.number,
        "iterations": analysis.iterations,
        "seed": analysis.seed,
        "mean_tco2e": analysis.mean_tco2e,
        "p2_5_tco2e": analysis.p2_5_tco2e,
        "p97_5_tco2e": analysis.p97_5_tco2e,
        "uncertainty_pct": analysis.uncertainty_pct,
        "url": f"/accounting/runs/{run.pk}/#monte-carlo",
    }
