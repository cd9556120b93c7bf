"""The factor database on the platform: browse and search for everyone, append-only versions for
administrators, refused updates and deletes in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dualcarbon.accounting.factors import default_database
from dualcarbon_web.factors.models import FactorVersion
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import AuditEntry
from dualcarbon_web.platform.services import token_create, user_create

PASSWORD = "correct-horse-battery-9"
NEW = {
    "id": "user.test.steam.co2",
    "family": "purchased_heat",
    "gas": "CO2",
    "value": "0.11",
    "unit": "tCO2/GJ",
    "source": "测试文件",
    "note": "test",
}


@pytest.fixture
def admin(db):
    return user_create(actor=None, username="root", password=PASSWORD, role=RoleChoices.ADMIN)


@pytest.fixture
def analyst(db):
    return user_create(actor=None, username="ana", password=PASSWORD, role=RoleChoices.ANALYST)


def _api(user) -> Client:
    _t, secret = token_create(user=user, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_everyone_signed_in_can_search_the_shipped_tables(client, analyst):
    shipped = default_database()
    some = next(iter(shipped.latest()))
    client.force_login(analyst)
    html = client.get("/factors/", {"q": some.id}).content.decode()
    assert some.id in html and some.value in html
    body = _api(analyst).get("/api/v1/factors/factors", {"q": some.id}).json()
    assert some.ref in [f["ref"] for f in body["items"]]
    hit = next(f for f in body["items"] if f["ref"] == some.ref)
    assert hit["value"] == some.value and hit["provenance"]["table"] == some.provenance.table


def test_filters_narrow_the_list_and_the_count_matches_the_core(analyst):
    shipped = default_database()
    expected = sorted(r.ref for r in shipped.find(gas="CH4"))
    body = _api(analyst).get("/api/v1/factors/factors", {"gas": "CH4", "page_size": 500}).json()
    assert body["count"] == len(expected) > 0
    assert sorted(f["ref"] for f in body["items"]) == expected


def test_table_provenance_is_served(analyst):
    tables = _api(analyst).get("/api/v1/factors/tables").json()
    assert {t["table"] for t in tables} == set(default_database().tables)
    assert all(t["status"] in ("official", "transcribed-unverified", "user") for t in tables)


def test_anonymous_users_are_sent_to_login(client, db):
    assert client.get("/factors/").status_code == 302
    assert client.get("/api/v1/factors/factors").status_code == 401


def test_only_administrators_add_factors(analyst, admin):
    resp = _api(analyst).post("/api/v1/factors/factors", NEW, content_type="application/json")
    assert resp.status_code == 403
    assert FactorVersion.objects.count() == 0
    resp = _api(admin).post("/api/v1/factors/factors", NEW, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["ref"] == "user.test.steam.co2@1"
    assert AuditEntry.objects.filter(
        object_type="factors.factorversion", object_id="user.test.steam.co2@1"
    ).exists()


def test_correction_is_a_new_version_and_the_old_one_still_resolves(admin):
    api = _api(admin)
    api.post("/api/v1/factors/factors", NEW, content_type="application/json")
    resp = api.post(
        "/api/v1/factors/factors/user.test.steam.co2/versions",
        {"value": "0.12", "reason": "typo"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    v2 = resp.json()
    assert (
        v2["ref"] == "user.test.steam.co2@2"
        and v2["supersedes"] == "user.test.steam.co2@1"
        and v2["value"] == "0.12"
    )
    assert api.get("/api/v1/factors/factors/user.test.steam.co2@1").json()["value"] == "0.11"
    assert api.get("/api/v1/factors/factors/user.test.steam.co2").json()["value"] == "0.12"
    versions = api.get("/api/v1/factors/factors/user.test.steam.co2/versions").json()
    assert [v["version"] for v in versions] == [1, 2]


def test_a_shipped_factor_can_be_corrected_without_touching_the_shipped_version(admin):
    shipped = next(iter(default_database().latest()))
    api = _api(admin)
    resp = api.post(
        f"/api/v1/factors/factors/{shipped.id}/versions",
        {"note": "checked", "reason": "verified against PDF", "status": "official"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["version"] == shipped.version + 1
    assert api.get(f"/api/v1/factors/factors/{shipped.ref}").json()["value"] == shipped.value


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"id": "Bad Id"}, "id"),
        ({"value": ""}, "value"),
        ({"status": "official", "source": ""}, "source"),
    ],
)
def test_bad_factor_input_names_the_field_and_stores_nothing(admin, change, field):
    resp = _api(admin).post("/api/v1/factors/factors", {**NEW, **change}, content_type="application/json")
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["extra"]["fields"]
    assert FactorVersion.objects.count() == 0


def test_adding_an_existing_id_is_refused(admin):
    api = _api(admin)
    shipped = next(iter(default_database().latest()))
    resp = api.post("/api/v1/factors/factors", {**NEW, "id": shipped.id}, content_type="application/json")
    assert resp.status_code == 400 and "id" in resp.json()["extra"]["fields"]


def test_the_database_refuses_update_and_delete(admin):
    _api(admin).post("/api/v1/factors/factors", NEW, content_type="application/json")
    errors = DatabaseError
    with pytest.raises(errors, match="append-only"), transaction.atomic():
        FactorVersion.objects.update(data={"value": "9"})
    with pytest.raises(errors, match="append-only"), transaction.atomic():
        FactorVersion.objects.all().delete()
    with pytest.raises(errors, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE factors_factorversion SET ref = 'x'")
    assert FactorVersion.objects.get().data["value"] == "0.11"


def test_ui_admin_adds_a_factor_and_sees_field_errors(client, admin, analyst):
    client.force_login(analyst)
    assert client.get("/factors/new/").status_code == 403
    client.force_login(admin)
    html = client.post("/factors/new/", {**NEW, "value": "1,5", "status": "user"}).content.decode()
    assert 'data-field="value"' in html
    resp = client.post("/factors/new/", {**NEW, "status": "user"})
    assert resp.status_code == 302
    detail = client.get(resp.url).content.decode()
    assert "0.11" in detail and "user.test.steam.co2" in detail


def test_factor_list_query_count_is_pinned(client, analyst, admin):
    client.force_login(analyst)
    api = _api(admin)
    client.get("/factors/")
    with CaptureQueriesContext(connection) as few:
        client.get("/factors/")
    for i in range(5):
        api.post("/api/v1/factors/factors", {**NEW, "id": f"user.test.f{i}"}, content_type="application/json")
    client.get("/factors/")  # rebuild after the change
    with CaptureQueriesContext(connection) as many:
        client.get("/factors/")
    assert len(few) == len(many) == 4  # session, user, factor-table state, messages-free render


@pytest.mark.django_db(transaction=True)
def test_a_whole_database_flush_still_purges_append_only_rows():
    """Transactional tests end with ``flush``; it must get through the triggers (nothing else does)."""
    from django.core.management import call_command

    admin = user_create(actor=None, username="root2", password=PASSWORD, role=RoleChoices.ADMIN)
    _api(admin).post("/api/v1/factors/factors", NEW, content_type="application/json")
    assert FactorVersion.objects.count() == 1
    call_command("flush", interactive=False, verbosity=0)
    assert FactorVersion.objects.count() == 0
    admin = user_create(actor=None, username="root3", password=PASSWORD, role=RoleChoices.ADMIN)
    _api(admin).post("/api/v1/factors/factors", NEW, content_type="application/json")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM factors_factorversion")  # the purge permission ended with the flush
    assert FactorVersion.objects.count() == 1
