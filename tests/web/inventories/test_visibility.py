"""Who sees which inventory, through the pages and the API (the same selector serves both)."""

from __future__ import annotations

import pytest

from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create


def _inventory(user, org, year=2022, facility=True):
    facility = org.facilities.order_by("pk").first() if facility else None
    inv = inventory_create(user=user, organization=org, facility=facility, year=year)
    activity_line_add(
        user=user,
        inventory=inv,
        data={"category": "purchased_electricity", "item": "electricity", "quantity": 100, "unit": "MWh"},
    )
    inventory_calculate(user=user, inventory=inv)
    inv.refresh_from_db()
    return inv


@pytest.fixture
def everyone(demo):
    """One calculated inventory per demo enterprise (built by an administrator), by user name."""
    out = {}
    for i, org in enumerate(demo.orgs["enterprises"], start=1):
        out[f"enterprise{i}"] = _inventory(demo.admin, org)
    return out


def _ids_ui(client, html_marker="data-inventory="):
    html = client.get("/accounting/").content.decode()
    return {int(part.split('"')[1]) for part in html.split(html_marker)[1:]}


def test_enterprise_sees_only_its_own_inventories(demo, everyone, login, token_client):
    mine, theirs = everyone["enterprise1"], everyone["enterprise2"]
    client = login(demo.enterprise1)
    assert _ids_ui(client) == {mine.pk}
    assert client.get(f"/accounting/{mine.pk}/").status_code == 200
    assert client.get(f"/accounting/{theirs.pk}/").status_code == 404
    assert client.get(f"/accounting/runs/{theirs.latest_run_id}/").status_code == 404
    assert client.get(f"/accounting/runs/{theirs.latest_run_id}/report.xlsx").status_code == 404
    assert client.get(f"/accounting/runs/{theirs.latest_run_id}/print/").status_code == 404
    api = token_client(demo.enterprise1)
    body = api.get("/api/v1/inventories/inventories").json()
    assert [i["id"] for i in body["items"]] == [mine.pk]
    for url in (
        f"/api/v1/inventories/inventories/{theirs.pk}",
        f"/api/v1/inventories/inventories/{theirs.pk}/lines",
        f"/api/v1/inventories/inventories/{theirs.pk}/results",
        f"/api/v1/inventories/runs/{theirs.latest_run_id}",
        f"/api/v1/inventories/runs/{theirs.latest_run_id}/lines",
        f"/api/v1/inventories/runs/{theirs.latest_run_id}/report.xlsx",
    ):
        resp = api.get(url)
        assert resp.status_code == 404, url
        assert resp.json()["code"] == "not_found"
    # writing to another enterprise's inventory is as invisible as reading it
    resp = api.post(
        f"/api/v1/inventories/inventories/{theirs.pk}/lines",
        {"category": "combustion", "item": "diesel", "quantity": 1, "unit": "t"},
        content_type="application/json",
    )
    assert resp.status_code == 404
    assert api.post(f"/api/v1/inventories/inventories/{theirs.pk}/calculate").status_code == 404


def test_province_regulator_sees_guangdong_not_hunan(demo, everyone, login, token_client):
    hunan = everyone["enterprise7"]
    guangdong = {everyone[f"enterprise{i}"].pk for i in range(1, 7)}
    client = login(demo.regulator)
    assert _ids_ui(client) == guangdong
    assert client.get(f"/accounting/{hunan.pk}/").status_code == 404
    assert client.get(f"/accounting/{everyone['enterprise3'].pk}/").status_code == 200
    api = token_client(demo.regulator)
    assert {i["id"] for i in api.get("/api/v1/inventories/inventories").json()["items"]} == guangdong
    assert api.get(f"/api/v1/inventories/inventories/{hunan.pk}").status_code == 404


def test_city_regulator_sees_only_guangzhou(demo, everyone, login, token_client):
    guangzhou = everyone["enterprise6"]  # 广州珠江纸业
    assert guangzhou.facility.region.code.startswith("4401")
    client = login(demo.city_regulator)
    assert _ids_ui(client) == {guangzhou.pk}
    assert client.get(f"/accounting/{everyone['enterprise1'].pk}/").status_code == 404
    api = token_client(demo.city_regulator)
    assert [i["id"] for i in api.get("/api/v1/inventories/inventories").json()["items"]] == [guangzhou.pk]


