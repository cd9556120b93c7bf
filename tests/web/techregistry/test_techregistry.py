"""The technology registry end to end: workflow, visibility per role (pages and API), bad input,
pinned query counts, matching order, demo data."""

from __future__ import annotations

import json

import pytest

from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed, ValidationFailed
from dualcarbon_web.platform.models import AuditEntry
from dualcarbon_web.techregistry import selectors, services
from dualcarbon_web.techregistry.models import TechnologyAchievement

BASE = {
    "title": "钢铁行业氢冶金直接还原技术",
    "domain": "industry",
    "trl": 7,
    "industry_codes": ["3110"],
    "cpc_codes": ["Y02P 10/"],
    "summary": "以氢气替代焦炭作还原剂，降低炼铁二氧化碳排放。",
    "reduction_tco2e_per_year": "12000",
}


def _make(demo, publish=False, **over):
    a = services.achievement_create(user=demo.techowner, data={**BASE, **over})
    if publish:
        a = services.achievement_submit(user=demo.techowner, achievement=a)
        a = services.achievement_review(user=demo.regulator, achievement=a, decision="publish")
    return a


def _post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_workflow_through_services_is_audited_and_enforced(demo):
    a = _make(demo)
    assert a.status == "draft" and list(a.industries.values_list("code", flat=True)) == ["3110"]
    assert a.cpc_codes == ["Y02P 10/"]
    with pytest.raises(InvalidTransition):
        services.achievement_review(user=demo.regulator, achievement=a, decision="publish")
    a = services.achievement_submit(user=demo.techowner, achievement=a)
    with pytest.raises(InvalidTransition):
        services.achievement_submit(user=demo.techowner, achievement=a)
    with pytest.raises(InvalidTransition):
        services.achievement_update(user=demo.techowner, achievement=a, data=BASE)
    with pytest.raises(NotAllowed):
        services.achievement_review(user=demo.techowner, achievement=a, decision="publish")
    with pytest.raises(ValidationFailed) as exc:
        services.achievement_review(user=demo.regulator, achievement=a, decision="return")
    assert "comment" in exc.value.extra["fields"]
    a = services.achievement_review(user=demo.regulator, achievement=a, decision="return", comment="补充指标")
    assert a.status == "returned" and a.review_comment == "补充指标"
    a = services.achievement_update(
        user=demo.techowner, achievement=a, data={**BASE, "indicators": "吨铁 CO2 降 50%"}
    )
    a = services.achievement_submit(user=demo.techowner, achievement=a)
    a = services.achievement_review(user=demo.admin, achievement=a, decision="publish")
    assert a.status == "published" and a.published_at is not None
    notes = list(
        AuditEntry.objects.filter(object_type="techregistry.technologyachievement", object_id=str(a.pk))
        .order_by("pk")
        .values_list("action", "note")
    )
    assert notes == [
        ("create", ""),
        ("update", "submit"),
        ("update", "return"),
        ("update", ""),
        ("update", "submit"),
        ("update", "publish"),
    ]


def test_bad_input_names_each_field(demo):
    with pytest.raises(ValidationFailed) as exc:
        services.achievement_create(
            user=demo.techowner,
            data={
                **BASE,
                "title": "",
                "trl": 12,
                "domain": "space",
                "cpc_codes": ["H01M"],
                "industry_codes": ["9999x"],
            },
        )
    assert set(exc.value.extra["fields"]) == {"title", "trl", "domain", "cpc_codes", "industry_codes"}
    assert TechnologyAchievement.objects.count() == 0
    with pytest.raises(NotAllowed):
        services.achievement_create(user=demo.enterprise1, data=BASE)


def test_visibility_of_drafts_and_published(demo, login):
    draft = _make(demo, title="草稿成果")
    pub = _make(demo, publish=True)
    for name, sees_draft in [
        ("techowner", True),
        ("regulator", True),
        ("admin", True),
        ("enterprise1", False),
        ("verifier", False),
        ("analyst", False),
    ]:
        client = login(demo.users[name])
        assert client.get(f"/techregistry/achievements/{pub.pk}/").status_code == 200
        assert client.get(f"/techregistry/achievements/{draft.pk}/").status_code == (
            200 if sees_draft else 404
        )
        api = client.get(f"/api/v1/techregistry/achievements/{draft.pk}")
        assert api.status_code == (200 if sees_draft else 404)
        if not sees_draft:
            assert api.json()["code"] == "not_found"
        ids = {x["id"] for x in client.get("/api/v1/techregistry/achievements").json()["items"]}
        assert ids == ({draft.pk, pub.pk} if sees_draft else {pub.pk})


