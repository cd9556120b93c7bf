"""Pages of the technology registry: search of achievements, one achievement with its workflow
actions and matching needs, the create/edit form; needs, one need with ranked achievements.

Views fetch through selectors (an invisible record answers 404), call one service and render; the
service decides permission (403) and order of steps (409, shown as a message)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dualcarbon.techregistry import TRL_LEVELS
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from dualcarbon_web.techregistry import selectors, services
from dualcarbon_web.techregistry.choices import AchievementStatusChoices as S
from dualcarbon_web.techregistry.forms import (
    AchievementFilterForm,
    AchievementForm,
    NeedForm,
    ReviewForm,
    add_service_errors,
)

CRITERIA = {
    "domain": gettext_lazy("技术领域"),
    "industry": gettext_lazy("适用行业"),
    "trl": gettext_lazy("技术就绪水平"),
    "cpc": gettext_lazy("CPC 分类号"),
    "text": gettext_lazy("文本相似度"),
}


def _achievement_or_404(request, pk):
    try:
        return selectors.achievement_get(user=request.user, achievement_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _need_or_404(request, pk):
    try:
        return selectors.need_get(user=request.user, need_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _breakdown(m):
    return [{"label": str(CRITERIA[c]), "part": p, "weight": w} for c, p, w in m.weighted()]


@login_required
def achievement_list_view(request):
    form = AchievementFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.achievement_list(
        user=request.user,
        q=f.get("q") or "",
        domain=f.get("domain") or "",
        trl_min=f.get("trl_min"),
        industry=f.get("industry") or "",
        status=f.get("status") or "",
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "form": form,
        "can_create": selectors.user_is_owner(request.user),
        "is_reviewer": selectors.user_is_reviewer(request.user),
        "may_read_needs": selectors.user_may_read_needs(request.user),
    }
    template = (
        "techregistry/_achievement_table.html" if request.htmx else "techregistry/achievement_list.html"
    )
    return render(request, template, ctx)


@login_required
def achievement_detail_view(request, pk: int):
    a = _achievement_or_404(request, pk)
    own = selectors.user_is_owner(request.user) and a.organization_id == request.user.organization_id
    reviewer = selectors.user_is_reviewer(request.user)
    matches = []
    if own or reviewer:
        matches = [
            {"need": n, "score": m.score, "parts": _breakdown(m)}
            for n, m in selectors.achievement_matches(user=request.user, achievement=a)
        ]
    ctx = {
        "a": a,
        "trl": TRL_LEVELS[a.trl],
        "can_edit": own and a.status in services.EDITABLE,
        "can_review": reviewer and a.status == S.SUBMITTED,
        "show_matches": own or reviewer,
        "matches": matches,
        "review_form": ReviewForm(),
    }
    return render(request, "techregistry/achievement_detail.html", ctx)


def _achievement_form_view(request, achievement=None):
    if not selectors.user_is_owner(request.user):
        return HttpResponseForbidden(_("只有技术持有方可以登记科技成果。"))
    if achievement is not None and achievement.status not in services.EDITABLE:
        messages.error(request, _("只有草稿或已退回的成果可以修改。"))
        return redirect("techregistry:achievement_detail", achievement.pk)
    initial = {}
    if achievement is not None:
        initial = {
            "title": achievement.title,
            "domain": achievement.domain,
            "trl": achievement.trl,
            "industry_codes": ", ".join(i.code for i in achievement.industries.all()),
            "cpc_codes": ", ".join(achievement.cpc_codes or []),
            "summary": achievement.summary,
            "indicators": achievement.indicators,
            "reduction_tco2e_per_year": achievement.reduction_tco2e_per_year,
            "energy_saving_tce_per_year": achievement.energy_saving_tce_per_year,
        }
    form = AchievementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if achievement is None:
                a = services.achievement_create(user=request.user, data=form.service_data())
            else:
                a = services.achievement_update(
                    user=request.user, achievement=achievement, data=form.service_data()
                )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except (NotAllowed, InvalidTransition) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("techregistry:achievement_detail", a.pk)
    title = _("登记科技成果") if achievement is None else _("修改科技成果")
    return render(
        request, "techregistry/achievement_form.html", {"form": form, "title": title, "a": achievement}
    )


@login_required
def achievement_create_view(request):
    return _achievement_form_view(request)


@login_required
def achievement_edit_view(request, pk: int):
    a = _achievement_or_404(request, pk)
    if not (selectors.user_is_owner(request.user) and a.organization_id == request.user.organization_id):
        return HttpResponseForbidden(_("只有成果持有单位的技术持有方可以修改。"))
    return _achievement_form_view(request, a)


@login_required
@require_POST
def achievement_submit_view(request, pk: int):
    a = _achievement_or_404(request, pk)
    try:
        services.achievement_submit(user=request.user, achievement=a)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交审核。"))
    return redirect("techregistry:achievement_detail", a.pk)


@login_required
@require_POST
def achievement_review_view(request, pk: int):
    a = _achievement_or_404(request, pk)
    decision = request.POST.get("decision", "")
    try:
        services.achievement_review(
            user=request.user, achievement=a, decision=decision, comment=request.POST.get("comment", "")
        )
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except (InvalidTransition, ValidationFailed) as exc:
        if isinstance(exc, ValidationFailed) and "comment" in exc.extra.get("fields", {}):
            messages.error(request, _("退回时必须填写审核意见。"))
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("已发布。") if decision == "publish" else _("已退回。"))
    return redirect("techregistry:achievement_detail", a.pk)


@login_required
def need_list_view(request):
    if not selectors.user_may_read_needs(request.user):
        return HttpResponseForbidden(_("技术需求面向企业、技术持有方、主管部门和系统管理员。"))
    try:
        qs = selectors.need_list(user=request.user, q=request.GET.get("q", ""))
    except ValidationFailed as exc:  # an overlong search text: a clear 400 naming the field
        return HttpResponseBadRequest("q: " + "; ".join(exc.extra["fields"]["q"]))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "q": request.GET.get("q", ""),
        "can_create": selectors.user_may_post_needs(request.user),
    }
    return render(request, "techregistry/need_list.html", ctx)


@login_required
def need_create_view(request):
    if not selectors.user_may_post_needs(request.user):
        return HttpResponseForbidden(_("只有企业用户可以发布技术需求。"))
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(user=request.user, data=form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已发布技术需求。"))
            return redirect("techregistry:need_detail", need.pk)
    return render(request, "techregistry/need_form.html", {"form": form})


@login_required
def need_detail_view(request, pk: int):
    if not selectors.user_may_read_needs(request.user):
        return HttpResponseForbidden(_("技术需求面向企业、技术持有方、主管部门和系统管理员。"))
    need = _need_or_404(request, pk)
    matches = [
        {"a": a, "score": m.score, "parts": _breakdown(m)} for a, m in selectors.need_matches(need=need)
    ]
    can_close = need.status == "open" and (
        request.user.is_platform_admin
        or (
            selectors.user_may_post_needs(request.user)
            and request.user.organization_id == need.organization_id
        )
    )
    return render(
        request, "techregistry/need_detail.html", {"need": need, "matches": matches, "can_close": can_close}
    )


@login_required
@require_POST
def need_close_view(request, pk: int):
    if not selectors.user_may_read_needs(request.user):
        return HttpResponseForbidden(_("技术需求面向企业、技术持有方、主管部门和系统管理员。"))
    need = _need_or_404(request, pk)
    try:
        services.need_close(user=request.user, need=need)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已关闭。"))
    return redirect("techregistry:need_detail", need.pk)
