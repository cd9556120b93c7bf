"""Planning API operations: the same numbers as the pages and the CLI (all from the pure core);
errors reach the platform's one JSON error shape (a bad CSV answers 422 with extra.row/column)."""

from __future__ import annotations

from ninja import Query, Router

from dualcarbon.errors import InputError
from dualcarbon.planning import Measure, curve, least_cost
from dualcarbon_web.planning import selectors
from dualcarbon_web.planning.api.schemas import MaccIn
from dualcarbon_web.platform.errors import NotAllowed

__all__ = ("router",)

router = Router(tags=["planning"])


def _require(request) -> None:
    if not selectors.user_may_use_planning(request.user):
        raise NotAllowed("Decision support is for analysts, regulators and administrators.")


@router.get("/tracking", response=list[dict], summary="Five-year-plan intensity targets from official rates")
def tracking(request, as_of: int | None = Query(None, ge=2000, le=2100)):
    """Each 14th FYP target: chained change since 2020, required yearly rate, on-track flag, the
    observations used with their status and certainty (basis nbs_official)."""
    _require(request)
    return selectors.tracking_payload(as_of=as_of)


@router.get("/lmdi", response=dict, summary="Additive LMDI-I of the CO2 change (OWID basis)")
def lmdi(
    request,
    year_from: int = Query(..., ge=2000, le=2023),
    year_to: int = Query(..., ge=2000, le=2023),
    region: str = Query("China", max_length=100),
):
    """Kaya factors population, GDP per person, energy intensity, carbon intensity of energy;
    effects in Mt CO2 add up to the change exactly."""
    _require(request)
    return selectors.lmdi_payload(region, year_from, year_to)


@router.post("/macc", response=dict, summary="Abatement cost curve and least-cost portfolio")
def macc(request, payload: MaccIn):
    """Measures as a list or as CSV text; answers the merit-order curve and the least-cost allocation."""
    _require(request)
    if payload.measures_csv is not None and payload.measures is not None:
        raise InputError("give either measures or measures_csv, not both", column="measures_csv")
    if payload.measures_csv is not None:
        return selectors.macc_payload(
            payload.measures_csv, payload.target, method=payload.method, source="measures_csv"
        )
    if not payload.measures:
        raise InputError("no measures given (measures or measures_csv)", column="measures")
    measures = [Measure(m.name, m.cost_per_t, m.potential_t) for m in payload.measures]
    return {
        "curve": curve(measures),
        "portfolio": least_cost(measures, payload.target, method=payload.method).to_dict(),
    }


@router.get("/report", response=dict, summary="Annual assessment report (data block)")
def report(request, year: int = Query(...)):
    """The annual assessment for ``year`` (2021-2025) as the core's JSON data block: per target the
    latest value and vintage, cumulative change, required rate, traffic light (our thresholds on the
    required-rate ratio), and the OWID-basis LMDI of the latest year. A bad year answers 422 naming
    ``year``."""
    _require(request)
    return selectors.report_payload(year)["data"]
