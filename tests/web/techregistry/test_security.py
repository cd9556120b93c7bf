"""Adversarial review of the technology registry: IDOR through pages and API, role escalation,
CSRF, audit on every write, hostile input (NUL, overlong, huge ids), nothing half-written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import AuditEntry, User
from dualcarbon_web.techregistry import services
from dualcarbon_web.techregistry.models import TechnologyAchievement, TechnologyNeed

BASE = {
    "title": "钢铁行业氢冶金直接还原技术",
    "domain": "industry",
    "trl": 7,
    "industry_codes": ["3110"],
    "cpc_codes": ["Y02P 10/"],
    "summary": "以氢气替代焦炭作还原剂，降低炼铁二氧化碳排放。",
}
NEED = {"title": "水泥窑协同处置", "description": "水泥熟料生产降低二氧化碳排放", "industry_code": "3011"}


def _post_json(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def other_owner(demo):
    """A technology owner of a second owner organisation."""
    from dualcarbon_web.organizations.models import Organization

    mine = demo.orgs["technology_owner"]
    org = Organization.objects.create(
        kind=mine.kind, name="另一低碳技术公司（测试）", uscc="91440300MA5TEST00X", region=mine.region
    )
    return User.objects.create(username="techowner2", role=RoleChoices.TECHNOLOGY_OWNER, organization=org)


@pytest.fixture
def records(demo):
    """A draft, a submitted and a published achievement of the demo owner; an open need of
    enterprise1 and one of enterprise2."""
    draft = services.achievement_create(user=demo.techowner, data={**BASE, "title": "草稿机密技术"})
    submitted = services.achievement_submit(
        user=demo.techowner, achievement=services.achievement_create(user=demo.techowner, data=BASE)
    )
    published = services.achievement_review(
        user=demo.regulator,
        achievement=services.achievement_submit(
            user=demo.techowner, achievement=services.achievement_create(user=demo.techowner, data=BASE)
        ),
        decision="publish",
    )
    need1 = services.need_create(user=demo.enterprise1, data={**NEED, "title": "企业一的机密需求"})
    need2 = services.need_create(user=demo.enterprise2, data=NEED)
    return draft, submitted, published, need1, need2


# --------------------------------------------------------------------------- IDOR


def test_drafts_of_another_owner_organisation_are_404_everywhere(demo, records, other_owner, token_client):
    draft, submitted, published, *_ = records
    c = Client()
    c.force_login(other_owner)
    api = token_client(other_owner)
    for a in (draft, submitted):
        for url in (f"/techregistry/achievements/{a.pk}/", f"/techregistry/achievements/{a.pk}/edit/"):
            assert c.get(url).status_code == 404, url
        for url in (
            f"/techregistry/achievements/{a.pk}/submit/",
            f"/techregistry/achievements/{a.pk}/review/",
        ):
            assert c.post(url, {"decision": "publish"}).status_code == 404, url
        assert api.get(f"/api/v1/techregistry/achievements/{a.pk}").status_code == 404
        assert api.get(f"/api/v1/techregistry/achievements/{a.pk}/matches").status_code == 404
        assert (
            api.put(
                f"/api/v1/techregistry/achievements/{a.pk}", json.dumps(BASE), content_type="application/json"
            ).status_code
            == 404
        )
        assert _post_json(api, f"/api/v1/techregistry/achievements/{a.pk}/submit").status_code == 404
    listed = {i["id"] for i in api.get("/api/v1/techregistry/achievements?page_size=500").json()["items"]}
    assert listed == {published.pk}
    assert api.get("/api/v1/techregistry/achievements?status=draft").json()["count"] == 0
    assert "草稿机密技术" not in c.get("/techregistry/?status=draft").content.decode()
    # the published record of another organisation: visible, but not editable (403), not submittable
    assert c.get(f"/techregistry/achievements/{published.pk}/edit/").status_code == 403
    resp = api.put(
        f"/api/v1/techregistry/achievements/{published.pk}", json.dumps(BASE), content_type="application/json"
    )
    assert resp.status_code == 403


@pytest.mark.parametrize("username", ["enterprise1", "verifier", "analyst", "enterprise2"])
def test_non_reviewers_never_see_unpublished_records(demo, records, token_client, login, username):
    draft, submitted, published, *_ = records
    user = demo.users[username]
    api = token_client(user)
    c = login(user)
    for a in (draft, submitted):
        assert c.get(f"/techregistry/achievements/{a.pk}/").status_code == 404
        assert api.get(f"/api/v1/techregistry/achievements/{a.pk}").status_code == 404
    assert {i["id"] for i in api.get("/api/v1/techregistry/achievements").json()["items"]} == {published.pk}


def test_needs_of_another_enterprise_are_404(demo, records, token_client, login):
    *_, need1, need2 = records
    api = token_client(demo.enterprise2)
    c = login(demo.enterprise2)
    assert c.get(f"/techregistry/needs/{need1.pk}/").status_code == 404
    assert c.post(f"/techregistry/needs/{need1.pk}/close/").status_code == 404
    for url in (f"/api/v1/techregistry/needs/{need1.pk}", f"/api/v1/techregistry/needs/{need1.pk}/matches"):
        assert api.get(url).status_code == 404, url
    assert _post_json(api, f"/api/v1/techregistry/needs/{need1.pk}/close").status_code == 404
    assert [n["id"] for n in api.get("/api/v1/techregistry/needs").json()["items"]] == [need2.pk]
    assert "企业一的机密需求" not in c.get("/techregistry/needs/?q=机密").content.decode()
    assert TechnologyNeed.objects.get(pk=need1.pk).status == "open"


def test_matches_never_leak_invisible_needs_or_unpublished_achievements(demo, records, token_client):
    draft, submitted, published, need1, need2 = records
    # an enterprise asking for matches of a published achievement sees only its own needs
    got = token_client(demo.enterprise2).get(f"/api/v1/techregistry/achievements/{published.pk}/matches")
    assert got.status_code == 200
    assert [m["need"]["id"] for m in got.json()] == [need2.pk]
    # a need's matches list published achievements only (never drafts or submitted ones)
    got = token_client(demo.enterprise1).get(f"/api/v1/techregistry/needs/{need1.pk}/matches").json()
    assert {m["achievement"]["id"] for m in got} == {published.pk} | {
        a.pk for a in TechnologyAchievement.objects.filter(status="published")
    }
    assert not {draft.pk, submitted.pk} & {m["achievement"]["id"] for m in got}
    # closed needs are not offered to technology owners
    services.need_close(user=demo.enterprise1, need=need1)
    got = token_client(demo.techowner).get(f"/api/v1/techregistry/achievements/{published.pk}/matches").json()
    assert need1.pk not in {m["need"]["id"] for m in got}
    assert token_client(demo.techowner).get(f"/api/v1/techregistry/needs/{need1.pk}").status_code == 404
    # verifiers and analysts: no needs at all
    for username in ("verifier", "analyst"):
        api = token_client(demo.users[username])
        assert api.get(f"/api/v1/techregistry/achievements/{published.pk}/matches").status_code == 403
        assert api.get(f"/api/v1/techregistry/needs/{need2.pk}/matches").status_code == 403


# --------------------------------------------------------------------------- role escalation


def test_role_escalation_is_refused_and_writes_nothing(demo, records, token_client):
    draft, submitted, published, _need1, need2 = records
    owner = token_client(demo.techowner)
    reg = token_client(demo.regulator)
    apis = {
        u: token_client(demo.users[u])
        for u in ("regulator", "verifier", "analyst", "enterprise1", "techowner")
    }
    pages = {}
    for u in ("regulator", "verifier", "analyst", "techowner"):
        pages[u] = Client()
        pages[u].force_login(demo.users[u])
    n_audit = AuditEntry.objects.count()
    # the owner reviewing its own submitted record
    r = _post_json(owner, f"/api/v1/techregistry/achievements/{submitted.pk}/review", {"decision": "publish"})
    assert r.status_code == 403
    assert (
        pages["techowner"]
        .post(f"/techregistry/achievements/{submitted.pk}/review/", {"decision": "publish"})
        .status_code
        == 403
    )
    # the owner editing or resubmitting a published record: 409
    r = owner.put(
        f"/api/v1/techregistry/achievements/{published.pk}", json.dumps(BASE), content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert _post_json(owner, f"/api/v1/techregistry/achievements/{published.pk}/submit").status_code == 409
    # reviewing a draft or a published record: 409
    for a in (draft, published):
        r = _post_json(reg, f"/api/v1/techregistry/achievements/{a.pk}/review", {"decision": "publish"})
        assert r.status_code == 409, a.status
    # a regulator, verifier, analyst or owner may not create achievements or post needs
    for username in ("regulator", "verifier", "analyst", "enterprise1"):
        r = _post_json(apis[username], "/api/v1/techregistry/achievements", BASE)
        assert r.status_code == 403, username
    for username in ("regulator", "verifier", "analyst", "techowner"):
        r = _post_json(apis[username], "/api/v1/techregistry/needs", NEED)
        assert r.status_code == 403, username
        assert pages[username].post("/techregistry/needs/new/", NEED).status_code == 403
    # a technology owner closing an (open, visible) need of an enterprise; a regulator closing one
    assert _post_json(owner, f"/api/v1/techregistry/needs/{need2.pk}/close").status_code == 403
    assert _post_json(reg, f"/api/v1/techregistry/needs/{need2.pk}/close").status_code == 403
    # enterprise reviewing
    r = _post_json(
        apis["enterprise1"],
        f"/api/v1/techregistry/achievements/{published.pk}/review",
        {"decision": "return", "comment": "x"},
    )
    assert r.status_code == 403
    assert AuditEntry.objects.count() == n_audit
    assert TechnologyAchievement.objects.get(pk=submitted.pk).status == "submitted"
    assert TechnologyNeed.objects.get(pk=need2.pk).status == "open"


def test_closing_twice_is_409(demo, records, token_client):
    need2 = records[-1]
    api = token_client(demo.enterprise2)
    assert _post_json(api, f"/api/v1/techregistry/needs/{need2.pk}/close").status_code == 200
    r = _post_json(api, f"/api/v1/techregistry/needs/{need2.pk}/close")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_the_client_cannot_choose_organisation_status_or_example_flag(demo, token_client):
    api = token_client(demo.techowner)
    other = demo.orgs["enterprises"][0]
    r = _post_json(
        api,
        "/api/v1/techregistry/achievements",
        {**BASE, "organization_id": other.pk, "status": "published", "is_example": True, "source_note": "x"},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["organization_id"] == demo.techowner.organization_id
    assert (body["status"], body["is_example"], body["source_note"]) == ("draft", False, "")
    r = _post_json(
        token_client(demo.enterprise1),
        "/api/v1/techregistry/needs",
        {**NEED, "organization_id": demo.orgs["enterprises"][1].pk, "status": "closed"},
    )
    assert r.status_code == 201
    assert (r.json()["organization_id"], r.json()["status"]) == (demo.enterprise1.organization_id, "open")


# --------------------------------------------------------------------------- CSRF


def test_post_views_need_the_csrf_token(demo, records):
    draft, submitted, _published, need1, _need2 = records
    c = Client(enforce_csrf_checks=True)
    c.force_login(demo.techowner)
    n_audit = AuditEntry.objects.count()
    assert c.post("/techregistry/achievements/new/", BASE).status_code == 403
    assert c.post(f"/techregistry/achievements/{draft.pk}/edit/", BASE).status_code == 403
    assert c.post(f"/techregistry/achievements/{draft.pk}/submit/").status_code == 403
    c.force_login(demo.regulator)
    assert (
        c.post(f"/techregistry/achievements/{submitted.pk}/review/", {"decision": "publish"}).status_code
        == 403
    )
    c.force_login(demo.enterprise1)
    assert c.post("/techregistry/needs/new/", NEED).status_code == 403
    assert c.post(f"/techregistry/needs/{need1.pk}/close/").status_code == 403
    # the API with a session: CSRF-checked like every other app's; with a bearer token: no cookie, no check
    r = c.post(f"/api/v1/techregistry/needs/{need1.pk}/close", "{}", content_type="application/json")
    assert r.status_code in (401, 403)
    assert AuditEntry.objects.count() == n_audit
    assert TechnologyAchievement.objects.get(pk=draft.pk).status == "draft"
    assert TechnologyNeed.objects.get(pk=need1.pk).status == "open"


def test_session_api_post_with_the_token_works(demo, records):
    need1 = records[3]
    c = Client(enforce_csrf_checks=True)
    c.force_login(demo.enterprise1)
    c.get("/techregistry/needs/")
    token = c.cookies["csrftoken"].value
    r = c.post(
        f"/api/v1/techregistry/needs/{need1.pk}/close",
        "{}",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert r.status_code == 200


# --------------------------------------------------------------------------- audit


def test_every_write_appends_one_audit_entry(demo, token_client):
    def one_more(fn):
        before = AuditEntry.objects.count()
        result = fn()
        assert AuditEntry.objects.count() == before + 1
        return result

    a = one_more(lambda: services.achievement_create(user=demo.techowner, data=BASE))
    a = one_more(lambda: services.achievement_update(user=demo.techowner, achievement=a, data=BASE))
    a = one_more(lambda: services.achievement_submit(user=demo.techowner, achievement=a))
    a = one_more(
        lambda: services.achievement_review(
            user=demo.regulator, achievement=a, decision="return", comment="c"
        )
    )
    a = one_more(lambda: services.achievement_submit(user=demo.techowner, achievement=a))
    one_more(lambda: services.achievement_review(user=demo.admin, achievement=a, decision="publish"))
    n = one_more(lambda: services.need_create(user=demo.enterprise1, data=NEED))
    one_more(lambda: services.need_close(user=demo.enterprise1, need=n))
    entries = AuditEntry.objects.order_by("-pk")[:8]
    assert all(e.user_id is not None for e in entries)


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("field", ["title", "summary", "indicators", "industry_codes", "cpc_codes"])
def test_nul_in_an_achievement_body_is_a_400_naming_the_field(demo, token_client, field):
    api = token_client(demo.techowner)
    value = ["31\x0010"] if field in ("industry_codes", "cpc_codes") else "a\x00b"
    n = (TechnologyAchievement.objects.count(), AuditEntry.objects.count())
    r = _post_json(api, "/api/v1/techregistry/achievements", {**BASE, field: value})
    assert r.status_code == 400 and field in r.json()["extra"]["fields"], r.content
    assert (TechnologyAchievement.objects.count(), AuditEntry.objects.count()) == n


@pytest.mark.parametrize("field", ["title", "description", "industry_code", "domain", "cpc_codes"])
def test_nul_in_a_need_body_is_a_400_naming_the_field(demo, token_client, field):
    api = token_client(demo.enterprise1)
    value = ["Y02\x00P"] if field == "cpc_codes" else "a\x00b"
    n = (TechnologyNeed.objects.count(), AuditEntry.objects.count())
    r = _post_json(api, "/api/v1/techregistry/needs", {**NEED, field: value})
    assert r.status_code == 400 and field in r.json()["extra"]["fields"], r.content
    assert (TechnologyNeed.objects.count(), AuditEntry.objects.count()) == n


def test_nul_in_a_review_comment_is_a_400(demo, records, token_client):
    submitted = records[1]
    r = _post_json(
        token_client(demo.regulator),
        f"/api/v1/techregistry/achievements/{submitted.pk}/review",
        {"decision": "return", "comment": "bad\x00"},
    )
    assert r.status_code == 400 and "comment" in r.json()["extra"]["fields"]
    assert TechnologyAchievement.objects.get(pk=submitted.pk).status == "submitted"


def test_hostile_filters_and_ids_never_500(demo, records, token_client, login):
    api = token_client(demo.regulator)
    c = login(demo.regulator)
    huge = 2**70
    for url in (
        f"/api/v1/techregistry/achievements/{huge}",
        f"/api/v1/techregistry/achievements/{huge}/matches",
        f"/api/v1/techregistry/needs/{huge}",
        f"/api/v1/techregistry/needs/{huge}/matches",
        "/api/v1/techregistry/achievements/0",
        "/api/v1/techregistry/needs/-1",
    ):
        assert api.get(url).status_code in (404, 400), url
    for url in (
        f"/techregistry/achievements/{huge}/",
        f"/techregistry/needs/{huge}/",
        "/techregistry/needs/-1/",
    ):
        assert c.get(url).status_code == 404, url
    assert api.get("/api/v1/techregistry/achievements?trl_min=abc").status_code == 400
    assert api.get(f"/api/v1/techregistry/achievements?trl_min={huge}").json()["count"] == 0
    assert api.get("/api/v1/techregistry/achievements?q=%00").status_code == 400
    # an overlong industry code or thousands of words: a clean answer, not a database error
    r = api.get("/api/v1/techregistry/achievements?industry=" + "3" * 50000)
    assert r.status_code == 400 and "industry" in r.json()["extra"]["fields"]
    words = "+".join(["储能"] * 3000)
    for url in (f"/api/v1/techregistry/achievements?q={words}", f"/api/v1/techregistry/needs?q={words}"):
        r = api.get(url)
        assert r.status_code == 400 and "q" in r.json()["extra"]["fields"], url
    assert api.get("/api/v1/techregistry/achievements?q=" + "+".join(["储能"] * 33)).status_code == 200
    assert c.get(f"/techregistry/needs/?q={words}").status_code == 400
    # over 1,000 characters the platform's middleware refuses any query value before the view runs
    assert c.get(f"/techregistry/?q={words}").status_code == 400
    assert c.get("/techregistry/?industry=" + "3" * 50000).status_code == 400
    assert c.get("/techregistry/?industry=" + "3" * 900).status_code == 200  # the search form refuses it


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("industry_codes", [f"{i:04d}" for i in range(101)]),
        ("cpc_codes", [f"Y02E {i}/{j}" for i in range(1, 20) for j in range(10, 20)]),
    ],
)
def test_overlong_code_lists_are_a_400_naming_the_field(demo, token_client, field, value):
    """Thousands of codes in one body were a parameter overflow on PostgreSQL (65,535) or seconds of
    quadratic work; at most 100 are taken, duplicates counted once."""
    api = token_client(demo.techowner)
    n = (TechnologyAchievement.objects.count(), AuditEntry.objects.count())
    r = _post_json(api, "/api/v1/techregistry/achievements", {**BASE, field: value})
    assert r.status_code == 400 and field in r.json()["extra"]["fields"], r.content
    assert (TechnologyAchievement.objects.count(), AuditEntry.objects.count()) == n
    r = _post_json(api, "/api/v1/techregistry/achievements", {**BASE, "industry_codes": ["3110"] * 5000})
    assert r.status_code == 201 and r.json()["industry_codes"] == ["3110"]
