"""Pages of emission accounting: inventories, activity lines (form and upload), results with the
full calculation trace, the XLSX report and a printable page, and the regulators' roll-up.

Views fetch through selectors (visibility: another enterprise's inventory answers 404), call one
service, and render; permission to write is decided by the services (403)."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dualcarbon_web.inventories import reports, rollups, selectors, services
from dualcarbon_web.inventories.choices import InventoryStatusChoices
from dualcarbon_web.inventories.forms import (
    ActivityLineForm,
    InventoryFilterForm,
    InventoryForm,
    InventoryOptionsForm,
    LinesUploadForm,
    MonteCarloForm,
)
from dualcarbon_web.inventories.models import LINE_COLUMNS, CalculationRun
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.platform.choices import JobStatusChoices, RoleChoices
from dualcarbon_web.platform.errors import ApplicationError, NotAllowed, NotFound, ValidationFailed
from dualcarbon_web.platform.forms import apply_application_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEMPLATE_ROWS = [
    [
        "",
        "2024",
        "combustion",
        "natural_gas",
        "120.5",
        "10^4 Nm3",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "",
        "2024",
        "combustion",
        "bituminous_coal",
        "5000",
        "t",
        "20.9",
        "GJ/t",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "",
        "2024",
        "purchased_electricity",
        "electricity",
        "1800",
        "MWh",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "440000",
        "",
        "",
        "",
        "",
    ],
]


def _reader_or_403(request):
    if not selectors.user_may_read_inventories(request.user):
        return HttpResponseForbidden(_("排放核算面向企业、主管部门、核查机构和系统管理员。"))
    return None


def _inventory_or_404(request, pk):
    try:
        return selectors.inventory_get(user=request.user, inventory_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _run_or_404(request, run_id, *, with_record: bool = False) -> CalculationRun:
    try:
        return selectors.run_get(user=request.user, run_id=run_id, with_record=with_record)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _may_create(user) -> bool:
    return user.is_platform_admin or (
        user.role == RoleChoices.ENTERPRISE and user.organization_id is not None
    )


# --------------------------------------------------------------------------- inventories


@login_required
def inventory_list_view(request):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    form = InventoryFilterForm(request.GET or None)
    error = None
    try:
        qs = selectors.inventory_list(user=request.user, **(form.filters() if request.GET else {}))
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
    except ValidationFailed as exc:  # a region or industry code that does not exist
        error = exc
        page = Paginator([], 50).get_page(1)
    ctx = {
        "error": error,
        "page": page,
        "form": form,
        "can_create": _may_create(request.user),
        "can_rollup": rollups.user_may_see_rollups(request.user),
    }
    template = "inventories/_inventory_table.html" if request.htmx else "inventories/inventory_list.html"
    return render(request, template, ctx)


@login_required
@require_http_methods(["GET", "POST"])
def inventory_create_view(request):
    if not _may_create(request.user):
        return HttpResponseForbidden(_("只有企业用户和系统管理员可以新建排放报告。"))
    form = InventoryForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            facility = (
                Facility.objects.select_related("organization").get(pk=d["facility"])
                if d.get("facility")
                else None
            )
            organization = Organization.objects.get(pk=d["organization"]) if d.get("organization") else None
            if (
                facility is not None
                and not request.user.is_platform_admin
                and facility.organization_id != request.user.organization_id
            ):
                raise ValidationFailed(
                    "not your facility", extra={"fields": {"facility": [_("不是本企业的设施")]}}
                )
            inventory = services.inventory_create(
                user=request.user,
                organization=organization,
                facility=facility,
                year=d["year"],
                name=d.get("name", ""),
                methodology=d["methodology"],
                gwp=d["gwp"],
                factor_set=d.get("factor_set", ""),
                vintage=d["vintage"],
            )
        except (Facility.DoesNotExist, Organization.DoesNotExist):
            form.add_error("facility", _("不存在"))
            status = 400
        except ApplicationError as exc:
            apply_application_error(form, exc)
            status = 400
        else:
            messages.success(request, _("已新建排放报告。"))
            return redirect("inventories:inventory_detail", pk=inventory.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "inventories/inventory_form.html", {"form": form}, status=status)


def _detail_context(request, inventory, **extra) -> dict:
    lines = Paginator(selectors.activity_line_list(inventory=inventory), 100).get_page(
        request.GET.get("page")
    )
    options = InventoryOptionsForm(
        initial={
            "name": inventory.name,
            "methodology": inventory.methodology,
            "gwp": inventory.gwp,
            "factor_set": inventory.factor_set,
            "vintage": inventory.vintage,
        }
    )
    return {
        "inv": inventory,
        "page": lines,
        "runs": list(selectors.run_list(inventory=inventory)[:20]),
        "can_edit": services.user_may_edit_inventory(request.user, inventory),
        "inline_max": services.INLINE_MAX_LINES,
        "options_form": options,
        "columns": LINE_COLUMNS,
        **extra,
    }


@login_required
def inventory_detail_view(request, pk: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    inventory = _inventory_or_404(request, pk)
    return render(request, "inventories/inventory_detail.html", _detail_context(request, inventory))


@login_required
@require_POST
def inventory_options_view(request, pk: int):
    inventory = _inventory_or_404(request, pk)
    form = InventoryOptionsForm(request.POST)
    if form.is_valid():
        try:
            services.inventory_update(user=request.user, inventory=inventory, data=form.cleaned_data)
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("已保存核算选项。"))
            return redirect("inventories:inventory_detail", pk=inventory.pk)
    return render(
        request,
        "inventories/inventory_detail.html",
        _detail_context(request, inventory, options_form=form),
        status=400,
    )


@login_required
@require_POST
def inventory_calculate_view(request, pk: int):
    inventory = _inventory_or_404(request, pk)
    try:
        outcome = services.inventory_calculate(user=request.user, inventory=inventory)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except services.LinesRejected as exc:
        ctx = _detail_context(request, inventory, rejected=exc, rows=exc.rows)
        return render(request, "inventories/inventory_detail.html", ctx, status=400)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("inventories:inventory_detail", pk=inventory.pk)
    if isinstance(outcome, CalculationRun):
        messages.success(request, _("核算完成。"))
        return redirect("inventories:run_detail", run_id=outcome.pk)
    messages.info(request, _("活动数据较多，已转为后台任务核算。"))
    return redirect("platform:job_detail", job_id=outcome.pk)


# --------------------------------------------------------------------------- lines


def _line_form_data(form: ActivityLineForm) -> dict:
    return {k: (v if v != "" else None) for k, v in form.cleaned_data.items()}


@login_required
@require_http_methods(["GET", "POST"])
def line_create_view(request, pk: int):
    inventory = _inventory_or_404(request, pk)
    if not services.user_may_edit_inventory(request.user, inventory):
        return HttpResponseForbidden(_("只有报告企业可以修改活动数据。"))
    form = ActivityLineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.activity_line_add(user=request.user, inventory=inventory, data=_line_form_data(form))
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, _("已添加活动数据。"))
                return redirect("inventories:inventory_detail", pk=inventory.pk)
    return render(request, "inventories/line_form.html", {"inv": inventory, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def line_update_view(request, pk: int, line_id: int):
    inventory = _inventory_or_404(request, pk)
    try:
        line = selectors.activity_line_get(inventory=inventory, line_id=line_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not services.user_may_edit_inventory(request.user, inventory):
        return HttpResponseForbidden(_("只有报告企业可以修改活动数据。"))
    initial = {k: ("" if v is None else v) for k, v in line.as_row().items()}
    form = ActivityLineForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.activity_line_update(
                    user=request.user, inventory=inventory, line=line, data=_line_form_data(form)
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, _("已修改第 %(n)s 行。") % {"n": line.position})
                return redirect("inventories:inventory_detail", pk=inventory.pk)
    return render(
        request, "inventories/line_form.html", {"inv": inventory, "form": form, "line": line}, status=status
    )


@login_required
@require_POST
def line_delete_view(request, pk: int, line_id: int):
    inventory = _inventory_or_404(request, pk)
    try:
        line = selectors.activity_line_get(inventory=inventory, line_id=line_id)
        services.activity_line_delete(user=request.user, inventory=inventory, line=line)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除第 %(n)s 行。") % {"n": line.position})
    return redirect("inventories:inventory_detail", pk=inventory.pk)


@login_required
@require_http_methods(["GET", "POST"])
def line_upload_view(request, pk: int):
    inventory = _inventory_or_404(request, pk)
    if not services.user_may_edit_inventory(request.user, inventory):
        return HttpResponseForbidden(_("只有报告企业可以上传活动数据。"))
    form = LinesUploadForm(request.POST or None, request.FILES or None)
    ctx: dict = {"inv": inventory, "form": form, "columns": LINE_COLUMNS}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.activity_lines_upload_submit(
                    user=request.user,
                    inventory=inventory,
                    data=upload.read(),
                    filename=upload.name,
                    replace=form.cleaned_data.get("replace", False),
                )
            except services.LinesRejected as exc:
                ctx.update(rejected=exc, rows=exc.rows)
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                if not isinstance(result, services.UploadResult):
                    messages.info(
                        request, _("文件较大，已转为后台任务校验并写入；任何一行有错误都不会写入。")
                    )
                    return redirect("platform:job_detail", job_id=result.pk)
                messages.success(
                    request,
                    _("上传成功：新增 %(c)s 行，替换 %(r)s 行。")
                    % {"c": result.created, "r": result.replaced},
                )
                return redirect("inventories:inventory_detail", pk=inventory.pk)
    return render(request, "inventories/line_upload.html", ctx, status=status)


@login_required
def line_template_view(request):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(LINE_COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    response = HttpResponse(
        ("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="activity-lines-template.csv"'
    return response


# --------------------------------------------------------------------------- results


def _chart_json(summary: dict) -> str:
    cats = summary["by_category"]
    return json.dumps(
        {
            "category": {
                "x": [str(reports.CATEGORY_NAMES.get(k, k)) for k in cats],
                "y": [round(v, 6) for v in cats.values()],
            },
            "scope": {
                "x": ["scope1", "scope2"],
                "y": [summary["by_scope"]["scope1"], summary["by_scope"]["scope2"]],
            },
            "gas": {"x": list(summary["by_gas"]), "y": list(summary["by_gas"].values())},
        },
        ensure_ascii=False,
    )


def _monte_carlo_context(request, run: CalculationRun, form: MonteCarloForm | None = None) -> dict:
    """The Approach 1 / Approach 2 section of the run page (also its htmx fragment)."""
    analyses = list(selectors.monte_carlo_list(run=run)[:10])
    jobs = selectors.monte_carlo_jobs(run=run, after=analyses[0].created if analyses else None)
    pending = any(j.status in (JobStatusChoices.QUEUED, JobStatusChoices.RUNNING) for j in jobs)
    return {
        "run": run,
        "approach1": reports.approach1_rows(run),
        "analyses": [(a, reports.monte_carlo_rows(run, a)) for a in analyses],
        "mc_jobs": jobs,
        "mc_pending": pending,
        "can_analyse": services.user_may_analyse_run(request.user, run),
        "mc_form": form or MonteCarloForm(),
    }


def _run_detail_context(request, run: CalculationRun, **extra) -> dict:
    summary = reports.run_summary(run)
    page = Paginator(selectors.run_line_list(run=run), 100).get_page(request.GET.get("page"))
    rows = [(line, reports.line_trace(run, line)) for line in page]
    return {
        "run": run,
        "inv": run.inventory,
        "summary": summary,
        "page": page,
        "rows": rows,
        "chart_json": _chart_json(summary),
        "checks": list(run.checks.select_related("checked_by").all()[:10]),
        "is_current": run.inventory.latest_run_id == run.pk
        and run.inventory_revision == run.inventory.revision,
        "category_names": reports.CATEGORY_NAMES,
        **_monte_carlo_context(request, run),
        **extra,
    }


@login_required
def run_detail_view(request, run_id: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    run = _run_or_404(request, run_id)
    return render(request, "inventories/run_detail.html", _run_detail_context(request, run))


@login_required
@require_http_methods(["GET", "POST"])
def run_monte_carlo_view(request, run_id: int):
    """GET: the uncertainty section (htmx polls it while a job runs). POST: request an analysis."""
    if (refused := _reader_or_403(request)) is not None:
        return refused
    run = _run_or_404(request, run_id)
    if request.method == "GET":
        return render(request, "inventories/_monte_carlo.html", _monte_carlo_context(request, run))
    if not services.user_may_analyse_run(request.user, run):
        return HttpResponseForbidden(_("只有报告企业（或系统管理员）可以进行蒙特卡洛不确定性分析。"))
    form = MonteCarloForm(request.POST)
    if form.is_valid():
        try:
            services.run_monte_carlo_request(
                user=request.user,
                run=run,
                iterations=form.cleaned_data["iterations"],
                seed=form.cleaned_data.get("seed"),
            )
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.info(request, _("已提交蒙特卡洛不确定性分析，后台任务完成后结果显示在本页。"))
            return redirect(reverse("inventories:run_detail", args=[run.pk]) + "#monte-carlo")
    ctx = _run_detail_context(request, run, mc_form=form)
    return render(request, "inventories/run_detail.html", ctx, status=400)


@login_required
def run_print_view(request, run_id: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    run = _run_or_404(request, run_id)
    lines = list(selectors.run_line_list(run=run))
    ctx = {
        "run": run,
        "inv": run.inventory,
        "summary": reports.run_summary(run),
        "rows": [(line, reports.line_trace(run, line)) for line in lines],
        "category_names": reports.CATEGORY_NAMES,
        "approach1": reports.approach1_rows(run),
        "analyses": [(a, reports.monte_carlo_rows(run, a)) for a in selectors.monte_carlo_list(run=run)[:10]],
    }
    return render(request, "inventories/run_print.html", ctx)


@login_required
def run_report_view(request, run_id: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    run = _run_or_404(request, run_id)
    content = reports.run_report_xlsx(
        run, selectors.run_line_list(run=run), analyses=selectors.monte_carlo_list(run=run)
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{reports.run_report_filename(run)}"'
    return response


@login_required
@require_POST
def run_rerun_view(request, run_id: int):
    if (refused := _reader_or_403(request)) is not None:
        return refused
    run = _run_or_404(request, run_id, with_record=True)
    check = services.run_rerun(user=request.user, run=run)
    if check.matches:
        messages.success(request, _("复算一致：%(m)s") % {"m": check.message})
    else:
        messages.error(request, _("复算不一致：%(m)s") % {"m": check.message})
    return redirect("inventories:run_detail", run_id=run.pk)


# --------------------------------------------------------------------------- roll-ups


@login_required
def rollup_view(request):
    if not rollups.user_may_see_rollups(request.user):
        return HttpResponseForbidden(_("汇总分析面向主管部门（本辖区）和系统管理员。"))
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = None
    data = rollups.jurisdiction_rollup(user=request.user, year=year)

    def series(units, limit=30):
        units = units[:limit]
        return {"x": [u["name"] for u in units], "y": [u["total_tco2e"] for u in units]}

    chart = {
        "city": series(data.by_city),
        "industry": series(data.by_industry),
        "park": series(data.by_park),
        "ranking": series(data.ranking, 20),
        "scope": {"x": ["scope1", "scope2"], "y": [data.scope1_tco2e, data.scope2_tco2e]},
    }
    return render(
        request,
        "inventories/rollup.html",
        {
            "r": data,
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "status_calculated": InventoryStatusChoices.CALCULATED,
        },
    )
