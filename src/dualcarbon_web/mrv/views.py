"""Pages of MRV reporting: the submissions list, one submission with its checks against the log, the
submitted record as canonical JSON, the submit action of a calculation run's page, and the
verification rules (evaluate on a submission, one evaluation, its report as JSON, the rule set).

Views fetch through selectors (visibility: another enterprise's submission answers 404), call one
service, and render; permission to write is decided by the service (403)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dualcarbon.mrv import DEFAULT_RULESET
from dualcarbon_web.inventories import selectors as inventory_selectors
from dualcarbon_web.mrv import selectors, services
from dualcarbon_web.mrv.forms import SubmissionFilterForm
from dualcarbon_web.platform.errors import ApplicationError, NotAllowed, NotFound


def _reader_or_403(request):
    if not selectors.user_may_read_submissions(request.user):
        return HttpResponseForbidden(_("报告报送面向企业、主管部门、核查机构和系统管理员。"))
    return None


def _submission_or_404(request, pk):
    try:
        return selectors.submission_get(user=request.user, submission_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def submission_list_view(request):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    form = SubmissionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    current = {"current": True, "superseded": False}.get(filters.get("state") or "")
    qs = selectors.submission_list(
        user=request.user,
        q=filters.get("q") or "",
        year=filters.get("year"),
        current=current,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "mrv/_submission_table.html" if request.htmx else "mrv/submission_list.html"
    return render(request, template, {"page": page, "form": form})


@login_required
def submission_detail_view(request, pk: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    submission = _submission_or_404(request, pk)
    verification = selectors.submission_verify(submission=submission)
    history = list(selectors.submission_list(user=request.user).filter(inventory_id=submission.inventory_id))
    evaluations = list(selectors.rule_evaluation_list(submission=submission))
    latest = (
        selectors.rule_evaluation_get(user=request.user, evaluation_id=evaluations[0].pk)
        if evaluations
        else None
    )
    ctx = {
        "s": submission,
        "verification": verification,
        "history": history,
        "evaluations": evaluations,
        "latest": latest,
        "findings": _findings(latest) if latest else [],
        "can_evaluate": services.user_may_evaluate_rules(request.user),
    }
    return render(request, "mrv/submission_detail.html", ctx)


@login_required
def submission_record_view(request, pk: int):
    """The submitted calculation record, byte for byte as hashed: ``sha256sum`` gives the log's digest."""
    if (refused := _reader_or_403(request)) is not None:
        return refused
    submission = _submission_or_404(request, pk)
    try:
        data = selectors.submission_record_text(submission=submission)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="calculation-record-{submission.year}-submission-{submission.pk}.json"'
    )
    return response


@login_required
@require_POST
def run_submit_view(request, run_id: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    try:
        run = inventory_selectors.run_get(user=request.user, run_id=run_id, with_record=True)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        submission = services.report_submit(user=request.user, run=run)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except ApplicationError as exc:
        messages.error(request, _("未能报送：%(m)s") % {"m": exc.message})
        return redirect("inventories:run_detail", run_id=run.pk)
    messages.success(
        request,
        _("已报送，透明日志序号 %(i)s。") % {"i": submission.leaf_index},
    )
    return redirect("mrv:submission_detail", pk=submission.pk)


# --------------------------------------------------------------------------- verification rules

STATUS_MARK = {"pass": "✓", "fail": "✗", "not_applicable": "–"}
STATUS_LABEL = {
    "pass": gettext_lazy("通过"),
    "fail": gettext_lazy("未通过"),
    "not_applicable": gettext_lazy("不适用"),
}
SEVERITY_LABEL = {
    "info": gettext_lazy("信息"),
    "warning": gettext_lazy("警告"),
    "nonconformity": gettext_lazy("不符合项"),
}


def _title(item: dict) -> str:
    return item["title_en"] if (get_language() or "").startswith("en") else item["title_zh"]


def _findings(evaluation) -> list[dict]:
    report = json.loads(evaluation.report)
    return [
        {
            **f,
            "title": _title(f),
            "mark": STATUS_MARK.get(f["status"], "?"),
            "status_label": STATUS_LABEL.get(f["status"], f["status"]),
            "severity_label": SEVERITY_LABEL.get(f["severity"], f["severity"]),
        }
        for f in report["findings"]
    ]


def _evaluation_or_404(request, pk):
    try:
        return selectors.rule_evaluation_get(user=request.user, evaluation_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_POST
def submission_rules_evaluate_view(request, pk: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    submission = _submission_or_404(request, pk)
    try:
        evaluation = services.submission_rules_evaluate(user=request.user, submission=submission)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except ApplicationError as exc:
        messages.error(request, _("未能运行核查规则：%(m)s") % {"m": exc.message})
        return redirect("mrv:submission_detail", pk=submission.pk)
    messages.success(request, _("已运行核查规则，透明日志序号 %(i)s。") % {"i": evaluation.leaf_index})
    return redirect("mrv:evaluation_detail", pk=evaluation.pk)


@login_required
def evaluation_detail_view(request, pk: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    evaluation = _evaluation_or_404(request, pk)
    ctx = {"e": evaluation, "s": evaluation.submission, "findings": _findings(evaluation)}
    return render(request, "mrv/evaluation_detail.html", ctx)


@login_required
def evaluation_report_view(request, pk: int):
    """The report as stored, canonical JSON: ``sha256sum`` gives the digest in the log entry."""
    if (refused := _reader_or_403(request)) is not None:
        return refused
    evaluation = _evaluation_or_404(request, pk)
    response = HttpResponse(evaluation.report.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rule-report-submission-{evaluation.submission_id}-{evaluation.pk}.json"'
    )
    return response


@login_required
def ruleset_view(request):
    """The rule set: ids, versions, titles, sources, severities, parameters, and the digest."""
    described = DEFAULT_RULESET.describe()
    rules = [{**r, "title": _title(r)} for r in described["rules"]]
    return render(request, "mrv/ruleset.html", {"ruleset": described, "rules": rules})
