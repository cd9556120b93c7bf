"""Inversion API operations: one function per operation; selectors read (with visibility), services
write (with audit); errors reach the platform's one JSON error shape."""

from __future__ import annotations

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dualcarbon_web.inversion import selectors, services
from dualcarbon_web.inversion.api.schemas import (
    ObservationSetOut,
    OsseIn,
    ResultsOut,
    RunCreatedOut,
    RunIn,
    RunOut,
)
from dualcarbon_web.inversion.models import InversionRun, ObservationSet
from dualcarbon_web.inversion.views import run_results_payload
from dualcarbon_web.platform.api.pagination import MappedQuerySet, PageNumberPagination
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed

__all__ = ("router",)

router = Router(tags=["inversion"])


def _require(request) -> None:
    if not selectors.user_may_use_inversion(request.user):
        raise NotAllowed("Inversions are for regulators, analysts and administrators.")


def _run_out(run: InversionRun) -> dict:
    job = run.job
    return {
        "id": run.pk,
        "name": run.name,
        "region_code": run.region.code,
        "region_name": run.region.name,
        "year": run.year,
        "observation_set_id": run.observation_set_id,
        "observation_set_name": run.observation_set.name,
        "synthetic": run.observation_set.is_synthetic,
        "status": run.status,
        "job_id": run.job_id,
        "progress_done": job.progress_done if job else None,
        "progress_total": job.progress_total if job else None,
        "created_by": str(run.created_by) if run.created_by_id else None,
        "created": run.created,
        "finished": run.finished,
        "prior_total_t": run.prior_total_t,
        "prior_total_sd_t": run.prior_total_sd_t,
        "posterior_total_t": run.posterior_total_t,
        "posterior_total_sd_t": run.posterior_total_sd_t,
        "dofs": run.dofs,
        "n_flagged": run.n_flagged,
        "settings": {"terrain": run.terrain, **{k: getattr(run, k) for k in services.RUN_SETTINGS}},
    }


def _set_out(s: ObservationSet) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "kind": s.kind,
        "region_code": s.region.code,
        "region_name": s.region.name,
        "gas": s.gas,
        "unit": s.unit,
        "n_obs": s.n_obs,
        "stations": len(s.stations),
        "filename": s.filename,
        "met_filename": s.met_filename,
        "created_by": str(s.created_by) if s.created_by_id else None,
        "created": s.created,
    }


# --------------------------------------------------------------------------- runs


@router.get("/runs", response=list[RunOut], summary="Inversion runs you may see (paginated)")
@paginate(PageNumberPagination)
def run_list(request, q: str = "", status: str = "", year: int | None = None):
    _require(request)
    return MappedQuerySet(selectors.run_list(user=request.user, q=q, status=status, year=year), _run_out)


@router.post(
    "/runs",
    response={202: RunCreatedOut},
    summary="Start an inversion (a background job; follow it at /api/v1/platform/jobs/{job_id})",
)
def run_create(request, payload: RunIn):
    _require(request)
    obs_set = selectors.observation_set_get(user=request.user, set_id=payload.observation_set_id)
    data = payload.dict()
    run = services.inversion_run_create(
        user=request.user,
        name=payload.name,
        observation_set=obs_set,
        year=payload.year,
        settings={k: data.get(k) for k in services.RUN_SETTINGS},
        terrain=payload.terrain,
        region_code=payload.region,
    )
    run = selectors.run_get(user=request.user, run_id=run.pk)
    return Status(202, {"run": _run_out(run), "job_id": run.job_id})


@router.get("/runs/{run_id}", response=RunOut, summary="One inversion run (status, progress, totals)")
def run_detail(request, run_id: int):
    _require(request)
    return _run_out(selectors.run_get(user=request.user, run_id=run_id))


@router.get(
    "/runs/{run_id}/results",
    response=ResultsOut,
    summary="Prior versus posterior per facility, totals, DOFS, cost terms, flags (409 until finished)",
)
def run_results(request, run_id: int):
    _require(request)
    run = selectors.run_get(user=request.user, run_id=run_id)
    if run.finished is None:
        raise InvalidTransition(f"Run {run.pk} has no results yet (status {run.status}).")
    return run_results_payload(user=request.user, run=run)


# --------------------------------------------------------------------------- observation sets


@router.get("/observation-sets", response=list[ObservationSetOut], summary="Observation sets you may see")
@paginate(PageNumberPagination)
def observation_set_list(request, q: str = ""):
    _require(request)
    return MappedQuerySet(selectors.observation_set_list(user=request.user, q=q), _set_out)


@router.post(
    "/observation-sets",
    response={201: ObservationSetOut},
    summary="Upload observations + meteorology (CSV or NetCDF)",
    description="All or nothing. Bad rows answer 400 `validation_error` with `extra.rows` = "
    "[{file, row, column, reason}] and nothing is stored.",
)
def observation_set_upload(
    request,
    file: File[UploadedFile],
    met_file: File[UploadedFile],
    name: Form[str],
    unit: Form[str] = "ppm",
    gas: Form[str] = "CO2",
    region: Form[str] = "",
):
    _require(request)
    obs_set = services.observation_set_upload(
        user=request.user,
        name=name,
        content=file.read(),
        filename=file.name or "observations.csv",
        met_content=met_file.read(),
        met_filename=met_file.name or "met.csv",
        unit=unit,
        gas=gas,
        region_code=region or None,
    )
    return Status(201, _set_out(obs_set))


@router.post(
    "/observation-sets/synthetic",
    response={201: ObservationSetOut},
    summary="Generate a SYNTHETIC observing-system simulation (OSSE) from the prior with a known truth",
)
def observation_set_osse(request, payload: OsseIn):
    _require(request)
    data = payload.dict()
    obs_set = services.observation_set_generate_osse(
        user=request.user, region_code=data.pop("region"), **data
    )
    return Status(201, _set_out(obs_set))
