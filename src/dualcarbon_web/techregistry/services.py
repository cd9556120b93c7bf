"""Writes of the technology registry: create, edit, submit and review achievements; post and close
needs. Every write is one transaction with its audit entry; a step out of order is
:class:`InvalidTransition` (409), a role or organisation that may not act :class:`NotAllowed` (403),
bad input :class:`ValidationFailed` naming each field.

Workflow of an achievement: ``draft → submitted → published``, or ``submitted → returned`` (with
the reviewer's comment) ``→ submitted`` again after editing. Owners (technology owners of the
owner organisation) create, edit (draft or returned only) and submit; reviewers (regulators and
administrators) publish or return. A published record is not edited in this version.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dualcarbon.errors import InputError
from dualcarbon.techregistry import cpc_normalize, domain_check, trl_check
from dualcarbon_web.organizations.models import Industry
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed, ValidationFailed
from dualcarbon_web.techregistry.choices import AchievementStatusChoices as S
from dualcarbon_web.techregistry.choices import NeedStatusChoices
from dualcarbon_web.techregistry.models import TechnologyAchievement, TechnologyNeed
from dualcarbon_web.techregistry.selectors import user_is_owner, user_is_reviewer, user_may_post_needs

__all__ = (
    "achievement_create",
    "achievement_review",
    "achievement_submit",
    "achievement_update",
    "need_close",
    "need_create",
)

EDITABLE = (S.DRAFT, S.RETURNED)
_ACH_FIELDS = (
    "title",
    "domain",
    "trl",
    "cpc_codes",
    "summary",
    "indicators",
    "reduction_tco2e_per_year",
    "energy_saving_tce_per_year",
)


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = [f"{value!r} is not a number"]
        return None
    if not d.is_finite() or d < 0 or d >= Decimal("1e12"):
        errors[field] = [f"{value!r} must be a number from 0 to below 10^12"]
        return None
    return d.quantize(Decimal("0.01"))


#: At most this many CPC symbols and industry codes on one record: a list of thousands in one request
#: would be a database parameter overflow (PostgreSQL: 65,535) or a quadratic de-duplication.
MAX_CODES = 100


def _cpc_list(values, errors: dict) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace(";", ",").split(",") if v.strip()]
    if len(values or ()) > MAX_CODES:
        errors["cpc_codes"] = [f"at most {MAX_CODES} codes (got {len(values)})"]
        return []
    out: list[str] = []
    for v in values or ():
        try:
            code = cpc_normalize(v)
        except InputError as exc:
            errors.setdefault("cpc_codes", []).append(exc.reason)
            continue
        if code not in out:
            out.append(code)
    return out


_NUL_MESSAGE = "contains a NUL character (U+0000)"


def _text(data: dict, field: str, errors: dict, *, required: bool, max_length: int | None = None) -> str:
    value = str(data.get(field) or "").strip()
    if "\x00" in value:  # PostgreSQL cannot store NUL: refuse it here, naming the field, not with a 500
        errors[field] = [_NUL_MESSAGE]
    elif required and not value:
        errors[field] = ["This field is required."]
    elif max_length and len(value) > max_length:
        errors[field] = [f"At most {max_length} characters (got {len(value)})."]
    return value


def _clean_achievement(data: dict) -> tuple[dict, list[Industry]]:
    errors: dict[str, list[str]] = {}
    out: dict = {
        "title": _text(data, "title", errors, required=True, max_length=200),
        "summary": _text(data, "summary", errors, required=True),
        "indicators": _text(data, "indicators", errors, required=False),
    }
    try:
        out["domain"] = domain_check(data.get("domain") or "")
    except InputError as exc:
        errors["domain"] = [exc.reason]
    try:
        out["trl"] = trl_check(data.get("trl"))
    except InputError as exc:
        errors["trl"] = [exc.reason]
    out["cpc_codes"] = _cpc_list(data.get("cpc_codes") or [], errors)
    for f in ("reduction_tco2e_per_year", "energy_saving_tce_per_year"):
        out[f] = _decimal(data.get(f), f, errors)
    codes = list(dict.fromkeys(str(c).strip() for c in data.get("industry_codes") or () if str(c).strip()))
    if any("\x00" in c for c in codes):  # never sent to the database (PostgreSQL refuses NUL)
        errors["industry_codes"] = [_NUL_MESSAGE]
        codes = []
    elif len(codes) > MAX_CODES:
        errors["industry_codes"] = [f"at most {MAX_CODES} codes (got {len(codes)})"]
        codes = []
    industries = list(Industry.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {i.code for i in industries})
    if missing:
        errors["industry_codes"] = [f"Unknown GB/T 4754 codes: {', '.join(missing)}"]
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    return out, industries


def _audit_after(a: TechnologyAchievement) -> dict:
    return {**snapshot(a), "industry_codes": sorted(i.code for i in a.industries.all())}


def achievement_create(*, user, data: dict, example_source: str = "") -> TechnologyAchievement:
    """A new draft for the user's organisation (technology owners only). ``example_source`` (for the
    demo loader only, never from forms or the API) marks an example record and says where it is from."""
    if not user_is_owner(user):
        raise NotAllowed("Only technology owners (技术持有方) record technology achievements.")
    values, industries = _clean_achievement(data)
    with transaction.atomic():
        a = TechnologyAchievement.objects.create(
            organization_id=user.organization_id,
            created_by=user,
            status=S.DRAFT,
            is_example=bool(example_source),
            source_note=example_source[:300],
            **values,
        )
        a.industries.set(industries)
        audit_record(user=user, action=AuditActionChoices.CREATE, instance=a, after=_audit_after(a))
    return a


def _require_owner_of(user, a: TechnologyAchievement) -> None:
    if not (user_is_owner(user) and a.organization_id == user.organization_id):
        raise NotAllowed("Only technology owners of the owner organisation may change this record.")


def achievement_update(*, user, achievement: TechnologyAchievement, data: dict) -> TechnologyAchievement:
    """Edit a draft or returned record of the user's organisation."""
    _require_owner_of(user, achievement)
    with transaction.atomic():
        a = TechnologyAchievement.objects.select_for_update().get(pk=achievement.pk)
        if a.status not in EDITABLE:
            raise InvalidTransition(f"A {a.status} record cannot be edited (only draft or returned).")
        values, industries = _clean_achievement(data)
        before = _audit_after(a)
        for k, v in values.items():
            setattr(a, k, v)
        a.save()
        a.industries.set(industries)
        audit_record(
            user=user, action=AuditActionChoices.UPDATE, instance=a, before=before, after=_audit_after(a)
        )
    return a


