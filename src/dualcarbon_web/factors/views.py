"""Pages of the factor database: search and filter, detail with versions and provenance, and
(administrators) adding a factor or a corrected version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dualcarbon_web.factors import selectors, services
from dualcarbon_web.factors.forms import FactorCorrectForm, FactorCreateForm
from dualcarbon_web.platform.errors import ApplicationError, NotFound
from dualcarbon_web.platform.forms import apply_application_error


def _year(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def factor_list_view(request):
    g = request.GET
    records = selectors.factor_list(
        q=g.get("q", ""),
        family=g.get("family", ""),
        gas=g.get("gas", ""),
        region=g.get("region", ""),
        status=g.get("status", ""),
        table=g.get("table", ""),
        year=_year(g.get("year", "")),
    )
    page = Paginator(records, 50).get_page(g.get("page"))
    ctx = {"page": page, "q": g, "facets": selectors.factor_facets(), "total": len(records)}
    template = "factors/_factor_rows.html" if request.htmx else "factors/factor_list.html"
    return render(request, template, ctx)


@login_required
def factor_detail_view(request, ref: str):
    try:
        record = selectors.factor_get(ref)
        versions = selectors.factor_versions(record.id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "factors/factor_detail.html",
        {"f": record, "versions": versions, "correct_form": FactorCorrectForm()},
    )


@login_required
def table_list_view(request):
    tables = selectors.factor_tables()
    counts: dict[str, int] = {}
    for r in selectors.factor_database():
        counts[r.provenance.table] = counts.get(r.provenance.table, 0) + 1
    rows = [{"name": k, "p": v, "n": counts.get(k, 0)} for k, v in sorted(tables.items())]
    return render(request, "factors/table_list.html", {"tables": rows})


@login_required
@require_http_methods(["GET", "POST"])
def factor_create_view(request):
    if not request.user.is_platform_admin:
        return HttpResponseForbidden(_("只有系统管理员可以添加排放因子。"))
    form = FactorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.factor_add(user=request.user, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("已添加排放因子 %(ref)s。") % {"ref": record.ref})
            return redirect("factors:factor_detail", ref=record.ref)
    return render(request, "factors/factor_form.html", {"form": form})


@login_required
@require_http_methods(["POST"])
def factor_correct_view(request, factor_id: str):
    if not request.user.is_platform_admin:
        return HttpResponseForbidden(_("只有系统管理员可以更正排放因子。"))
    form = FactorCorrectForm(request.POST)
    try:
        record = selectors.factor_get(factor_id)
        versions = selectors.factor_versions(record.id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        changes = {k: v for k, v in data.items() if v not in ("", None)}
        try:
            new = services.factor_correct(
                user=request.user, factor_id=record.id, changes=changes, reason=reason
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("已添加更正版本 %(ref)s。") % {"ref": new.ref})
            return redirect("factors:factor_detail", ref=new.ref)
    return render(
        request,
        "factors/factor_detail.html",
        {"f": record, "versions": versions, "correct_form": form},
        status=400,
    )
