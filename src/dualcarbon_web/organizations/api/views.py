"""Registry API operations: organisations, facilities, parks (list, detail, create, PATCH),
regions and industries (read-only), organisation import and export."""

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from dualcarbon_web.organizations import selectors, services
from dualcarbon_web.organizations.api.schemas import (
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    ImportOut,
    IndustryOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    ParkIn,
    ParkOut,
    ParkPatch,
    RegionOut,
)
from dualcarbon_web.organizations.jobs import facilities_import_enqueue, organizations_import_enqueue
from dualcarbon_web.platform.api.pagination import PageNumberPagination
from dualcarbon_web.platform.api.schemas import JobOut

__all__ = ("router",)

router = Router(tags=["organizations"])


class OrganizationFilters(Schema):
    q: str = ""
    kind: str = ""
    region: str = ""
    industry: str = ""
    park: int | None = None


class FacilityFilters(Schema):
    q: str = ""
    organization: int | None = None
    region: str = ""
    industry: str = ""
    park: int | None = None
    status: str = ""


def _file_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------- organisations


@router.get("/", response=list[OrganizationOut], summary="Organisations you may see (search, filters, pages)")
@paginate(PageNumberPagination)
def organization_list(request, filters: Query[OrganizationFilters]):
    return selectors.organization_list(user=request.user, **filters.dict())


@router.get("/export", summary="Export the organisations you may see as CSV or XLSX (the import format)")
def organization_export(request, filters: Query[OrganizationFilters], format: str = "csv"):
    return _file_response(*services.organizations_export(user=request.user, fmt=format, **filters.dict()))


@router.post(
    "/import",
    response={200: ImportOut, 202: JobOut},
    summary="Import organisations from CSV/XLSX; all rows or none (400 lists row, column, reason)",
)
def organization_import(
    request, file: UploadedFile = File(...), kind: str | None = Form(None), background: bool = Form(False)
):
    data = file.read()
    if background:
        job = organizations_import_enqueue(
            user=request.user, data=data, filename=file.name, kind=kind or None
        )
        return Status(202, job)
    result = services.organizations_import(
        user=request.user, data=data, filename=file.name, kind=kind or None
    )
    return Status(200, result.as_dict())


@router.get("/{int:organization_id}", response=OrganizationOut, summary="One organisation")
def organization_detail(request, organization_id: int):
    return selectors.organization_get(user=request.user, organization_id=organization_id)


@router.post("/", response={201: OrganizationOut}, summary="Register an organisation")
def organization_create(request, payload: OrganizationIn):
    org = services.organization_create(user=request.user, **payload.dict())
    return Status(201, selectors.organization_get(user=request.user, organization_id=org.pk))


@router.patch(
    "/{int:organization_id}", response=OrganizationOut, summary="Change some fields of an organisation"
)
def organization_update(request, organization_id: int, payload: OrganizationPatch):
    org = selectors.organization_get(user=request.user, organization_id=organization_id)
    services.organization_update(user=request.user, organization=org, **payload.dict(exclude_unset=True))
    return selectors.organization_get(user=request.user, organization_id=organization_id)


# --------------------------------------------------------------------------- facilities


@router.get("/facilities", response=list[FacilityOut], summary="Facilities you may see")
@paginate(PageNumberPagination)
def facility_list(request, filters: Query[FacilityFilters]):
    return selectors.facility_list(user=request.user, **filters.dict())


@router.get("/facilities/export", summary="Export the facilities you may see as CSV or XLSX")
def facility_export(request, filters: Query[FacilityFilters], format: str = "csv"):
    return _file_response(*services.facilities_export(user=request.user, fmt=format, **filters.dict()))


@router.post(
    "/facilities/import",
    response={200: ImportOut, 202: JobOut},
    summary="Import facilities from CSV/XLSX; all rows or none (400 lists row, column, reason)",
)
def facility_import(request, file: UploadedFile = File(...), background: bool = Form(False)):
    data = file.read()
    if background:
        return Status(202, facilities_import_enqueue(user=request.user, data=data, filename=file.name))
    result = services.facilities_import(user=request.user, data=data, filename=file.name)
    return Status(200, result.as_dict())


@router.get("/facilities/{int:facility_id}", response=FacilityOut, summary="One facility")
def facility_detail(request, facility_id: int):
    return selectors.facility_get(user=request.user, facility_id=facility_id)


@router.post("/facilities", response={201: FacilityOut}, summary="Add a facility to an organisation")
def facility_create(request, payload: FacilityIn):
    data = payload.dict()
    org = selectors.organization_get(user=request.user, organization_id=data.pop("organization_id"))
    facility = services.facility_create(user=request.user, organization=org, **data)
    return Status(201, selectors.facility_get(user=request.user, facility_id=facility.pk))


@router.patch(
    "/facilities/{int:facility_id}", response=FacilityOut, summary="Change some fields of a facility"
)
def facility_update(request, facility_id: int, payload: FacilityPatch):
    facility = selectors.facility_get(user=request.user, facility_id=facility_id)
    services.facility_update(user=request.user, facility=facility, **payload.dict(exclude_unset=True))
    return selectors.facility_get(user=request.user, facility_id=facility_id)


# --------------------------------------------------------------------------- parks


@router.get("/parks", response=list[ParkOut], summary="Industrial parks")
@paginate(PageNumberPagination)
def park_list(request, q: str = "", region: str = ""):
    return selectors.park_list(user=request.user, q=q, region=region)


@router.get("/parks/{int:park_id}", response=ParkOut, summary="One industrial park")
def park_detail(request, park_id: int):
    return selectors.park_get(user=request.user, park_id=park_id)


@router.post("/parks", response={201: ParkOut}, summary="Register an industrial park")
def park_create(request, payload: ParkIn):
    park = services.park_create(user=request.user, **payload.dict())
    return Status(201, selectors.park_get(user=request.user, park_id=park.pk))


@router.patch("/parks/{int:park_id}", response=ParkOut, summary="Change some fields of a park")
def park_update(request, park_id: int, payload: ParkPatch):
    park = selectors.park_get(user=request.user, park_id=park_id)
    services.park_update(user=request.user, park=park, **payload.dict(exclude_unset=True))
    return selectors.park_get(user=request.user, park_id=park_id)


# --------------------------------------------------------------------------- reference data


@router.get("/regions", response=list[RegionOut], summary="GB/T 2260 divisions (provinces and prefectures)")
@paginate(PageNumberPagination)
def region_list(request, q: str = "", level: str = "", parent: str = ""):
    return selectors.region_list(q=q, level=level, parent=parent)


@router.get("/industries", response=list[IndustryOut], summary="GB/T 4754-2017 industries")
@paginate(PageNumberPagination)
def industry_list(request, q: str = "", level: str = "", parent: str = ""):
    return selectors.industry_list(q=q, level=level, parent=parent)
