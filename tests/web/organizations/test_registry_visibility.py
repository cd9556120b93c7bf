"""Who sees what, proved through the UI (test client) and the API (bearer tokens)."""

from __future__ import annotations

import pytest

from dualcarbon_web.organizations.models import Facility, Organization


def _gd_enterprises(demo):
    return [e for e in demo.orgs["enterprises"] if e.region.code.startswith("44")]


def _hunan(demo):
    return demo.orgs["enterprises"][-1]


def _guangzhou(demo):
    return [e for e in demo.orgs["enterprises"] if e.region.code == "440100"]


# ------------------------------------------------------------------ enterprise members


def test_enterprise_member_ui(demo, login) -> None:
    me, other = demo.orgs["enterprises"][0], demo.orgs["enterprises"][1]
    client = login(demo.enterprise1)
    page = client.get("/registry/organizations/").content.decode()
    assert me.uscc in page and other.uscc not in page and _hunan(demo).uscc not in page
    assert client.get(f"/registry/organizations/{me.pk}/").status_code == 200
    assert client.get(f"/registry/organizations/{other.pk}/").status_code == 404
    mine = Facility.objects.filter(organization=me).first()
    theirs = Facility.objects.filter(organization=other).first()
    assert client.get(f"/registry/facilities/{mine.pk}/").status_code == 200
    assert client.get(f"/registry/facilities/{theirs.pk}/").status_code == 404
    facilities = client.get("/registry/facilities/").content.decode()
    assert mine.name in facilities and theirs.name not in facilities
    export = client.get("/registry/organizations/export/?format=csv").content.decode("utf-8-sig")
    assert me.uscc in export and other.uscc not in export
    fexport = client.get("/registry/facilities/export/?format=csv").content.decode("utf-8-sig")
    assert mine.code in fexport and theirs.code not in fexport


def test_enterprise_member_api(demo, token_client) -> None:
    me, other = demo.orgs["enterprises"][0], demo.orgs["enterprises"][1]
    api = token_client(demo.enterprise1)
    body = api.get("/api/v1/organizations/").json()
    usccs = {o["uscc"] for o in body["items"]}
    assert me.uscc in usccs and other.uscc not in usccs
    # the public directory: regulators and verification bodies, never another enterprise
    assert {o["kind"] for o in body["items"]} <= {"enterprise", "regulator", "verification_body"}
    assert [o for o in body["items"] if o["kind"] == "enterprise"] == [
        o for o in body["items"] if o["uscc"] == me.uscc
    ]
    assert api.get(f"/api/v1/organizations/{other.pk}").status_code == 404
    theirs = Facility.objects.filter(organization=other).first()
    assert api.get(f"/api/v1/organizations/facilities/{theirs.pk}").status_code == 404
    fac = api.get("/api/v1/organizations/facilities").json()["items"]
    assert fac and {f["organization_id"] for f in fac} == {me.pk}
    export = api.get("/api/v1/organizations/export?format=csv").content.decode("utf-8-sig")
    assert me.uscc in export and other.uscc not in export


# ------------------------------------------------------------------ regulators


def test_province_regulator_sees_guangdong_not_hunan(demo, login, token_client) -> None:
    client = login(demo.regulator)
    page = client.get("/registry/organizations/?kind=enterprise").content.decode()
    for e in _gd_enterprises(demo):
        assert e.uscc in page
    assert _hunan(demo).uscc not in page
    assert client.get(f"/registry/organizations/{_hunan(demo).pk}/").status_code == 404

    api = token_client(demo.regulator)
    items = api.get("/api/v1/organizations/?kind=enterprise&page_size=100").json()["items"]
    assert {o["uscc"] for o in items} == {e.uscc for e in _gd_enterprises(demo)}
    facilities = api.get("/api/v1/organizations/facilities?page_size=100").json()["items"]
    assert facilities and all(f["region_code"].startswith("44") for f in facilities)
    expected = Facility.objects.filter(region__code__startswith="44").count()
    assert len(facilities) == expected
    hunan_facility = Facility.objects.filter(organization=_hunan(demo)).first()
    assert api.get(f"/api/v1/organizations/facilities/{hunan_facility.pk}").status_code == 404


