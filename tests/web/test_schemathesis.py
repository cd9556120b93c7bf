"""Property-based fuzzing of the REST API from its own OpenAPI 3 schema (schemathesis 4).

The schema is read from ``/api/v1/openapi.json`` of the WSGI application, and for every operation
schemathesis generates requests from the declared parameters and bodies; they are sent through WSGI
(no network) with a bearer token of a demo administrator and of a demo enterprise member, on the
demo province. For valid requests ("positive" cases) each response must not be a server error (5xx)
and must conform to the schema the operation declares (content type and body of every documented
status); for invalid ones ("negative" cases: wrong types, missing fields, values out of range) the
response must not be a server error.

Bounded and reproducible: ``MAX_EXAMPLES`` positive and ``NEGATIVE_EXAMPLES`` negative cases per
operation and user (environment variables ``DUALCARBON_SCHEMATHESIS_EXAMPLES`` and
``DUALCARBON_SCHEMATHESIS_NEGATIVE_EXAMPLES`` raise them for a deeper hunt), Hypothesis derandomised
(the same cases on every run) and without its example database. Server-side tracebacks of any 5xx are
caught from Django's ``got_request_exception`` signal and put into the failure message.
"""

from __future__ import annotations

import os
import traceback

import pytest
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")

from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("DUALCARBON_SCHEMATHESIS_EXAMPLES", "8"))
# Invalid requests (wrong types, missing fields, out-of-range values): they must be refused with a
# 4xx in the error shape, never a 5xx. Fewer cases: their only check is "not a server error".
NEGATIVE_EXAMPLES = int(
    os.environ.get("DUALCARBON_SCHEMATHESIS_NEGATIVE_EXAMPLES", str(max(1, MAX_EXAMPLES // 2)))
)
# ``status_code_conformance`` is left out: the operations declare only their success status, while
# every operation can also answer the documented error shape with 400/401/403/404/422.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
if os.environ.get("DUALCARBON_SCHEMATHESIS_STATUS_CODES") == "1":
    CHECKS.append(status_code_conformance)
HYPOTHESIS = settings(
    max_examples=max(1, MAX_EXAMPLES),
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, sharing the test's database connection and transaction.

    Like Django's test client, the handler must not close the connection at the end of each request
    (it would roll back the test transaction that holds the demo data)."""
    from django.core.handlers.wsgi import WSGIHandler

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def server_tracebacks():
    """Tracebacks of exceptions raised inside views while the fuzzer runs."""
    seen: list[str] = []

    def _record(sender, request=None, **kwargs):
        where = f"{request.method} {request.get_full_path()}" if request is not None else "?"
        seen.append(f"{where}\n{traceback.format_exc()}")

    got_request_exception.connect(_record, weak=False)
    try:
        yield seen
    finally:
        got_request_exception.disconnect(_record)


def _fuzzer(operation, mode, checks, examples, auth, before_each):
    """A Hypothesis test that sends ``examples`` generated cases of ``operation`` and checks them."""

    @settings(HYPOTHESIS, max_examples=examples)
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        before_each()
        case.call_and_validate(headers=auth, checks=checks)

    return fuzz


def _operations(schema):
    ops = []
    for result in schema.get_all_operations():
        ops.append(result.ok())
    return ops


@pytest.mark.parametrize("username", ["admin", "enterprise1"])
def test_api_has_no_server_error_and_conforms_to_its_schema(username, demo, wsgi_app, server_tracebacks):
    from dualcarbon_web.platform.models import ApiToken, User
    from dualcarbon_web.platform.services import token_create

    user = demo.users[username]
    token, secret = token_create(user=user, name=f"schemathesis {username}")
    auth = {"Authorization": f"Bearer {secret}"}
    snapshot = User.objects.filter(pk=user.pk).values("role", "is_active", "organization_id").get()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = _operations(schema)
    assert len(operations) >= 5, [op.label for op in operations]

    def restore_identity():
        # A fuzzed call may legitimately revoke the caller's own token or change the caller's role
        # (an administrator editing users); put them back so every case runs as ``username``.
        ApiToken.objects.filter(pk=token.pk).update(revoked=None)
        User.objects.filter(pk=user.pk).update(**snapshot)

    failures: list[str] = []
    plans = [
        (GenerationMode.POSITIVE, CHECKS, MAX_EXAMPLES),
        (GenerationMode.NEGATIVE, [not_a_server_error], NEGATIVE_EXAMPLES),
    ]
    for operation in operations:
        for mode, checks, examples in plans:
            if examples <= 0:
                continue

            fuzz = _fuzzer(operation, mode, checks, examples, auth, restore_identity)
            del server_tracebacks[:]
            try:
                fuzz()
            except Unsatisfiable:
                # An operation without parameters or body (e.g. GET /api/v1/ledger/checkpoint) has no
                # invalid request to make; that is not a failure.
                if mode != GenerationMode.NEGATIVE:
                    raise
            # schemathesis' FailureGroup is a BaseExceptionGroup, not an Exception
            except (Exception, BaseExceptionGroup) as exc:
                detail = f"{operation.label} as {username} ({mode.value} cases):\n{exc}"
                if server_tracebacks:
                    detail += "\nserver traceback:\n" + server_tracebacks[-1]
                failures.append(detail)

    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)


def test_page_number_beyond_the_bound_is_a_validation_error_not_a_server_error(demo, token_client):
    """Regression: schemathesis found ``GET /api/v1/platform/users?page=833978598633319936`` → 500
    (the SQL OFFSET overflowed a 64-bit integer: SQLite "datatype mismatch", PostgreSQL "bigint out
    of range"). The page number is now bounded and answers 400 in the one error shape."""
    from dualcarbon_web.platform.api.pagination import MAX_PAGE

    client = token_client(demo.admin)
    for path in ("/api/v1/platform/users", "/api/v1/platform/jobs"):
        resp = client.get(path, {"page": 833978598633319936, "page_size": 150})
        assert resp.status_code == 400, (path, resp.status_code)
        body = resp.json()
        assert body["code"] == "validation_error" and "page" in body["extra"]["fields"]
        assert client.get(path, {"page": MAX_PAGE}).status_code == 200


def test_nul_character_in_a_background_job_parameter_is_a_validation_error(demo, token_client):
    """Regression: schemathesis found ``POST /api/v1/organizations/import`` with ``background=true`` and
    ``kind="\\x00"`` → 500 on PostgreSQL (jsonb cannot hold U+0000: "unsupported Unicode escape
    sequence"). ``job_enqueue`` now refuses NUL characters in a job's title and parameters with a 400
    in the one error shape, on every database."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dualcarbon_web.platform.models import Job

    client = token_client(demo.admin)
    before = Job.objects.count()
    upload = SimpleUploadedFile("orgs.csv", b"kind,name,uscc,region\n", content_type="text/csv")
    resp = client.post("/api/v1/organizations/import", {"file": upload, "kind": "\x00", "background": "true"})
    assert resp.status_code == 400, resp.content[:300]
    body = resp.json()
    assert body["code"] == "validation_error" and body["extra"]["fields"], body
    assert Job.objects.count() == before


def test_nul_character_in_a_platform_filter_is_a_validation_error_not_a_server_error(
    demo, token_client, client
):
    """Regression: schemathesis (PostgreSQL) found ``GET /api/v1/platform/users?q=...%00...`` and
    ``GET /api/v1/platform/audit?username=...%00...`` → 500 ("PostgreSQL text fields cannot contain NUL
    (0x00) bytes"). The platform now refuses NUL in any query parameter or form field at the door
    (``platform.middleware.RefuseNulMiddleware``): 400 naming the field, on every database."""
    api = token_client(demo.admin)
    for path, params, field in (
        ("/api/v1/platform/users", {"q": "ad\x00min"}, "q"),
        ("/api/v1/platform/users", {"role": "admin\x00"}, "role"),
        (
            "/api/v1/platform/audit",
            {"username": "ad\x00min", "object_type": "x", "action": "login"},
            "username",
        ),
    ):
        resp = api.get(path, params)
        assert resp.status_code == 400, (path, params, resp.status_code)
        assert list(resp.json()["extra"]["fields"]) == [field]
    client.force_login(demo.admin)
    for path, params in (("/users/", {"q": "ad\x00min"}), ("/audit/", {"username": "ad\x00min"})):
        assert client.get(path, params).status_code == 400, path
