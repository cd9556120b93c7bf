"""Pages of decision support: target tracking, LMDI decomposition, MACC with least-cost portfolio.

Read-only pages for analysts, regulators and administrators (others get 403); the numbers come
from :mod:`dualcarbon_web.planning.selectors`, which calls the pure core."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dualcarbon.errors import DualCarbonError, InputError
from dualcarbon_web.planning import selectors
from dualcarbon_web.planning.forms import LmdiForm, MaccForm

__all__ = ("lmdi_view", "macc_view", "tracking_view")

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
