"""Organisation and park names in the reader's language: English pages show ``name_en`` where one is
recorded and the Chinese name where it is blank; Chinese pages keep the Chinese names. The English
names come with the same rows (no query more), and the exports and the API keep both columns."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dualcarbon_web.organizations.models import Organization, Park

ZJ, ZJ_EN = "湛江湾火力发电有限公司（示例）", "Zhanjiang Bay Thermal Power Co. (demo)"
FS = "佛山南海水泥有限公司（示例）"  # its English name is blanked below
FS_EN = "Foshan Nanhai Cement Co. (demo)"
DYW, DYW_EN = "大亚湾铝业有限公司（示例）", "Daya Bay Aluminium Co. (demo)"
PARK, PARK_EN = "惠州大亚湾石化产业园区（示例）", "Daya Bay Petrochemical Park (demo)"
PARK2 = "广州南沙临港产业园（示例）"  # its English name is blanked below
PARK2_EN = "Nansha Port Industrial Park (demo)"


@pytest.fixture
def names(demo):
    """The demo province with one enterprise and one park whose English name is blank."""
    ents = demo.orgs["enterprises"]
    assert (ents[0].name, ents[1].name, ents[3].name) == (ZJ, FS, DYW)
    Organization.objects.filter(pk=ents[1].pk).update(name_en="")
    Park.objects.filter(name=PARK2).update(name_en="")
    return demo


def _chart(html: str) -> dict:
    raw = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(json.loads(raw))


def _get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode(), len(ctx.captured_queries)


def _both(client, url: str) -> tuple[str, str]:
    """The page in Chinese, then in English; the English one takes no query more."""
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    zh, zh_queries = _get(client, url)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    en, en_queries = _get(client, url)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert en_queries == zh_queries, url
    return zh, en


def test_display_name_follows_the_language_and_falls_back_to_chinese():
    org = Organization(name=ZJ, name_en=ZJ_EN)
    blank = Organization(name=FS, name_en="")
    park = Park(name=PARK, name_en=PARK_EN)
    with translation.override("en"):
        assert (org.display_name, blank.display_name, park.display_name) == (ZJ_EN, FS, PARK_EN)
    with translation.override("zh-hans"):
        assert (org.display_name, blank.display_name, park.display_name) == (ZJ, FS, PARK)
    assert str(org) == ZJ  # the audit trail and the admin keep the registered name


def test_organization_list_names_and_the_park_filter(names, login):
    zh, en = _both(login(names.admin), "/registry/organizations/")
    assert f">{ZJ}</a>" in zh and f">{FS}</a>" in zh and ZJ_EN not in zh and FS_EN not in zh
    assert f">{ZJ_EN}</a>" in en and f">{ZJ}</a>" not in en
    assert f">{FS}</a>" in en and FS_EN not in en  # no English name: the Chinese one
    # the park column and the park filter's options
    assert f"<td>{PARK}</td>" in zh and f"<td>{PARK_EN}</td>" in en and f"<td>{PARK}</td>" not in en
    assert f">{PARK_EN}</option>" in en and f">{PARK2}</option>" in en
    assert f">{PARK}</option>" in zh and f">{PARK2}</option>" in zh and PARK_EN not in zh


def test_organization_detail_in_english_and_in_chinese(names, login):
    client = login(names.admin)
    dyw = names.orgs["enterprises"][3]
    zh, en = _both(client, f"/registry/organizations/{dyw.pk}/")
    assert f"<h1>{DYW}</h1>" in zh and f"<title>{DYW}</title>" in zh and PARK_EN not in zh
    assert f"<h1>{DYW_EN}</h1>" in en and f">{PARK_EN}</a>" in en and DYW not in en and PARK not in en
    fs = names.orgs["enterprises"][1]
    zh, en = _both(client, f"/registry/organizations/{fs.pk}/")
    assert f"<h1>{FS}</h1>" in zh and f"<h1>{FS}</h1>" in en


def test_park_list_and_detail(names, login):
    client = login(names.admin)
    zh, en = _both(client, "/registry/parks/")
    assert f">{PARK}</a>" in zh and f">{PARK2}</a>" in zh and PARK_EN not in zh
    assert f">{PARK_EN}</a>" in en and f">{PARK2}</a>" in en and f">{PARK}</a>" not in en
    park = Park.objects.get(name=PARK)
    zh, en = _both(client, f"/registry/parks/{park.pk}/")
    assert f"<h1>{PARK}</h1>" in zh and f">{DYW}</a>" in zh and f"<td>{DYW}</td>" in zh
    assert f"<h1>{PARK_EN}</h1>" in en and f">{DYW_EN}</a>" in en and f"<td>{DYW_EN}</td>" in en
    assert DYW not in en


def test_facility_list_and_detail_name_the_enterprise_in_the_language(names, login):
    client = login(names.admin)
    zh, en = _both(client, "/registry/facilities/")
    assert f">{ZJ}</a>" in zh and f">{ZJ_EN}</a>" in en and f">{ZJ}</a>" not in en
    assert f">{FS}</a>" in en  # blank English name
    facility = names.orgs["enterprises"][3].facilities.get()
    zh, en = _both(client, f"/registry/facilities/{facility.pk}/")
    assert f">{DYW}</a>" in zh and f"<td>{PARK}</td>" in zh
    assert f">{DYW_EN}</a>" in en and f"<td>{PARK_EN}</td>" in en


def test_user_list_and_dashboard(names, login):
    zh, en = _both(login(names.admin), "/users/")
    assert f"<td>{ZJ}</td>" in zh and f"<td>{ZJ_EN}</td>" in en and f"<td>{FS}</td>" in en
    assert f"<td>{ZJ}</td>" not in en
    zh, en = _both(login(names.enterprise1), "/")
    assert f"<strong>{ZJ}</strong>" in zh and f"<strong>{ZJ_EN}</strong>" in en
    assert f"· {ZJ}</span>" in zh and f"· {ZJ_EN}</span>" in en  # who is signed in


def test_inventory_pages_and_mrv_submissions(names, login):
    from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create
    from dualcarbon_web.mrv.services import report_submit

    line = {"category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t"}
    runs, submissions = {}, {}
    for n, org in ((1, names.orgs["enterprises"][0]), (2, names.orgs["enterprises"][1])):
        user = names.users[f"enterprise{n}"]
        inv = inventory_create(user=user, organization=org, year=2023)
        activity_line_add(user=user, inventory=inv, data=line)
        runs[n] = inventory_calculate(user=user, inventory=inv)
        submissions[n] = report_submit(user=user, run=runs[n])
    client = login(names.admin)
    zh, en = _both(client, "/accounting/")
    assert f">{ZJ}</a>" in zh and f">{ZJ_EN}</a>" in en and f">{FS}</a>" in en and f">{ZJ}</a>" not in en
    inv = runs[1].inventory
    zh, en = _both(client, f"/accounting/{inv.pk}/")
    assert f">{ZJ} · " in zh and f">{ZJ_EN} · " in en and ZJ not in en
    for url in (
        f"/accounting/runs/{runs[1].pk}/",
        f"/accounting/runs/{runs[1].pk}/print/",
        f"/mrv/submissions/{submissions[1].pk}/",
    ):
        zh, en = _both(client, url)
        assert ZJ in zh and ZJ_EN not in zh and ZJ_EN in en and ZJ not in en, url
    zh, en = _both(client, "/mrv/")
    assert f">{ZJ}</a>" in zh and f">{ZJ_EN}</a>" in en and f">{FS}</a>" in en and f">{ZJ}</a>" not in en
    # the dashboard's recent submissions (a regulator's)
    zh, en = _both(login(names.regulator), "/")
    assert f">{ZJ}</a>" in zh and f">{ZJ_EN}</a>" in en and f">{FS}</a>" in en
    # and its emissions ranking chart
    assert {ZJ, FS} <= set(_chart(zh)["emitters"]["y"])
    assert {ZJ_EN, FS} <= set(_chart(en)["emitters"]["y"]) and ZJ not in _chart(en)["emitters"]["y"]


def test_exports_keep_the_registered_names(names, login):
    from openpyxl import load_workbook

    from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create

    user, org = names.enterprise1, names.orgs["enterprises"][0]
    inv = inventory_create(user=user, organization=org, year=2023)
    activity_line_add(
        user=user, inventory=inv, data={"category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t"}
    )
    run = inventory_calculate(user=user, inventory=inv)
    client = login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    wb = load_workbook(io.BytesIO(client.get(f"/accounting/runs/{run.pk}/report.xlsx").content))
    assert ("企业 Enterprise", ZJ) in list(wb["汇总"].iter_rows(values_only=True))
    csv = login(names.admin).get("/registry/organizations/export/?format=csv").content.decode("utf-8-sig")
    assert f"{ZJ},{ZJ_EN}" in csv or (ZJ in csv and ZJ_EN in csv)
