"""Pinned SQL query counts of the run list page and the API lists: an N+1 regression fails here.

Each list is measured with one run (or set) and with several; the count must be the same both times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dualcarbon_web.inversion.models import InversionRun, ObservationSet
from dualcarbon_web.platform.models import Job


def _grow(osse, user, n):
    """``n`` more runs on ``osse``: alternately queued and finished (no solve needed for a list)."""
    for i in range(n):
        job = Job.objects.create(kind="inversion.run", title=f"r{i}", owner=user)
        InversionRun.objects.create(
            name=f"run {i}",
            region=osse.region,
            year=2023,
            observation_set=osse,
            job=job,
            created_by=user,
            **(
                {
                    "finished": "2026-01-01T00:00:00Z",
                    "prior_total_t": 1.0,
                    "posterior_total_t": 2.0,
                    "posterior_total_sd_t": 0.1,
                    "dofs": 1.0,
                    "n_flagged": 0,
                }
                if i % 2
                else {}
            ),
        )
        ObservationSet.objects.create(
            name=f"set {i}", region=osse.region, n_obs=1, data={}, met={}, created_by=user
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "username", "pinned"),
    [
        ("/inversion/", "admin", 4),
        ("/inversion/", "regulator", 6),
        ("/inversion/observations/", "admin", 4),
        ("/inversion/observations/", "regulator", 6),
    ],
)
def test_list_page_query_count_is_pinned(province, osse, login, url, username, pinned):
    client = login(province.users[username])
    _grow(osse, province.regulator, 1)
    few = _count(client, url)
    _grow(osse, province.regulator, 8)
    many = _count(client, url)
    assert (few, many) == (pinned, pinned)


@pytest.mark.parametrize(
    ("url", "pinned"), [("/api/v1/inversion/runs", 3), ("/api/v1/inversion/observation-sets", 3)]
)
def test_api_list_query_count_is_pinned(province, osse, token_client, url, pinned):
    api = token_client(province.regulator)
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    _grow(osse, province.regulator, 1)
    few = _count(api, url)
    _grow(osse, province.regulator, 8)
    many = _count(api, url + "?page_size=100")
    assert (few, many) == (pinned, pinned)
