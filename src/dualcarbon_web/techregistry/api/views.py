"""Technology registry API operations; selectors read (with visibility), services write (with audit).

* ``GET /achievements`` (paginated; ``q``, ``domain``, ``trl_min``, ``industry``, ``status``) and
  ``POST /achievements`` (201, a draft; technology owners);
* ``GET /achievements/{id}``, ``PUT /achievements/{id}`` (draft or returned), ``POST
  /achievements/{id}/submit``, ``POST /achievements/{id}/review {"decision", "comment"}``;
* ``GET /achievements/{id}/matches``: open needs ranked for the achievement;
* ``GET /needs``, ``POST /needs`` (201; enterprise members), ``GET /needs/{id}``, ``POST
  /needs/{id}/close``, ``GET /needs/{id}/matches``: published achievements ranked for the need.
"""

from __future__ import annotations

from ninja import Router, Status
from ninja.pagination import paginate

from dualcarbon_web.platform.api.pagination import MappedQuerySet, PageNumberPagination
from dualcarbon_web.platform.errors import NotAllowed
from dualcarbon_web.techregistry import selectors, services
from dualcarbon_web.techregistry.api.schemas import (
    AchievementIn,
    AchievementOut,
    MatchOut,
    NeedIn,
    NeedMatchOut,
    NeedOut,
    ReviewIn,
)
from dualcarbon_web.techregistry.models import TechnologyAchievement, TechnologyNeed

__all__ = ("router",)

router = Router(tags=["techregistry"])


def _num(v) -> float | None:
    return float(v) if v is not None else None


def achievement_out(a: TechnologyAchievement) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "organization_id": a.organization_id,
        "organization_name": a.organization.name,
        "domain": a.domain,
        "trl": a.trl,
        "industry_codes": sorted(i.code for i in a.industries.all()),
        "cpc_codes": list(a.cpc_codes or []),
        "summary": a.summary,
        "indicators": a.indicators,
        "reduction_tco2e_per_year": _num(a.reduction_tco2e_per_year),
        "energy_saving_tce_per_year": _num(a.energy_saving_tce_per_year),
        "status": a.status,
        "review_comment": a.review_comment,
        "is_example": a.is_example,
        "source_note": a.source_note,
        "submitted_at": a.submitted_at,
        "published_at": a.published_at,
        "updated_at": a.updated_at,
    }


def need_out(n: TechnologyNeed) -> dict:
    return {
        "id": n.pk,
        "title": n.title,
        "description": n.description,
        "organization_id": n.organization_id,
        "organization_name": n.organization.name,
        "industry_code": n.industry.code if n.industry_id else None,
        "domain": n.domain,
        "min_trl": n.min_trl,
        "cpc_codes": list(n.cpc_codes or []),
        "expected_reduction_tco2e_per_year": _num(n.expected_reduction_tco2e_per_year),
        "status": n.status,
        "created_at": n.created_at,
    }


def _require_need_reader(request) -> None:
    if not selectors.user_may_read_needs(request.user):
        raise NotAllowed(
            "Technology needs are for enterprises, technology owners, regulators and administrators."
        )


@router.get(
    "/achievements", response=list[AchievementOut], summary="Technology achievements you may see (paginated)"
)
@paginate(PageNumberPagination)
def achievement_list(
    request,
    q: str = "",
    domain: str = "",
    trl_min: int | None = None,
    industry: str = "",
    status: str = "",
):
    qs = selectors.achievement_list(
        user=request.user, q=q, domain=domain, trl_min=trl_min, industry=industry, status=status
    )
    return MappedQuerySet(qs, achievement_out)


@router.post(
    "/achievements", response={201: AchievementOut}, summary="Record a technology achievement (a draft)"
)
def achievement_create(request, payload: AchievementIn):
    a = services.achievement_create(user=request.user, data=payload.dict())
    return Status(201, achievement_out(selectors.achievement_get(user=request.user, achievement_id=a.pk)))


@router.get("/achievements/{achievement_id}", response=AchievementOut, summary="One technology achievement")
def achievement_detail(request, achievement_id: int):
    return achievement_out(selectors.achievement_get(user=request.user, achievement_id=achievement_id))


@router.put(
    "/achievements/{achievement_id}", response=AchievementOut, summary="Edit a draft or returned achievement"
)
def achievement_update(request, achievement_id: int, payload: AchievementIn):
    a = selectors.achievement_get(user=request.user, achievement_id=achievement_id)
    services.achievement_update(user=request.user, achievement=a, data=payload.dict())
    return achievement_out(selectors.achievement_get(user=request.user, achievement_id=a.pk))


@router.post("/achievements/{achievement_id}/submit", response=AchievementOut, summary="Submit for review")
def achievement_submit(request, achievement_id: int):
    a = selectors.achievement_get(user=request.user, achievement_id=achievement_id)
    services.achievement_submit(user=request.user, achievement=a)
    return achievement_out(selectors.achievement_get(user=request.user, achievement_id=a.pk))


@router.post(
    "/achievements/{achievement_id}/review",
    response=AchievementOut,
    summary="Publish or return a submitted record",
)
def achievement_review(request, achievement_id: int, payload: ReviewIn):
    a = selectors.achievement_get(user=request.user, achievement_id=achievement_id)
    services.achievement_review(
        user=request.user, achievement=a, decision=payload.decision, comment=payload.comment
    )
    return achievement_out(selectors.achievement_get(user=request.user, achievement_id=a.pk))


@router.get(
    "/achievements/{achievement_id}/matches",
    response=list[NeedMatchOut],
    summary="Open needs ranked for an achievement",
)
def achievement_matches(request, achievement_id: int):
    _require_need_reader(request)
    a = selectors.achievement_get(user=request.user, achievement_id=achievement_id)
    return [
        {"need": need_out(n), "score": m.score, "parts": m.parts}
        for n, m in selectors.achievement_matches(user=request.user, achievement=a)
    ]


@router.get("/needs", response=list[NeedOut], summary="Technology needs you may see (paginated)")
@paginate(PageNumberPagination)
def need_list(request, q: str = "", status: str = ""):
    _require_need_reader(request)
    return MappedQuerySet(selectors.need_list(user=request.user, q=q, status=status), need_out)


@router.post("/needs", response={201: NeedOut}, summary="Post a technology need for your organisation")
def need_create(request, payload: NeedIn):
    n = services.need_create(user=request.user, data=payload.dict())
    return Status(201, need_out(selectors.need_get(user=request.user, need_id=n.pk)))


@router.get("/needs/{need_id}", response=NeedOut, summary="One technology need")
def need_detail(request, need_id: int):
    _require_need_reader(request)
    return need_out(selectors.need_get(user=request.user, need_id=need_id))


@router.post("/needs/{need_id}/close", response=NeedOut, summary="Close an open need")
def need_close(request, need_id: int):
    _require_need_reader(request)
    n = selectors.need_get(user=request.user, need_id=need_id)
    services.need_close(user=request.user, need=n)
    return need_out(selectors.need_get(user=request.user, need_id=n.pk))


@router.get(
    "/needs/{need_id}/matches", response=list[MatchOut], summary="Published achievements ranked for a need"
)
def need_matches(request, need_id: int):
    _require_need_reader(request)
    n = selectors.need_get(user=request.user, need_id=need_id)
    return [
        {"achievement": achievement_out(a), "score": m.score, "parts": m.parts}
        for a, m in selectors.need_matches(need=n)
    ]