def achievement_submit(*, user, achievement: TechnologyAchievement) -> TechnologyAchievement:
    """``draft`` or ``returned`` → ``submitted`` (owners)."""
    _require_owner_of(user, achievement)
    with transaction.atomic():
        a = TechnologyAchievement.objects.select_for_update().get(pk=achievement.pk)
        if a.status not in EDITABLE:
            raise InvalidTransition(f"A {a.status} record cannot be submitted (only draft or returned).")
        before = snapshot(a)
        a.status = S.SUBMITTED
        a.submitted_at = timezone.now()
        a.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=a,
            before=before,
            after=snapshot(a),
            note="submit",
        )
    return a


def achievement_review(
    *, user, achievement: TechnologyAchievement, decision: str, comment: str = ""
) -> TechnologyAchievement:
    """``submitted`` → ``published`` (decision ``publish``) or ``returned`` (``return``, comment required)."""
    if not user_is_reviewer(user):
        raise NotAllowed("Only regulators and administrators review technology achievements.")
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise ValidationFailed(
            "Some fields are invalid; see extra.fields.", extra={"fields": {"comment": [_NUL_MESSAGE]}}
        )
    if decision not in ("publish", "return"):
        raise ValidationFailed(
            "Some fields are invalid; see extra.fields.",
            extra={"fields": {"decision": [f"{decision!r} is not 'publish' or 'return'"]}},
        )
    if decision == "return" and not comment:
        raise ValidationFailed(
            "Some fields are invalid; see extra.fields.",
            extra={"fields": {"comment": ["A returned record needs the reviewer's comment."]}},
        )
    with transaction.atomic():
        a = TechnologyAchievement.objects.select_for_update().get(pk=achievement.pk)
        if a.status != S.SUBMITTED:
            raise InvalidTransition(f"A {a.status} record cannot be reviewed (only submitted).")
        before = snapshot(a)
        now = timezone.now()
        a.status = S.PUBLISHED if decision == "publish" else S.RETURNED
        a.review_comment = comment
        a.reviewed_by = user
        a.reviewed_at = now
        if decision == "publish":
            a.published_at = now
        a.save()
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=a,
            before=before,
            after=snapshot(a),
            note=decision,
        )
    return a


