"""Template tags of the MRV app: the submission block of a calculation run's page.

``{% load mrv %}{% mrv_run_submission run %}`` shows, on ``inventories/run_detail.html``, when the
run was submitted and where it sits in the log, or the submit button for a user who may submit it.
"""

from __future__ import annotations

from django import template
from django.db.models import Q

from dualcarbon_web.inventories.choices import InventoryStatusChoices
from dualcarbon_web.inventories.services import user_may_edit_inventory
from dualcarbon_web.mrv.models import ReportSubmission

register = template.Library()


@register.inclusion_tag("mrv/_run_submission.html", takes_context=True)
def mrv_run_submission(context, run):
    user = context.get("user")
    inventory = run.inventory
    # One query: this run's submission and the inventory's current one (at most one each).
    rows = list(
        ReportSubmission.objects.filter(inventory_id=inventory.pk).filter(
            Q(run_id=run.pk) | Q(superseded_by__isnull=True)
        )
    )
    submission = next((s for s in rows if s.run_id == run.pk), None)
    current = next((s for s in rows if s.run_id != run.pk), None) if submission is None else None
    submittable = (
        inventory.latest_run_id == run.pk
        and run.inventory_revision == inventory.revision
        and inventory.status == InventoryStatusChoices.CALCULATED
    )
    return {
        "run": run,
        "submission": submission,
        "current": current,
        "can_submit": submission is None and submittable and user_may_edit_inventory(user, inventory),
        "csrf_token": context.get("csrf_token"),
    }
