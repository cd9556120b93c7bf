"""Reads of the technology registry, each filtered to what the user may see, and the matching.

Who sees what (the same rules for pages and API; absent and invisible answer the same 404):

* achievements: every signed-in user sees published ones; the owner organisation's technology
  owners also see its drafts, submitted and returned records; reviewers (regulators and
  administrators) see every record, drafts included;
* needs: an enterprise member sees its own organisation's needs; technology owners see open needs
  (to find takers for their technologies); regulators and administrators see all; verifiers and
  analysts none (403 on the need pages and endpoints).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from dualcarbon.techregistry import AchievementProfile, MatchScore, NeedProfile, idf_table, match_score
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.errors import NotFound, ValidationFailed
from dualcarbon_web.techregistry.choices import AchievementStatusChoices as S
from dualcarbon_web.techregistry.choices import NeedStatusChoices
from dualcarbon_web.techregistry.models import TechnologyAchievement, TechnologyNeed

__all__ = (
    "achievement_get",
    "achievement_list",
    "achievement_matches",
    "achievement_q",
    "need_get",
    "need_list",
    "need_matches",
    "need_q",
    "owner_dashboard",
    "user_is_owner",
    "user_is_reviewer",
    "user_may_post_needs",
    "user_may_read_needs",
)

_MAX_PK = 2**62


def user_is_reviewer(user) -> bool:
    return user.is_authenticated and (user.is_platform_admin or user.role == RoleChoices.REGULATOR)


def user_is_owner(user) -> bool:
    return (
        user.is_authenticated
        and user.role == RoleChoices.TECHNOLOGY_OWNER
        and user.organization_id is not None
    )


def user_may_post_needs(user) -> bool:
    return user.is_authenticated and user.role == RoleChoices.ENTERPRISE and user.organization_id is not None


def user_may_read_needs(user) -> bool:
    return user_is_reviewer(user) or user_is_owner(user) or user_may_post_needs(user)


#: Longest search text: each word adds two ``LIKE`` terms, and thousands of them exceed the
#: database's expression limits (a server error); the page's search box has the same limit.
_MAX_Q = 100


def _words(q: str) -> list[str]:
    """The search words of ``q``; :class:`ValidationFailed` (field ``q``) beyond :data:`_MAX_Q` characters."""
    if len(q) > _MAX_Q:
        raise ValidationFailed(
            "Some fields are invalid; see extra.fields.",
            extra={"fields": {"q": [f"at most {_MAX_Q} characters (got {len(q)})"]}},
        )
    return q.split()


def achievement_q(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user_is_reviewer(user):
        return Q()
    if user_is_owner(user):
        return Q(status=S.PUBLISHED) | Q(organization_id=user.organization_id)
    return Q(status=S.PUBLISHED)


def achievement_list(
    *,
    user,
    q: str = "",
    domain: str = "",
    trl_min: int | None = None,
    industry: str = "",
    status: str = "",
    organization: int | None = None,
) -> QuerySet[TechnologyAchievement]:
    """Achievements ``user`` may see. ``q``: every whitespace-separated word must occur in the title
    or the summary (case-insensitive substring: correct for 2-character Chinese words on SQLite and
    PostgreSQL, without an index; docs/techregistry.md). ``industry``: a GB/T 4754 code; records
    applicable to that code or one on its branch match. ``status`` defaults to every visible status."""
    qs = TechnologyAchievement.objects.filter(achievement_q(user))
    for word in _words(q):
        qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    if domain:
        qs = qs.filter(domain=domain)
    if trl_min is not None and trl_min > 1:  # out of the 1-9 scale: above matches nothing, below everything
        qs = qs.filter(trl__gte=trl_min) if trl_min <= 9 else qs.none()
    if status:
        qs = qs.filter(status=status)
    if organization:
        qs = qs.filter(organization_id=organization) if 0 < organization < _MAX_PK else qs.none()
    if industry:
        code = industry.strip()
        if len(code) > 5:  # GB/T 4754 codes have at most 5 characters; a long one would be a huge query
            raise ValidationFailed(
                "Some fields are invalid; see extra.fields.",
                extra={
                    "fields": {"industry": [f"a GB/T 4754 code has at most 5 characters (got {len(code)})"]}
                },
            )
        broader = [code[:n] for n in range(2, len(code))]
        qs = qs.filter(
            pk__in=TechnologyAchievement.industries.through.objects.filter(
                Q(industry__code__startswith=code) | Q(industry__code__in=broader)
            ).values("technologyachievement_id")
        )
    return qs.select_related("organization").prefetch_related("industries").order_by("-updated_at", "-pk")


def _pk(value, what: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound(f"No {what} {value!r} that you may see.") from None
    if not 0 < pk < _MAX_PK:
        raise NotFound(f"No {what} {value} that you may see.")
    return pk


def achievement_get(*, user, achievement_id) -> TechnologyAchievement:
    pk = _pk(achievement_id, "technology achievement")
    a = (
        TechnologyAchievement.objects.filter(achievement_q(user))
        .select_related("organization", "reviewed_by", "created_by")
        .prefetch_related("industries")
        .filter(pk=pk)
        .first()
    )
    if a is None:
        raise NotFound(f"No technology achievement {pk} that you may see.")
    return a


def need_q(user) -> Q:
    if not user_may_read_needs(user):
        return Q(pk__in=[])
    if user_is_reviewer(user):
        return Q()
    if user_is_owner(user):
        return Q(status=NeedStatusChoices.OPEN)
    return Q(organization_id=user.organization_id)


def need_list(*, user, q: str = "", status: str = "") -> QuerySet[TechnologyNeed]:
    qs = TechnologyNeed.objects.filter(need_q(user))
    for word in _words(q):
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organization", "industry").order_by("-created_at", "-pk")


def need_get(*, user, need_id) -> TechnologyNeed:
    pk = _pk(need_id, "technology need")
    need = (
        TechnologyNeed.objects.filter(need_q(user))
        .select_related("organization", "industry")
        .filter(pk=pk)
        .first()
    )
    if need is None:
        raise NotFound(f"No technology need {pk} that you may see.")
    return need


def _achievement_profile(a: TechnologyAchievement) -> AchievementProfile:
    return AchievementProfile(
        text=f"{a.title} {a.summary}",
        domain=a.domain,
        industry_codes=tuple(i.code for i in a.industries.all()),
        trl=a.trl,
        cpc_codes=tuple(a.cpc_codes or ()),
    )


def _need_profile(n: TechnologyNeed) -> NeedProfile:
    return NeedProfile(
        text=f"{n.title} {n.description}",
        domain=n.domain or None,
        industry_code=n.industry.code if n.industry_id else None,
        min_trl=n.min_trl,
        cpc_codes=tuple(n.cpc_codes or ()),
    )


def need_matches(*, need: TechnologyNeed, limit: int = 20) -> list[tuple[TechnologyAchievement, MatchScore]]:
    """Published achievements ranked for ``need``: score descending, then newest record first.

    Scores every published record in Python (two queries); the IDF corpus is the published records'
    texts and the need's (docs/techregistry.md)."""
    achievements = list(
        TechnologyAchievement.objects.filter(status=S.PUBLISHED)
        .select_related("organization")
        .prefetch_related("industries")
        .order_by("-pk")
    )
    profile = _need_profile(need)
    profiles = [_achievement_profile(a) for a in achievements]
    idf = idf_table([profile.text, *(p.text for p in profiles)])
    scored = [(a, match_score(profile, p, idf)) for a, p in zip(achievements, profiles, strict=True)]
    scored.sort(key=lambda x: (-x[1].score, -x[0].pk))
    return scored[:limit]


