"""Shapes of the inventories API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictInt

__all__ = (
    "CalculateOut",
    "CheckOut",
    "InventoryIn",
    "InventoryOut",
    "InventoryPatchIn",
    "JobQueuedOut",
    "LineIn",
    "LineOut",
    "LinePatchIn",
    "MonteCarloEntityOut",
    "MonteCarloIn",
    "MonteCarloOut",
    "MonteCarloQueuedOut",
    "RollupOut",
    "RollupUnitOut",
    "RunLineOut",
    "RunOut",
    "RunSummaryOut",
    "UnstatedInputOut",
    "UploadOut",
)


class InventoryIn(Schema):
    year: int = Field(..., ge=1990, le=2100)
    facility_id: int | None = None
    organization_id: int | None = None
    name: str = ""
    methodology: str | None = None
    gwp: str = "AR5"
    factor_set: str = ""
    vintage: str = "exact"


class InventoryPatchIn(Schema):
    name: str | None = None
    methodology: str | None = None
    gwp: str | None = None
    factor_set: str | None = None
    vintage: str | None = None


class InventoryOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    facility_id: int | None
    facility_name: str | None
    year: int
    name: str
    methodology: str
    gwp: str
    factor_set: str
    vintage: str
    status: str
    revision: int
    latest_run_id: int | None
    total_tco2e: float | None
    is_current: bool
    created: datetime
    updated: datetime


class LineIn(Schema):
    """One activity line in the interchange format (docs/accounting.md)."""

    category: str
    item: str
    quantity: float
    unit: str
    entity: str | None = None
    period: str | None = None
    ncv: float | None = None
    ncv_unit: str | None = None
    carbon_content: float | None = None
    carbon_content_unit: str | None = None
    oxidation_rate: float | None = None
    factor: float | None = None
    factor_unit: str | None = None
    region: str | None = None
    methodology: str | None = None
    uncertainty_pct: float | None = None
    purity: float | None = None
    counterparty: str | None = None


class LinePatchIn(Schema):
    category: str | None = None
    item: str | None = None
    quantity: float | None = None
    unit: str | None = None
    entity: str | None = None
    period: str | None = None
    ncv: float | None = None
    ncv_unit: str | None = None
    carbon_content: float | None = None
    carbon_content_unit: str | None = None
    oxidation_rate: float | None = None
    factor: float | None = None
    factor_unit: str | None = None
    region: str | None = None
    methodology: str | None = None
    uncertainty_pct: float | None = None
    purity: float | None = None
    counterparty: str | None = None


class LineOut(Schema):
    id: int
    position: int
    entity: str
    period: str
    category: str
    item: str
    quantity: float
    unit: str
    ncv: float | None
    ncv_unit: str
    carbon_content: float | None
    carbon_content_unit: str
    oxidation_rate: float | None
    factor: float | None
    factor_unit: str
    region: str
    methodology: str
    uncertainty_pct: float | None
    purity: float | None
    counterparty: str
    source: str


class JobQueuedOut(Schema):
    status: str
    job_id: UUID


class UploadOut(Schema):
    created: int
    replaced: int
    lines: int


class RunOut(Schema):
    id: int
    inventory_id: int
    number: int
    inventory_revision: int
    is_current: bool
    ran_by: str | None
    ran_at: datetime
    methodology: str
    gwp: str
    factor_set: str
    vintage: str
    line_count: int
    total_tco2e: float
    scope1_tco2e: float
    scope2_tco2e: float
    input_sha256: str
    dualcarbon_version: str


class RunSummaryOut(RunOut):
    by_scope: dict[str, float]
    by_gas: dict[str, float]
    by_gas_t: dict[str, float]
    by_category: dict[str, float]
    by_entity: dict[str, float]
    factors_used: list[str]
    factor_statuses: dict[str, int]
    methodologies: list[str]
    notes: list[str]
    factors: dict[str, dict]
    result: dict


class CalculateOut(Schema):
    """``run`` when calculated at once; ``job_id`` (poll /api/v1/platform/jobs/{id}) when queued."""

    status: str
    run: RunOut | None = None
    job_id: UUID | None = None


class RunLineOut(Schema):
    row: int
    entity: str
    facility_id: int | None
    period: str
    category: str
    scope: str
    item: str
    quantity: float
    unit: str
    counterparty: str
    tco2e: float
    factors: list[str]
    methodology: str
    uncertainty_pct: float | None
    flags: str
    trace: list[str]
    slots: list[dict]


class CheckOut(Schema):
    id: int
    run_id: int
    matches: bool
    total_tco2e: float | None
    recorded_total_tco2e: float
    message: str
    newer_versions: dict[str, str]
    checked_at: datetime


class RollupUnitOut(Schema):
    unit: str
    name: str
    total_tco2e: float
    scope1_tco2e: float
    scope2_tco2e: float
    eliminated_tco2e: float
    entities: int
    rank: int | None = None


class RollupOut(Schema):
    year: int | None
    years: list[int]
    jurisdiction: str
    inventories: int
    entities: int
    total_tco2e: float
    scope1_tco2e: float
    scope2_tco2e: float
    by_city: list[RollupUnitOut]
    by_industry: list[RollupUnitOut]
    by_park: list[RollupUnitOut]
    outside_parks_tco2e: float
    ranking: list[RollupUnitOut]


class MonteCarloIn(Schema):
    """A Monte Carlo (Approach 2) analysis: iterations (1,000-200,000) and an optional seed (a random
    seed is chosen and recorded when none is given; the same seed gives the same numbers)."""

    iterations: StrictInt = Field(10_000, ge=1_000, le=200_000)
    seed: StrictInt | None = Field(None, ge=0, le=2**63 - 1)


class MonteCarloQueuedOut(Schema):
    """The queued job (poll /api/v1/platform/jobs/{id}); the analysis then appears on the run."""

    status: str
    job_id: UUID
    run_id: int
    iterations: int
    seed: int


class UnstatedInputOut(Schema):
    """An input counted as exact: ``kind`` activity (``input`` quantity), factor (``input`` the
    factor's id@version) or row_value (``input`` the column); ``lines`` how many lines, ``rows`` the
    first row numbers."""

    kind: str
    input: str
    lines: int
    rows: list[int]


class MonteCarloEntityOut(Schema):
    entity: str | None
    tco2e: float | None
    approach1_pct: float | None
    mean: float | None
    p2_5: float | None
    p97_5: float | None
    uncertainty_pct: float | None
    unstated: list[UnstatedInputOut]


class MonteCarloOut(Schema):
    id: int
    run_id: int
    number: int
    iterations: int
    seed: int
    seed_given: bool
    requested_by: str | None
    created: datetime
    job_id: UUID | None
    total_tco2e: float
    mean_tco2e: float
    p2_5_tco2e: float
    p97_5_tco2e: float
    uncertainty_pct: float | None
    complete: bool
    total: MonteCarloEntityOut
    entities: list[MonteCarloEntityOut]
    factor_uncertainties: dict[str, dict | None]
    dualcarbon_version: str
