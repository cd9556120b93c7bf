"""Pinned SQL query counts of every registry list page and API list: an N+1 regression fails here.

Each list is measured with the demo province and again after 40 more organisations, each with a
facility, in a park; the count must be the pinned number both times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dualcarbon_web.organizations.demo import demo_uscc
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region


def _grow(n: int = 40) -> None:
    region = Region.objects.get(code="440600")
    industry = Industry.objects.get(code="3011")
    park = Park.objects.create(name=f"扩容园区{Park.objects.count()}（示例）", region=region)
    for i in range(n):
        org = Organization.objects.create(
            kind="enterprise",
            name=f"批量企业{i}（示例）",
            uscc=demo_uscc("91", "440600", 5000 + Organization.objects.count()),
            region=region,
            industry=industry,
            park=park,
        )
        Facility.objects.create(organization=org, name="窑", industry=industry, region=region, park=park)
        Park.objects.create(name=f"园区{i}-{Park.objects.count()}（示例）", region=region)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


# (url, {role: queries}). A regulator's page costs one more query than an administrator's: its
# organisation (and jurisdiction) are read for the visibility filter and the header.
UI_PINNED = [
    ("/registry/organizations/", {"admin": 7, "regulator": 9}),
    ("/registry/organizations/?kind=enterprise&region=440000&industry=C", {"admin": 7, "regulator": 9}),
    ("/registry/facilities/", {"admin": 6, "regulator": 8}),
    ("/registry/parks/", {"admin": 4, "regulator": 5}),
]
API_PINNED = [
    ("/api/v1/organizations/", 3),
    ("/api/v1/organizations/?industry=30&region=440600", 3),
    ("/api/v1/organizations/facilities", 3),
    ("/api/v1/organizations/parks", 3),
    ("/api/v1/organizations/regions", 3),
    ("/api/v1/organizations/industries", 3),
]


@pytest.mark.parametrize("username", ["admin", "regulator"])
@pytest.mark.parametrize(("url", "pinned"), UI_PINNED)
def test_ui_list_query_counts_are_pinned(demo, login, username, url, pinned) -> None:
    client = login(demo.users[username])
    few = _count(client, url)
    _grow()
    many = _count(client, url)
    assert few == many == pinned[username]


@pytest.mark.parametrize("username", ["admin", "regulator"])
@pytest.mark.parametrize(("url", "pinned"), API_PINNED)
def test_api_list_query_counts_are_pinned(demo, token_client, username, url, pinned) -> None:
    api = token_client(demo.users[username])
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    few = _count(api, url)
    _grow()
    many = _count(api, url)
    assert few == many == pinned
