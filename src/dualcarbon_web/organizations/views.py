"""Pages of the registry: organisations, facilities and parks (list, detail, create, edit),
organisation import and export. Views fetch with a selector, call one service, and render;
visibility and permission live in the selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dualcarbon_web.organizations import selectors, services
from dualcarbon_web.organizations.forms import (
    FacilityFilterForm,
    FacilityForm,
    FacilityImportForm,
    OrganizationFilterForm,
    OrganizationForm,
    OrganizationImportForm,
    ParkForm,
)
from dualcarbon_web.organizations.jobs import facilities_import_enqueue, organizations_import_enqueue
from dualcarbon_web.platform.errors import NotAllowed, NotFound, ValidationFailed
from dualcarbon_web.platform.forms import apply_application_error
from dualcarbon_web.platform.visibility import can_edit_organization

PAGE_SIZE = 25


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _can_create_organizations(user) -> bool:
    return user.is_platform_admin or user.role == "regulator"


def _list_or_error(request, func, **filters):
    try:
        return func(user=request.user, **filters), None
    except ValidationFailed as exc:
        return func(user=request.user), exc


# --------------------------------------------------------------------------- organisations


@login_required
def organization_list_view(request):
    form = OrganizationFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs, error = _list_or_error(request, selectors.organization_list, **filters)
    context = {
        "form": form,
        "page": _page(request, qs),
        "error": error,
        "query": request.GET.urlencode(),
        "can_create": _can_create_organizations(request.user),
    }
    if request.htmx:
        return render(request, "organizations/_organization_table.html", context)
    return render(request, "organizations/organization_list.html", context)


@login_required
def organization_detail_view(request, pk: int):
    try:
        org = selectors.organization_get(user=request.user, organization_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    facilities = selectors.facility_list(user=request.user, organization=org.pk)
    return render(
        request,
        "organizations/organization_detail.html",
        {"org": org, "facilities": facilities, "can_edit": can_edit_organization(request.user, org)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_create_view(request):
    if not _can_create_organizations(request.user):
        return HttpResponseForbidden(_("只有主管部门和系统管理员可以登记组织。"))
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(user=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": org.name})
            return redirect("organizations:organization_detail", pk=org.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "title": _("登记组织")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_update_view(request, pk: int):
    try:
        org = selectors.organization_get(user=request.user, organization_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not can_edit_organization(request.user, org):
        return HttpResponseForbidden(_("你无权修改该组织。"))
    form = OrganizationForm(request.POST or None, initial=OrganizationForm.initial_from(org))
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            services.organization_update(user=request.user, organization=org, **changed)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("organizations:organization_detail", pk=org.pk)
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "title": _("修改组织"), "org": org},
        status=400 if form.errors else 200,
    )


def _import_page(request, *, form, importer, enqueue, title, columns, key_note, back_url, **kwargs):
    """Upload → a table of row errors (nothing stored) or the counts; big CSVs become a job."""
    context: dict = {
        "form": form,
        "columns": columns,
        "title": title,
        "key_note": key_note,
        "back_url": back_url,
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        if data.count(b"\n") > services.IMPORT_INLINE_MAX_ROWS and not upload.name.lower().endswith(".xlsx"):
            job = enqueue(user=request.user, data=data, filename=upload.name, **kwargs)
            return redirect("platform:job_detail", job_id=job.pk)
        try:
            result = importer(user=request.user, data=data, filename=upload.name, **kwargs)
        except services.ImportRejected as exc:
            context.update(rejected=exc, rows=exc.rows)
            status = 400
        except ValidationFailed as exc:
            apply_application_error(form, exc)
            status = 400
        else:
            context["result"] = result
    return render(request, "organizations/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organization_import_view(request):
    if not _can_create_organizations(request.user):
        return HttpResponseForbidden(_("只有主管部门和系统管理员可以批量导入组织。"))
    form = OrganizationImportForm(request.POST or None, request.FILES or None)
    kind = (form.cleaned_data.get("kind") or None) if form.is_bound and form.is_valid() else None
    return _import_page(
        request,
        form=form,
        importer=services.organizations_import,
        enqueue=organizations_import_enqueue,
        title=_("批量导入组织"),
        columns=services.IMPORT_COLUMNS,
        key_note=_("第一行为列名；按统一社会信用代码匹配：已存在则更新，不存在则新增。"),
        back_url=reverse("organizations:organization_list"),
        kind=kind,
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_import_view(request):
    if not (_can_create_organizations(request.user) or request.user.role == "enterprise"):
        return HttpResponseForbidden(_("你无权批量导入设施。"))
    return _import_page(
        request,
        form=FacilityImportForm(request.POST or None, request.FILES or None),
        importer=services.facilities_import,
        enqueue=facilities_import_enqueue,
        title=_("批量导入设施"),
        columns=services.FACILITY_IMPORT_COLUMNS,
        key_note=_("第一行为列名；按所属企业的统一社会信用代码和设施名称匹配：已存在则更新，不存在则新增。"),
        back_url=reverse("organizations:facility_list"),
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def organization_export_view(request):
    form = OrganizationFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    try:
        return _download(
            *services.organizations_export(user=request.user, fmt=request.GET.get("format", "csv"), **filters)
        )
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")


# --------------------------------------------------------------------------- facilities


@login_required
def facility_list_view(request):
    form = FacilityFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs, error = _list_or_error(request, selectors.facility_list, **filters)
    context = {
        "form": form,
        "page": _page(request, qs),
        "error": error,
        "query": request.GET.urlencode(),
        "can_import": _can_create_organizations(request.user) or request.user.role == "enterprise",
    }
    if request.htmx:
        return render(request, "organizations/_facility_table.html", context)
    return render(request, "organizations/facility_list.html", context)


@login_required
def facility_export_view(request):
    form = FacilityFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    try:
        return _download(
            *services.facilities_export(user=request.user, fmt=request.GET.get("format", "csv"), **filters)
        )
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")


@login_required
def facility_detail_view(request, pk: int):
    try:
        facility = selectors.facility_get(user=request.user, facility_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "organizations/facility_detail.html",
        {"facility": facility, "can_edit": can_edit_organization(request.user, facility.organization)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_create_view(request, organization_pk: int):
    try:
        org = selectors.organization_get(user=request.user, organization_id=organization_pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not can_edit_organization(request.user, org):
        return HttpResponseForbidden(_("你无权为该组织添加设施。"))
    initial = {
        "region": org.region.code,
        "industry": org.industry.code if org.industry else "",
        "park": str(org.park_id or ""),
    }
    form = FacilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(user=request.user, organization=org, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("已添加设施 %(name)s。") % {"name": facility.name})
            return redirect("organizations:facility_detail", pk=facility.pk)
    return render(
        request,
        "organizations/facility_form.html",
        {"form": form, "title": _("添加设施"), "org": org},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_update_view(request, pk: int):
    try:
        facility = selectors.facility_get(user=request.user, facility_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = FacilityForm(request.POST or None, initial=FacilityForm.initial_from(facility))
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            services.facility_update(user=request.user, facility=facility, **changed)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("organizations:facility_detail", pk=facility.pk)
    elif not can_edit_organization(request.user, facility.organization):
        return HttpResponseForbidden(_("你无权修改该设施。"))
    return render(
        request,
        "organizations/facility_form.html",
        {"form": form, "title": _("修改设施"), "org": facility.organization, "facility": facility},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- parks


@login_required
def park_list_view(request):
    q = request.GET.get("q", "")
    qs = selectors.park_list(user=request.user, q=q)
    can_create = _can_create_organizations(request.user)
    return render(
        request,
        "organizations/park_list.html",
        {"page": _page(request, qs), "q": q, "can_create": can_create},
    )


@login_required
def park_detail_view(request, pk: int):
    try:
        park = selectors.park_get(user=request.user, park_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    orgs = selectors.organization_list(user=request.user, park=park.pk)
    facilities = selectors.facility_list(user=request.user, park=park.pk)
    return render(
        request, "organizations/park_detail.html", {"park": park, "orgs": orgs, "facilities": facilities}
    )


@login_required
@require_http_methods(["GET", "POST"])
def park_create_view(request):
    form = ParkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            park = services.park_create(user=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        else:
            return redirect("organizations:park_detail", pk=park.pk)
    elif not _can_create_organizations(request.user):
        return HttpResponseForbidden(_("只有主管部门和系统管理员可以登记园区。"))
    return render(
        request,
        "organizations/park_form.html",
        {"form": form, "title": _("登记园区")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def park_update_view(request, pk: int):
    try:
        park = selectors.park_get(user=request.user, park_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = ParkForm(request.POST or None, initial=ParkForm.initial_from(park))
    if request.method == "POST" and form.is_valid():
        changed = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            services.park_update(user=request.user, park=park, **changed)
        except ValidationFailed as exc:
            apply_application_error(form, exc)
        except NotAllowed as exc:
            return HttpResponseForbidden(exc.message)
        else:
            return redirect("organizations:park_detail", pk=park.pk)
    return render(
        request,
        "organizations/park_form.html",
        {"form": form, "title": _("修改园区"), "park": park},
        status=400 if form.errors else 200,
    )
