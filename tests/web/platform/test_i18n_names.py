"""English pages show the English names of regions (GB/T 2260) and industries (GB/T 4754-2017), job
titles and labels; Chinese pages keep the Chinese ones. Neither adds a query."""

from __future__ import annotations

import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dualcarbon_web.organizations.models import Facility, Industry, Region
from dualcarbon_web.platform.i18n import localized_name
from dualcarbon_web.platform.jobs import JOB_TITLES, job_title_display
from dualcarbon_web.platform.models import Job


def _english(client):
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    return client


def _chart(html: str) -> dict:
    raw = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(json.loads(raw))


def _get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode(), len(ctx.captured_queries)


def test_localized_name_follows_the_active_language_and_falls_back_to_chinese():
    with translation.override("en"):
        assert localized_name("湛江市", "Zhanjiang") == "Zhanjiang"
        assert localized_name("湛江市", "") == "湛江市"
    with translation.override("zh-hans"):
        assert localized_name("湛江市", "Zhanjiang") == "湛江市"
    region = Region(code="440800", name="湛江市", name_en="Zhanjiang", level="prefecture")
    industry = Industry(code="4411", name="火力发电", name_en="", level="class")
    with translation.override("en"):
        assert region.display_name == "Zhanjiang" and industry.label == "4411 火力发电"


def test_regulator_dashboard_charts_name_regions_and_industries_in_the_chosen_language(demo, login):
    client = login(demo.regulator)
    zh_html, zh_queries = _get(client, "/")
    en_html, en_queries = _get(_english(client), "/")
    assert en_queries == zh_queries  # the English names come with the same rows
    zh, en = _chart(zh_html), _chart(en_html)
    assert "火力发电" in zh["industry"]["x"] and "湛江市" in zh["region"]["x"]
    assert "Thermal power generation" in en["industry"]["x"] and "Zhanjiang" in en["region"]["x"]
    regions = dict(Facility.objects.values_list("region__name", "region__name_en"))
    industries = dict(Facility.objects.values_list("industry__name", "industry__name_en"))
    assert en["region"]["x"] == [regions[n] for n in zh["region"]["x"]]
    assert en["industry"]["x"] == [industries[n] for n in zh["industry"]["x"]]
    assert not set(en["region"]["x"] + en["industry"]["x"]) & (set(regions) | set(industries))
    assert 'data-testid="jurisdiction">Guangdong (440000)' in en_html
    assert 'data-testid="jurisdiction">广东省 (440000)' in zh_html


def test_facility_list_and_filters_in_english_and_in_chinese(demo, login):
    client = login(demo.regulator)
    zh_html, zh_queries = _get(client, "/registry/facilities/")
    en_html, en_queries = _get(_english(client), "/registry/facilities/")
    assert en_queries == zh_queries
    for chinese, english in [("4411 火力发电", "4411 Thermal power generation"), ("湛江市", "Zhanjiang")]:
        assert chinese in zh_html and english not in zh_html
        assert english in en_html and chinese not in en_html
    # the filter's options too (every region and industry), and the heading's own sense of 设施
    assert "440800 · Zhanjiang" in en_html and "4411 Thermal power generation" in en_html
    assert "<h1>Facilities" in en_html


def test_organization_export_names_follow_the_language(demo, login):
    client = login(demo.regulator)
    zh = client.get("/registry/organizations/export/?format=csv").content.decode("utf-8-sig")
    en = _english(client).get("/registry/organizations/export/?format=csv").content.decode("utf-8-sig")
    assert ",湛江市," in zh and ",Zhanjiang," in en and ",湛江市," not in en
    assert ",Thermal power generation," in en


def test_job_titles_are_shown_in_the_reader_language(demo, login, monkeypatch):
    client = login(demo.admin)
    Job.objects.create(kind="organizations.import", title="导入组织机构 orgs.csv", owner=demo.admin)
    Job.objects.create(kind="inversion.run", title="反演 示例", owner=demo.admin)
    zh = client.get("/jobs/").content.decode()
    assert "导入组织机构 orgs.csv" in zh and "反演 示例" in zh
    en = _english(client).get("/jobs/").content.decode()
    assert "Organisation import orgs.csv" in en and "Inversion 示例" in en and "导入组织机构" not in en
    # a term inside the title (an inventory's name), stored in either language, reads in the reader's
    monkeypatch.setitem(JOB_TITLES, "test.kind", ("排放核算", ("全企业",)))
    with translation.override("en"):
        assert job_title_display("test.kind", "排放核算 某企业 · 全企业 · 2023") == (
            "Emission calculation 某企业 · Whole enterprise · 2023"
        )
    with translation.override("zh-hans"):
        assert job_title_display("test.kind", "排放核算 某企业 · Whole enterprise · 2023") == (
            "排放核算 某企业 · 全企业 · 2023"
        )
        assert job_title_display("unknown.kind", "排放核算 x") == "排放核算 x"


def test_words_with_two_senses_have_their_own_english(demo, login):
    from dualcarbon_web.platform.audit import audit_record
    from dualcarbon_web.platform.choices import AuditActionChoices

    audit_record(user=demo.admin, action=AuditActionChoices.CREATE, instance=demo.regulator)
    client = _english(login(demo.admin))
    audit = client.get("/audit/").content.decode()
    assert "<td>Created</td>" in audit and "<th>Object</th>" in audit
    factors = client.get("/factors/").content.decode()
    assert "<th>Item</th>" in factors
    assert (
        'data-nav="organizations:facility_list" class="">Facilities</a>' in client.get("/").content.decode()
    )
    detail = client.get(f"/registry/organizations/{demo.orgs['enterprises'][0].pk}/").content.decode()
    assert "<h2>Facilities</h2>" in detail and "Thermal power generation" in detail
