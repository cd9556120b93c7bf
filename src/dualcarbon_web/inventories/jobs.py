"""Background job kinds of the inventories app: calculating a large inventory and storing a large
upload, with progress."""

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
    "UPLOAD_JOB_KIND",
    "activity_lines_upload_enqueue",
    "inventory_calculate_enqueue",
)

CALCULATE_JOB_KIND = "inventories.calculate"
UPLOAD_JOB_KIND = "inventories.upload"


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


@job_handler(UPLOAD_JOB_KIND)
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


@job_handler(CALCULATE_JOB_KIND)
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