def test_regulators_read_but_do_not_write(demo, everyone, login, token_client):
    inv = everyone["enterprise1"]
    api = token_client(demo.regulator)
    resp = api.post(
        f"/api/v1/inventories/inventories/{inv.pk}/lines",
        {"category": "combustion", "item": "diesel", "quantity": 1, "unit": "t"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert api.post(f"/api/v1/inventories/inventories/{inv.pk}/calculate").status_code == 403
    client = login(demo.regulator)
    assert client.get(f"/accounting/{inv.pk}/lines/new/").status_code == 403
    assert client.post(f"/accounting/{inv.pk}/calculate/").status_code == 403


def test_verifier_sees_enterprises_of_its_province_read_only(demo, everyone, login):
    client = login(demo.verifier)
    assert _ids_ui(client) == {everyone[f"enterprise{i}"].pk for i in range(1, 7)}
    assert client.get(f"/accounting/{everyone['enterprise7'].pk}/").status_code == 404
    assert client.get(f"/accounting/{everyone['enterprise1'].pk}/lines/upload/").status_code == 403


@pytest.mark.parametrize("username", ["techowner", "analyst"])
def test_other_roles_are_refused(demo, everyone, login, token_client, username):
    user = demo.users[username]
    assert login(user).get("/accounting/").status_code == 403
    resp = token_client(user).get("/api/v1/inventories/inventories")
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


def test_enterprise_creates_inventories_only_for_itself(demo, token_client, login):
    own = demo.orgs["enterprises"][0]
    other = demo.orgs["enterprises"][1]
    api = token_client(demo.enterprise1)
    resp = api.post(
        "/api/v1/inventories/inventories",
        {"year": 2023, "facility_id": own.facilities.first().pk},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["organization_id"] == own.pk and resp.json()["status"] == "draft"
    # another enterprise's facility is not even visible
    resp = api.post(
        "/api/v1/inventories/inventories",
        {"year": 2023, "facility_id": other.facilities.first().pk},
        content_type="application/json",
    )
    assert resp.status_code == 404
    # the same facility and year twice is a field error
    resp = api.post(
        "/api/v1/inventories/inventories",
        {"year": 2023, "facility_id": own.facilities.first().pk},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "year" in resp.json()["extra"]["fields"]
    # the page: the facility list offers only the user's own facilities
    html = login(demo.enterprise1).get("/accounting/new/").content.decode()
    assert own.facilities.first().name in html and other.facilities.first().name not in html


def test_list_filters_by_region_and_industry_within_what_the_user_sees(demo, everyone, login, token_client):
    client = login(demo.regulator)
    huizhou = {everyone["enterprise4"].pk, everyone["enterprise5"].pk}
    assert _ids_ui_query(client, "region=441300") == huizhou
    assert _ids_ui_query(client, "industry=44") == {everyone["enterprise1"].pk}  # the power plant's unit
    manufacturing = {everyone[f"enterprise{i}"].pk for i in range(2, 7)}  # section C: divisions 13-43
    assert _ids_ui_query(client, "industry=C") == manufacturing
    assert _ids_ui_query(client, "region=430000") == set()  # Hunan: outside the jurisdiction
    resp = client.get("/accounting/?region=999999")
    assert resp.status_code == 200 and 'data-testid="filter-error"' in resp.content.decode()
    api = token_client(demo.regulator)
    assert {
        i["id"] for i in api.get("/api/v1/inventories/inventories?region=441300").json()["items"]
    } == huizhou
    resp = api.get("/api/v1/inventories/inventories?region=999999")
    assert resp.status_code == 400 and "region" in resp.json()["extra"]["fields"]


def _ids_ui_query(client, query):
    html = client.get(f"/accounting/?{query}").content.decode()
    return {int(part.split('"')[1]) for part in html.split("data-inventory=")[1:]}
