"""Writes: field-level errors in forms and the API, permissions, and an audit entry with before/after."""

from __future__ import annotations

from dualcarbon_web.organizations.demo import demo_uscc
from dualcarbon_web.organizations.models import Facility, Organization, Park
from dualcarbon_web.platform.models import AuditEntry


def _new_uscc(serial: int = 900, region: str = "440100") -> str:
    return demo_uscc("91", region, serial)


def test_api_create_and_patch_leave_audit(demo, token_client) -> None:
    api = token_client(demo.regulator)
    payload = {
        "kind": "enterprise",
        "name": "新建水泥厂（示例）",
        "uscc": _new_uscc(),
        "region": "440600",
        "industry": "3011",
    }
    resp = api.post("/api/v1/organizations/", payload, content_type="application/json")
    assert resp.status_code == 201, resp.content
    org_id = resp.json()["id"]
    entry = AuditEntry.objects.get(
        object_type="organizations.organization", object_id=str(org_id), action="create"
    )
    assert entry.before is None and entry.after["uscc"] == payload["uscc"] and entry.username == "regulator"

    resp = api.patch(
        f"/api/v1/organizations/{org_id}", {"name": "改名水泥厂（示例）"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["name"] == "改名水泥厂（示例）"
    entry = AuditEntry.objects.get(
        object_type="organizations.organization", object_id=str(org_id), action="update"
    )
    assert entry.before["name"] == "新建水泥厂（示例）" and entry.after["name"] == "改名水泥厂（示例）"


def test_api_field_errors(demo, token_client) -> None:
    api = token_client(demo.regulator)
    bad = _new_uscc()[:-1] + ("0" if _new_uscc()[-1] != "0" else "1")
    resp = api.post(
        "/api/v1/organizations/",
        {
            "kind": "enterprise",
            "name": "",
            "uscc": bad,
            "region": "430100",
            "industry": "9999",
            "contact_email": "nope",
        },
        content_type="application/json",
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "validation_error"
    fields = body["extra"]["fields"]
    assert set(fields) >= {"name", "uscc", "region", "industry", "contact_email"}
    assert "position 18" in fields["uscc"][0]
    assert "outside your jurisdiction" in fields["region"][0]
    # a body that does not match the schema also answers with field errors
    resp = api.post("/api/v1/organizations/", {"name": "x"}, content_type="application/json")
    assert resp.status_code == 400 and "kind" in resp.json()["extra"]["fields"]
    assert Organization.objects.filter(name="").count() == 0


def test_form_shows_field_errors_and_saves(demo, login) -> None:
    client = login(demo.regulator)
    assert client.get("/registry/organizations/new/").status_code == 200
    data = {
        "kind": "enterprise",
        "name": "表单企业（示例）",
        "uscc": "91440300192181490H",
        "region": "440300",
    }
    resp = client.post("/registry/organizations/new/", data)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-field="uscc"' in html and "position 18" in html
    data["uscc"] = "91440300192181490G"
    resp = client.post("/registry/organizations/new/", data)
    assert resp.status_code == 302
    org = Organization.objects.get(uscc="91440300192181490G")
    assert AuditEntry.objects.filter(object_id=str(org.pk), action="create").exists()
    # regulators may not register a regulator or set a jurisdiction
    resp = client.post(
        "/registry/organizations/new/",
        {
            "kind": "regulator",
            "name": "某局",
            "uscc": _new_uscc(901),
            "region": "440100",
            "jurisdiction": "440100",
        },
    )
    assert resp.status_code == 400 and 'data-field="kind"' in resp.content.decode()


def test_member_edits_own_organisation_but_not_its_uscc(demo, login) -> None:
    me = demo.orgs["enterprises"][0]
    client = login(demo.enterprise1)
    assert client.get(f"/registry/organizations/{me.pk}/edit/").status_code == 200
    form = {
        "kind": me.kind,
        "name": me.name,
        "uscc": me.uscc,
        "region": me.region.code,
        "industry": me.industry.code,
        "address": "湛江市新地址（示例）",
    }
    assert client.post(f"/registry/organizations/{me.pk}/edit/", form).status_code == 302
    me.refresh_from_db()
    assert me.address == "湛江市新地址（示例）"
    entry = AuditEntry.objects.filter(object_id=str(me.pk), action="update").latest("id")
    assert entry.before["address"] != entry.after["address"] == "湛江市新地址（示例）"
    other = "91440300192181490G"
    form["uscc"] = other
    resp = client.post(f"/registry/organizations/{me.pk}/edit/", form)
    assert resp.status_code == 400 and 'data-field="uscc"' in resp.content.decode()
    me.refresh_from_db()
    assert me.uscc != other


def test_facility_create_update_with_audit(demo, token_client, login) -> None:
    me = demo.orgs["enterprises"][0]
    api = token_client(demo.enterprise1)
    payload = {
        "organization_id": me.pk,
        "name": "3号机组",
        "industry": "4411",
        "region": "440800",
        "latitude": "21.2",
        "longitude": "110.4",
    }
    resp = api.post("/api/v1/organizations/facilities", payload, content_type="application/json")
    assert resp.status_code == 201, resp.content
    fid = resp.json()["id"]
    assert AuditEntry.objects.filter(
        object_type="organizations.facility", object_id=str(fid), action="create"
    ).exists()
    resp = api.patch(
        f"/api/v1/organizations/facilities/{fid}", {"latitude": "95"}, content_type="application/json"
    )
    assert resp.status_code == 400 and "latitude" in resp.json()["extra"]["fields"]
    resp = api.patch(
        f"/api/v1/organizations/facilities/{fid}", {"capacity": "1000 MW"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["capacity"] == "1000 MW"
    entry = AuditEntry.objects.get(object_type="organizations.facility", object_id=str(fid), action="update")
    assert entry.before["capacity"] == "" and entry.after["capacity"] == "1000 MW"
    # duplicate name in one organisation is a field error
    resp = api.post("/api/v1/organizations/facilities", payload, content_type="application/json")
    assert resp.status_code == 400 and "name" in resp.json()["extra"]["fields"]
    # another enterprise's organisation: not found
    payload["organization_id"] = demo.orgs["enterprises"][1].pk
    assert (
        api.post("/api/v1/organizations/facilities", payload, content_type="application/json").status_code
        == 404
    )
    # UI form
    client = login(demo.enterprise1)
    resp = client.post(
        f"/registry/organizations/{me.pk}/facilities/new/",
        {"name": "4号机组", "industry": "4411", "region": "440800", "status": "operating"},
    )
    assert resp.status_code == 302
    assert Facility.objects.filter(organization=me, name="4号机组").exists()


def test_parks_create_and_permissions(demo, token_client, login) -> None:
    api = token_client(demo.regulator)
    resp = api.post(
        "/api/v1/organizations/parks",
        {"name": "湛江钢铁园（示例）", "region": "440800", "level": "provincial"},
        content_type="application/json",
    )
    assert resp.status_code == 201
    pid = resp.json()["id"]
    assert AuditEntry.objects.filter(
        object_type="organizations.park", object_id=str(pid), action="create"
    ).exists()
    resp = api.post(
        "/api/v1/organizations/parks",
        {"name": "长沙园（示例）", "region": "430100"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "region" in resp.json()["extra"]["fields"]
    ent = token_client(demo.enterprise1)
    assert (
        ent.patch(
            f"/api/v1/organizations/parks/{pid}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert ent.get(f"/api/v1/organizations/parks/{pid}").status_code == 200
    assert Park.objects.get(pk=pid).name == "湛江钢铁园（示例）"
    client = login(demo.enterprise1)
    assert client.get("/registry/parks/").status_code == 200
    assert client.get(f"/registry/parks/{pid}/").status_code == 200
    assert client.get("/registry/parks/new/").status_code == 403


def test_reference_endpoints(demo, token_client) -> None:
    api = token_client(demo.enterprise1)
    regions = api.get("/api/v1/organizations/regions?parent=440000&page_size=100").json()
    assert regions["count"] == 21
    assert {
        "code": "440800",
        "name": "湛江市",
        "name_en": "Zhanjiang",
        "level": "prefecture",
        "parent_code": "440000",
    } in regions["items"]
    industries = api.get("/api/v1/organizations/industries?parent=441").json()["items"]
    assert {i["code"] for i in industries} >= {"4411", "4412"}


def test_pages_render(demo, login) -> None:
    client = login(demo.admin)
    org = demo.orgs["enterprises"][0]
    fac = Facility.objects.filter(organization=org).first()
    park = demo.orgs["parks"][0]
    for url in [
        "/registry/organizations/",
        f"/registry/organizations/{org.pk}/",
        f"/registry/organizations/{org.pk}/edit/",
        "/registry/organizations/new/",
        "/registry/organizations/import/",
        "/registry/facilities/",
        f"/registry/facilities/{fac.pk}/",
        f"/registry/facilities/{fac.pk}/edit/",
        f"/registry/organizations/{org.pk}/facilities/new/",
        "/registry/parks/",
        f"/registry/parks/{park.pk}/",
        f"/registry/parks/{park.pk}/edit/",
        "/registry/parks/new/",
    ]:
        assert client.get(url).status_code == 200, url


def test_hostile_input_is_a_clean_error(demo, token_client) -> None:
    api = token_client(demo.admin)
    huge = 2**70
    assert api.get(f"/api/v1/organizations/{huge}").status_code == 404
    assert api.get(f"/api/v1/organizations/facilities/{huge}").status_code == 404
    assert api.get(f"/api/v1/organizations/?park={huge}").json()["count"] == 0
    assert api.get("/api/v1/organizations/?page=99999999999999999").status_code == 400
    assert api.get("/api/v1/organizations/?q=%00x").status_code == 400  # NUL refused at the door
    assert api.get("/api/v1/organizations/?region=%EF%BC%94%EF%BC%94").status_code == 400  # full-width digits
    resp = api.post(
        "/api/v1/organizations/",
        {"kind": "enterprise", "name": "a\x00b", "uscc": "91440300192181490G", "region": "440300"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "name" in resp.json()["extra"]["fields"]
    resp = api.post(
        "/api/v1/organizations/",
        {"kind": "enterprise", "name": "ok", "uscc": "９１440300192181490G", "region": "４４0300"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and {"uscc", "region"} <= set(resp.json()["extra"]["fields"])
