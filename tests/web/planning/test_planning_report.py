"""Annual assessment report page and API: roles, values equal to the core, downloads, bad year."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from dualcarbon.planning.report import assessment, render_markdown

ALLOWED = ("analyst", "regulator", "admin")
REFUSED = ("enterprise1", "verifier", "techowner")


@pytest.mark.parametrize("username", ALLOWED)
def test_report_page_for_allowed_roles(username, demo, login):
    client = login(demo.users[username])
    res = client.get(reverse("planning:report"), {"year": 2023})
    assert res.status_code == 200
    html = res.content.decode()
    assert f'href="{reverse("planning:report")}"' in html  # linked from the planning tabs
    assert 'data-light="off_track"' in html and 'data-light="at_risk"' in html
    assert "-4.57%" in html and "-7.30%" in html
    assert 'data-certainty="UNCERTAIN"' in html
    assert "@media print" in html


@pytest.mark.parametrize("username", REFUSED)
def test_report_refused_for_other_roles(username, demo, login, token_client):
    assert login(demo.users[username]).get(reverse("planning:report")).status_code == 403
    assert (
        token_client(demo.users[username]).get("/api/v1/planning/report", {"year": 2023}).status_code == 403
    )


def test_report_page_2022_values_and_tabs_link(demo, login):
    client = login(demo.analyst)
    html = client.get(reverse("planning:report"), {"year": 2022}).content.decode()
    a = assessment(2022)
    co2 = next(s for s in a.sections if s.target.key == "fyp14_co2_intensity")
    assert f"{co2.tracking.required_rate * 100:.2f}%" in html  # −4.93 %
    assert f"{co2.ratio:.3f}" in html
    assert 'data-light="at_risk"' in html
    tabs = client.get(reverse("planning:tracking")).content.decode()
    assert reverse("planning:report") in tabs


def test_downloads_equal_core(demo, login):
    client = login(demo.regulator)
    res = client.get(reverse("planning:report"), {"year": 2023, "download": "json"})
    assert res.status_code == 200 and "attachment" in res["Content-Disposition"]
    assert json.loads(res.content) == json.loads(json.dumps(assessment(2023).to_json()))
    res = client.get(reverse("planning:report"), {"year": 2023, "download": "md"})
    assert res.content.decode() == render_markdown(assessment(2023))
    res = client.get(reverse("planning:report"), {"year": 2023, "download": "csv"})
    assert res.content.decode() == assessment(2023).to_csv()
    assert client.get(reverse("planning:report"), {"year": 2023, "download": "pdf"}).status_code == 400


@pytest.mark.parametrize("year", ["2019", "2030", "abc"])
def test_report_page_bad_year_names_field(year, demo, login):
    res = login(demo.analyst).get(reverse("planning:report"), {"year": year})
    assert res.status_code == 400
    assert 'data-testid="report-error"' in res.content.decode()
    assert "year" in res.content.decode()


def test_api_report_equals_core_and_errors(demo, token_client):
    c = token_client(demo.analyst)
    res = c.get("/api/v1/planning/report", {"year": 2023})
    assert res.status_code == 200
    assert res.json() == json.loads(json.dumps(assessment(2023).to_json()))
    assert res.json()["targets"][0]["achieved_pct"] == pytest.approx(-4.5696)
    res = c.get("/api/v1/planning/report", {"year": 2030})
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "invalid_input" and body["extra"]["column"] == "year"
    res = c.get("/api/v1/planning/report", {"year": "abc"})
    assert res.status_code in (400, 422) and "year" in res.content.decode()


def test_report_page_in_english(demo, login):
    import re

    client = login(demo.analyst)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("planning:report"), {"year": 2023}).content.decode()
    main = html.split('<main class="content">', 1)[1].split("</main>", 1)[0]
    assert "Annual assessment report" in main and "Off track (red)" in main and "At risk (amber)" in main
    assert "not an official rule" in main and "OWID basis, not the official basis" in main
    assert not re.search(r"[\u4e00-\u9fff]", main), re.findall(r"[\u4e00-\u9fff]+", main)[:10]
