"""Platform API operations."""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Status
from ninja.pagination import paginate

from dualcarbon_web.platform import selectors, services
from dualcarbon_web.platform.api.pagination import PageNumberPagination
from dualcarbon_web.platform.api.schemas import (
    AuditOut,
    JobOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserCreateIn,
    UserOut,
    UserPatchIn,
)
from dualcarbon_web.platform.errors import ValidationFailed

__all__ = ("router",)

router = Router(tags=["platform"])


@router.get("/me", response=MeOut, summary="The signed-in user, role and jurisdiction")
def me(request):
    user = request.user
    org = user.organization
    jurisdiction = user.jurisdiction
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": "admin" if user.is_platform_admin else user.role,
        "organization_id": org.pk if org else None,
        "organization_name": org.name if org else None,
        "jurisdiction_code": jurisdiction.code if jurisdiction else None,
    }


@router.get("/jobs", response=list[JobOut], summary="Your background jobs, newest first")
@paginate(PageNumberPagination)
def job_list(request):
    return selectors.job_list(user=request.user)


@router.get("/jobs/{job_id}", response=JobOut, summary="One job with its progress")
def job_detail(request, job_id: UUID):
    return selectors.job_get(user=request.user, job_id=job_id)


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens (secrets are never shown again)")
def token_list(request):
    return list(selectors.token_list(user=request.user))


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    summary="Create an API token; the secret is in the answer once",
)
def token_create(request, payload: TokenIn):
    token, secret = services.token_create(user=request.user, name=payload.name)
    out = TokenOut.from_orm(token).dict()
    out["token"] = secret
    return Status(201, out)


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of your API tokens")
def token_revoke(request, token_id: int):
    return services.token_revoke(user=request.user, token_id=token_id)


def _organization(org_id: int | None):
    from dualcarbon_web.organizations.models import Organization

    if org_id is None:
        return None
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed(
            f"No organisation {org_id}.", extra={"fields": {"organization_id": ["does not exist"]}}
        )
    return org


@router.get("/users", response=list[UserOut], summary="Users (administrators)")
@paginate(PageNumberPagination)
def user_list(request, q: str = "", role: str = ""):
    return selectors.user_list(user=request.user, q=q, role=role)


@router.post("/users", response={201: UserOut}, summary="Create a user (administrators)")
def user_create(request, payload: UserCreateIn):
    selectors.user_list(user=request.user)  # administrators only
    user = services.user_create(
        actor=request.user,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        organization=_organization(payload.organization_id),
        display_name=payload.display_name,
        email=payload.email,
    )
    return Status(201, user)


@router.patch(
    "/users/{user_id}",
    response=UserOut,
    summary="Change a user's role, organisation or status (administrators)",
)
def user_patch(request, user_id: int, payload: UserPatchIn):
    target = selectors.user_get(user=request.user, user_id=user_id)
    changes = payload.dict(exclude_unset=True)
    if "organization_id" in changes:
        changes["organization"] = _organization(changes.pop("organization_id"))
    return services.user_update(actor=request.user, user=target, **changes)


@router.get("/audit", response=list[AuditOut], summary="The audit trail (administrators)")
@paginate(PageNumberPagination)
def audit_list(request, object_type: str = "", username: str = "", action: str = ""):
    return selectors.audit_list(user=request.user, object_type=object_type, username=username, action=action)
