"""Inventories API operations: one function per operation; selectors read (with visibility),
services write (with audit); errors reach the platform's one JSON error shape."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dualcarbon_web.inventories import reports, rollups, selectors, services
from dualcarbon_web.inventories.api.schemas import (
    CalculateOut,
    CheckOut,
    InventoryIn,
    InventoryOut,
    InventoryPatchIn,
    JobQueuedOut,
    LineIn,
    LineOut,
    LinePatchIn,
    MonteCarloIn,
    MonteCarloOut,
    MonteCarloQueuedOut,
    RollupOut,
    RunLineOut,
    RunOut,
    RunSummaryOut,
    UploadOut,
)
from dualcarbon_web.inventories.models import ActivityLine, CalculationRun, Inventory
from dualcarbon_web.organizations.selectors import facility_get, organization_get
from dualcarbon_web.platform.api.pagination import MappedQuerySet, PageNumberPagination
from dualcarbon_web.platform.errors import NotAllowed, ValidationFailed

__all__ = ("router",)

router = Router(tags=["inventories"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(request) -> None:
    if not selectors.user_may_read_inventories(request.user):
        raise NotAllowed("Emission accounting is for enterprises, regulators, verifiers and administrators.")


def _inventory_out(inv: Inventory) -> dict:
    run = inv.latest_run
    return {
        "id": inv.pk,
        "organization_id": inv.organization_id,
        "organization_name": inv.organization.name,
        "facility_id": inv.facility_id,
        "facility_name": inv.facility.name if inv.facility_id else None,
        "year": inv.year,
        "name": inv.name,
        "methodology": inv.methodology,
        "gwp": inv.gwp,
        "factor_set": inv.factor_set,
        "vintage": inv.vintage,
        "status": inv.status,
        "revision": inv.revision,
        "latest_run_id": inv.latest_run_id,
        "total_tco2e": run.total_tco2e if run is not None else None,
        "is_current": inv.is_current,
        "created": inv.created,
        "updated": inv.updated,
    }


def _run_out(run: CalculationRun) -> dict:
    return {
        "id": run.pk,
        "inventory_id": run.inventory_id,
        "number": run.number,
        "inventory_revision": run.inventory_revision,
        "is_current": run.inventory.latest_run_id == run.pk
        and run.inventory_revision == run.inventory.revision,
        "ran_by": str(run.ran_by) if run.ran_by_id else None,
        "ran_at": run.ran_at,
        "methodology": run.methodology,
        "gwp": run.gwp,
        "factor_set": run.factor_set,
        "vintage": run.vintage,
        "line_count": run.line_count,
        "total_tco2e": run.total_tco2e,
        "scope1_tco2e": run.scope1_tco2e,
        "scope2_tco2e": run.scope2_tco2e,
        "input_sha256": run.input_sha256,
        "dualcarbon_version": run.dualcarbon_version,
    }


def _latest_run(request, inventory_id: int) -> CalculationRun:
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    if inv.latest_run_id is None:
        from dualcarbon_web.platform.errors import NotFound

        raise NotFound(f"Inventory {inv.pk} has not been calculated yet.")
    return selectors.run_get(user=request.user, run_id=inv.latest_run_id)


# --------------------------------------------------------------------------- inventories


@router.get(
    "/inventories", response=list[InventoryOut], summary="Inventories you may see (filters, paginated)"
)
@paginate(PageNumberPagination)
def inventory_list(
    request,
    q: str = "",
    year: int | None = None,
    status: str = "",
    organization: int | None = None,
    facility: int | None = None,
    region: str = "",
    industry: str = "",
):
    _require_reader(request)
    qs = selectors.inventory_list(
        user=request.user,
        q=q,
        year=year,
        status=status,
        organization=organization,
        facility=facility,
        region=region,
        industry=industry,
    )
    return MappedQuerySet(qs, _inventory_out)


@router.post(
    "/inventories", response={201: InventoryOut}, summary="Create an inventory (enterprise members, admins)"
)
def inventory_create(request, payload: InventoryIn):
    facility = (
        facility_get(user=request.user, facility_id=payload.facility_id) if payload.facility_id else None
    )
    organization = (
        organization_get(user=request.user, organization_id=payload.organization_id)
        if payload.organization_id
        else None
    )
    inv = services.inventory_create(
        user=request.user,
        organization=organization,
        facility=facility,
        year=payload.year,
        name=payload.name,
        methodology=payload.methodology,
        gwp=payload.gwp,
        factor_set=payload.factor_set,
        vintage=payload.vintage,
    )
    return Status(201, _inventory_out(selectors.inventory_get(user=request.user, inventory_id=inv.pk)))


@router.get("/inventories/{inventory_id}", response=InventoryOut, summary="One inventory")
def inventory_detail(request, inventory_id: int):
    _require_reader(request)
    return _inventory_out(selectors.inventory_get(user=request.user, inventory_id=inventory_id))


@router.patch(
    "/inventories/{inventory_id}", response=InventoryOut, summary="Change name or accounting options"
)
def inventory_update(request, inventory_id: int, payload: InventoryPatchIn):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    services.inventory_update(user=request.user, inventory=inv, data=payload.dict(exclude_unset=True))
    return _inventory_out(selectors.inventory_get(user=request.user, inventory_id=inventory_id))


# --------------------------------------------------------------------------- lines


@router.get("/inventories/{inventory_id}/lines", response=list[LineOut], summary="Activity lines (paginated)")
@paginate(PageNumberPagination)
def line_list(request, inventory_id: int, category: str = ""):
    _require_reader(request)
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    return selectors.activity_line_list(inventory=inv, category=category)


@router.post("/inventories/{inventory_id}/lines", response={201: LineOut}, summary="Add one activity line")
def line_create(request, inventory_id: int, payload: LineIn):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    line = services.activity_line_add(user=request.user, inventory=inv, data=payload.dict())
    return Status(201, line)


@router.patch("/inventories/{inventory_id}/lines/{line_id}", response=LineOut, summary="Change one line")
def line_update(request, inventory_id: int, line_id: int, payload: LinePatchIn):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    line = selectors.activity_line_get(inventory=inv, line_id=line_id)
    return services.activity_line_update(
        user=request.user, inventory=inv, line=line, data=payload.dict(exclude_unset=True)
    )


@router.delete("/inventories/{inventory_id}/lines/{line_id}", response={204: None}, summary="Delete one line")
def line_delete(request, inventory_id: int, line_id: int):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    line = selectors.activity_line_get(inventory=inv, line_id=line_id)
    services.activity_line_delete(user=request.user, inventory=inv, line=line)
    return Status(204, None)


@router.post(
    "/inventories/{inventory_id}/upload",
    response={200: UploadOut, 202: JobQueuedOut},
    summary="Upload activity lines (CSV, XLSX or JSON in the interchange format); all or nothing",
    description="Bad rows answer 400 `validation_error` with `extra.rows` = [{row, column, reason}] "
    "and nothing is stored. Files of more than 5,000 lines (or 2 MB) answer 202 with a job id "
    "(progress at /api/v1/platform/jobs/{id}); a rejected file fails the job with every bad row listed.",
)
def line_upload(request, inventory_id: int, file: File[UploadedFile], replace: Form[bool] = False):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    result = services.activity_lines_upload_submit(
        user=request.user,
        inventory=inv,
        data=file.read(),
        filename=file.name or "upload.csv",
        replace=replace,
    )
    if not isinstance(result, services.UploadResult):
        return Status(202, {"status": "queued", "job_id": result.pk})
    return Status(200, {**result.as_dict(), "lines": ActivityLine.objects.filter(inventory=inv).count()})


# --------------------------------------------------------------------------- calculation


@router.post(
    "/inventories/{inventory_id}/calculate",
    response={200: CalculateOut, 202: CalculateOut},
    summary="Calculate: the run at once, or a job id for large inventories",
)
def inventory_calculate(request, inventory_id: int):
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    outcome = services.inventory_calculate(user=request.user, inventory=inv)
    if isinstance(outcome, CalculationRun):
        run = selectors.run_get(user=request.user, run_id=outcome.pk)
        return Status(200, {"status": "calculated", "run": _run_out(run)})
    return Status(202, {"status": "queued", "job_id": outcome.pk})


@router.get(
    "/inventories/{inventory_id}/runs", response=list[RunOut], summary="Calculation runs, newest first"
)
def run_list(request, inventory_id: int):
    _require_reader(request)
    inv = selectors.inventory_get(user=request.user, inventory_id=inventory_id)
    out = []
    for run in selectors.run_list(inventory=inv):
        run.inventory = inv
        out.append(_run_out(run))
    return out


def _summary_out(run: CalculationRun) -> dict:
    summary = reports.run_summary(run)
    summary.pop("uncertainty_pct", None)
    summary.pop("total_tco2e", None)
    summary.pop("gwp", None)
    return {**_run_out(run), **summary, "factors": run.factors, "result": run.result}


@router.get("/inventories/{inventory_id}/results", response=RunSummaryOut, summary="The latest run's results")
def inventory_results(request, inventory_id: int):
    _require_reader(request)
    return _summary_out(_latest_run(request, inventory_id))


@router.get(
    "/runs/{run_id}", response=RunSummaryOut, summary="One run: totals by scope, gas, category; factors"
)
def run_detail(request, run_id: int):
    _require_reader(request)
    return _summary_out(selectors.run_get(user=request.user, run_id=run_id))


@router.get(
    "/runs/{run_id}/lines",
    response=list[RunLineOut],
    summary="Per-line results with the factors used (id@version) and the trace of intermediate values",
)
@paginate(PageNumberPagination)
def run_lines(request, run_id: int, category: str = "", scope: str = ""):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id)

    def line_out(line) -> dict:
        key = reports.line_trace(run, line) or {}
        return {
            "row": line.row,
            "entity": line.entity,
            "facility_id": line.facility_id,
            "period": line.period,
            "category": line.category,
            "scope": line.scope,
            "item": line.item,
            "quantity": line.quantity,
            "unit": line.unit,
            "counterparty": line.counterparty,
            "tco2e": line.tco2e,
            "factors": line.factors,
            "methodology": line.methodology,
            "uncertainty_pct": line.uncertainty_pct,
            "flags": line.flags,
            "trace": key.get("trace", []),
            "slots": key.get("slots", []),
        }

    return MappedQuerySet(selectors.run_line_list(run=run, category=category, scope=scope), line_out)


@router.post("/runs/{run_id}/rerun", response={201: CheckOut}, summary="Re-run the stored record and compare")
def run_rerun(request, run_id: int):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id, with_record=True)
    check = services.run_rerun(user=request.user, run=run)
    return Status(
        201,
        {
            "id": check.pk,
            "run_id": run.pk,
            "matches": check.matches,
            "total_tco2e": check.total_tco2e,
            "recorded_total_tco2e": run.total_tco2e,
            "message": check.message,
            "newer_versions": check.newer_versions,
            "checked_at": check.checked_at,
        },
    )


def _monte_carlo_out(run: CalculationRun, analysis) -> dict:
    rows = reports.monte_carlo_rows(run, analysis)
    return {
        "id": analysis.pk,
        "run_id": run.pk,
        "number": analysis.number,
        "iterations": analysis.iterations,
        "seed": analysis.seed,
        "seed_given": analysis.seed_given,
        "requested_by": str(analysis.requested_by) if analysis.requested_by_id else None,
        "created": analysis.created,
        "job_id": analysis.job_id,
        "total_tco2e": analysis.total_tco2e,
        "mean_tco2e": analysis.mean_tco2e,
        "p2_5_tco2e": analysis.p2_5_tco2e,
        "p97_5_tco2e": analysis.p97_5_tco2e,
        "uncertainty_pct": analysis.uncertainty_pct,
        "complete": analysis.complete,
        "total": rows["total"],
        "entities": rows["entities"],
        "factor_uncertainties": analysis.factor_uncertainties,
        "dualcarbon_version": analysis.dualcarbon_version,
    }


@router.get(
    "/runs/{run_id}/monte-carlo",
    response=list[MonteCarloOut],
    summary="Monte Carlo (IPCC Approach 2) analyses of a run, newest first",
)
def monte_carlo_list(request, run_id: int):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id)
    return [_monte_carlo_out(run, a) for a in selectors.monte_carlo_list(run=run)]


@router.get(
    "/runs/{run_id}/monte-carlo/{analysis_id}",
    response=MonteCarloOut,
    summary="One Monte Carlo analysis: per entity and total mean, 2.5/97.5 percentiles, uncertainty %",
)
def monte_carlo_detail(request, run_id: int, analysis_id: int):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id)
    return _monte_carlo_out(run, selectors.monte_carlo_get(run=run, analysis_id=analysis_id))


@router.post(
    "/runs/{run_id}/monte-carlo",
    response={202: MonteCarloQueuedOut},
    summary="Request a Monte Carlo (IPCC Approach 2) analysis of a run (those who may calculate it)",
    description="Runs as a background job (progress at /api/v1/platform/jobs/{id}); the result is "
    "stored with the run and listed at GET /runs/{run_id}/monte-carlo. The body may be empty: "
    "10,000 iterations and a random seed, which is returned and recorded.",
)
def monte_carlo_request(request, run_id: int, payload: MonteCarloIn | None = None):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id)
    payload = payload or MonteCarloIn()
    job = services.run_monte_carlo_request(
        user=request.user, run=run, iterations=payload.iterations, seed=payload.seed
    )
    return Status(
        202,
        {
            "status": job.status,
            "job_id": job.pk,
            "run_id": run.pk,
            "iterations": job.params["iterations"],
            "seed": job.params["seed"],
        },
    )


@router.get(
    "/runs/{run_id}/report.xlsx",
    response={200: None},
    summary="The XLSX report of a run (summary, per-line results, factors, trace)",
)
def run_report(request, run_id: int):
    _require_reader(request)
    run = selectors.run_get(user=request.user, run_id=run_id)
    content = reports.run_report_xlsx(
        run, selectors.run_line_list(run=run), analyses=selectors.monte_carlo_list(run=run)
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{reports.run_report_filename(run)}"'
    return response


# --------------------------------------------------------------------------- roll-ups


@router.get(
    "/rollups",
    response=RollupOut,
    summary="Regulators: the jurisdiction's totals by city, industry and park, and a ranking of enterprises",
)
def rollup(request, year: int | None = None):
    if year is not None and not 1990 <= year <= 2100:
        raise ValidationFailed("year is out of range", extra={"fields": {"year": ["between 1990 and 2100"]}})
    return rollups.jurisdiction_rollup(user=request.user, year=year).as_dict()
