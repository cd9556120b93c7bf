"""Pages of top-down monitoring: runs (list, new, detail with live progress, map, charts, flagged
facilities) and observation sets (list, upload, synthetic OSSE).

Views fetch through selectors (visibility: what is not visible answers 404), call one service and
render; the roles that may use these pages are decided by :func:`selectors.user_may_use_inversion`
(others get 403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dualcarbon_web.inversion import selectors, services
from dualcarbon_web.inversion.forms import ObservationUploadForm, OsseForm, RunForm
from dualcarbon_web.platform.choices import JobStatusChoices
from dualcarbon_web.platform.errors import ApplicationError, NotFound
from dualcarbon_web.platform.forms import apply_application_error
from dualcarbon_web.platform.i18n import localized_name

__all__ = (
    "observation_list_view",
    "observation_upload_view",
    "osse_create_view",
    "run_create_view",
    "run_detail_view",
    "run_list_view",
    "run_progress_view",
    "run_results_payload",
)


def _refused(request):
    if not selectors.user_may_use_inversion(request.user):
        return HttpResponseForbidden(_("反演监测面向主管部门、分析人员和系统管理员。"))
    return None


def _run_or_404(request, run_id):
    try:
        return selectors.run_get(user=request.user, run_id=run_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _region_default(user):
    return user.jurisdiction if user.is_authenticated and not user.is_platform_admin else None


# --------------------------------------------------------------------------- runs


@login_required
def run_list_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    year = request.GET.get("year") or ""
    qs = selectors.run_list(
        user=request.user,
        q=request.GET.get("q", ""),
        status=request.GET.get("status", "") if request.GET.get("status") in JobStatusChoices.values else "",
        year=int(year) if year.isdigit() else None,
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    ctx = {"page": page, "statuses": JobStatusChoices.choices, "region": _region_default(request.user)}
    template = "inversion/_run_table.html" if request.htmx else "inversion/run_list.html"
    return render(request, template, ctx)


@login_required
@require_http_methods(["GET", "POST"])
def run_create_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    sets = list(selectors.observation_set_list(user=request.user)[:200])
    initial = (
        {"observation_set": request.GET.get("observation_set")}
        if request.GET.get("observation_set")
        else None
    )
    form = RunForm(request.POST or None, observation_sets=sets, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                obs_set = selectors.observation_set_get(user=request.user, set_id=d["observation_set"])
                run = services.inversion_run_create(
                    user=request.user,
                    name=d["name"],
                    observation_set=obs_set,
                    year=d["year"],
                    settings={k: d.get(k) for k in services.RUN_SETTINGS},
                    terrain=d["terrain"],
                    region_code=d.get("region") or None,
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = 400
            else:
                messages.success(request, _("反演已提交为后台任务。"))
                return redirect("inversion:run_detail", pk=run.pk)
        else:
            status = 400
    return render(request, "inversion/run_form.html", {"form": form, "sets": sets}, status=status)


def run_results_payload(*, user, run, localized: bool = False) -> dict:
    """Everything the run page draws and the API's results endpoint returns (one shape for both).

    ``organization`` is the name recorded with the run; with ``localized`` (the page) it is the
    organisation's English name instead when English is active and one is recorded (the API keeps
    the recorded name)."""
    estimates = list(selectors.estimate_list(run=run))
    visible = selectors.inventory_ids_visible(user=user, ids={e.inventory_id for e in estimates})
    facilities = [
        {
            "facility_id": e.facility_id,
            "name": e.name,
            "organization": (
                localized_name(e.organization_name, e.facility.organization.name_en)
                if localized
                else e.organization_name
            ),
            "code": e.facility.code,
            "lon": e.lon,
            "lat": e.lat,
            "attribution": e.attribution,
            "attribution_label": str(e.get_attribution_display()),
            "prior_t": e.prior_t,
            "prior_sd_t": e.prior_sd_t,
            "posterior_t": e.posterior_t,
            "posterior_sd_t": e.posterior_sd_t,
            "sensitivity": e.sensitivity,
            "z": e.z,
            "flagged": e.flagged,
            "truth_t": e.truth_t,
            "inventory_id": e.inventory_id if e.inventory_id in visible else None,
        }
        for e in estimates
    ]
    return {
        "run_id": run.pk,
        "status": run.status,
        "region": {"code": run.region.code, "name": run.region.display_name},
        "year": run.year,
        "synthetic": run.observation_set.is_synthetic,
        "n_state": run.n_state,
        "n_obs": run.n_obs,
        "form": run.form,
        "dofs": run.dofs,
        "cost_prior": run.cost_prior,
        "cost_obs": run.cost_obs,
        "gamma": run.gamma,
        "z_threshold": run.z_threshold,
        "totals": {
            "prior_t": run.prior_total_t,
            "prior_sd_t": run.prior_total_sd_t,
            "posterior_t": run.posterior_total_t,
            "posterior_sd_t": run.posterior_total_sd_t,
            "z": run.region_z,
        },
        "n_flagged": run.n_flagged,
        "facilities": facilities,
        "stations": run.observation_set.stations,
        "skipped": run.summary.get("skipped", []),
        "attribution": run.summary.get("attribution", {}),
    }


@login_required
def run_detail_view(request, pk):
    if (refused := _refused(request)) is not None:
        return refused
    run = _run_or_404(request, pk)
    ctx: dict = {"run": run, "job": run.job}
    if run.finished is not None:
        payload = run_results_payload(user=request.user, run=run, localized=True)
        ctx.update(
            payload=payload,
            facilities=payload["facilities"],
            flagged=[f for f in payload["facilities"] if f["flagged"]],
            cost_prior_per_element=run.cost_prior / run.n_state if run.n_state else None,
            cost_obs_per_obs=run.cost_obs / run.n_obs if run.n_obs else None,
        )
    return render(request, "inversion/run_detail.html", ctx)


@login_required
def run_progress_view(request, pk):
    """The progress card, polled by htmx; when the run has finished the page reloads to show results."""
    if (refused := _refused(request)) is not None:
        return refused
    run = _run_or_404(request, pk)
    if run.finished is not None:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "inversion/_run_progress.html", {"run": run, "job": run.job})


# --------------------------------------------------------------------------- observation sets


@login_required
def observation_list_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    page = Paginator(
        selectors.observation_set_list(user=request.user, q=request.GET.get("q", "")), 25
    ).get_page(request.GET.get("page"))
    return render(request, "inversion/observation_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def observation_upload_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    form = ObservationUploadForm(request.POST or None, request.FILES or None)
    status, rejected = 200, None
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                obs_set = services.observation_set_upload(
                    user=request.user,
                    name=d["name"],
                    content=d["file"].read(),
                    filename=d["file"].name,
                    met_content=d["met_file"].read(),
                    met_filename=d["met_file"].name,
                    unit=d["unit"],
                    gas=d["gas"],
                    region_code=d.get("region") or None,
                )
            except services.ObservationsRejected as exc:
                rejected, status = exc, 400
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = 400
            else:
                messages.success(request, _("已保存观测数据集（%(n)s 条观测）。") % {"n": obs_set.n_obs})
                return redirect("inversion:observation_list")
        else:
            status = 400
    return render(
        request, "inversion/observation_upload.html", {"form": form, "rejected": rejected}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def osse_create_view(request):
    if (refused := _refused(request)) is not None:
        return refused
    region = _region_default(request.user)
    year_raw = request.POST.get("year") or request.GET.get("year") or "2023"
    facilities = []
    if region is not None and year_raw.isdigit():
        facilities = selectors.inversion_prior(
            user=request.user, region=region, year=int(year_raw)
        ).facilities
    form = OsseForm(request.POST or None, facilities=facilities)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                obs_set = services.observation_set_generate_osse(
                    user=request.user,
                    name=d["name"],
                    year=d["year"],
                    seed=d["seed"],
                    factors={d["facility"]: d["factor"]} if d.get("facility") else {},
                    region_code=d.get("region") or None,
                    hours=d["hours"],
                    noise_sd=d["noise_sd"],
                    station_distance_m=d["station_distance_m"],
                    wind_speed_m_s=d["wind_speed_m_s"],
                    stability=d["stability"],
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = 400
            else:
                messages.success(request, _("已生成模拟观测数据集（%(n)s 条观测）。") % {"n": obs_set.n_obs})
                return redirect(f"{_url('inversion:run_create')}?observation_set={obs_set.pk}")
        else:
            status = 400
    return render(request, "inversion/osse_form.html", {"form": form}, status=status)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
