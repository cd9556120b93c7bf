"""User management by administrators, through the UI and the API, with the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client

from dualcarbon_web.organizations.choices import OrganizationKindChoices, RegionLevelChoices
from dualcarbon_web.organizations.models import Organization, Region
from dualcarbon_web.platform.choices import AuditActionChoices, RoleChoices
from dualcarbon_web.platform.models import AuditEntry, User
from dualcarbon_web.platform.services import token_create, user_create

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def world(db):
    gd = Region.objects.create(code="440000", name="广东省", level=RegionLevelChoices.PROVINCE)
    reg = Organization.objects.create(
        kind=OrganizationKindChoices.REGULATOR,
        name="省厅",
        uscc="11440000006355099K",
        region=gd,
        jurisdiction=gd,
    )
    plain = Organization.objects.create(
        kind=OrganizationKindChoices.ENTERPRISE, name="企业甲", uscc="91440101MA59X2Y03U", region=gd
    )
    admin = user_create(actor=None, username="root", password=PASSWORD, role=RoleChoices.ADMIN)
    analyst = user_create(actor=None, username="ana", password=PASSWORD, role=RoleChoices.ANALYST)
    return {"gd": gd, "reg": reg, "plain": plain, "admin": admin, "analyst": analyst}


def test_admin_creates_a_regulator_in_the_ui(client, world):
    client.force_login(world["admin"])
    resp = client.post(
        "/users/new/",
        {
            "username": "wang",
            "display_name": "王",
            "email": "",
            "role": "regulator",
            "organization": world["reg"].pk,
            "password": PASSWORD,
        },
    )
    assert resp.status_code == 302
    wang = User.objects.get(username="wang")
    assert wang.role == RoleChoices.REGULATOR and wang.jurisdiction == world["gd"]
    assert wang.password.startswith("argon2")
    entry = AuditEntry.objects.get(
        action=AuditActionChoices.CREATE, object_type="platform.user", object_id=str(wang.pk)
    )
    assert (
        entry.user == world["admin"] and entry.after["role"] == "regulator" and "password" not in entry.after
    )


def test_ui_form_errors_name_the_field(client, world):
    client.force_login(world["admin"])
    html = client.post(
        "/users/new/",
        {"username": "li", "role": "regulator", "organization": world["plain"].pk, "password": PASSWORD},
    ).content.decode()
    assert 'data-field="organization"' in html
    html = client.post(
        "/users/new/", {"username": "li", "role": "analyst", "password": "1234567890"}
    ).content.decode()
    assert 'data-field="password"' in html
    assert not User.objects.filter(username="li").exists()


def test_non_admins_cannot_manage_users(client, world):
    client.force_login(world["analyst"])
    assert client.get("/users/").status_code == 403
    assert (
        client.post("/users/new/", {"username": "x", "role": "admin", "password": PASSWORD}).status_code
        == 403
    )
    _t, secret = token_create(user=world["analyst"], name="s")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/platform/users").status_code == 403
    resp = api.post(
        "/api/v1/platform/users",
        {"username": "x", "password": PASSWORD, "role": "admin"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert (
        api.patch(
            f"/api/v1/platform/users/{world['analyst'].pk}",
            {"role": "admin"},
            content_type="application/json",
        ).status_code
        == 403
    )
    world["analyst"].refresh_from_db()
    assert world["analyst"].role == RoleChoices.ANALYST


def test_admin_api_create_patch_and_audit(world):
    _t, secret = token_create(user=world["admin"], name="s")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    resp = api.post(
        "/api/v1/platform/users",
        {"username": "ent", "password": PASSWORD, "role": "enterprise", "organization_id": world["plain"].pk},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    uid = resp.json()["id"]
    resp = api.patch(f"/api/v1/platform/users/{uid}", {"is_active": False}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["is_active"] is False
    entry = AuditEntry.objects.filter(action=AuditActionChoices.UPDATE, object_id=str(uid)).get()
    assert entry.before["is_active"] is True and entry.after["is_active"] is False
    resp = api.patch(
        f"/api/v1/platform/users/{uid}", {"organization_id": 999999}, content_type="application/json"
    )
    assert resp.status_code == 400 and "organization_id" in resp.json()["extra"]["fields"]
    listed = api.get("/api/v1/platform/users?role=enterprise").json()
    assert [u["username"] for u in listed["items"]] == ["ent"]
    audit = api.get("/api/v1/platform/audit?object_type=platform.user").json()
    assert audit["count"] >= 2


def test_admin_cannot_demote_themselves(world):
    _t, secret = token_create(user=world["admin"], name="s")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    resp = api.patch(
        f"/api/v1/platform/users/{world['admin'].pk}", {"role": "analyst"}, content_type="application/json"
    )
    assert resp.status_code == 400
    world["admin"].refresh_from_db()
    assert world["admin"].role == RoleChoices.ADMIN
