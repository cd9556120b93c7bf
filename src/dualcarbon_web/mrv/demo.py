"""Demo submissions: each demo enterprise submits its calculated demo inventory, so the demo's
transparency log has entries and regulators and verifiers have reports to look at.

Idempotent: a run that is already submitted, or that is no longer its inventory's latest, is left
as it is.
"""

from __future__ import annotations

from dualcarbon_web.inventories.models import CalculationRun
from dualcarbon_web.mrv.models import ReportSubmission
from dualcarbon_web.mrv.services import report_submit
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import User

__all__ = ("demo_submissions_load",)


def _submitter(run: CalculationRun) -> User | None:
    member = (
        User.objects.filter(
            organization_id=run.inventory.organization_id, role=RoleChoices.ENTERPRISE, is_active=True
        )
        .order_by("pk")
        .first()
    )
    return member or User.objects.filter(role=RoleChoices.ADMIN, is_active=True).order_by("pk").first()


def demo_submissions_load(inventories: list[dict]) -> list[dict]:
    """Submit the run of each demo inventory summary (``demo_inventories_load``'s return value) by the
    enterprise's demo member. Returns ``{"organization", "submission_id", "leaf_index", "created"}``."""
    out = []
    for item in inventories:
        run_id = item.get("run_id")
        if not run_id:
            continue
        existing = ReportSubmission.objects.filter(run_id=run_id).first()
        if existing is not None:
            out.append(
                {
                    "organization": item["organization"],
                    "submission_id": existing.pk,
                    "leaf_index": existing.leaf_index,
                    "created": False,
                }
            )
            continue
        run = CalculationRun.objects.select_related("inventory", "inventory__organization").get(pk=run_id)
        if run.inventory.latest_run_id != run.pk:
            continue
        user = _submitter(run)
        if user is None:
            continue
        submission = report_submit(user=user, run=run)
        out.append(
            {
                "organization": item["organization"],
                "submission_id": submission.pk,
                "leaf_index": submission.leaf_index,
                "created": True,
            }
        )
    return out
