"""Adversarial review of MRV reporting: IDOR on every detail, download, action and endpoint (pages and
bearer-token API), role escalation, CSRF on the POST views and the session API, one audit entry per
write, hostile input, and what the inversion cross-check shows to whom."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.mrv import services
from dualcarbon_web.mrv.models import ReportSubmission, RuleEvaluation
from dualcarbon_web.platform.models import AuditEntry

CH4 = {"category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t"}


@pytest.fixture
def two(demo, calculated, run_of):
    """Submitted reports of enterprise1 (湛江, Guangdong) and enterprise7 (湘潭, Hunan), each with one
    evaluation by an administrator."""
    s1 = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    s7 = services.report_submit(user=demo.enterprise7, run=run_of(calculated(7)))
    e1 = services.submission_rules_evaluate(user=demo.admin, submission=s1)
    e7 = services.submission_rules_evaluate(user=demo.admin, submission=s7)
    return s1, s7, e1, e7


def _urls(s, e):
    pages = [
        f"/mrv/submissions/{s.pk}/",
        f"/mrv/submissions/{s.pk}/record.json",
        f"/mrv/evaluations/{e.pk}/",
        f"/mrv/evaluations/{e.pk}/report.json",
    ]
    api = [
        f"/api/v1/mrv/submissions/{s.pk}",
        f"/api/v1/mrv/submissions/{s.pk}/verification",
        f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations",
        f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{e.pk}",
    ]
    return pages, api


@pytest.mark.parametrize(
    "username", ["enterprise2", "enterprise1", "regulator", "city_regulator", "verifier"]
)
def test_another_units_submission_is_404_on_every_url(demo, two, login, token_client, username):
    """Guangdong users (and enterprise1/2) never reach enterprise7's (Hunan) submission or evaluation;
    enterprise2 and the Zhanjiang-less city regulator never reach enterprise1's either."""
    s1, s7, e1, e7 = two
    user = demo.users[username]
    c, api = login(user), token_client(user)
    hidden = [(s7, e7)] + ([(s1, e1)] if username in ("enterprise2", "city_regulator") else [])
    for s, e in hidden:
        pages, endpoints = _urls(s, e)
        for url in pages:
            assert c.get(url).status_code == 404, url
        for url in endpoints:
            r = api.get(url)
            assert r.status_code == 404 and r.json()["code"] == "not_found", url
            assert s.organization.uscc not in r.content.decode()
        before = (RuleEvaluation.objects.count(), LedgerEntry.objects.count(), AuditEntry.objects.count())
        r = c.post(f"/mrv/submissions/{s.pk}/rules/evaluate/")
        assert r.status_code in (403, 404)
        r = api.post(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
        assert r.status_code in (403, 404)
        after = (RuleEvaluation.objects.count(), LedgerEntry.objects.count(), AuditEntry.objects.count())
        assert after == before
    # an invisible evaluation through a visible submission's path: 404 too
    if username != "enterprise2" and username != "city_regulator":
        r = api.get(f"/api/v1/mrv/submissions/{s1.pk}/rule-evaluations/{e7.pk}")
        assert r.status_code == 404
    # the organisation filter reveals nothing: an invisible organisation counts like an absent one
    for org in (s7.organization_id, 10**9, 2**70):
        r = api.get(f"/api/v1/mrv/submissions?organization={org}")
        assert r.status_code == 200 and r.json()["count"] == 0, org


def test_the_evaluation_path_must_match_its_submission(demo, two, token_client):
    s1, s7, e1, _e7 = two
    api = token_client(demo.admin)
    assert api.get(f"/api/v1/mrv/submissions/{s7.pk}/rule-evaluations/{e1.pk}").status_code == 404
    assert api.get(f"/api/v1/mrv/submissions/{s1.pk}/rule-evaluations/{e1.pk}").status_code == 200


@pytest.mark.parametrize("username", ["techowner", "analyst"])
def test_roles_without_mrv_are_403_everywhere(demo, two, login, token_client, username):
    s1, _s7, e1, _e7 = two
    c, api = login(demo.users[username]), token_client(demo.users[username])
    pages, endpoints = _urls(s1, e1)
    for url in [*pages, "/mrv/"]:
        assert c.get(url).status_code == 403, url
    for url in [*endpoints, "/api/v1/mrv/submissions"]:
        assert api.get(url).status_code == 403, url


def test_role_escalation_enterprise_may_not_evaluate_nor_regulator_submit(
    demo, calculated, run_of, token_client
):
    inv = calculated(1)
    ent, reg, ver = (token_client(demo.users[u]) for u in ("enterprise1", "regulator", "verifier"))
    for api in (reg, ver):
        r = api.post(
            "/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json"
        )
        assert r.status_code == 403
    s = services.report_submit(user=demo.enterprise1, run=run_of(inv))
    before = (RuleEvaluation.objects.count(), LedgerEntry.objects.count(), AuditEntry.objects.count())
    r = ent.post(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (RuleEvaluation.objects.count(), LedgerEntry.objects.count(), AuditEntry.objects.count()) == before


# --------------------------------------------------------------------------- CSRF


def test_post_views_refuse_a_missing_csrf_token(demo, calculated):
    inv = calculated(1)
    c = Client(enforce_csrf_checks=True)
    c.force_login(demo.enterprise1)
    before = (ReportSubmission.objects.count(), LedgerEntry.objects.count(), AuditEntry.objects.count())
    assert c.post(f"/mrv/runs/{inv.latest_run_id}/submit/").status_code == 403
    r = c.post("/api/v1/mrv/submissions", {"run_id": inv.latest_run_id}, content_type="application/json")
    assert r.status_code in (401, 403)
    assert (
        ReportSubmission.objects.count(),
        LedgerEntry.objects.count(),
        AuditEntry.objects.count(),
    ) == before
    # with the token, the session API accepts the same request (as every other app's)
    c.get("/mrv/")
    r = c.post(
        "/api/v1/mrv/submissions",
        {"run_id": inv.latest_run_id},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=c.cookies["csrftoken"].value,
    )
    assert r.status_code == 201
    s = ReportSubmission.objects.get()
    c.force_login(demo.verifier)
    assert c.post(f"/mrv/submissions/{s.pk}/rules/evaluate/").status_code == 403
    r = c.post(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
    assert r.status_code in (401, 403)
    assert not RuleEvaluation.objects.exists()


# --------------------------------------------------------------------------- audit


def test_each_write_is_audited_with_its_log_append(demo, calculated, run_of):
    """A submission and an evaluation each write their own audit entry (who, which object) and the
    ledger append's, in the same transaction: two rows per write, none other."""
    inv = calculated(1)
    n = AuditEntry.objects.count()
    s = services.report_submit(user=demo.enterprise1, run=run_of(inv))
    rows = list(AuditEntry.objects.filter(pk__gt=AuditEntry.objects.order_by("pk")[n - 1].pk).order_by("pk"))
    assert [r.action for r in rows] == ["ledger.append", "create"]
    assert {r.user_id for r in rows} == {demo.enterprise1.pk} and rows[1].object_id == str(s.pk)
    n = AuditEntry.objects.count()
    e = services.submission_rules_evaluate(user=demo.verifier, submission=s)
    rows = list(AuditEntry.objects.order_by("-pk")[: AuditEntry.objects.count() - n])[::-1]
    assert [r.action for r in rows] == ["ledger.append", "create"]
    assert {r.user_id for r in rows} == {demo.verifier.pk} and rows[1].object_id == str(e.pk)


# --------------------------------------------------------------------------- hostile input


def test_hostile_ids_and_filters_never_500(demo, two, login, token_client):
    s1, *_ = two
    api, c = token_client(demo.regulator), login(demo.regulator)
    huge = 2**70
    for url in (
        f"/api/v1/mrv/submissions/{huge}",
        f"/api/v1/mrv/submissions/{huge}/verification",
        f"/api/v1/mrv/submissions/{huge}/rule-evaluations",
        f"/api/v1/mrv/submissions/{s1.pk}/rule-evaluations/{huge}",
        f"/api/v1/mrv/submissions/{huge}/rule-evaluations/1",
        "/api/v1/mrv/submissions/-1",
        "/api/v1/mrv/submissions/0/rule-evaluations/0",
    ):
        assert api.get(url).status_code in (400, 404), url
    assert api.post(f"/api/v1/mrv/submissions/{huge}/rule-evaluations").status_code in (400, 404)
    for url in (
        f"/mrv/submissions/{huge}/",
        f"/mrv/submissions/{huge}/record.json",
        f"/mrv/evaluations/{huge}/",
        f"/mrv/evaluations/{huge}/report.json",
        "/mrv/submissions/-1/",
    ):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/mrv/submissions/{huge}/rules/evaluate/").status_code == 404
    assert c.post(f"/mrv/runs/{huge}/submit/").status_code == 404
    for query in ("year=abc", "organization=x", "current=maybe", "q=%00"):
        r = api.get(f"/api/v1/mrv/submissions?{query}")
        assert r.status_code == 400 and r.json()["code"] == "validation_error", query
    assert api.get(f"/api/v1/mrv/submissions?year={huge}").json()["count"] == 0
    assert api.get("/api/v1/mrv/submissions?year=-5").json()["count"] == 0
    assert api.get("/api/v1/mrv/submissions?q=" + "x" * 200).json()["count"] == 0
    r = api.get("/api/v1/mrv/submissions?q=" + "x" * 60000)  # was a database error (LIKE too complex)
    assert r.status_code == 400 and "q" in r.json()["extra"]["fields"]
    for query in ("year=abc", f"year={huge}", "state=bogus", "q=" + "x" * 900, "page=-1"):
        assert c.get(f"/mrv/?{query}").status_code == 200, query
    # over 1,000 characters the platform's middleware refuses any query value before the view runs
    assert c.get("/mrv/?q=" + "x" * 60000).status_code == 400
    assert c.get("/mrv/?q=%00").status_code == 400
    for run_id in (huge, -1, "1 OR 1=1", None, 1.5):
        r = api.post(
            "/api/v1/mrv/submissions", json.dumps({"run_id": run_id}), content_type="application/json"
        )
        assert r.status_code == 400 and "run_id" in r.json()["extra"]["fields"], run_id


# --------------------------------------------------------------------------- inversion cross-check


def test_the_inversion_cross_check_shows_only_the_units_own_facilities(
    demo, calculated, run_of, token_client
):
    """A regulator's inversion run that estimated enterprise1's facility and another unit's: the report
    the enterprise (and its verifier) reads names its own facility's z-score only; the other unit's
    facility, name and z never appear."""
    from django.utils import timezone

    from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet
    from dualcarbon_web.organizations.models import Facility

    s = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    mine = Facility.objects.filter(organization_id=s.organization_id).order_by("pk").first()
    other = Facility.objects.exclude(organization_id=s.organization_id).order_by("pk").first()
    obs = ObservationSet.objects.create(name="o", region=mine.region, n_obs=1, data={}, met={})
    run = InversionRun.objects.create(
        name="regulator's run",
        region=mine.region,
        year=2023,
        observation_set=obs,
        z_threshold=3.0,
        finished=timezone.now(),
        created_by=demo.regulator,
    )
    for i, (facility, z) in enumerate(((mine, 3.5), (other, -7.25))):
        FacilityEstimate.objects.create(
            run=run,
            index=i,
            facility=facility,
            attribution="facility",
            name=facility.name,
            organization_name=facility.organization.name,
            lon=0,
            lat=0,
            prior_t=1,
            prior_sd_t=1,
            posterior_t=1,
            posterior_sd_t=1,
            sensitivity=1,
            z=z,
            flagged=True,
        )
    e = services.submission_rules_evaluate(user=demo.regulator, submission=s)
    for username in ("enterprise1", "verifier"):
        api = token_client(demo.users[username])
        assert api.get(f"/api/v1/inversion/runs/{run.pk}").status_code in (403, 404)  # the run stays hidden
        body = api.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{e.pk}").json()
        text = json.dumps(body, ensure_ascii=False)
        cc = next(f for f in body["report"]["findings"] if f["rule"] == "inversion-cross-check")
        assert "z = 3.50" in cc["message"]
        assert "-7.25" not in text and other.name not in text and other.organization.name not in text
        assert (other.code or f"F{other.pk}") not in text
