"""Pinned SQL query counts of the inventory list page and API list: an N+1 regression fails here.

Each list is measured with a few inventories and with many; the count must be the same both times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create


def _grow(demo, years):
    for org in demo.orgs["enterprises"]:
        for year in years:
            facility = org.facilities.order_by("pk").first()
            inv = inventory_create(user=demo.admin, facility=facility, year=year)
            activity_line_add(
                user=demo.admin,
                inventory=inv,
                data={"category": "direct_gas", "item": "CH4", "quantity": 1, "unit": "t"},
            )
            if year % 2:
                inventory_calculate(user=demo.admin, inventory=inv)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("username", "pinned"), [("admin", 4), ("regulator", 6), ("enterprise1", 5)])
def test_inventory_list_page_query_count_is_pinned(demo, login, username, pinned):
    client = login(demo.users[username])
    _grow(demo, [2019])
    few = _count(client, "/accounting/")
    _grow(demo, range(2015, 2019))
    many = _count(client, "/accounting/")
    assert (few, many) == (pinned, pinned)


@pytest.mark.parametrize(("username", "pinned"), [("admin", 3), ("regulator", 3), ("enterprise1", 3)])
def test_inventory_api_list_query_count_is_pinned(demo, token_client, username, pinned):
    api = token_client(demo.users[username])
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    _grow(demo, [2019])
    few = _count(api, "/api/v1/inventories/inventories")
    _grow(demo, range(2015, 2019))
    many = _count(api, "/api/v1/inventories/inventories?page_size=100")
    assert (few, many) == (pinned, pinned)