def test_city_regulator_sees_only_guangzhou(demo, login, token_client) -> None:
    gz = {e.uscc for e in _guangzhou(demo)}
    assert gz
    api = token_client(demo.city_regulator)
    items = api.get("/api/v1/organizations/?kind=enterprise&page_size=100").json()["items"]
    assert {o["uscc"] for o in items} == gz
    facilities = api.get("/api/v1/organizations/facilities?page_size=100").json()["items"]
    assert facilities and all(f["region_code"].startswith("4401") for f in facilities)
    client = login(demo.city_regulator)
    page = client.get("/registry/organizations/").content.decode()
    zhanjiang = demo.orgs["enterprises"][0]
    assert zhanjiang.uscc not in page
    assert client.get(f"/registry/organizations/{zhanjiang.pk}/").status_code == 404
    export = client.get("/registry/organizations/export/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_filters_and_search(demo, token_client, login) -> None:
    api = token_client(demo.admin)
    steel = api.get("/api/v1/organizations/?industry=31").json()["items"]
    assert {o["industry_code"] for o in steel} == {"3120"} and len(steel) == 2
    manufacturing = api.get("/api/v1/organizations/?industry=C&kind=enterprise&page_size=100").json()["items"]
    assert len(manufacturing) == 6  # all but the power plant
    hz = api.get("/api/v1/organizations/?region=441300").json()["items"]
    assert {o["region_code"] for o in hz} == {"441300"}
    park = demo.orgs["parks"][0]
    in_park = api.get(f"/api/v1/organizations/?park={park.pk}").json()["items"]
    assert len(in_park) == 2
    by_uscc = api.get(f"/api/v1/organizations/?q={demo.orgs['enterprises'][0].uscc[:12]}").json()["items"]
    assert [o["id"] for o in by_uscc] == [demo.orgs["enterprises"][0].pk]
    by_name = api.get("/api/v1/organizations/?q=水泥").json()["items"]
    assert len(by_name) == 1
    bad = api.get("/api/v1/organizations/?region=990000")
    assert bad.status_code == 400 and "region" in bad.json()["extra"]["fields"]
    # the same filter in the UI, through htmx: only the table comes back
    client = login(demo.admin)
    part = client.get("/registry/organizations/?q=水泥", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and "佛山南海水泥" in part and "湛江湾" not in part
    assert "q=%E6%B0%B4%E6%B3%A5&amp;format=csv" in part or "q=%E6%B0%B4%E6%B3%A5&format=csv" in part


@pytest.mark.parametrize("username", ["enterprise1", "verifier", "techowner"])
def test_non_regulators_cannot_create_organizations(demo, login, token_client, username) -> None:
    user = demo.users[username]
    assert login(user).get("/registry/organizations/new/").status_code == 403
    api = token_client(user)
    resp = api.post(
        "/api/v1/organizations/",
        {"kind": "enterprise", "name": "x", "uscc": "91440300192181490G", "region": "440300"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert not Organization.objects.filter(uscc="91440300192181490G").exists()


def test_edits_outside_scope_are_refused(demo, login, token_client) -> None:
    other = demo.orgs["enterprises"][1]
    api = token_client(demo.enterprise1)
    resp = api.patch(
        f"/api/v1/organizations/{other.pk}", {"name": "hijacked"}, content_type="application/json"
    )
    assert resp.status_code == 404
    client = login(demo.enterprise1)
    assert client.post(f"/registry/organizations/{other.pk}/edit/", {"name": "x"}).status_code == 404
    # visible (public directory) but not editable: 403
    regulator_org = demo.orgs["regulator_province"]
    resp = api.patch(
        f"/api/v1/organizations/{regulator_org.pk}", {"name": "hijacked"}, content_type="application/json"
    )
    assert resp.status_code == 403
    # the city regulator may not touch a Zhanjiang plant (404: not even visible)
    city = token_client(demo.city_regulator)
    zj = demo.orgs["enterprises"][0]
    assert (
        city.patch(
            f"/api/v1/organizations/{zj.pk}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    fac = Facility.objects.filter(organization=zj).first()
    assert (
        city.patch(
            f"/api/v1/organizations/facilities/{fac.pk}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    # the province regulator may not move an enterprise out of its jurisdiction
    prov = token_client(demo.regulator)
    resp = prov.patch(f"/api/v1/organizations/{zj.pk}", {"region": "430100"}, content_type="application/json")
    assert resp.status_code == 400 and "region" in resp.json()["extra"]["fields"]
    zj.refresh_from_db()
    assert zj.name.startswith("湛江湾") and zj.region.code == "440800"
