"""Adversarial review of the planning app (read-only): every page and endpoint refuses the roles
outside planning (pages 403, API 403, anonymous 401 / sign-in), the MACC form POST is CSRF-checked
(page and session API), and hostile input is a clean 4xx, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

PAGES = ("/planning/", "/planning/lmdi/", "/planning/macc/", "/planning/report/")
ENDPOINTS = (
    "/api/v1/planning/tracking",
    "/api/v1/planning/lmdi?year_from=2015&year_to=2020",
    "/api/v1/planning/report?year=2023",
)
MACC = {"target": 100, "measures": [{"name": "a", "cost_per_t": 1, "potential_t": 1000}]}


@pytest.mark.parametrize("username", ["enterprise1", "verifier", "techowner"])
def test_roles_outside_planning_are_refused_everywhere(demo, login, token_client, username):
    c, api = login(demo.users[username]), token_client(demo.users[username])
    for url in PAGES:
        assert c.get(url).status_code == 403, url
    assert c.post("/planning/macc/", {"text": "x", "target": 1, "method": "greedy"}).status_code == 403
    for url in ENDPOINTS:
        r = api.get(url)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", url
    r = api.post("/api/v1/planning/macc", json.dumps(MACC), content_type="application/json")
    assert r.status_code == 403


def test_anonymous_gets_nothing(db):
    c = Client()
    for url in PAGES:
        assert c.get(url).status_code == 302, url
    for url in ENDPOINTS:
        assert c.get(url).status_code == 401, url


def test_macc_posts_are_csrf_checked(demo):
    c = Client(enforce_csrf_checks=True)
    c.force_login(demo.analyst)
    data = {"text": "name,cost_per_t,potential_t\na,1,1000\n", "target": 100, "method": "greedy"}
    assert c.post("/planning/macc/", data).status_code == 403
    r = c.post("/api/v1/planning/macc", json.dumps(MACC), content_type="application/json")
    assert r.status_code in (401, 403)
    c.get("/planning/macc/")
    token = c.cookies["csrftoken"].value
    assert c.post("/planning/macc/", {**data, "csrfmiddlewaretoken": token}).status_code == 200
    r = c.post(
        "/api/v1/planning/macc", json.dumps(MACC), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert r.status_code == 200


def test_hostile_input_is_a_clean_4xx(demo, login, token_client):
    api, c = token_client(demo.analyst), login(demo.analyst)
    for url in (
        "/api/v1/planning/tracking?as_of=abc",
        f"/api/v1/planning/tracking?as_of={2**70}",
        "/api/v1/planning/lmdi?year_from=abc&year_to=2020",
        f"/api/v1/planning/lmdi?year_from={2**70}&year_to=2020",
        "/api/v1/planning/lmdi?year_from=2015&year_to=2020&region=" + "x" * 5000,
        "/api/v1/planning/lmdi?year_from=2015&year_to=2020&region=%00",
        f"/api/v1/planning/report?year={2**70}",
        "/api/v1/planning/report?year=abc",
    ):
        assert 400 <= api.get(url).status_code < 500, url
    assert (
        400 <= api.get("/api/v1/planning/lmdi?year_from=2015&year_to=2020&region=Atlantis").status_code < 500
    )
    # a NUL in a measure name is only echoed back (nothing is stored): accepted, not a 500
    body = {"target": 1, "measures_csv": "name,cost_per_t,potential_t\na\x00,1,1000\n"}
    assert (
        api.post("/api/v1/planning/macc", json.dumps(body), content_type="application/json").status_code
        == 200
    )
    for body in (
        {"target": 1, "measures": [{"name": "x" * 201, "cost_per_t": 1, "potential_t": 1}]},
        {"target": -1, "measures": MACC["measures"]},
        {"target": 1e300, "measures": MACC["measures"]},
        {"target": 1, "measures_csv": "x" * 1_000_001},
        {"target": 1, "measures": [{"name": "a", "cost_per_t": "NaN", "potential_t": 1}]},
    ):
        r = api.post("/api/v1/planning/macc", json.dumps(body), content_type="application/json")
        assert 400 <= r.status_code < 500, (r.status_code, str(body)[:80])
    for query in ("region=%00", "year_from=abc", f"year_from={2**70}&year_to=2020", "region=" + "x" * 5000):
        assert c.get(f"/planning/lmdi/?{query}").status_code in (200, 400), query
    for query in (f"year={2**70}", "year=abc", "year=%00"):
        assert c.get(f"/planning/report/?{query}").status_code < 500, query
