"""Writes of the MRV app: submitting an annual emission report, and evaluating the verification rules
on a submission (:func:`submission_rules_evaluate`, docs/mrv.md "Verification rules").

:func:`report_submit` is the first step of the MRV cycle (research/mrv.md §1.2 step 3, §8): the
enterprise submits the latest calculation run of an inventory; one event is appended to the
platform's transparency log, the submission is recorded and the audit trail written, all in one
database transaction. If any part fails (the log append included), nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dualcarbon.ledger import canonical_json, leaf_hash
from dualcarbon.mrv import DEFAULT_RULESET, RuleContext, RuleSet, evaluate
from dualcarbon_web.inventories.choices import InventoryStatusChoices
from dualcarbon_web.inventories.models import CalculationRun, Inventory
from dualcarbon_web.inventories.services import facility_entity, user_may_edit_inventory
from dualcarbon_web.ledger.services import ledger_append
from dualcarbon_web.ledger.store import durable_writes
from dualcarbon_web.mrv.choices import EVENT_KIND, EVENT_VERSION, RULES_EVENT_KIND, RULES_EVENT_VERSION
from dualcarbon_web.mrv.models import ReportSubmission, RuleEvaluation
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed, ValidationFailed

__all__ = (
    "record_digest",
    "report_submit",
    "rules_context",
    "rules_event",
    "submission_event",
    "submission_rules_evaluate",
    "user_may_evaluate_rules",
)


def record_digest(record_text: str) -> str:
    """SHA-256 (hex) of a calculation record as canonical JSON (:func:`dualcarbon.ledger.canonical_json`:
    keys sorted, no whitespace, UTF-8). Anyone holding the record gets the same digest whatever JSON
    writer produced their copy.

    Raises :class:`ValidationFailed` (field ``record``) if the text is not JSON or holds a value
    canonical JSON cannot write (NaN, infinity).
    """
    try:
        value = json.loads(record_text)
        data = canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            f"The calculation record cannot be written as canonical JSON: {exc}",
            extra={"fields": {"record": [str(exc)]}},
        ) from None
    return hashlib.sha256(data).hexdigest()


def _record_format(record_text: str) -> str:
    try:
        value = json.loads(record_text)
    except ValueError:
        return ""
    return str(value.get("format", "")) if isinstance(value, dict) else ""


def submission_event(
    *,
    inventory: Inventory,
    run: CalculationRun,
    record_sha256: str,
    record_format: str,
    actor_role: str,
    supersedes: int | None,
    submitted_at,
) -> dict[str, Any]:
    """The public log entry of a submission: identifiers and the record's digest, no figures.

    The log is public and permanent, so it carries what identifies the submission and commits to
    its content (the SHA-256 of the calculation record, which holds every input, factor and total),
    not the emissions themselves (docs/mrv.md, "What the log entry discloses").
    """
    facility = inventory.facility
    return {
        "kind": EVENT_KIND,
        "v": EVENT_VERSION,
        "unit": inventory.organization.uscc,
        "facility": facility_entity(facility) if facility is not None else None,
        "period": str(inventory.year),
        "inventory": inventory.pk,
        "run": run.number,
        "record_format": record_format,
        "record_sha256": record_sha256,
        "actor_role": actor_role,
        "supersedes": supersedes,
        "submitted_at": submitted_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _check_run(inventory: Inventory, run: CalculationRun) -> None:
    """The run must be the inventory's latest, and the inventory calculated from its current lines."""
    if inventory.latest_run_id != run.pk:
        latest = (
            CalculationRun.objects.filter(pk=inventory.latest_run_id).values_list("number", flat=True).first()
        )
        raise InvalidTransition(
            f"Run #{run.number} is not the latest calculation of inventory {inventory.pk}"
            + (f" (the latest is #{latest}); submit that one." if latest else "."),
            extra={"fields": {"run_id": ["not the latest run"]}},
        )
    if inventory.status == InventoryStatusChoices.CALCULATING:
        raise InvalidTransition(
            f"Inventory {inventory.pk} is being calculated; wait for the job to finish.",
            extra={"fields": {"run_id": ["inventory is being calculated"]}},
        )
    if inventory.status != InventoryStatusChoices.CALCULATED or run.inventory_revision != inventory.revision:
        raise InvalidTransition(
            f"The activity data or options of inventory {inventory.pk} changed after run #{run.number}; "
            "calculate again and submit the new run.",
            extra={"fields": {"run_id": ["not calculated from the current data"]}},
        )


