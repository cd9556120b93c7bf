"""Pages of the MRV log: the latest checkpoint and a form that checks a pasted record or proof
bundle (in the menu for signed-in users at ``/ledger/``, and open to anyone at ``/ledger/verify/``),
and one entry with its proof and a downloadable bundle (open to anyone)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dualcarbon.ledger import LedgerError
from dualcarbon_web.ledger import selectors
from dualcarbon_web.ledger.forms import LedgerCheckForm
from dualcarbon_web.platform.errors import ApplicationError


def _ledger_page(request):
    form = LedgerCheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = selectors.ledger_check(text=form.cleaned_data["text"])
        if result["bundle"] is not None:
            result["bundle_json"] = json.dumps(result["bundle"], ensure_ascii=False, indent=2)
    ctx = {"checkpoint": selectors.ledger_checkpoint_latest(), "form": form, "result": result}
    return render(
        request,
        "ledger/ledger_home.html",
        ctx,
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_home_view(request):
    """The log's page in the platform menu."""
    return _ledger_page(request)


@require_http_methods(["GET", "POST"])
def ledger_verify_view(request):
    """The same page for anyone, signed in or not: the public checks the log here."""
    return _ledger_page(request)


def _bundle(index: int, size: str | None):
    try:
        size_value = int(size) if size not in (None, "") else None
    except ValueError as exc:
        raise Http404("size must be an integer") from exc
    try:
        return selectors.ledger_entry_bundle(index=index, size=size_value)
    except (LedgerError, ApplicationError) as exc:
        raise Http404(str(exc)) from exc


def entry_detail_view(request, index: int):
    bundle = _bundle(index, request.GET.get("size"))
    ctx = {
        "bundle": bundle,
        "entry_json": json.dumps(bundle["entry"], ensure_ascii=False, indent=2),
        "checkpoint": selectors.ledger_checkpoint_latest(),
    }
    return render(request, "ledger/entry_detail.html", ctx)


def entry_bundle_view(request, index: int):
    bundle = _bundle(index, request.GET.get("size"))
    response = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="ledger-entry-{index}-size-{bundle["tree_size"]}.json"'
    )
    return response
