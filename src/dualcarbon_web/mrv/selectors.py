"""Reads of the MRV app, each filtered to what the user may see, and the check of a submission.

Who sees which submission: exactly who sees its inventory
(:func:`dualcarbon_web.inventories.selectors.inventory_q`), the same rule for pages and API:

* administrators: every submission;
* an enterprise member: its own organisation's;
* a regulator: those of inventories in its jurisdiction;
* a verifier: those of enterprises registered in the province of its verification body (the
  inventories rule until verification assignments exist);
* technology owners and analysts: none (403 on the pages and the API).

Absent and invisible answer the same :class:`NotFound`, so existence is never revealed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from dualcarbon.errors import DataNotFound
from dualcarbon.ledger import LedgerError, canonical_json, leaf_hash, make_bundle, verify_bundle
from dualcarbon_web.inventories.models import CalculationRun, Inventory
from dualcarbon_web.inventories.selectors import inventory_q, user_may_read_inventories
from dualcarbon_web.ledger.keys import witness_keys
from dualcarbon_web.ledger.selectors import ledger_log
from dualcarbon_web.mrv.choices import EVENT_KIND
from dualcarbon_web.mrv.models import ReportSubmission, RuleEvaluation
from dualcarbon_web.platform.errors import NotFound, ValidationFailed

__all__ = (
    "rule_evaluation_get",
    "rule_evaluation_list",
    "run_submission",
    "submission_checks",
    "submission_get",
    "submission_list",
    "submission_q",
    "submission_record_text",
    "submission_verify",
    "user_may_read_submissions",
)


#: Longest search text (the list page's search box has the same limit).
MAX_Q = 200


def user_may_read_submissions(user) -> bool:
    """The roles that use the MRV pages at all (the others get 403): those of emission accounting."""
    return user_may_read_inventories(user)


def submission_q(user) -> Q:
    """A filter on :class:`ReportSubmission` keeping what ``user`` may see (module docstring)."""
    if not user_may_read_submissions(user):
        return Q(pk__in=[])
    if user.is_platform_admin:
        return Q()
    return Q(inventory__in=Inventory.objects.filter(inventory_q(user)).values("pk"))


def _with_state(qs: QuerySet[ReportSubmission]) -> QuerySet[ReportSubmission]:
    """``is_current``: no later submission supersedes this one (one subquery, no per-row query)."""
    later = ReportSubmission.objects.filter(supersedes=OuterRef("pk"))
    return qs.annotate(is_current=~Exists(later)).select_related(
        "organization", "facility", "submitted_by", "inventory"
    )


def submission_list(
    *,
    user,
    q: str = "",
    year: int | None = None,
    organization: int | None = None,
    current: bool | None = None,
) -> QuerySet[ReportSubmission]:
    """Submissions ``user`` may see, newest first; ``current=True`` keeps those not superseded.

    Every related row the list shows is selected up front, so a page of any length runs the same
    number of queries.
    """
    qs = _with_state(ReportSubmission.objects.filter(submission_q(user)))
    if len(q) > MAX_Q:  # SQLite refuses LIKE patterns over 50,000 bytes (a server error, not an answer)
        raise ValidationFailed(
            "Some fields are invalid; see extra.fields.",
            extra={"fields": {"q": [f"at most {MAX_Q} characters (got {len(q)})"]}},
        )
    if q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(organization__name__icontains=text)
            | Q(organization__uscc__icontains=text)
            | Q(facility__name__icontains=text)
            | Q(inventory__name__icontains=text)
        )
    # Out-of-range numbers match nothing (an integer beyond 64 bits would be a database error).
    if year:
        qs = qs.filter(year=year) if 0 < year < 2**15 else qs.none()
    if organization:
        qs = qs.filter(organization_id=organization) if 0 < organization < 2**62 else qs.none()
    if current is not None:
        qs = qs.filter(is_current=current)
    return qs.order_by("-submitted_at", "-pk")


def submission_get(*, user, submission_id) -> ReportSubmission:
    """One submission ``user`` may see; :class:`NotFound` otherwise (never says whether it exists)."""
    try:
        pk = int(submission_id)
    except (TypeError, ValueError):
        raise NotFound(f"No submission {submission_id!r} that you may see.") from None
    if not 0 < pk < 2**62:  # beyond any id; an overflowing integer would be a database error
        raise NotFound(f"No submission {submission_id} that you may see.")
    submission = (
        _with_state(ReportSubmission.objects.filter(submission_q(user)))
        .select_related("supersedes", "superseded_by", "run")
        .defer("run__record", "run__keys", "run__factors", "run__result")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise NotFound(f"No submission {submission_id} that you may see.")
    return submission


def run_submission(*, run: CalculationRun) -> ReportSubmission | None:
    """The submission of ``run``, if it was submitted (the caller has checked the run is visible)."""
    return ReportSubmission.objects.filter(run_id=run.pk).first()


def submission_record_text(*, submission: ReportSubmission) -> bytes:
    """The submitted calculation record as canonical JSON: ``sha256sum`` of these bytes is the digest
    in the log entry."""
    text = CalculationRun.objects.values_list("record", flat=True).get(pk=submission.run_id)
    try:
        return canonical_json(json.loads(text))
    except ValueError as exc:
        raise ValidationFailed(f"The stored calculation record is not canonical JSON: {exc}") from None


# --------------------------------------------------------------------------- verification


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": bool(ok), "detail": detail}


def submission_checks(
    *, submission: ReportSubmission, record_text: str, bundle: dict[str, Any] | None, keys
) -> list[dict[str, Any]]:
    """Every check of a submission, each ``{"name", "ok", "detail"}``, given the data to check.

    1. ``record digest``: the SHA-256 of ``record_text`` as canonical JSON is the submitted digest;
    2. ``log entry``: the entry at the submission's index hashes to the stored leaf hash;
    3. ``entry content``: the entry is this submission's event (kind, unit, period, inventory, run)
       and carries the recomputed digest;
    4. then the core's checks of the entry's proof bundle against the latest signed checkpoint
       (:func:`dualcarbon.ledger.verify_bundle`): ``format``, ``checkpoint signature``, ``origin``,
       ``tree size``, ``entry`` and ``inclusion proof``.

    Pure apart from hashing: the caller passes the stored record and the bundle (tests pass altered
    ones to see the named check fail).
    """
    checks = []
    try:
        recomputed = canonical_json(json.loads(record_text))
    except (TypeError, ValueError) as exc:
        digest = None
        checks.append(_check("record digest", False, f"the stored record is not canonical JSON: {exc}"))
    else:
        digest = hashlib.sha256(recomputed).hexdigest()
        same = digest == submission.record_sha256
        checks.append(
            _check(
                "record digest",
                same,
                f"SHA-256 of the calculation record is {digest}"
                + ("" if same else f", but {submission.record_sha256} was submitted: the record was changed"),
            )
        )
    if bundle is None:
        checks.append(
            _check(
                "log entry", False, f"the log has no entry {submission.leaf_index} under a signed checkpoint"
            )
        )
        return checks
    entry = bundle.get("entry")
    try:
        entry_hash = leaf_hash(canonical_json(entry)).hex()
    except ValueError as exc:
        entry_hash = f"(cannot be hashed: {exc})"
    same_leaf = entry_hash == submission.leaf_hash
    checks.append(
        _check(
            "log entry",
            same_leaf and bundle.get("index") == submission.leaf_index,
            f"entry {bundle.get('index')} has leaf hash {entry_hash}"
            + ("" if same_leaf else f", but the submission recorded {submission.leaf_hash}"),
        )
    )
    expected = {
        "kind": EVENT_KIND,
        "unit": submission.organization.uscc,
        "period": str(submission.year),
        "inventory": submission.inventory_id,
        "run": submission.run_number,
    }
    if not isinstance(entry, dict):
        checks.append(_check("entry content", False, "the log entry is not a submission event"))
    else:
        wrong = [f"{k} is {entry.get(k)!r}, expected {v!r}" for k, v in expected.items() if entry.get(k) != v]
        if digest is not None and entry.get("record_sha256") != digest:
            wrong.append(f"record_sha256 is {entry.get('record_sha256')!r}, the record hashes to {digest!r}")
        checks.append(
            _check(
                "entry content",
                not wrong,
                "; ".join(wrong)
                if wrong
                else f"{EVENT_KIND} of {expected['unit']} for {expected['period']}, inventory "
                f"{expected['inventory']} run #{expected['run']}, with the record's digest",
            )
        )
    report = verify_bundle(bundle, keys)
    checks.extend(_check(c.name, c.ok, c.detail) for c in report.checks)
    return checks


def submission_verify(*, submission: ReportSubmission) -> dict[str, Any]:
    """Check a submission now: its stored record against the digest it was submitted with, and its
    log entry with an inclusion proof against the latest signed checkpoint (the server's view; the
    bundle verifies offline with ``dualcarbon ledger verify``).

    Returns ``{"ok", "checks": [{"name", "ok", "detail"}], "tree_size", "bundle"}``.
    """
    record_text = CalculationRun.objects.values_list("record", flat=True).get(pk=submission.run_id)
    log = ledger_log()
    bundle = None
    keys = []
    if log is not None:
        keys = [log.verifier, *witness_keys()]
        try:
            bundle = make_bundle(log, submission.leaf_index)
        except (LedgerError, DataNotFound):
            bundle = None
    checks = submission_checks(submission=submission, record_text=record_text, bundle=bundle, keys=keys)
    return {
        "ok": bool(checks) and all(c["ok"] for c in checks),
        "checks": checks,
        "tree_size": bundle["tree_size"] if bundle else None,
        "bundle": bundle,
    }


# --------------------------------------------------------------------------- rule evaluations


def rule_evaluation_list(*, submission: ReportSubmission) -> QuerySet[RuleEvaluation]:
    """Evaluations of ``submission`` (the caller fetched it with :func:`submission_get`), newest
    first, evaluator selected up front; the report text is deferred (lists do not show it)."""
    return (
        RuleEvaluation.objects.filter(submission_id=submission.pk)
        .select_related("evaluated_by")
        .defer("report")
        .order_by("-evaluated_at", "-pk")
    )


def rule_evaluation_get(*, user, evaluation_id, submission_id=None) -> RuleEvaluation:
    """One evaluation of a submission ``user`` may see (:class:`NotFound` otherwise)."""
    try:
        pk = int(evaluation_id)
    except (TypeError, ValueError):
        raise NotFound(f"No rule evaluation {evaluation_id!r} that you may see.") from None
    if not 0 < pk < 2**62:
        raise NotFound(f"No rule evaluation {evaluation_id} that you may see.")
    qs = RuleEvaluation.objects.filter(
        pk=pk, submission__in=ReportSubmission.objects.filter(submission_q(user))
    )
    if submission_id is not None:
        try:
            sub = int(submission_id)
        except (TypeError, ValueError):
            sub = 0
        if not 0 < sub < 2**62:  # an overflowing integer would be a database error
            raise NotFound(f"No rule evaluation {evaluation_id} that you may see.")
        qs = qs.filter(submission_id=sub)
    evaluation = qs.select_related("evaluated_by", "submission", "submission__organization").first()
    if evaluation is None:
        raise NotFound(f"No rule evaluation {evaluation_id} that you may see.")
    return evaluation