def need_create(*, user, data: dict) -> TechnologyNeed:
    """A technology need of the user's organisation (enterprise members only)."""
    if not user_may_post_needs(user):
        raise NotAllowed("Only enterprise members post technology needs for their organisation.")
    errors: dict[str, list[str]] = {}
    values: dict = {
        "title": _text(data, "title", errors, required=True, max_length=200),
        "description": _text(data, "description", errors, required=True),
    }
    domain = data.get("domain") or ""
    if domain:
        try:
            values["domain"] = domain_check(domain)
        except InputError as exc:
            errors["domain"] = [exc.reason]
    if data.get("min_trl") not in (None, ""):
        try:
            values["min_trl"] = trl_check(data.get("min_trl"), field="min_trl")
        except InputError as exc:
            errors["min_trl"] = [exc.reason]
    values["cpc_codes"] = _cpc_list(data.get("cpc_codes") or [], errors)
    values["expected_reduction_tco2e_per_year"] = _decimal(
        data.get("expected_reduction_tco2e_per_year"), "expected_reduction_tco2e_per_year", errors
    )
    code = str(data.get("industry_code") or "").strip()
    if "\x00" in code:  # never sent to the database (PostgreSQL refuses NUL)
        errors["industry_code"] = [_NUL_MESSAGE]
    elif code:
        values["industry"] = Industry.objects.filter(code=code).first()
        if values["industry"] is None:
            errors["industry_code"] = [f"Unknown GB/T 4754 code: {code}"]
    if errors:
        raise ValidationFailed("Some fields are invalid; see extra.fields.", extra={"fields": errors})
    with transaction.atomic():
        need = TechnologyNeed.objects.create(organization_id=user.organization_id, created_by=user, **values)
        audit_record(user=user, action=AuditActionChoices.CREATE, instance=need, after=snapshot(need))
    return need


def need_close(*, user, need: TechnologyNeed) -> TechnologyNeed:
    """``open`` → ``closed`` (members of the need's organisation, or administrators)."""
    if not (
        user.is_platform_admin or (user_may_post_needs(user) and user.organization_id == need.organization_id)
    ):
        raise NotAllowed("Only the need's organisation or an administrator may close it.")
    with transaction.atomic():
        n = TechnologyNeed.objects.select_for_update().get(pk=need.pk)
        if n.status != NeedStatusChoices.OPEN:
            raise InvalidTransition(f"A {n.status} need cannot be closed.")
        before = snapshot(n)
        n.status = NeedStatusChoices.CLOSED
        n.save(update_fields=["status", "updated_at"])
        audit_record(
            user=user,
            action=AuditActionChoices.UPDATE,
            instance=n,
            before=before,
            after=snapshot(n),
            note="close",
        )
    return n
