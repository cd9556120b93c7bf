"""Shapes of the MRV API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

__all__ = ("CheckItem", "SubmissionIn", "SubmissionOut", "VerificationOut")


class SubmissionIn(Schema):
    run_id: int = Field(
        ..., ge=1, le=2**62, description="The calculation run to submit (the inventory's latest)"
    )


class SubmissionOut(Schema):
    id: int
    run_id: int
    run_number: int
    inventory_id: int
    organization_id: int
    organization_name: str
    organization_uscc: str
    facility_id: int | None
    facility_name: str | None
    year: int
    total_tco2e: float
    record_sha256: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    supersedes_id: int | None
    is_current: bool
    submitted_by: str
    submitted_at: datetime


class CheckItem(Schema):
    name: str
    ok: bool
    detail: str


class VerificationOut(Schema):
    submission_id: int
    ok: bool
    tree_size: int | None
    checks: list[CheckItem]
