"""Pages and API of top-down monitoring: who may use them, who sees which run, the run page's map,
charts and flagged facilities (linking only to inventories the viewer may open), the progress
polling, and the REST operations."""

from __future__ import annotations

import json

from dualcarbon_web.inversion.models import InversionRun
from dualcarbon_web.inversion.views import run_results_payload

PAGES = (
    "/inversion/",
    "/inversion/new/",
    "/inversion/observations/",
    "/inversion/observations/upload/",
    "/inversion/observations/synthetic/",
)


def test_other_roles_are_refused_pages_and_api(province, osse_run, token_client):
    from django.test import Client

    for username in ("enterprise1", "verifier", "techowner"):
        _refused(province.users[username], osse_run, Client(), token_client)


def _refused(user, osse_run, client, token_client):
    client.force_login(user)
    for url in (*PAGES, f"/inversion/{osse_run.pk}/", f"/inversion/{osse_run.pk}/progress/"):
        assert client.get(url).status_code == 403, url
    api = token_client(user)
    for url in (
        "/api/v1/inversion/runs",
        f"/api/v1/inversion/runs/{osse_run.pk}",
        f"/api/v1/inversion/runs/{osse_run.pk}/results",
        "/api/v1/inversion/observation-sets",
    ):
        resp = api.get(url)
        assert resp.status_code == 403, url
        assert resp.json()["code"] == "forbidden"
    resp = api.post(
        "/api/v1/inversion/runs",
        {"name": "x", "observation_set_id": osse_run.observation_set_id, "year": 2023},
        content_type="application/json",
    )
    assert resp.status_code == 403


def test_menu_roles_open_every_page(province):
    from django.test import Client

    for username in ("regulator", "analyst", "admin", "city_regulator"):
        client = Client()
        client.force_login(province.users[username])
        for url in PAGES:
            assert client.get(url).status_code == 200, (username, url)


def test_city_regulator_never_sees_the_province_run(province, osse_run, login, token_client):
    city = province.city_regulator
    page = login(city).get("/inversion/")
    assert osse_run.name not in page.content.decode()
    assert login(city).get(f"/inversion/{osse_run.pk}/").status_code == 404
    api = token_client(city)
    assert api.get("/api/v1/inversion/runs").json()["count"] == 0
    resp = api.get(f"/api/v1/inversion/runs/{osse_run.pk}/results")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert api.get("/api/v1/inversion/observation-sets").json()["count"] == 0
    # nor may it start a run on the province's observation set
    resp = api.post(
        "/api/v1/inversion/runs",
        {"name": "x", "observation_set_id": osse_run.observation_set_id, "year": 2023},
        content_type="application/json",
    )
    assert resp.status_code == 404
    # the analyst sees only its own work (none); the administrator everything
    assert token_client(province.analyst).get("/api/v1/inversion/runs").json()["count"] == 0
    assert token_client(province.admin).get("/api/v1/inversion/runs").json()["count"] == 1


def test_province_regulator_sees_its_cities_runs(province, login):
    from dualcarbon_web.inversion.services import inversion_run_create, observation_set_generate_osse

    city = province.city_regulator
    obs = observation_set_generate_osse(user=city, name="广州 OSSE", year=2023, hours=4)
    assert obs.region == city.jurisdiction and obs.n_obs == 2 * 4 * 4
    run = inversion_run_create(user=city, name="广州 2023", observation_set=obs, year=2023)
    assert run.region.code == "440100"
    assert login(province.regulator).get(f"/inversion/{run.pk}/").status_code == 200


def test_run_page_draws_map_charts_and_links_flagged_facilities(province, osse_run, kiln, login):
    resp = login(province.regulator).get(f"/inversion/{osse_run.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    for marker in (
        'id="chart-map"',
        'id="chart-facilities"',
        'id="chart-totals"',
        'id="chart-ak"',
        "plotly/plotly.min.js",
        'data-testid="synthetic-notice"',
        "scaleanchor",
    ):
        assert marker in html, marker
    start = html.index('id="inversion-data"')
    payload = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert len(payload["facilities"]) == 13 and len(payload["stations"]) == 52
    flagged = [f for f in payload["facilities"] if f["flagged"]]
    assert [f["code"] for f in flagged] == ["NH-K1"]
    inventory_id = flagged[0]["inventory_id"]
    table = html[html.index('data-testid="flagged-table"') :]
    table = table[: table.index("</table>")]
    assert f'href="/accounting/{inventory_id}/"' in table
    assert login(province.regulator).get(f"/accounting/{inventory_id}/").status_code == 200


def test_inventory_links_only_where_the_viewer_may_open_them(province, osse_run, kiln):
    """The same results seen by someone who may open only the cement company's inventory."""
    cement_member = province.users["enterprise2"]
    payload = run_results_payload(user=cement_member, run=osse_run)
    links = {f["code"]: f["inventory_id"] for f in payload["facilities"]}
    assert links["NH-K1"] is not None and links["NH-M1"] == links["NH-K1"]
    assert all(v is None for c, v in links.items() if not c.startswith("NH-"))
    full = run_results_payload(user=province.regulator, run=osse_run)
    assert all(f["inventory_id"] is not None for f in full["facilities"])