def achievement_matches(
    *, user, achievement: TechnologyAchievement, limit: int = 20
) -> list[tuple[TechnologyNeed, MatchScore]]:
    """Open needs ``user`` may see, ranked by how well ``achievement`` meets them (same score)."""
    needs = list(
        TechnologyNeed.objects.filter(need_q(user), status=NeedStatusChoices.OPEN)
        .select_related("organization", "industry")
        .order_by("-pk")
    )
    profile = _achievement_profile(achievement)
    need_profiles = [_need_profile(n) for n in needs]
    idf = idf_table([profile.text, *(p.text for p in need_profiles)])
    scored = [(n, match_score(p, profile, idf)) for n, p in zip(needs, need_profiles, strict=True)]
    scored.sort(key=lambda x: (-x[1].score, -x[0].pk))
    return scored[:limit]


def owner_dashboard(*, user, limit: int = 5) -> dict:
    """For a technology owner's home page: its organisation's achievements by status, and the open
    needs that its published achievements match best (each need with its best achievement and score;
    the IDF corpus is those achievements' and needs' texts). Four queries."""
    counts = dict.fromkeys(S.values, 0)
    for row in (
        TechnologyAchievement.objects.filter(organization_id=user.organization_id)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row[0]] = row[1]
    published = list(
        TechnologyAchievement.objects.filter(organization_id=user.organization_id, status=S.PUBLISHED)
        .prefetch_related("industries")
        .order_by("-pk")
    )
    needs = list(
        TechnologyNeed.objects.filter(need_q(user), status=NeedStatusChoices.OPEN)
        .select_related("organization", "industry")
        .order_by("-pk")
    )
    a_profiles = [_achievement_profile(a) for a in published]
    n_profiles = [_need_profile(n) for n in needs]
    idf = idf_table([p.text for p in (*a_profiles, *n_profiles)])
    best = []
    for need, np_ in zip(needs, n_profiles, strict=True):
        scored = [(match_score(np_, ap, idf).score, a) for a, ap in zip(published, a_profiles, strict=True)]
        if scored:
            score, a = max(scored, key=lambda x: (x[0], x[1].pk))
            best.append({"need": need, "achievement": a, "score": score})
    best.sort(key=lambda x: (-x["score"], -x["need"].pk))
    return {
        "by_status": [(S(value).label, counts[value], value) for value in S.values],
        "top_needs": best[:limit],
    }
