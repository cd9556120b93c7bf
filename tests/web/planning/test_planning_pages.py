"""Planning pages and API: roles, menu, values equal to the core, CSV errors, no CDN."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dualcarbon.planning import kaya_owid, track_all

PAGES = ("planning:tracking", "planning:lmdi", "planning:macc")
ALLOWED = ("analyst", "regulator", "admin")
REFUSED = ("enterprise1", "verifier", "techowner")

MEASURES = """name,cost_per_t,potential_t
industrial motor upgrade,-144.2275,1500
EV fleet substitution,-86.6173,3000
cement waste-heat recovery,-49.8371,30000
rooftop PV,16.3501,9000
coal-plant CCUS retrofit,453.7044,1000000
"""


@pytest.mark.parametrize("username", ALLOWED)
def test_pages_open_for_allowed_roles_and_menu_shows_entry(username, demo, login):
    client = login(demo.users[username])
    for name in PAGES:
        res = client.get(reverse(name))
        assert res.status_code == 200, name
    home = client.get(reverse("platform:home")).content.decode()
    assert 'data-nav="planning:tracking"' in home


@pytest.mark.parametrize("username", REFUSED)
def test_other_roles_are_refused_and_have_no_menu_entry(username, demo, login):
    client = login(demo.users[username])
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert 'data-nav="planning:tracking"' not in client.get(reverse("platform:home")).content.decode()
    assert client.get("/api/v1/planning/tracking").status_code == 403


def test_anonymous_is_sent_to_login(db, client):
    res = client.get(reverse("planning:tracking"))
    assert res.status_code == 302 and "login" in res["Location"]


def test_tracking_page_shows_values_and_certainty(demo, login):
    html = login(demo.analyst).get(reverse("planning:tracking")).content.decode()
    assert 'data-testid="target-fyp14_co2_intensity"' in html
    assert 'data-certainty="UNCERTAIN"' in html  # 2023 "remained flat" is a journalistic characterisation
    assert "-4.57%" in html
    assert "plotly/plotly.min.js" in html and "cdn" not in html.lower()


def test_lmdi_page_values_equal_core(demo, login):
    res = login(demo.analyst).get(
        reverse("planning:lmdi"), {"region": "China", "year_from": 2005, "year_to": 2020}
    )
    html = res.content.decode()
    core = kaya_owid("China", 2005, 2020)
    for e in core.effects:
        assert f'data-factor="{e.factor}"' in html
        assert f'data-effect="{e.effect}"' in html
    assert "5023.59" in html
    assert '"waterfall"' in html


def test_lmdi_page_names_missing_gdp(demo, login):
    res = login(demo.analyst).get(
        reverse("planning:lmdi"), {"region": "European Union (27)", "year_from": 2005, "year_to": 2020}
    )
    assert res.status_code == 200
    assert "gdp" in res.content.decode()


def test_macc_page_portfolio(demo, login):
    res = login(demo.analyst).post(
        reverse("planning:macc"), {"text": MEASURES, "target": "40000", "method": "lp"}
    )
    assert res.status_code == 200
    html = res.content.decode()
    total = re.search(r'data-testid="total-cost">([^<]+)<', html).group(1)
    assert total.replace(",", "") in ("-1881381", "-1881380")
    assert 'data-testid="marginal">16.35<' in html


def test_macc_page_bad_csv_names_row_and_column(demo, login):
    bad = "name,cost_per_t,potential_t\nA,1,2\nB,abc,3\n"
    res = login(demo.analyst).post(reverse("planning:macc"), {"text": bad, "target": "1", "method": "greedy"})
    assert res.status_code == 422
    html = res.content.decode()
    assert 'data-row="3"' in html and 'data-column="cost_per_t"' in html
    assert "row 3" in html and "abc" in html


def test_macc_page_infeasible_names_shortfall(demo, login):
    res = login(demo.analyst).post(
        reverse("planning:macc"), {"text": MEASURES, "target": "2000000", "method": "greedy"}
    )
    assert res.status_code == 422
    assert "956,500.00" in res.content.decode()


def test_api_tracking_equals_core(demo, token_client):
    res = token_client(demo.analyst).get("/api/v1/planning/tracking", {"as_of": 2022})
    assert res.status_code == 200
    got = {d["target"]["key"]: d for d in res.json()}
    for r in track_all(as_of=2022):
        d = got[r.target.key]
        assert d["achieved_pct"] == pytest.approx(r.achieved * 100)
        assert d["certainty"] == r.certainty
    assert got["fyp14_co2_intensity"]["required_annual_rate_pct"] == pytest.approx(-4.93, abs=0.005)


def test_api_lmdi_equals_core_and_errors(demo, token_client):
    c = token_client(demo.regulator)
    res = c.get("/api/v1/planning/lmdi", {"year_from": 2015, "year_to": 2022})
    assert res.status_code == 200
    core = kaya_owid("China", 2015, 2022)
    assert [e["effect"] for e in res.json()["effects"]] == pytest.approx([e.effect for e in core.effects])
    res = c.get("/api/v1/planning/lmdi", {"year_from": 2015, "year_to": 2023})
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "invalid_input" and body["extra"]["column"] == "gdp"


def test_api_macc_csv_and_list(demo, token_client):
    c = token_client(demo.admin)
    res = c.post(
        "/api/v1/planning/macc", {"target": 40000, "measures_csv": MEASURES}, content_type="application/json"
    )
    assert res.status_code == 200
    p = res.json()["portfolio"]
    assert p["total_cost"] == pytest.approx(-1_881_381, abs=2)
    res = c.post(
        "/api/v1/planning/macc",
        {"target": 5, "method": "lp", "measures": [{"name": "a", "cost_per_t": 3, "potential_t": 10}]},
        content_type="application/json",
    )
    assert res.status_code == 200 and res.json()["portfolio"]["total_cost"] == pytest.approx(15)
    res = c.post(
        "/api/v1/planning/macc",
        {"target": 1, "measures_csv": "name,cost_per_t,potential_t\nA,1,x\n"},
        content_type="application/json",
    )
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "invalid_input"
    assert body["extra"] == {"row": 2, "column": "potential_t", "source": "measures_csv"}


def test_dashboard_headline_for_planning_roles_only(demo, login):
    html = login(demo.analyst).get(reverse("platform:home")).content.decode()
    assert (
        'data-testid="planning-headline"' in html
        and "-4.57%" in html
        and 'data-certainty="UNCERTAIN"' in html
    )
    html = login(demo.enterprise1).get(reverse("platform:home")).content.decode()
    assert 'data-testid="planning-headline"' not in html