def test_progress_partial_polls_until_done(province, osse, login):
    from dualcarbon_web.inversion.models import InversionRun as Run
    from dualcarbon_web.platform.models import Job

    client = login(province.regulator)
    job = Job.objects.create(
        kind="inversion.run",
        title="t",
        owner=province.regulator,
        progress_total=10,
        progress_done=4,
        status="running",
        message="Jacobian rows 4/10",
    )
    run = Run.objects.create(
        name="pending",
        region=osse.region,
        year=2023,
        observation_set=osse,
        job=job,
        created_by=province.regulator,
    )
    page = client.get(f"/inversion/{run.pk}/").content.decode()
    assert f'hx-get="/inversion/{run.pk}/progress/"' in page and "Jacobian rows 4/10" in page
    part = client.get(f"/inversion/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and 'data-status="running"' in part.content.decode()
    Job.objects.filter(pk=job.pk).update(status="failed", message="no meteorology")
    part = client.get(f"/inversion/{run.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="failed"' in part and "hx-get" not in part
    done = client.get(f"/inversion/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    Run.objects.filter(pk=run.pk).update(finished="2026-01-01T00:00:00Z")
    done = client.get(f"/inversion/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_new_run_form_starts_a_job_and_shows_field_errors(province, osse, login):
    client = login(province.regulator)
    resp = client.post(
        "/inversion/new/",
        {"name": "", "observation_set": osse.pk, "year": 2023, "gamma": -1, "terrain": "rural"},
    )
    assert resp.status_code == 400 and InversionRun.objects.count() == 0
    resp = client.post(
        "/inversion/new/",
        {"name": "bad year", "observation_set": osse.pk, "year": 2019, "terrain": "rural", **_defaults()},
    )
    assert resp.status_code == 400 and 'data-field="year"' in resp.content.decode()
    assert InversionRun.objects.count() == 0
    resp = client.post(
        "/inversion/new/",
        {"name": "表单反演", "observation_set": osse.pk, "year": 2023, "terrain": "rural", **_defaults()},
    )
    assert resp.status_code == 302
    run = InversionRun.objects.get(name="表单反演")
    assert resp["Location"] == f"/inversion/{run.pk}/"
    assert run.finished is not None and run.n_flagged == 1


def _defaults():
    from dualcarbon_web.inversion.services import RUN_SETTINGS

    return {k: v[0] for k, v in RUN_SETTINGS.items()}


def test_osse_form_creates_a_synthetic_set(province, kiln, login):
    from dualcarbon_web.inversion.models import ObservationSet

    client = login(province.regulator)
    resp = client.post(
        "/inversion/observations/synthetic/",
        {
            "name": "表单 OSSE",
            "year": 2023,
            "seed": 3,
            "facility": kiln.pk,
            "factor": 2.0,
            "hours": 2,
            "noise_sd": 0.5,
            "station_distance_m": 2000,
            "wind_speed_m_s": 4,
            "stability": "D",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    obs = ObservationSet.objects.get(name="表单 OSSE")
    assert obs.kind == "synthetic" and obs.synthetic["factors"] == {str(kiln.pk): 2.0}


def test_api_runs_create_list_detail_results(province, osse, token_client):
    api = token_client(province.regulator)
    resp = api.post(
        "/api/v1/inversion/runs",
        {"name": "API run", "observation_set_id": osse.pk, "year": 2023, "gamma": 1.0},
        content_type="application/json",
    )
    assert resp.status_code == 202, resp.content
    body = resp.json()
    run_id, job_id = body["run"]["id"], body["job_id"]
    assert job_id == body["run"]["job_id"]
    job = api.get(f"/api/v1/platform/jobs/{job_id}").json()
    assert job["status"] == "succeeded"
    listed = api.get("/api/v1/inversion/runs").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == run_id
    detail = api.get(f"/api/v1/inversion/runs/{run_id}").json()
    assert detail["status"] == "succeeded" and detail["n_flagged"] == 1
    results = api.get(f"/api/v1/inversion/runs/{run_id}/results").json()
    assert results["synthetic"] is True and results["n_state"] == 13
    assert [f["code"] for f in results["facilities"] if f["flagged"]] == ["NH-K1"]
    assert results["totals"]["posterior_t"] > results["totals"]["prior_t"]
    bad = api.post(
        "/api/v1/inversion/runs",
        {"name": "x", "observation_set_id": osse.pk, "year": 2023, "gamma": 0},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error" and "gamma" in bad.json()["extra"]["fields"]


def test_api_results_wait_for_the_run(province, osse, token_client):
    from dualcarbon_web.platform.models import Job

    job = Job.objects.create(kind="inversion.run", title="t", owner=province.regulator)
    run = InversionRun.objects.create(
        name="queued",
        region=osse.region,
        year=2023,
        observation_set=osse,
        job=job,
        created_by=province.regulator,
    )
    resp = token_client(province.regulator).get(f"/api/v1/inversion/runs/{run.pk}/results")
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"


def test_api_synthetic_set(province, kiln, token_client):
    api = token_client(province.regulator)
    resp = api.post(
        "/api/v1/inversion/observation-sets/synthetic",
        {"name": "API OSSE", "year": 2023, "factors": {str(kiln.pk): 3.0}, "hours": 2},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["kind"] == "synthetic" and resp.json()["n_obs"] == 13 * 4 * 2
    resp = api.post(
        "/api/v1/inversion/observation-sets/synthetic",
        {"name": "x", "year": 2023, "factors": {"999999": 3.0}, "hours": 2},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "factors" in resp.json()["extra"]["fields"]


def test_api_synthetic_set_is_bounded(province, token_client):
    api = token_client(province.regulator)
    resp = api.post(
        "/api/v1/inversion/observation-sets/synthetic",
        {"name": "a year", "year": 2023, "hours": 8784},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "hours" in resp.json()["extra"]["fields"]
