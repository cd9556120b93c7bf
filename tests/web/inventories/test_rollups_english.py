"""The roll-up page in English: cities and industries by their English names, the same queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dualcarbon_web.inventories.rollups import jurisdiction_rollup
from dualcarbon_web.inventories.services import inventory_calculate


def _page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/accounting/rollup/?year=2022")
    assert resp.status_code == 200
    return resp.content.decode(), len(ctx.captured_queries)


@pytest.fixture
def calculated(demo, worked):
    inventory_calculate(user=demo.enterprise1, inventory=worked)
    return worked


def test_rollup_page_names_cities_and_industries_in_the_chosen_language(demo, calculated, login):
    client = login(demo.regulator)
    zh_html, zh_queries = _page(client)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en_html, en_queries = _page(client)
    assert en_queries == zh_queries
    chinese = ["湛江市", "44 电力、热力生产和供应业", 'data-testid="rollup-jurisdiction">广东省<']
    english = ["Zhanjiang", "44 Production and supply of electricity and heat"]
    english += ['data-testid="rollup-jurisdiction">Guangdong<']
    assert all(s in zh_html for s in chinese) and not any(s in zh_html for s in english)
    assert all(s in en_html for s in english) and not any(s in en_html for s in chinese)


def test_an_administrators_rollup_is_of_all_regions(demo, calculated):
    with translation.override("en"):
        data = jurisdiction_rollup(user=demo.admin, year=2022)
    assert data.jurisdiction == "All regions" and data.by_city[0]["name"] == "Zhanjiang"
    with translation.override("zh-hans"):
        assert jurisdiction_rollup(user=demo.admin, year=2022).jurisdiction == "全部"
