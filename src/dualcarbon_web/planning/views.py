"""Pages of decision support: target tracking, LMDI decomposition, MACC with least-cost portfolio.

Read-only pages for analysts, regulators and administrators (others get 403); the numbers come
from :mod:`dualcarbon_web.planning.selectors`, which calls the pure core."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dualcarbon.errors import DualCarbonError, InputError
from dualcarbon_web.planning import selectors
from dualcarbon_web.planning.forms import LmdiForm, MaccForm

__all__ = ("lmdi_view", "macc_view", "report_view", "tracking_view")

EXAMPLE_MEASURES = """name,cost_per_t,potential_t
industrial motor upgrade,-144.2275,1500
EV fleet substitution,-86.6173,3000
cement waste-heat recovery,-49.8371,30000
rooftop PV,16.3501,9000
coal-plant CCUS retrofit,453.7044,1000000
"""


def _refused(request):
    if not selectors.user_may_use_planning(request.user):
        return HttpResponseForbidden(_("决策支持面向分析人员、主管部门和系统管理员。"))
    return None


@login_required
def tracking_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    results = selectors.tracking_payload()
    charts = {
        "labels": {"path": _("目标路径"), "outturn": _("实绩"), "index": _("指数（基年=100）")},
        "targets": {r["target"]["key"]: r["chart"] for r in results},
    }
    return render(
        request, "planning/tracking.html", {"results": results, "charts": charts, "tab": "tracking"}
    )


@login_required
def lmdi_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    form = LmdiForm(request.GET or {"region": "China", "year_from": 2015, "year_to": 2020})
    result = None
    if form.is_valid():
        try:
            result = selectors.lmdi_payload(
                form.cleaned_data["region"], form.cleaned_data["year_from"], form.cleaned_data["year_to"]
            )
        except DualCarbonError as exc:
            form.add_error(None, str(exc))
    chart = None
    if result:
        chart = {
            "x": [e["label"] for e in result["effects"]],
            "y": [round(e["effect"], 2) for e in result["effects"]],
            "total_label": _("CO2 变化"),
            "start_label": str(result["year_from"]),
            "end_label": str(result["year_to"]),
            "start": round(result["start"], 3),
        }
    return render(request, "planning/lmdi.html", {"form": form, "r": result, "chart": chart, "tab": "lmdi"})


@login_required
@require_http_methods(["GET", "POST"])
def macc_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    result = None
    error = None
    if request.method == "POST":
        form = MaccForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = selectors.macc_payload(
                    form.cleaned_data["csv_text"],
                    form.cleaned_data["target"],
                    method=form.cleaned_data["method"],
                    source=form.cleaned_data["csv_source"],
                )
            except InputError as exc:
                error = {"message": str(exc), "row": exc.row, "column": exc.column}
            except DualCarbonError as exc:
                error = {"message": str(exc), "row": None, "column": None}
    else:
        form = MaccForm(initial={"text": EXAMPLE_MEASURES, "target": 40000, "method": "greedy"})
    chart = None
    if result:
        chart = {
            "x": [(row["from_t"] + row["to_t"]) / 2 for row in result["curve"]],
            "width": [row["potential_t"] for row in result["curve"]],
            "y": [row["cost_per_t"] for row in result["curve"]],
            "names": [row["name"] for row in result["curve"]],
            "target": result["portfolio"]["target_t"],
            "x_title": _("累计减排量（吨CO2/年）"),
            "y_title": _("单位减排成本（元/吨CO2）"),
        }
    ctx = {
        "form": form,
        "r": result,
        "error": error,
        "chart": chart,
        "tab": "macc",
        "status": 422 if error else 200,
    }
    return render(request, "planning/macc.html", ctx, status=422 if error else 200)


REPORT_YEARS = tuple(range(2021, 2026))  # the 14th FYP period after the base year 2020
REPORT_DEFAULT_YEAR = 2023  # latest year with an official outturn in the shipped table


@login_required
def report_view(request):
    """Annual assessment report for ``?year=``; ``&download=md|json|csv`` gives the file."""
    if (refused := _refused(request)) is not None:
        return refused
    raw = request.GET.get("year", str(REPORT_DEFAULT_YEAR))
    error = None
    payload = None
    try:
        year = int(raw)
    except ValueError:
        year = None
        error = _("year（报告年份）须为整数：%(v)s") % {"v": raw[:20]}
    if year is not None:
        try:
            payload = selectors.report_payload(year)
        except InputError as exc:
            error = _("year（报告年份）无效：%(msg)s") % {"msg": str(exc)}
    if error is None and (kind := request.GET.get("download")):
        assert payload is not None
        files = {
            "md": (payload["markdown"], "text/markdown; charset=utf-8", "md"),
            "json": (json.dumps(payload["data"], ensure_ascii=False, indent=2), "application/json", "json"),
            "csv": (payload["csv"], "text/csv; charset=utf-8", "csv"),
        }
        if kind not in files:
            return HttpResponse(
                _("download 须为 md、json 或 csv。"), status=400, content_type="text/plain; charset=utf-8"
            )
        body, ctype, ext = files[kind]
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="assessment-{year}.{ext}"'
        return response
    ctx = {
        "r": payload["view"] if payload else None,
        "error": error,
        "years": REPORT_YEARS,
        "year": year,
        "tab": "report",
    }
    return render(request, "planning/report.html", ctx, status=400 if error else 200)
