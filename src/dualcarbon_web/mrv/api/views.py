"""MRV API operations: one function per operation; selectors read (with visibility), services write
(with audit and the log append); errors reach the platform's one JSON error shape.

* ``GET /submissions``: submissions you may see, newest first (paginated; ``q``, ``year``,
  ``organization``, ``current``);
* ``POST /submissions {"run_id"}``: submit a calculation run (201);
* ``GET /submissions/{id}``: one submission;
* ``GET /submissions/{id}/verification``: its checks against the stored record and the log;
* ``POST /submissions/{id}/rule-evaluations``: evaluate the verification rules (201; verifiers,
  regulators, administrators);
* ``GET /submissions/{id}/rule-evaluations``: its evaluations (paginated), and ``/{eval_id}`` one
  with its report;
* ``GET /rules``: the rule set and its digest.
"""

from __future__ import annotations

import json

from ninja import Router, Status
from ninja.pagination import paginate

from dualcarbon.mrv import DEFAULT_RULESET
from dualcarbon_web.inventories import selectors as inventory_selectors
from dualcarbon_web.mrv import selectors, services
from dualcarbon_web.mrv.api.schemas import (
    RuleEvaluationDetailOut,
    RuleEvaluationOut,
    RuleSetOut,
    SubmissionIn,
    SubmissionOut,
    VerificationOut,
)
from dualcarbon_web.mrv.models import ReportSubmission, RuleEvaluation
from dualcarbon_web.platform.api.pagination import MappedQuerySet, PageNumberPagination
from dualcarbon_web.platform.errors import NotAllowed

__all__ = ("router",)

router = Router(tags=["mrv"])


def _require_reader(request) -> None:
    if not selectors.user_may_read_submissions(request.user):
        raise NotAllowed("MRV reporting is for enterprises, regulators, verifiers and administrators.")


def _submission_out(s: ReportSubmission) -> dict:
    return {
        "id": s.pk,
        "run_id": s.run_id,
        "run_number": s.run_number,
        "inventory_id": s.inventory_id,
        "organization_id": s.organization_id,
        "organization_name": s.organization.name,
        "organization_uscc": s.organization.uscc,
        "facility_id": s.facility_id,
        "facility_name": s.facility.name if s.facility_id else None,
        "year": s.year,
        "total_tco2e": s.total_tco2e,
        "record_sha256": s.record_sha256,
        "leaf_index": s.leaf_index,
        "leaf_hash": s.leaf_hash,
        "tree_size": s.tree_size,
        "supersedes_id": s.supersedes_id,
        "is_current": bool(getattr(s, "is_current", True)),
        "submitted_by": str(s.submitted_by),
        "submitted_at": s.submitted_at,
    }


@router.get(
    "/submissions", response=list[SubmissionOut], summary="Report submissions you may see (paginated)"
)
@paginate(PageNumberPagination)
def submission_list(
    request,
    q: str = "",
    year: int | None = None,
    organization: int | None = None,
    current: bool | None = None,
):
    _require_reader(request)
    qs = selectors.submission_list(
        user=request.user, q=q, year=year, organization=organization, current=current
    )
    return MappedQuerySet(qs, _submission_out)


@router.post(
    "/submissions",
    response={201: SubmissionOut},
    summary="Submit a calculation run as the annual emission report (anchored in the MRV log)",
)
def submission_create(request, payload: SubmissionIn):
    _require_reader(request)
    run = inventory_selectors.run_get(user=request.user, run_id=payload.run_id, with_record=True)
    submission = services.report_submit(user=request.user, run=run)
    return Status(
        201, _submission_out(selectors.submission_get(user=request.user, submission_id=submission.pk))
    )


@router.get("/submissions/{submission_id}", response=SubmissionOut, summary="One report submission")
def submission_detail(request, submission_id: int):
    _require_reader(request)
    return _submission_out(selectors.submission_get(user=request.user, submission_id=submission_id))


@router.get(
    "/submissions/{submission_id}/verification",
    response=VerificationOut,
    summary="Check a submission: record digest, log entry, inclusion proof against the latest checkpoint",
)
def submission_verification(request, submission_id: int):
    _require_reader(request)
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    result = selectors.submission_verify(submission=submission)
    return {
        "submission_id": submission.pk,
        "ok": result["ok"],
        "tree_size": result["tree_size"],
        "checks": result["checks"],
    }


def _evaluation_out(e: RuleEvaluation) -> dict:
    return {
        "id": e.pk,
        "submission_id": e.submission_id,
        "ruleset_id": e.ruleset_id,
        "ruleset_digest": e.ruleset_digest,
        "report_sha256": e.report_sha256,
        "counts": e.counts,
        "leaf_index": e.leaf_index,
        "evaluated_by": str(e.evaluated_by),
        "evaluated_at": e.evaluated_at,
    }


@router.post(
    "/submissions/{submission_id}/rule-evaluations",
    response={201: RuleEvaluationDetailOut},
    summary="Evaluate the verification rules on a submission (anchored in the MRV log)",
)
def rule_evaluation_create(request, submission_id: int):
    _require_reader(request)
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    evaluation = services.submission_rules_evaluate(user=request.user, submission=submission)
    return Status(201, {**_evaluation_out(evaluation), "report": json.loads(evaluation.report)})


@router.get(
    "/submissions/{submission_id}/rule-evaluations",
    response=list[RuleEvaluationOut],
    summary="Evaluations of the verification rules on a submission (paginated)",
)
@paginate(PageNumberPagination)
def rule_evaluation_list(request, submission_id: int):
    _require_reader(request)
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    return MappedQuerySet(selectors.rule_evaluation_list(submission=submission), _evaluation_out)


@router.get(
    "/submissions/{submission_id}/rule-evaluations/{evaluation_id}",
    response=RuleEvaluationDetailOut,
    summary="One evaluation of the verification rules, with its report",
)
def rule_evaluation_detail(request, submission_id: int, evaluation_id: int):
    _require_reader(request)
    e = selectors.rule_evaluation_get(
        user=request.user, evaluation_id=evaluation_id, submission_id=submission_id
    )
    return {**_evaluation_out(e), "report": json.loads(e.report)}


@router.get(
    "/rules", response=RuleSetOut, summary="The verification rule set: rules, sources, parameters, digest"
)
def ruleset(request):
    return DEFAULT_RULESET.describe()