def report_submit(*, user, run: CalculationRun) -> ReportSubmission:
    """Submit ``run`` as the annual emission report of its inventory and anchor it in the MRV log.

    Only a user who may edit the inventory (its enterprise's members, or an administrator) submits
    (:class:`NotAllowed`, 403), only the inventory's latest run, computed from its current lines
    (:class:`InvalidTransition`, 409), and each run once. A submission supersedes the inventory's
    current one. Appends exactly one event to the log, signs a checkpoint over it, records the
    submission and the audit entry, in one transaction: if anything fails, nothing is written.
    """
    inventory = run.inventory
    if not user_may_edit_inventory(user, inventory):
        raise NotAllowed("Only the reporting enterprise (or an administrator) submits its emission report.")
    record_text = run.record or CalculationRun.objects.values_list("record", flat=True).get(pk=run.pk)
    digest = record_digest(record_text)
    durable_writes()
    try:
        with transaction.atomic():
            locked = (
                Inventory.objects.select_for_update(of=("self",))
                .select_related("organization", "facility")
                .get(pk=inventory.pk)
            )
            _check_run(locked, run)
            if ReportSubmission.objects.filter(run=run).exists():
                raise InvalidTransition(
                    f"Run #{run.number} of inventory {locked.pk} has already been submitted.",
                    extra={"fields": {"run_id": ["already submitted"]}},
                )
            previous = (
                ReportSubmission.objects.filter(inventory=locked, superseded_by__isnull=True)
                .order_by("-submitted_at", "-pk")
                .first()
            )
            submitted_at = timezone.now().replace(microsecond=0)
            role = RoleChoices.ADMIN if user.is_platform_admin else user.role
            event = submission_event(
                inventory=locked,
                run=run,
                record_sha256=digest,
                record_format=_record_format(record_text),
                actor_role=str(role),
                supersedes=previous.leaf_index if previous is not None else None,
                submitted_at=submitted_at,
            )
            appended = ledger_append(events=[event], user=user)
            submission = ReportSubmission.objects.create(
                run=run,
                inventory=locked,
                organization=locked.organization,
                facility=locked.facility,
                year=locked.year,
                run_number=run.number,
                total_tco2e=run.total_tco2e,
                record_sha256=digest,
                leaf_index=appended.first_index,
                leaf_hash=leaf_hash(canonical_json(event)).hex(),
                tree_size=appended.tree_size,
                supersedes=previous,
                submitted_by=user,
                submitted_at=submitted_at,
            )
            audit_record(
                user=user,
                action=AuditActionChoices.CREATE,
                instance=submission,
                after={**snapshot(submission), "event": event},
                note=f"ledger index {appended.first_index}",
            )
    except IntegrityError as exc:  # a concurrent submission of the same run or inventory won the race
        raise InvalidTransition(
            f"Inventory {inventory.pk} was submitted by someone else at the same moment; reload and check.",
        ) from exc
    return submission


# --------------------------------------------------------------------------- verification rules


