"""Shapes of the planning API."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

__all__ = ("MaccIn", "MeasureIn")


class MeasureIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    cost_per_t: float = Field(..., ge=-1e9, le=1e9, description="currency per tCO2 (may be negative)")
    potential_t: float = Field(..., gt=0, le=1e12, description="tCO2 per year")


class MaccIn(Schema):
    target: float = Field(..., ge=0, le=1e15, description="abatement target, tCO2 per year")
    method: Literal["greedy", "lp"] = "greedy"
    measures: list[MeasureIn] | None = Field(None, max_length=2000)
    measures_csv: str | None = Field(
        None,
        max_length=1_000_000,
        description="CSV with header name,cost_per_t,potential_t (instead of measures)",
    )
