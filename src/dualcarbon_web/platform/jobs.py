"""Background jobs with progress.

A job kind is a function registered with :func:`job_handler`; it receives the :class:`Job` row and
a ``progress(done, total, message="")`` callback, and returns a JSON-serialisable result.
:func:`job_enqueue` stores the Job row and hands its id to the django-tasks queue (database
backend: the embedded worker thread of ``dualcarbon serve``, or ``dualcarbon worker`` processes on
any number of machines sharing the PostgreSQL database). UI and API read progress from the row.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from django_tasks import task

from dualcarbon.errors import DualCarbonError
from dualcarbon_web.platform.audit import audit_record
from dualcarbon_web.platform.choices import AuditActionChoices, JobStatusChoices
from dualcarbon_web.platform.errors import ValidationFailed
from dualcarbon_web.platform.models import Job

__all__ = ("JOB_HANDLERS", "JOB_TITLES", "job_enqueue", "job_handler", "job_title_display", "run_job")

logger = logging.getLogger(__name__)

Progress = Callable[..., None]
JOB_HANDLERS: dict[str, Callable[[Job, Progress], Any]] = {}
#: Per kind: the title's leading words as stored (a msgid in 简体中文, context "job title") and
#: terms that may follow in it between " · " (msgids without context, e.g. 全企业 in an
#: inventory's name), translated when the title is shown.
JOB_TITLES: dict[str, tuple[str, tuple[str, ...]]] = {}


def job_handler(kind: str, *, title: str | None = None, terms: tuple[str, ...] = ()):
    """Register the function that runs jobs of ``kind``.

    ``title`` is the msgid (context ``"job title"``) that stored titles of this kind begin with;
    titles are stored in Chinese and :func:`job_title_display` shows them in the reader's language,
    so jobs created before a language switch read right too.
    """

    def decorator(func):
        if kind in JOB_HANDLERS and JOB_HANDLERS[kind] is not func:
            raise RuntimeError(f"job kind {kind!r} is registered twice")
        JOB_HANDLERS[kind] = func
        if title:
            JOB_TITLES[kind] = (title, tuple(terms))
        return func

    return decorator


def job_title_display(kind: str, title: str) -> str:
    """A stored job title in the active language: its kind's leading words and known terms
    translated, the rest (names of files, inventories, runs) as stored."""
    spec = JOB_TITLES.get(kind)
    if spec is None:
        return title
    msgid, terms = spec
    if title.startswith(msgid):
        title = pgettext("job title", msgid) + title[len(msgid) :]
    for term in terms:  # a term may have been stored in the language of the user who queued the job
        shown = gettext(term)
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                stored = gettext(term)
            if stored != shown:
                title = title.replace(f" · {stored} · ", f" · {shown} · ")
    return title


def _nul_paths(value: Any, path: str) -> list[str]:
    """Dotted paths of the strings (keys included) in ``value`` that contain a NUL character."""
    if isinstance(value, str):
        return [path or "value"] if "\x00" in value else []
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                out.append(where)
            out += _nul_paths(item, where)
        return out
    if isinstance(value, (list, tuple)):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}[{i}]")]
    return []


def job_enqueue(*, kind: str, title: str, user, params: dict | None = None, organization=None) -> Job:
    """Create a job row and queue it. The queue entry is written after the row is committed.

    Raises :class:`ValidationFailed` (400 in the API) when the title or a parameter contains a NUL
    character: PostgreSQL cannot store U+0000 in text or jsonb, so such a job would otherwise fail
    with a server error (found by the schemathesis run: ``POST /api/v1/organizations/import`` with
    ``background=true`` and a ``kind`` of one U+0000 character)."""
    if kind not in JOB_HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}; known: {sorted(JOB_HANDLERS)}")
    bad = (["title"] if "\x00" in title else []) + _nul_paths(params or {}, "")
    if bad:
        raise ValidationFailed(
            "Text may not contain NUL characters (U+0000); remove them and try again.",
            extra={"fields": {p: ["contains a NUL character (U+0000)"] for p in bad}},
        )
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:200],
            owner=user if getattr(user, "is_authenticated", False) else None,
            organization=organization,
            params=params or {},
        )
        audit_record(
            user=user,
            action=AuditActionChoices.JOB,
            instance=job,
            after={"kind": kind, "params": params or {}},
        )
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk, task_result_id="").update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


def _progress_callback(job: Job) -> Progress:
    last = {"at": 0.0}

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        now = timezone.now().timestamp()
        final = total is not None and done >= total
        if not final and now - last["at"] < 0.25:
            return
        last["at"] = now
        fields: dict[str, Any] = {"progress_done": int(done)}
        if total is not None:
            fields["progress_total"] = int(total)
        if message:
            fields["message"] = message[:300]
        Job.objects.filter(pk=job.pk).update(**fields)

    return progress


@task()
def run_job(job_id: str) -> None:
    """The one queued task: run the registered handler of the job's kind and record the outcome."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatusChoices.QUEUED:
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatusChoices.RUNNING, started=timezone.now())
    handler = JOB_HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise RuntimeError(f"no handler registered for job kind {job.kind!r}")
        result = handler(job, _progress_callback(job))
    except DualCarbonError as exc:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatusChoices.FAILED, error=str(exc), finished=timezone.now(), message=str(exc)[:300]
        )
        return
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatusChoices.FAILED,
            error="".join(traceback.format_exception(exc))[-5000:],
            finished=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:300],
        )
        return
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatusChoices.SUCCEEDED,
        result=result,
        finished=timezone.now(),
        progress_done=max(job.progress_done, job.progress_total),
    )
