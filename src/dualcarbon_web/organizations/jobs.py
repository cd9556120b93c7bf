"""Background job kinds of the registry: large organisation and facility imports, with progress."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dualcarbon.errors import InputError
from dualcarbon_web.platform.jobs import job_enqueue, job_handler
from dualcarbon_web.platform.models import Job, User

__all__ = (
    "FACILITY_IMPORT_JOB_KIND",
    "IMPORT_JOB_KIND",
    "facilities_import_enqueue",
    "organizations_import_enqueue",
)

IMPORT_JOB_KIND = "organizations.import"
FACILITY_IMPORT_JOB_KIND = "organizations.facilities_import"


def _enqueue(*, kind: str, title: str, user, data: bytes, filename: str, params: dict) -> Job:
    path = default_storage.save(f"imports/organizations/{filename or 'upload'}", ContentFile(data))
    return job_enqueue(
        kind=kind,
        title=f"{title} {filename}"[:200],
        user=user,
        params={"path": path, "filename": filename, **params},
        organization=getattr(user, "organization", None),
    )


def organizations_import_enqueue(*, user, data: bytes, filename: str, kind: str | None = None) -> Job:
    """Keep the upload in the media store and queue an organisation import of it."""
    return _enqueue(
        kind=IMPORT_JOB_KIND,
        title="导入组织机构",
        user=user,
        data=data,
        filename=filename,
        params={"kind": kind or ""},
    )


def facilities_import_enqueue(*, user, data: bytes, filename: str) -> Job:
    """Keep the upload in the media store and queue a facility import of it."""
    return _enqueue(
        kind=FACILITY_IMPORT_JOB_KIND, title="导入设施", user=user, data=data, filename=filename, params={}
    )


def _run(job: Job, progress, importer, **kwargs) -> dict:
    from dualcarbon_web.organizations.services import ImportRejected

    params = job.params
    user = User.objects.select_related("organization", "organization__jurisdiction").get(pk=job.owner_id)
    with default_storage.open(params["path"], "rb") as fh:
        data = fh.read()
    try:
        result = importer(user=user, data=data, filename=params["filename"], progress=progress, **kwargs)
    except ImportRejected as exc:
        lines = [f"row {p['row']}, column {p['column']!r}: {p['reason']}" for p in exc.rows[:100]]
        more = f"\n… and {len(exc.rows) - 100} more" if len(exc.rows) > 100 else ""
        raise InputError(exc.message + "\n" + "\n".join(lines) + more, source=params["filename"]) from exc
    finally:
        default_storage.delete(params["path"])
    return result.as_dict()


@job_handler(IMPORT_JOB_KIND, title="导入组织机构")
def _run_organizations_import(job: Job, progress) -> dict:
    from dualcarbon_web.organizations.services import organizations_import

    return _run(job, progress, organizations_import, kind=job.params.get("kind") or None)


@job_handler(FACILITY_IMPORT_JOB_KIND, title="导入设施")
def _run_facilities_import(job: Job, progress) -> dict:
    from dualcarbon_web.organizations.services import facilities_import

    return _run(job, progress, facilities_import)
