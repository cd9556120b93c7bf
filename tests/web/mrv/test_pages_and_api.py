"""MRV pages and API for every role: the submit button on the run page, the list, the detail page with
its checks, the record download; the same visibility through the API (404 for what a role may not
see, 403 for roles without MRV), bad input in the one error shape, and pinned query counts."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.mrv import services
from dualcarbon_web.mrv.models import ReportSubmission

# Who sees a submission of enterprise1 (湛江, Guangdong) and of enterprise7 (湘潭, Hunan).
SEES_GUANGDONG = {"admin", "regulator", "verifier", "enterprise1"}
SEES_HUNAN = {"admin", "enterprise7"}
NO_MRV = {"techowner", "analyst"}


def _wanted(username, s1, s7):
    return {s.pk for s, seers in ((s1, SEES_GUANGDONG), (s7, SEES_HUNAN)) if username in seers}


@pytest.fixture
def two(demo, calculated, run_of):
    """Submitted reports of enterprise1 (Guangdong) and enterprise7 (Hunan)."""
    s1 = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    s7 = services.report_submit(user=demo.enterprise7, run=run_of(calculated(7)))
    return s1, s7


def test_enterprise_submits_from_the_run_page(demo, login, calculated):
    inv = calculated(1)
    client = login(demo.enterprise1)
    page = client.get(f"/accounting/runs/{inv.latest_run_id}/").content.decode()
    assert 'data-testid="submit-report"' in page
    resp = client.post(f"/mrv/runs/{inv.latest_run_id}/submit/")
    s = ReportSubmission.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/mrv/submissions/{s.pk}/"
    page = client.get(f"/accounting/runs/{inv.latest_run_id}/").content.decode()
    assert f'data-leaf-index="{s.leaf_index}"' in page and 'data-testid="submit-report"' not in page
    assert f"透明日志序号 {s.leaf_index}" in page

    detail = client.get(resp["Location"]).content.decode()
    assert 'data-testid="verdict" data-ok="true"' in detail
    assert detail.count('data-ok="true"') == 10 and 'data-ok="false"' not in detail  # verdict + 9 checks
    assert f'href="/ledger/entries/{s.leaf_index}/"' in detail
    assert f"/ledger/entries/{s.leaf_index}/bundle.json?size={s.tree_size}" in detail
    record = client.get(f"/mrv/submissions/{s.pk}/record.json")
    assert hashlib.sha256(record.content).hexdigest() == s.record_sha256
    assert client.get(f"/ledger/entries/{s.leaf_index}/").status_code == 200


def test_submitting_twice_from_the_page_shows_the_reason(demo, login, calculated):
    inv = calculated(1)
    client = login(demo.enterprise1)
    client.post(f"/mrv/runs/{inv.latest_run_id}/submit/")
    resp = client.post(f"/mrv/runs/{inv.latest_run_id}/submit/", follow=True)
    assert "already been submitted" in resp.content.decode()
    assert ReportSubmission.objects.count() == 1


@pytest.mark.parametrize("username", ["regulator", "verifier", "admin"])
def test_others_see_no_submit_button(demo, login, calculated, username):
    inv = calculated(1)
    page = login(demo.users[username]).get(f"/accounting/runs/{inv.latest_run_id}/").content.decode()
    assert ('data-testid="submit-report"' in page) == (username == "admin")
    assert 'data-testid="not-submitted"' in page or username == "admin"


@pytest.mark.parametrize("username", ["enterprise2", "city_regulator"])
def test_submit_of_an_invisible_run_is_404(demo, login, calculated, username):
    inv = calculated(1)
    resp = login(demo.users[username]).post(f"/mrv/runs/{inv.latest_run_id}/submit/")
    assert resp.status_code == 404 and ReportSubmission.objects.count() == 0


@pytest.mark.parametrize(("username", "status"), [("regulator", 403), ("verifier", 403), ("analyst", 403)])
def test_submit_by_a_role_that_may_not_is_403(demo, login, calculated, username, status):
    inv = calculated(1)
    resp = login(demo.users[username]).post(f"/mrv/runs/{inv.latest_run_id}/submit/")
    assert resp.status_code == status and ReportSubmission.objects.count() == 0


@pytest.mark.parametrize(
    "username",
    [
        "admin",
        "regulator",
        "city_regulator",
        "verifier",
        "enterprise1",
        "enterprise7",
        "techowner",
        "analyst",
    ],
)
def test_pages_show_each_role_what_it_may_see(demo, login, two, username):
    s1, s7 = two
    client = login(demo.users[username])
    resp = client.get("/mrv/")
    if username in NO_MRV:
        assert resp.status_code == 403
        assert client.get(f"/mrv/submissions/{s1.pk}/").status_code == 403
        return
    html = resp.content.decode()
    listed = {s.pk for s in (s1, s7) if f'data-submission="{s.pk}"' in html}
    want = _wanted(username, s1, s7)
    assert listed == want
    for s, seers in ((s1, SEES_GUANGDONG), (s7, SEES_HUNAN)):
        assert client.get(f"/mrv/submissions/{s.pk}/").status_code == (200 if username in seers else 404)
        assert client.get(f"/mrv/submissions/{s.pk}/record.json").status_code == (
            200 if username in seers else 404
        )


@pytest.mark.parametrize(
    "username",
    [
        "admin",
        "regulator",
        "city_regulator",
        "verifier",
        "enterprise1",
        "enterprise7",
        "techowner",
        "analyst",
    ],
)
def test_api_has_the_same_visibility(demo, token_client, two, username):
    s1, s7 = two
    api = token_client(demo.users[username])
    resp = api.get("/api/v1/mrv/submissions")
    if username in NO_MRV:
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
        assert api.get(f"/api/v1/mrv/submissions/{s1.pk}").status_code == 403
        return
    body = resp.json()
    want = _wanted(username, s1, s7)
    assert {i["id"] for i in body["items"]} == want and body["count"] == len(want)
    for s, seers in ((s1, SEES_GUANGDONG), (s7, SEES_HUNAN)):
        detail = api.get(f"/api/v1/mrv/submissions/{s.pk}")
        if username in seers:
            assert detail.status_code == 200 and detail.json()["leaf_index"] == s.leaf_index
            check = api.get(f"/api/v1/mrv/submissions/{s.pk}/verification").json()
            assert check["ok"] and len(check["checks"]) == 9
        else:
            assert detail.status_code == 404 and detail.json()["code"] == "not_found"
            assert api.get(f"/api/v1/mrv/submissions/{s.pk}/verification").status_code == 404


def test_api_submit_and_its_errors(demo, token_client, calculated):
    from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate

    inv = calculated(1)
    api = token_client(demo.enterprise1)
    size = LedgerEntry.objects.count()
    created = api.post(
        "/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["run_id"] == inv.latest_run_id and body["is_current"] and body["supersedes_id"] is None
    assert body["leaf_index"] == size and LedgerEntry.objects.count() == size + 1

    again = api.post(
        "/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert "already been submitted" in again.json()["message"]

    old_run = inv.latest_run_id
    activity_line_add(
        user=demo.enterprise1,
        inventory=inv,
        data={"category": "direct_gas", "item": "CH4", "quantity": 3, "unit": "t"},
    )
    inventory_calculate(user=demo.enterprise1, inventory=inv)
    inv.refresh_from_db()
    stale = api.post("/api/v1/mrv/submissions", {"run_id": old_run}, content_type="application/json")
    assert stale.status_code == 409 and "not the latest" in stale.json()["message"]
    newer = api.post(
        "/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json"
    )
    assert newer.status_code == 201 and newer.json()["supersedes_id"] == body["id"]
    listed = api.get("/api/v1/mrv/submissions?current=false").json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]

    for payload, field in (({}, "run_id"), ({"run_id": "abc"}, "run_id"), ({"run_id": 0}, "run_id")):
        bad = api.post("/api/v1/mrv/submissions", payload, content_type="application/json")
        assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
        assert field in bad.json()["extra"]["fields"]
    missing = api.post("/api/v1/mrv/submissions", {"run_id": 10**9}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api.get("/api/v1/mrv/submissions/99999999999999999999").status_code in (400, 404)
    assert api.get("/api/v1/mrv/submissions?page=0").status_code == 400


@pytest.mark.parametrize(
    ("username", "status"),
    [("enterprise2", 404), ("city_regulator", 404), ("regulator", 403), ("verifier", 403), ("analyst", 403)],
)
def test_api_submit_refusals(demo, token_client, calculated, username, status):
    inv = calculated(1)
    resp = token_client(demo.users[username]).post(
        "/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json"
    )
    assert resp.status_code == status and resp.json()["code"] == {404: "not_found", 403: "forbidden"}[status]
    assert ReportSubmission.objects.count() == 0 and LedgerEntry.objects.count() == 0


def test_the_menu_and_the_dashboard_link(demo, login):
    html = login(demo.enterprise1).get("/").content.decode()
    assert 'data-nav="mrv:submission_list"' in html


# --------------------------------------------------------------------------- query counts


def _grow(demo, calculated, run_of, years):
    for year in years:
        for n in (1, 2):
            inv = calculated(n, year=year)
            services.report_submit(user=demo.users[f"enterprise{n}"], run=run_of(inv))


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("username", "pinned"), [("admin", 4), ("regulator", 6), ("verifier", 6), ("enterprise1", 5)]
)
def test_submission_list_page_query_count_is_pinned(
    demo, login, calculated, run_of, django_assert_num_queries, username, pinned
):
    client = login(demo.users[username])
    _grow(demo, calculated, run_of, [2019])
    few = _count(client, "/mrv/")
    _grow(demo, calculated, run_of, range(2015, 2019))
    with django_assert_num_queries(pinned):
        resp = client.get("/mrv/")
    assert resp.status_code == 200 and few == pinned


@pytest.mark.parametrize(
    ("username", "pinned"), [("admin", 3), ("regulator", 3), ("verifier", 4), ("enterprise1", 3)]
)
def test_submission_api_list_query_count_is_pinned(
    demo, token_client, calculated, run_of, django_assert_num_queries, username, pinned
):
    api = token_client(demo.users[username])
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    _grow(demo, calculated, run_of, [2019])
    few = _count(api, "/api/v1/mrv/submissions")
    _grow(demo, calculated, run_of, range(2015, 2019))
    with django_assert_num_queries(pinned):
        resp = api.get("/api/v1/mrv/submissions?page_size=100")
    assert resp.status_code == 200 and len(resp.json()["items"]) >= 2 and few == pinned
