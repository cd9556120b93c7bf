"""Pinned SQL query counts of the platform's list pages and endpoints: an N+1 regression fails here.

Each list is measured with a few rows and with many; the count must be the same number both times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dualcarbon_web.platform.audit import audit_record
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.models import Job, User
from dualcarbon_web.platform.services import token_create, user_create

PASSWORD = "correct-horse-battery-9"


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


def _grow(admin: User, n: int) -> None:
    for i in range(n):
        u = User.objects.create(username=f"bulk{i}-{User.objects.count()}", role=RoleChoices.ANALYST)
        Job.objects.create(kind="k", title=f"job {i}", owner=admin)
        audit_record(
            user=admin, action=AuditActionChoices.UPDATE, instance=u, before={"a": 1}, after={"a": 2}
        )


@pytest.fixture
def admin(db):
    return user_create(actor=None, username="root", password=PASSWORD, role=RoleChoices.ADMIN)


@pytest.mark.parametrize(
    ("url", "pinned"),
    [("/jobs/", 4), ("/audit/", 4), ("/users/", 4), ("/", 15)],  # "/": +1 for achievements awaiting review
)
def test_ui_list_query_counts_are_pinned(client, admin, url, pinned):
    client.force_login(admin)
    _grow(admin, 2)
    few = _count(client, url)
    _grow(admin, 30)
    many = _count(client, url)
    assert few == many == pinned


@pytest.mark.parametrize(
    ("url", "pinned"),
    [("/api/v1/platform/jobs", 3), ("/api/v1/platform/audit", 3), ("/api/v1/platform/users", 3)],
)
def test_api_list_query_counts_are_pinned(admin, url, pinned):
    _t, secret = token_create(user=admin, name="s")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    _grow(admin, 2)
    few = _count(api, url)
    _grow(admin, 30)
    many = _count(api, url)
    assert few == many == pinned
