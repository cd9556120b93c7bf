"""Input and output shapes of the platform API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema

__all__ = ("JobOut", "MeOut", "TokenCreatedOut", "TokenIn", "TokenOut")


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
