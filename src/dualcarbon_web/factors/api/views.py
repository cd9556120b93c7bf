"""Factor API operations: everyone signed in reads; administrators append."""

from __future__ import annotations

import dataclasses

from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from dualcarbon.accounting.factors import FactorRecord
from dualcarbon_web.factors import selectors, services
from dualcarbon_web.factors.api.schemas import FactorCorrectIn, FactorIn, FactorOut, ProvenanceOut

__all__ = ("router",)

router = Router(tags=["factors"])


def _out(record: FactorRecord) -> dict:
    data = record.to_dict()
    data["uncertainty"] = dataclasses.asdict(record.uncertainty) if record.uncertainty else None
    data["provenance"] = dataclasses.asdict(record.provenance)
    return data


@router.get(
    "/factors", response=list[FactorOut], summary="Search and filter the factor database (newest versions)"
)
@paginate(PageNumberPagination)
def factor_list(
    request,
    q: str = "",
    family: str = "",
    gas: str = "",
    region: str = "",
    status: str = "",
    table: str = "",
    year: int | None = None,
):
    records = selectors.factor_list(
        q=q, family=family, gas=gas, region=region, status=status, table=table, year=year
    )
    return [_out(r) for r in records]


@router.get("/factors/{ref}", response=FactorOut, summary="One factor: 'id' (newest version) or 'id@version'")
def factor_detail(request, ref: str):
    return _out(selectors.factor_get(ref))


@router.get(
    "/factors/{factor_id}/versions",
    response=list[FactorOut],
    summary="Every version of a factor, oldest first",
)
def factor_versions(request, factor_id: str):
    return [_out(r) for r in selectors.factor_versions(factor_id)]


@router.get("/tables", response=list[ProvenanceOut], summary="Provenance of every shipped factor table")
def table_list(request):
    return [dataclasses.asdict(p) for _name, p in sorted(selectors.factor_tables().items())]


@router.post("/factors", response={201: FactorOut}, summary="Add a new factor (administrators)")
def factor_create(request, payload: FactorIn):
    record = services.factor_add(user=request.user, data=payload.dict())
    return Status(201, _out(record))


@router.post(
    "/factors/{factor_id}/versions",
    response={201: FactorOut},
    summary="Add a corrected version (administrators)",
)
def factor_correct(request, factor_id: str, payload: FactorCorrectIn):
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason")
    record = services.factor_correct(user=request.user, factor_id=factor_id, changes=data, reason=reason)
    return Status(201, _out(record))
