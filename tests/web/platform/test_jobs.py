"""Background jobs: queued through django-tasks, progress visible in the UI and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from dualcarbon_web.platform.choices import JobStatusChoices, RoleChoices
from dualcarbon_web.platform.jobs import JOB_HANDLERS, job_enqueue, job_handler
from dualcarbon_web.platform.models import Job
from dualcarbon_web.platform.services import token_create, user_create

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def users(db):
    a = user_create(actor=None, username="ana", password=PASSWORD, role=RoleChoices.ANALYST)
    b = user_create(actor=None, username="bob", password=PASSWORD, role=RoleChoices.ANALYST)
    return a, b


@pytest.fixture
def sum_job():
    @job_handler("test.sum_squares")
    def _run(job, progress):
        n = int(job.params["n"])
        total = 0
        for i in range(n):
            total += i * i
            progress(i + 1, n, f"{i + 1} of {n}")
        return {"sum": total}

    @job_handler("test.explode")
    def _boom(job, progress):
        progress(1, 4)
        raise ZeroDivisionError("the handler divided by zero")

    yield
    JOB_HANDLERS.pop("test.sum_squares", None)
    JOB_HANDLERS.pop("test.explode", None)


def test_job_runs_to_completion_with_result_and_progress(users, sum_job):
    job = job_enqueue(kind="test.sum_squares", title="squares", user=users[0], params={"n": 10})
    job.refresh_from_db()
    assert job.status == JobStatusChoices.SUCCEEDED
    assert job.result == {"sum": sum(i * i for i in range(10))}
    assert job.progress_done == job.progress_total == 10
    assert job.percent == 100.0
    assert job.task_result_id


def test_failing_job_is_marked_failed_with_the_reason(users, sum_job):
    job = job_enqueue(kind="test.explode", title="boom", user=users[0])
    job.refresh_from_db()
    assert job.status == JobStatusChoices.FAILED
    assert "ZeroDivisionError" in job.message and "divided by zero" in job.error


def test_unknown_job_kind_is_refused(users):
    with pytest.raises(ValueError, match="unknown job kind"):
        job_enqueue(kind="nope", title="x", user=users[0])
    assert Job.objects.count() == 0


def test_job_progress_over_api_and_ui_is_private_to_its_owner(users, sum_job, client):
    job = job_enqueue(kind="test.sum_squares", title="squares", user=users[0], params={"n": 3})
    _t, secret = token_create(user=users[0], name="s")
    body = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"/api/v1/platform/jobs/{job.pk}").json()
    assert body["status"] == "succeeded" and body["percent"] == 100.0 and body["result"] == {"sum": 5}
    listed = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/platform/jobs").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == str(job.pk)
    _t, other = token_create(user=users[1], name="s")
    resp = Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"/api/v1/platform/jobs/{job.pk}")
    assert resp.status_code == 404
    client.force_login(users[1])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.force_login(users[0])
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="succeeded"' in html


def test_running_job_page_polls_with_htmx(users, sum_job, client):
    job = Job.objects.create(
        kind="test.sum_squares",
        title="t",
        owner=users[0],
        status=JobStatusChoices.RUNNING,
        progress_done=3,
        progress_total=12,
    )
    client.force_login(users[0])
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and "25%" in html
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<section")


@pytest.mark.django_db(transaction=True)
def test_database_queue_and_worker_run_the_job(settings, sum_job):
    """The production path: the job waits in the database queue until a worker process takes it."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = user_create(actor=None, username="wk", password=PASSWORD, role=RoleChoices.ANALYST)
    job = job_enqueue(kind="test.sum_squares", title="queued", user=user, params={"n": 4})
    job.refresh_from_db()
    assert job.status == JobStatusChoices.QUEUED
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatusChoices.SUCCEEDED and job.result == {"sum": 14}
