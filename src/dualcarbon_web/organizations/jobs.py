"""Background job kinds of the registry: a large organisation import, with progress."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dualcarbon.errors import InputError
from dualcarbon_web.platform.jobs import job_enqueue, job_handler
from dualcarbon_web.platform.models import Job, User

__all__ = ("IMPORT_JOB_KIND", "organizations_import_enqueue")

IMPORT_JOB_KIND = "organizations.import"


def organizations_import_enqueue(*, user, data: bytes, filename: str, kind: str | None = None) -> Job:
    """Keep the upload in the media store and queue :func:`_run_import` on it."""
    path = default_storage.save(f"imports/organizations/{filename or 'upload'}", ContentFile(data))
    return job_enqueue(
        kind=IMPORT_JOB_KIND,
        title=f"导入组织机构 {filename}"[:200],
        user=user,
        params={"path": path, "filename": filename, "kind": kind or ""},
        organization=getattr(user, "organization", None),
    )


@job_handler(IMPORT_JOB_KIND)
def _run_import(job: Job, progress) -> dict:
    from dualcarbon_web.organizations.services import ImportRejected, organizations_import

    params = job.params
    user = User.objects.select_related("organization", "organization__jurisdiction").get(pk=job.owner_id)
    with default_storage.open(params["path"], "rb") as fh:
        data = fh.read()
    try:
        result = organizations_import(
            user=user,
            data=data,
            filename=params["filename"],
            kind=params.get("kind") or None,
            progress=progress,
        )
    except ImportRejected as exc:
        lines = [f"row {p['row']}, column {p['column']!r}: {p['reason']}" for p in exc.rows[:100]]
        more = f"\n… and {len(exc.rows) - 100} more" if len(exc.rows) > 100 else ""
        raise InputError(exc.message + "\n" + "\n".join(lines) + more, source=params["filename"]) from exc
    finally:
        default_storage.delete(params["path"])
    return result.as_dict()
