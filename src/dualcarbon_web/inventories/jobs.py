"""Background job kind of the inventories app: calculating a large inventory, with progress."""

from __future__ import annotations

from dualcarbon.errors import InputError
from dualcarbon_web.platform.jobs import job_enqueue, job_handler
from dualcarbon_web.platform.models import Job, User

__all__ = ("CALCULATE_JOB_KIND", "inventory_calculate_enqueue")

CALCULATE_JOB_KIND = "inventories.calculate"


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
