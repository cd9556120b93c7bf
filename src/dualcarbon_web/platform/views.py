"""Pages of the platform app: sign-in, home dashboard, password, API tokens, jobs, audit trail."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dualcarbon_web.platform import selectors, services
from dualcarbon_web.platform.dashboards import dashboard_for
from dualcarbon_web.platform.errors import ApplicationError, NotAllowed, NotFound
from dualcarbon_web.platform.forms import (
    LoginForm,
    PasswordChangeForm,
    TokenCreateForm,
    UserForm,
    apply_application_error,
)
from dualcarbon_web.platform.middleware import request_ip


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip = request_ip(request)
        if services.login_is_throttled(username=username, ip=ip):
            form.add_error(None, _("登录失败次数过多，请 15 分钟后再试。"))
            return render(request, "platform/login.html", {"form": form, "next": next_url}, status=429)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            services.login_failure_record(username=username, ip=ip)
            form.add_error(None, _("用户名或密码错误。"))
        else:
            login(request, user)
            services.login_success_record(user=user, ip=ip)
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "platform/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        from dualcarbon_web.platform.audit import audit_record
        from dualcarbon_web.platform.choices import AuditActionChoices

        audit_record(user=request.user, action=AuditActionChoices.LOGOUT, instance=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def home(request):
    data = dashboard_for(request.user)
    chart = {
        "industry": {
            "x": [r["name"] for r in data["facilities_by_industry"]],
            "y": [r["n"] for r in data["facilities_by_industry"]],
        },
        "region": {
            "x": [r["name"] for r in data["facilities_by_region"]],
            "y": [r["n"] for r in data["facilities_by_region"]],
        },
        "emitters": {
            "y": [e["name"] for e in data.get("top_emitters", [])],
            "x": [e["tco2e"] for e in data.get("top_emitters", [])],
        },
    }
    return render(
        request, "platform/home.html", {"d": data, "chart_json": json.dumps(chart, ensure_ascii=False)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("platform:home")
    return render(request, "platform/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_list_view(request):
    form = TokenCreateForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenCreateForm()
    tokens = selectors.token_list(user=request.user)
    return render(request, "platform/tokens.html", {"form": form, "tokens": tokens, "new_secret": new_secret})


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    try:
        services.token_revoke(user=request.user, token_id=token_id)
    except NotAllowed:
        return HttpResponseForbidden()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("platform:token_list")


@login_required
def job_list_view(request):
    page = Paginator(selectors.job_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "platform/job_list.html", {"page": page})


@login_required
def job_detail_view(request, job_id):
    try:
        job = selectors.job_get(user=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    template = "platform/_job_progress.html" if request.htmx else "platform/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def audit_list_view(request):
    try:
        qs = selectors.audit_list(
            user=request.user,
            object_type=request.GET.get("object_type", ""),
            username=request.GET.get("username", ""),
            action=request.GET.get("action", ""),
        )
    except NotAllowed:
        return HttpResponseForbidden(_("只有系统管理员可以查看审计日志。"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "platform/audit_list.html", {"page": page, "q": request.GET})


@login_required
def user_list_view(request):
    try:
        qs = selectors.user_list(
            user=request.user, q=request.GET.get("q", ""), role=request.GET.get("role", "")
        )
    except NotAllowed:
        return HttpResponseForbidden(_("只有系统管理员可以管理用户。"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from dualcarbon_web.platform.choices import RoleChoices

    return render(
        request, "platform/user_list.html", {"page": page, "q": request.GET, "roles": RoleChoices.choices}
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create_view(request):
    if not request.user.is_platform_admin:
        return HttpResponseForbidden(_("只有系统管理员可以管理用户。"))
    form = UserForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                organization=data["organization"],
                display_name=data["display_name"],
                email=data["email"],
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("用户已创建。"))
            return redirect("platform:user_list")
    return render(request, "platform/user_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit_view(request, user_id: int):
    try:
        target = selectors.user_get(user=request.user, user_id=user_id)
    except NotAllowed:
        return HttpResponseForbidden(_("只有系统管理员可以管理用户。"))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    initial = {
        "username": target.username,
        "display_name": target.display_name,
        "email": target.email,
        "role": target.role,
        "organization": target.organization,
        "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=target,
                role=data["role"],
                organization=data["organization"],
                display_name=data["display_name"],
                email=data["email"],
                is_active=data["is_active"],
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("用户已更新。"))
            return redirect("platform:user_list")
    return render(request, "platform/user_form.html", {"form": form, "creating": False, "target": target})
