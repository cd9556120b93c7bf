"""The roll-up page in English: cities and industries by their English names, the same queries."""

from __future__ import annotations

import json
import re

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
    worked.refresh_from_db()
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


def test_run_pages_in_english_name_categories_and_count_lines(demo, calculated, login):
    client = login(demo.enterprise1)
    run_id = calculated.latest_run_id
    zh = client.get(f"/accounting/runs/{run_id}/print/").content.decode()
    assert "化石燃料燃烧" in zh and "<th>设施</th>" in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en = client.get(f"/accounting/runs/{run_id}/print/").content.decode()
    assert "Fossil fuel combustion" in en and "Net purchased electricity" in en and "化石燃料燃烧" not in en
    assert "<th>Facility</th>" in en and "<th>Row</th>" in en
    detail = client.get(f"/accounting/runs/{run_id}/").content.decode()
    assert " 2 lines · " in detail and '<th class="num">Row</th>' in detail
    # the by-category table and chart of the run page name the categories too (key kept beside)
    assert '<th>Fossil fuel combustion <small class="muted mono">combustion</small></th>' in detail
    script = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', detail, re.S)
    chart = json.loads(json.loads(script.group(1)))  # json_script of the view's JSON text
    assert chart["category"]["x"][0] == "Fossil fuel combustion"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    detail_zh = client.get(f"/accounting/runs/{run_id}/").content.decode()
    assert '<th>化石燃料燃烧 <small class="muted mono">combustion</small></th>' in detail_zh


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_category_names_follow_the_language(language):
    from dualcarbon_web.inventories.reports import CATEGORY_NAMES

    with translation.override(language):
        names = [str(v) for v in CATEGORY_NAMES.values()]
    has_cjk = [any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names]
    assert all(has_cjk) if language == "zh-hans" else not any(has_cjk)


def test_accounting_job_titles_read_in_english():
    from dualcarbon_web.platform.jobs import job_title_display

    title = "排放核算 湛江湾火力发电有限公司（示例） · 全企业 · 2022"
    with translation.override("en"):
        assert job_title_display("inventories.calculate", title) == (
            "Emission calculation 湛江湾火力发电有限公司（示例） · Whole enterprise · 2022"
        )
        assert job_title_display("inventories.monte_carlo", "蒙特卡洛不确定性分析 #1 x").startswith(
            "Monte Carlo uncertainty analysis #1"
        )


@pytest.mark.parametrize(
    ("note", "zh", "en"),
    [
        (
            "9 factor(s) used are transcribed-unverified: not yet checked against the official document "
            "(see factors_used and the factor database)",
            "所用因子中有 9 个为“转录未核对”",
            "9 factor(s) used are transcribed-unverified: not yet checked against the official document (see the",
        ),
        (
            "2 entities have an Approach 1 uncertainty above 60 %, where Approach 1 is not valid: use --monte-carlo",
            "2 个排放单元的方法1不确定性超过 60%",
            "2 emission entit(ies) have an Approach 1 uncertainty above 60%, where Approach 1 is not valid",
        ),
        ("some other engine flag", "some other engine flag", "some other engine flag"),
    ],
)
def test_engine_notes_are_shown_in_the_reader_language(note, zh, en):
    from dualcarbon_web.inventories.reports import note_display

    with translation.override("zh-hans"):
        assert note_display(note).startswith(zh)
    with translation.override("en"):
        assert note_display(note).startswith(en)
