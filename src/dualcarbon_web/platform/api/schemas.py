"""Input and output shapes of the platform API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema

__all__ = (
    "AuditOut",
    "JobOut",
    "MeOut",
    "TokenCreatedOut",
    "TokenIn",
    "TokenOut",
    "UserCreateIn",
    "UserOut",
    "UserPatchIn",
)


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None
    organization_name: str | None
    jurisdiction_code: str | None


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    progress_done: int
    progress_total: int
    percent: float
    message: str
    result: dict | list | None
    error: str
    created: datetime
    started: datetime | None
    finished: datetime | None


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    organization_id: int | None
    is_active: bool


class UserCreateIn(Schema):
    username: str
    password: str
    role: str
    organization_id: int | None = None
    display_name: str = ""
    email: str = ""


class UserPatchIn(Schema):
    role: str | None = None
    organization_id: int | None = None
    display_name: str | None = None
    email: str | None = None
    is_active: bool | None = None


class AuditOut(Schema):
    id: int
    at: datetime
    username: str
    ip: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    note: str