def test_pages_workflow_end_to_end(demo, login):
    owner = login(demo.techowner)
    resp = owner.post(
        "/techregistry/achievements/new/",
        {**BASE, "industry_codes": "3110, 3120", "cpc_codes": "Y02P, y02e 10/50", "trl": "7"},
    )
    a = TechnologyAchievement.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/techregistry/achievements/{a.pk}/"
    assert a.cpc_codes == ["Y02P", "Y02E 10/50"]
    bad = owner.post("/techregistry/achievements/new/", {**BASE, "industry_codes": "", "cpc_codes": "Z99"})
    assert bad.status_code == 200 and 'data-field="cpc_codes"' in bad.content.decode()
    assert owner.post(f"/techregistry/achievements/{a.pk}/submit/").status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"
    # the enterprise cannot see it, the owner cannot review it
    assert (
        login(demo.enterprise1)
        .post(f"/techregistry/achievements/{a.pk}/review/", {"decision": "publish"})
        .status_code
        == 404
    )
    assert (
        login(demo.techowner)
        .post(f"/techregistry/achievements/{a.pk}/review/", {"decision": "publish"})
        .status_code
        == 403
    )
    reviewer = login(demo.regulator)
    assert "待审核" in reviewer.get("/techregistry/?status=submitted").content.decode()
    assert (
        reviewer.post(f"/techregistry/achievements/{a.pk}/review/", {"decision": "publish"}).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.status == "published"
    page = login(demo.enterprise1).get("/techregistry/?q=氢冶金&industry=31&trl_min=6")
    assert f'data-achievement="{a.pk}"' in page.content.decode()
    assert (
        f'data-achievement="{a.pk}"'
        not in login(demo.enterprise1).get("/techregistry/?q=储能").content.decode()
    )


def test_api_workflow_and_errors(demo, token_client):
    owner = token_client(demo.techowner)
    resp = _post_json(owner, "/api/v1/techregistry/achievements", {**BASE, "reduction_tco2e_per_year": 12000})
    assert resp.status_code == 201, resp.content
    aid = resp.json()["id"]
    assert resp.json()["status"] == "draft" and resp.json()["industry_codes"] == ["3110"]
    bad = _post_json(owner, "/api/v1/techregistry/achievements", {**BASE, "trl": 0})
    assert bad.status_code == 400 and "trl" in bad.json()["extra"]["fields"]
    missing = _post_json(owner, "/api/v1/techregistry/achievements", {"title": "x"})
    assert missing.status_code == 400 and "summary" in missing.json()["extra"]["fields"]
    ent = token_client(demo.enterprise1)
    assert _post_json(ent, "/api/v1/techregistry/achievements", BASE).status_code == 403
    reviewer = token_client(demo.regulator)
    wrong = _post_json(reviewer, f"/api/v1/techregistry/achievements/{aid}/review", {"decision": "publish"})
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
    assert owner.post(f"/api/v1/techregistry/achievements/{aid}/submit").json()["status"] == "submitted"
    assert owner.post(f"/api/v1/techregistry/achievements/{aid}/submit").status_code == 409
    assert (
        _post_json(
            owner, f"/api/v1/techregistry/achievements/{aid}/review", {"decision": "publish"}
        ).status_code
        == 403
    )
    ret = _post_json(reviewer, f"/api/v1/techregistry/achievements/{aid}/review", {"decision": "return"})
    assert ret.status_code == 400 and "comment" in ret.json()["extra"]["fields"]
    ok = _post_json(reviewer, f"/api/v1/techregistry/achievements/{aid}/review", {"decision": "publish"})
    assert ok.status_code == 200 and ok.json()["status"] == "published"
    assert ent.get(f"/api/v1/techregistry/achievements/{aid}").status_code == 200
    assert ent.get("/api/v1/techregistry/achievements/999999").status_code == 404


def test_needs_permissions_and_matching_order(demo, token_client, login):
    best = _make(demo, publish=True)
    other_domain = _make(
        demo,
        publish=True,
        title="建筑光储直柔系统",
        domain="building",
        industry_codes=[],
        trl=9,
        summary="光伏、储能、直流配电和柔性用电的建筑能源系统。",
        cpc_codes=["Y02B"],
    )
    low_trl = _make(demo, publish=True, title="氢冶金实验室技术", trl=3, summary="氢冶金的实验室验证。")
    _make(demo, title="未发布的氢冶金草稿")
    steel = token_client(demo.users["enterprise3"])  # the demo steel enterprise
    need = {
        "title": "炼铁工序降碳",
        "description": "希望采用氢冶金技术降低高炉炼铁的二氧化碳排放",
        "industry_code": "3110",
        "domain": "industry",
        "min_trl": 6,
    }
    resp = _post_json(steel, "/api/v1/techregistry/needs", need)
    assert resp.status_code == 201, resp.content
    nid = resp.json()["id"]
    assert _post_json(
        steel, "/api/v1/techregistry/needs", {**need, "min_trl": 10, "industry_code": "zz"}
    ).json()["extra"]["fields"].keys() == {"min_trl", "industry_code"}
    assert _post_json(token_client(demo.techowner), "/api/v1/techregistry/needs", need).status_code == 403
    matches = steel.get(f"/api/v1/techregistry/needs/{nid}/matches").json()
    assert [m["achievement"]["id"] for m in matches] == [best.pk, low_trl.pk, other_domain.pk]
    top = matches[0]
    assert top["parts"]["domain"] == top["parts"]["industry"] == top["parts"]["trl"] == 1.0
    assert matches[1]["parts"]["trl"] == 0.0
    assert 0 <= matches[-1]["score"] < matches[1]["score"] < top["score"] <= 1
    # who sees the need: its enterprise, technology owners (open needs), reviewers; not another enterprise
    assert token_client(demo.enterprise1).get(f"/api/v1/techregistry/needs/{nid}").status_code == 404
    assert token_client(demo.techowner).get(f"/api/v1/techregistry/needs/{nid}").status_code == 200
    assert token_client(demo.regulator).get(f"/api/v1/techregistry/needs/{nid}").status_code == 200
    assert token_client(demo.verifier).get("/api/v1/techregistry/needs").status_code == 403
    assert login(demo.analyst).get("/techregistry/needs/").status_code == 403
    # the owner sees the need among its achievement's matches, on the page and through the API
    owner_matches = (
        token_client(demo.techowner).get(f"/api/v1/techregistry/achievements/{best.pk}/matches").json()
    )
    assert owner_matches[0]["need"]["id"] == nid
    page = login(demo.techowner).get(f"/techregistry/achievements/{best.pk}/").content.decode()
    assert f'data-need="{nid}"' in page
    page = login(demo.users["enterprise3"]).get(f"/techregistry/needs/{nid}/").content.decode()
    assert page.index(f'data-achievement="{best.pk}"') < page.index(f'data-achievement="{low_trl.pk}"')
    # closing
    assert token_client(demo.techowner).post(f"/api/v1/techregistry/needs/{nid}/close").status_code == 403
    assert steel.post(f"/api/v1/techregistry/needs/{nid}/close").json()["status"] == "closed"
    assert steel.post(f"/api/v1/techregistry/needs/{nid}/close").status_code == 409
    assert token_client(demo.techowner).get(f"/api/v1/techregistry/needs/{nid}").status_code == 404


def test_need_page_form(demo, login):
    client = login(demo.users["enterprise2"])
    bad = client.post("/techregistry/needs/new/", {"title": "x", "description": "y", "industry_code": "zz"})
    assert bad.status_code == 200 and 'data-field="industry_code"' in bad.content.decode()
    ok = client.post(
        "/techregistry/needs/new/",
        {"title": "水泥窑降碳", "description": "替代燃料", "industry_code": "3011"},
    )
    assert ok.status_code == 302
    assert login(demo.techowner).get("/techregistry/needs/new/").status_code == 403


def _grow(demo, n):
    for i in range(n):
        a = _make(
            demo,
            publish=True,
            title=f"成果{TechnologyAchievement.objects.count()}-{i}",
            industry_codes=["3110", "3120"],
        )
        del a


@pytest.mark.parametrize(("username", "pinned"), [("admin", 5), ("techowner", 6), ("enterprise1", 6)])
def test_achievement_list_page_query_count_is_pinned(
    demo, login, django_assert_num_queries, username, pinned
):
    client = login(demo.users[username])
    _grow(demo, 2)
    client.get("/techregistry/")  # warm the session
    with django_assert_num_queries(pinned):  # the same number for 2 records as for 7
        client.get("/techregistry/")
    _grow(demo, 5)
    with django_assert_num_queries(pinned):
        resp = client.get("/techregistry/")
    assert resp.status_code == 200


@pytest.mark.parametrize(("username", "pinned"), [("admin", 4), ("techowner", 4), ("enterprise1", 4)])
def test_achievement_api_list_query_count_is_pinned(
    demo, token_client, django_assert_num_queries, username, pinned
):
    api = token_client(demo.users[username])
    api.get("/api/v1/platform/me")
    _grow(demo, 2)
    with django_assert_num_queries(pinned):  # the same number for 2 records as for 7
        api.get("/api/v1/techregistry/achievements?page_size=100")
    _grow(demo, 5)
    with django_assert_num_queries(pinned):
        resp = api.get("/api/v1/techregistry/achievements?page_size=100")
    assert resp.status_code == 200 and resp.json()["count"] == 7


def test_demo_records_and_menu(demo, login):
    from dualcarbon_web.techregistry.demo import demo_techregistry_load

    out = demo_techregistry_load(demo.orgs)
    again = demo_techregistry_load(demo.orgs)
    assert [a.pk for a in out["achievements"]] == [a.pk for a in again["achievements"]]
    assert [a.status for a in out["achievements"]] == ["published", "submitted"]
    assert all(a.is_example for a in TechnologyAchievement.objects.all())
    created = AuditEntry.objects.filter(object_type="techregistry.technologyachievement", action="create")
    assert [e.after["is_example"] for e in created] == [True, True]  # marked in the audited write
    matches = selectors.need_matches(need=out["need"])
    assert matches[0][0].pk == out["achievements"][0].pk
    menu = login(demo.techowner).get("/").content.decode()
    assert "/techregistry/" in menu and "/techregistry/needs/" in menu
    assert "/techregistry/needs/" not in login(demo.analyst).get("/").content.decode()


def test_home_dashboards(demo, login):
    from dualcarbon_web.techregistry.demo import demo_techregistry_load

    out = demo_techregistry_load(demo.orgs)
    html = login(demo.techowner).get("/").content.decode()
    assert 'data-testid="tech-dashboard"' in html
    assert 'data-status="published">' in html and f'data-need="{out["need"].pk}"' in html
    d = selectors.owner_dashboard(user=demo.techowner)
    assert [(v, n) for _label, n, v in d["by_status"]] == [
        ("draft", 0),
        ("submitted", 1),
        ("published", 1),
        ("returned", 0),
    ]
    assert d["top_needs"][0]["achievement"].pk == out["achievements"][0].pk
    assert (
        'data-testid="tech-review-count"><a href="/techregistry/?status=submitted">1<'
        in login(demo.regulator).get("/").content.decode()
    )
    assert "tech-dashboard" not in login(demo.enterprise1).get("/").content.decode()


def test_out_of_range_filters_are_not_server_errors(demo, token_client):
    _make(demo, publish=True)
    api = token_client(demo.enterprise1)
    for trl_min, count in [(-(10**30), 1), (0, 1), (7, 1), (8, 0), (10**30, 0)]:
        resp = api.get("/api/v1/techregistry/achievements", {"trl_min": trl_min})
        assert resp.status_code == 200 and resp.json()["count"] == count, trl_min
    assert api.get(f"/api/v1/techregistry/achievements/{10**30}").status_code in (400, 404)


def test_pages_in_english(demo, login):
    a = _make(demo, publish=True)
    client = login(demo.techowner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    listing = client.get("/techregistry/").content.decode()
    assert "Technology achievements" in listing and "Record a technology achievement" in listing
    assert "Published" in listing and "已发布" not in listing
    detail = client.get(f"/techregistry/achievements/{a.pk}/").content.decode()
    assert "TRL 7 · System prototype demonstration in operational environment" in detail
    assert "Matching technology needs" in detail and "技术就绪水平" not in detail