def user_may_evaluate_rules(user) -> bool:
    """Verifiers, regulators and administrators evaluate the rules (on submissions they may see)."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin or user.role in (RoleChoices.VERIFIER, RoleChoices.REGULATOR)
    )


def rules_context(*, user, submission: ReportSubmission) -> RuleContext:
    """Gather what the rules look at: the submitted record, the unit's current submission of the
    year before (same organisation and facility), who submitted and who evaluates, and the facility
    estimates of finished inversion runs of the year for the unit's facilities (every such run on the
    platform, whoever started it: the report shows run number, facility, z and threshold only)."""
    from dualcarbon_web.inversion.models import FacilityEstimate

    record = json.loads(CalculationRun.objects.values_list("record", flat=True).get(pk=submission.run_id))
    previous = (
        ReportSubmission.objects.filter(
            organization_id=submission.organization_id,
            facility_id=submission.facility_id,
            year=submission.year - 1,
            superseded_by__isnull=True,
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )
    estimates = FacilityEstimate.objects.filter(
        run__finished__isnull=False,
        run__year=submission.year,
        facility__organization_id=submission.organization_id,
    ).select_related("facility", "run")
    if submission.facility_id:
        estimates = estimates.filter(facility_id=submission.facility_id)
    inversion = [
        {
            "run": e.run_id,
            "facility": facility_entity(e.facility),
            "z": e.z,
            "flagged": e.flagged,
            "threshold": e.run.z_threshold,
        }
        for e in estimates
    ]
    role = RoleChoices.ADMIN if user.is_platform_admin else user.role
    return RuleContext(
        record=record,
        year=submission.year,
        unit=submission.organization.uscc,
        facility=facility_entity(submission.facility) if submission.facility_id else None,
        previous=(
            {
                "year": previous.year,
                "total_tco2e": previous.total_tco2e,
                "submission": previous.pk,
                "leaf_index": previous.leaf_index,
            }
            if previous is not None
            else None
        ),
        submitter={"id": submission.submitted_by_id, "organization_id": submission.organization_id},
        evaluator={"id": user.pk, "organization_id": user.organization_id, "role": str(role)},
        inversion=inversion,
    )


def rules_event(
    *,
    submission: ReportSubmission,
    ruleset: RuleSet,
    report_sha256: str,
    counts,
    actor_role: str,
    evaluated_at,
) -> dict[str, Any]:
    """The public log entry of an evaluation: which submission, which rule set (digest), the report's
    digest and the counts of findings; no emission values (docs/mrv.md, "What the log entry
    discloses")."""
    return {
        "kind": RULES_EVENT_KIND,
        "v": RULES_EVENT_VERSION,
        "unit": submission.organization.uscc,
        "period": str(submission.year),
        "submission": submission.leaf_index,
        "ruleset": ruleset.id,
        "ruleset_digest": ruleset.digest,
        "report_sha256": report_sha256,
        "counts": dict(counts),
        "actor_role": actor_role,
        "evaluated_at": evaluated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def submission_rules_evaluate(
    *, user, submission: ReportSubmission, ruleset: RuleSet = DEFAULT_RULESET
) -> RuleEvaluation:
    """Evaluate ``ruleset`` on ``submission`` and anchor the result in the MRV log.

    The caller fetched ``submission`` through :func:`dualcarbon_web.mrv.selectors.submission_get`
    (so it is one the user may see). Verifiers, regulators and administrators only
    (:class:`NotAllowed`, 403). In one transaction: one public log event
    (``mrv.rules.evaluated``), the :class:`RuleEvaluation` row and the audit entry; if anything
    fails, nothing is written.
    """
    if not user_may_evaluate_rules(user):
        raise NotAllowed("Only verifiers, regulators and administrators evaluate the verification rules.")
    context = rules_context(user=user, submission=submission)
    report = evaluate(ruleset, context)
    data = report.canonical_json()
    digest = report.sha256
    counts = report.counts
    role = str(RoleChoices.ADMIN if user.is_platform_admin else user.role)
    durable_writes()
    with transaction.atomic():
        evaluated_at = timezone.now().replace(microsecond=0)
        event = rules_event(
            submission=submission,
            ruleset=ruleset,
            report_sha256=digest,
            counts=counts,
            actor_role=role,
            evaluated_at=evaluated_at,
        )
        appended = ledger_append(events=[event], user=user)
        evaluation = RuleEvaluation.objects.create(
            submission=submission,
            ruleset_id=ruleset.id,
            ruleset_digest=ruleset.digest,
            report=data.decode("utf-8"),
            report_sha256=digest,
            counts=counts,
            leaf_index=appended.first_index,
            evaluated_by=user,
            evaluated_at=evaluated_at,
        )
        audit_record(
            user=user,
            action=AuditActionChoices.CREATE,
            instance=evaluation,
            # the report itself is in the row (append-only); the audit keeps the rest and the event
            after={**{k: v for k, v in snapshot(evaluation).items() if k != "report"}, "event": event},
            note=f"ledger index {appended.first_index}",
        )
    return evaluation
