"""Shapes of the technology registry API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

__all__ = ("AchievementIn", "AchievementOut", "MatchOut", "NeedIn", "NeedMatchOut", "NeedOut", "ReviewIn")


class AchievementIn(Schema):
    title: str = Field(..., max_length=200, description="技术名称")
    domain: str = Field(
        ..., description="energy, industry, building, transport, agriculture, carbon_sink, digital, non_co2"
    )
    trl: int = Field(..., description="Technology readiness level 1-9 (Horizon 2020 Annex G)")
    summary: str = Field(..., description="技术简介")
    industry_codes: list[str] = Field(default_factory=list, description="GB/T 4754-2017 codes")
    cpc_codes: list[str] = Field(default_factory=list, description="CPC Y02/Y04S symbols, e.g. 'Y02E 10/50'")
    indicators: str = ""
    reduction_tco2e_per_year: float | None = Field(None, ge=0)
    energy_saving_tce_per_year: float | None = Field(None, ge=0)


class AchievementOut(Schema):
    id: int
    title: str
    organization_id: int
    organization_name: str
    domain: str
    trl: int
    industry_codes: list[str]
    cpc_codes: list[str]
    summary: str
    indicators: str
    reduction_tco2e_per_year: float | None
    energy_saving_tce_per_year: float | None
    status: str
    review_comment: str
    is_example: bool
    source_note: str
    submitted_at: datetime | None
    published_at: datetime | None
    updated_at: datetime


class ReviewIn(Schema):
    decision: Literal["publish", "return"]
    comment: str = ""


class NeedIn(Schema):
    title: str = Field(..., max_length=200)
    description: str
    industry_code: str = ""
    domain: str = ""
    min_trl: int | None = None
    cpc_codes: list[str] = Field(default_factory=list)
    expected_reduction_tco2e_per_year: float | None = Field(None, ge=0)


class NeedOut(Schema):
    id: int
    title: str
    description: str
    organization_id: int
    organization_name: str
    industry_code: str | None
    domain: str
    min_trl: int | None
    cpc_codes: list[str]
    expected_reduction_tco2e_per_year: float | None
    status: str
    created_at: datetime


class MatchOut(Schema):
    achievement: AchievementOut
    score: float
    parts: dict[str, float]


class NeedMatchOut(Schema):
    need: NeedOut
    score: float
    parts: dict[str, float]
