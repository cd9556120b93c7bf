"""Shapes of the inversion API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

__all__ = (
    "EstimateOut",
    "ObservationSetOut",
    "OsseIn",
    "ResultsOut",
    "RunCreatedOut",
    "RunIn",
    "RunOut",
)


class RunIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    observation_set_id: int
    year: int = Field(..., ge=1990, le=2100)
    region: str | None = Field(None, description="GB/T 2260 code; regulators default to their jurisdiction")
    terrain: str = "rural"
    prior_relative_sd: float | None = None
    prior_sd_floor_t: float | None = None
    obs_error_scale: float | None = None
    model_error: float | None = None
    gamma: float | None = None
    z_threshold: float | None = None
    stack_height_m: float | None = None
    receptor_height_m: float | None = None
    background: float | None = None


class RunOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    year: int
    observation_set_id: int
    observation_set_name: str
    synthetic: bool
    status: str
    job_id: UUID | None
    progress_done: int | None
    progress_total: int | None
    created_by: str | None
    created: datetime
    finished: datetime | None
    prior_total_t: float | None
    prior_total_sd_t: float | None
    posterior_total_t: float | None
    posterior_total_sd_t: float | None
    dofs: float | None
    n_flagged: int | None
    settings: dict


class RunCreatedOut(Schema):
    run: RunOut
    job_id: UUID | None


class EstimateOut(Schema):
    facility_id: int
    name: str
    organization: str
    code: str
    lon: float
    lat: float
    attribution: str
    attribution_label: str
    prior_t: float
    prior_sd_t: float
    posterior_t: float
    posterior_sd_t: float
    sensitivity: float
    z: float
    flagged: bool
    truth_t: float | None
    inventory_id: int | None = Field(None, description="the facility's inventory, only when you may open it")


class ResultsOut(Schema):
    run_id: int
    status: str
    region: dict
    year: int
    synthetic: bool
    n_state: int | None
    n_obs: int | None
    form: str
    dofs: float | None
    cost_prior: float | None
    cost_obs: float | None
    gamma: float
    z_threshold: float
    totals: dict
    n_flagged: int | None
    facilities: list[EstimateOut]
    stations: list[dict]
    skipped: list[dict]
    attribution: dict


class ObservationSetOut(Schema):
    id: int
    name: str
    kind: str
    region_code: str
    region_name: str
    gas: str
    unit: str
    n_obs: int
    stations: int
    filename: str
    met_filename: str
    created_by: str | None
    created: datetime


class OsseIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    year: int = Field(..., ge=1990, le=2100)
    seed: int = Field(0, ge=0)
    factors: dict[int, float] = Field(default_factory=dict, description="facility id -> truth / reported")
    region: str | None = None
    hours: int = Field(24, ge=1, le=8784)
    station_distance_m: float = 2000.0
    noise_sd: float = 0.5
    background: float = 420.0
    wind_speed_m_s: float = 4.0
    stability: str = "D"
    mixing_height_m: float = 1000.0
    stack_height_m: float = 100.0
    receptor_height_m: float = 10.0
    terrain: str = "rural"
