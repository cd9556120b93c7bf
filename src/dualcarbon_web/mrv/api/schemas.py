"""Shapes of the MRV API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

__all__ = (
    "CheckItem",
    "RuleEvaluationDetailOut",
    "RuleEvaluationOut",
    "RuleSetOut",
    "SubmissionIn",
    "SubmissionOut",
    "VerificationOut",
)


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


class RuleEvaluationOut(Schema):
    id: int
    submission_id: int
    ruleset_id: str
    ruleset_digest: str
    report_sha256: str
    counts: dict[str, int]
    leaf_index: int
    evaluated_by: str
    evaluated_at: datetime


class RuleEvaluationDetailOut(RuleEvaluationOut):
    report: dict[str, Any] = Field(
        ...,
        description="The report; its canonical JSON (keys sorted, no whitespace, UTF-8) hashes to report_sha256",
    )


class RuleOut(Schema):
    id: str
    version: int
    title_zh: str
    title_en: str
    source: str
    severity: str
    parameters: dict[str, Any]
    source_sha256: str


class RuleSetOut(Schema):
    id: str
    digest: str
    rules: list[RuleOut]
