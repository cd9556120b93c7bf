"""Verification rules on the platform: evaluating a submission appends one public log event, stores
the report whose SHA-256 the event carries, and writes the audit entry; the context gathers the
previous year's submission and the flags of finished inversion runs; who may evaluate and who may
see; the pages and the API; pinned query counts of the API list."""

from __future__ import annotations

import hashlib
import json

import pytest

from dualcarbon.ledger import canonical_json
from dualcarbon.mrv import DEFAULT_RULESET, RuleReport
from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.mrv import services
from dualcarbon_web.mrv.models import ReportSubmission, RuleEvaluation
from dualcarbon_web.platform.errors import NotAllowed
from dualcarbon_web.platform.models import AuditEntry

ELECTRICITY = {
    "category": "purchased_electricity",
    "item": "electricity",
    "quantity": 1000.0,
    "unit": "MWh",
    "region": "440000",
}
CH4 = {"category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t"}


@pytest.fixture
def submitted(demo, calculated, run_of):
    """``submitted(n, year=2023, lines=...)``: a submitted report of demo enterprise ``n``."""

    def _make(n=1, *, year=2023, lines=(CH4, ELECTRICITY)):
        inv = calculated(n, year=year, lines=lines)
        return services.report_submit(user=demo.users[f"enterprise{n}"], run=run_of(inv))

    return _make


def _by_rule(evaluation):
    return {f["rule"]: f for f in json.loads(evaluation.report)["findings"]}


def test_evaluate_appends_one_event_and_stores_the_report(demo, submitted):
    s = submitted()
    before = LedgerEntry.objects.count()
    e = services.submission_rules_evaluate(user=demo.verifier, submission=s)

    assert LedgerEntry.objects.count() == before + 1
    entry = json.loads(LedgerEntry.objects.get(idx=e.leaf_index).entry)
    assert entry == {
        "kind": "mrv.rules.evaluated",
        "v": 1,
        "unit": s.organization.uscc,
        "period": "2023",
        "submission": s.leaf_index,
        "ruleset": "dualcarbon.mrv.rules/1",
        "ruleset_digest": DEFAULT_RULESET.digest,
        "report_sha256": e.report_sha256,
        "counts": e.counts,
        "actor_role": "verifier",
        "evaluated_at": e.evaluated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert not any("tco2e" in k or "total" in k for k in entry)  # no emission values on the log
    assert hashlib.sha256(e.report.encode("utf-8")).hexdigest() == e.report_sha256
    report = RuleReport.from_json(e.report)
    assert report.canonical_json() == e.report.encode("utf-8") and report.sha256 == e.report_sha256
    assert report.record_sha256 == s.record_sha256  # the report names the record it checked
    assert e.ruleset_digest == DEFAULT_RULESET.digest and e.counts == report.counts

    f = _by_rule(e)
    assert f["completeness"]["status"] == "pass"
    assert f["grid-factor-vintage"]["status"] == "pass"
    assert f["unverified-defaults"]["message"].startswith("Note: ")
    assert f["year-on-year"]["status"] == "not_applicable"
    assert f["separation-of-duties"]["status"] == "pass"
    assert f["inversion-cross-check"]["status"] == "not_applicable"
    assert e.counts["nonconformity"] == 0

    audit = AuditEntry.objects.get(object_type="mrv.ruleevaluation", object_id=str(e.pk))
    assert audit.after["event"] == entry and audit.username == "verifier"
    assert "report" not in audit.after


def test_the_rows_are_append_only(demo, submitted):
    from django.db import DatabaseError, transaction

    e = services.submission_rules_evaluate(user=demo.regulator, submission=submitted())
    with pytest.raises(DatabaseError), transaction.atomic():
        RuleEvaluation.objects.filter(pk=e.pk).update(report_sha256="0" * 64)


def test_a_failing_log_append_writes_nothing(demo, submitted, monkeypatch):
    s = submitted()
    before = (LedgerEntry.objects.count(), RuleEvaluation.objects.count(), AuditEntry.objects.count())

    def boom(**kwargs):
        raise RuntimeError("log down")

    monkeypatch.setattr(services, "ledger_append", boom)
    with pytest.raises(RuntimeError):
        services.submission_rules_evaluate(user=demo.verifier, submission=s)
    assert (LedgerEntry.objects.count(), RuleEvaluation.objects.count(), AuditEntry.objects.count()) == before


def test_previous_year_submission_feeds_year_on_year(demo, submitted):
    before = submitted(year=2022, lines=(CH4, {**ELECTRICITY, "quantity": 500.0}))
    s = submitted(year=2023)
    f = _by_rule(services.submission_rules_evaluate(user=demo.admin, submission=s))
    yoy = f["year-on-year"]
    assert yoy["status"] == "fail" and yoy["severity"] == "warning"
    assert yoy["details"]["previous_submission"] == before.pk
    assert yoy["details"]["previous_leaf_index"] == before.leaf_index
    assert f"in 2022 → {s.total_tco2e!r} tCO2e" in yoy["message"]
    assert f["separation-of-duties"]["status"] == "pass"


def test_separation_of_duties_fails_for_the_submitter(demo, calculated, run_of):
    inv = calculated(1)
    s = services.report_submit(user=demo.admin, run=run_of(inv))  # an administrator submitted it
    f = _by_rule(services.submission_rules_evaluate(user=demo.admin, submission=s))
    sep = f["separation-of-duties"]
    assert (sep["status"], sep["severity"]) == ("fail", "nonconformity")
    assert sep["message"] == f"The evaluator (user {demo.admin.pk}) submitted this report."


def test_inversion_flags_reach_the_cross_check(demo, submitted):
    """Finished runs of the year only; a flagged facility of the unit is a warning with its z-score."""
    from django.utils import timezone

    from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet
    from dualcarbon_web.organizations.models import Facility

    s = submitted()
    facility = Facility.objects.filter(organization_id=s.organization_id).order_by("pk").first()
    region = facility.region
    obs = ObservationSet.objects.create(name="o", region=region, n_obs=1, data={}, met={})

    def run_with(z, flagged, *, finished=True, year=2023):
        run = InversionRun.objects.create(
            name="r",
            region=region,
            year=year,
            observation_set=obs,
            z_threshold=3.0,
            finished=timezone.now() if finished else None,
        )
        FacilityEstimate.objects.create(
            run=run,
            index=0,
            facility=facility,
            attribution="facility",
            name=facility.name,
            organization_name="x",
            lon=0,
            lat=0,
            prior_t=1,
            prior_sd_t=1,
            posterior_t=1,
            posterior_sd_t=1,
            sensitivity=1,
            z=z,
            flagged=flagged,
        )
        return run

    other = Facility.objects.exclude(organization_id=s.organization_id).order_by("pk").first()
    elsewhere = run_with(9.0, True)
    FacilityEstimate.objects.filter(run=elsewhere).update(facility=other)  # another unit's: ignored
    run_with(9.0, True, finished=False)  # unfinished: ignored
    run_with(9.0, True, year=2022)  # another year: ignored
    f = _by_rule(services.submission_rules_evaluate(user=demo.regulator, submission=s))
    assert f["inversion-cross-check"]["status"] == "not_applicable"
    hot = run_with(-3.41, True)
    f = _by_rule(services.submission_rules_evaluate(user=demo.regulator, submission=s))
    cc = f["inversion-cross-check"]
    assert (cc["status"], cc["severity"]) == ("fail", "warning")
    code = facility.code or f"F{facility.pk}"
    assert cc["message"] == f"inversion run #{hot.pk} flagged facility {code}: z = -3.41 (|z| ≥ 3)"


@pytest.mark.parametrize("username", ["enterprise1", "techowner", "analyst"])
def test_who_may_not_evaluate(demo, submitted, username):
    with pytest.raises(NotAllowed):
        services.submission_rules_evaluate(user=demo.users[username], submission=submitted())
    assert not RuleEvaluation.objects.exists()


# --------------------------------------------------------------------------- pages


def test_the_verifier_runs_the_rules_from_the_submission_page(demo, login, submitted):
    s = submitted()
    client = login(demo.verifier)
    page = client.get(f"/mrv/submissions/{s.pk}/").content.decode()
    assert 'data-testid="rules-evaluate"' in page and 'data-testid="rules-none"' in page
    resp = client.post(f"/mrv/submissions/{s.pk}/rules/evaluate/")
    e = RuleEvaluation.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/mrv/evaluations/{e.pk}/"
    detail = client.get(resp["Location"]).content.decode()
    assert 'data-rule="completeness" data-status="pass"' in detail
    assert 'data-rule="year-on-year" data-status="not_applicable"' in detail
    assert e.ruleset_digest in detail and f'href="/ledger/entries/{e.leaf_index}/"' in detail
    report = client.get(f"/mrv/evaluations/{e.pk}/report.json")
    assert hashlib.sha256(report.content).hexdigest() == e.report_sha256
    page = client.get(f"/mrv/submissions/{s.pk}/").content.decode()
    assert 'data-testid="rule-findings"' in page and "运行核查规则" in page
    # the enterprise sees the findings but has no button
    own = login(demo.enterprise1).get(f"/mrv/submissions/{s.pk}/").content.decode()
    assert 'data-testid="rule-findings"' in own and 'data-testid="rules-evaluate"' not in own


@pytest.mark.parametrize(
    ("username", "status"),
    [("enterprise1", 403), ("techowner", 403), ("analyst", 403), ("enterprise2", 404)],
)
def test_page_refusals(demo, login, submitted, username, status):
    s = submitted()
    resp = login(demo.users[username]).post(f"/mrv/submissions/{s.pk}/rules/evaluate/")
    assert resp.status_code == status
    assert not RuleEvaluation.objects.exists()


def test_evaluation_pages_are_404_for_those_who_may_not_see_the_submission(demo, login, submitted):
    s = submitted()
    e = services.submission_rules_evaluate(user=demo.verifier, submission=s)
    for url in (f"/mrv/evaluations/{e.pk}/", f"/mrv/evaluations/{e.pk}/report.json"):
        assert login(demo.enterprise2).get(url).status_code == 404
        assert login(demo.enterprise1).get(url).status_code == 200


def test_ruleset_page_for_signed_in_users(demo, login, client):
    assert client.get("/mrv/rules/").status_code == 302  # sign in first
    page = login(demo.analyst).get("/mrv/rules/").content.decode()
    assert DEFAULT_RULESET.digest in page
    for r in DEFAULT_RULESET:
        assert f'data-rule="{r.id}"' in page
    assert "threshold = 0.05" in page and "《企业温室气体排放报告核查指南（试行）》" in page


# --------------------------------------------------------------------------- API


def test_api_evaluate_list_and_detail(demo, token_client, submitted):
    s = submitted()
    api = token_client(demo.regulator)
    before = LedgerEntry.objects.count()
    resp = api.post(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert LedgerEntry.objects.count() == before + 1
    assert hashlib.sha256(canonical_json(body["report"])).hexdigest() == body["report_sha256"]
    assert body["ruleset_digest"] == DEFAULT_RULESET.digest and body["leaf_index"] == before
    listed = api.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    one = api.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{body['id']}").json()
    assert one["report"] == body["report"]
    rules = api.get("/api/v1/mrv/rules").json()
    assert rules["digest"] == DEFAULT_RULESET.digest and len(rules["rules"]) == 6


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [
        ("enterprise1", 403, "forbidden"),
        ("techowner", 403, "forbidden"),
        ("analyst", 403, "forbidden"),
        ("enterprise2", 404, "not_found"),
    ],
)
def test_api_refusals(demo, token_client, submitted, username, status, code):
    s = submitted()
    api = token_client(demo.users[username])
    resp = api.post(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
    assert resp.status_code == status and resp.json()["code"] == code
    assert not RuleEvaluation.objects.exists()


def test_api_read_visibility(demo, token_client, submitted):
    s = submitted()
    e = services.submission_rules_evaluate(user=demo.verifier, submission=s)
    other = token_client(demo.enterprise2)
    assert other.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations").status_code == 404
    assert other.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{e.pk}").status_code == 404
    own = token_client(demo.enterprise1)
    assert own.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{e.pk}").status_code == 200
    assert own.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations/{e.pk + 999}").status_code == 404


def test_api_list_query_count_is_pinned(demo, token_client, submitted, django_assert_num_queries):
    s = submitted()
    api = token_client(demo.admin)
    api.get("/api/v1/platform/me")  # the token's first use records last_used once
    services.submission_rules_evaluate(user=demo.verifier, submission=s)
    with django_assert_num_queries(PINNED_LIST) as ctx:
        few = api.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations")
    for user in (demo.regulator, demo.admin, demo.verifier):
        services.submission_rules_evaluate(user=user, submission=s)
    with django_assert_num_queries(PINNED_LIST):
        many = api.get(f"/api/v1/mrv/submissions/{s.pk}/rule-evaluations?page_size=100")
    assert len(few.json()["items"]) == 1 and len(many.json()["items"]) == 4
    assert ctx is not None


PINNED_LIST = 4  # token, submission (visibility), count, page with evaluators


def test_every_demo_submission_is_complete_and_readds(demo):
    """The demo reports (coal power, cement, steel, aluminium, chemicals, paper, EAF steel): every
    line matches its key and the totals re-add; grid factors are those of 2023."""
    from dualcarbon_web.inventories.demo import demo_inventories_load
    from dualcarbon_web.mrv.demo import demo_submissions_load

    loaded = demo_submissions_load(demo_inventories_load(demo.orgs))
    assert len(loaded) == 7
    for s in ReportSubmission.objects.filter(pk__in=[x["submission_id"] for x in loaded]):
        f = _by_rule(services.submission_rules_evaluate(user=demo.admin, submission=s))
        assert f["completeness"]["status"] == "pass", (s.organization.name, f["completeness"]["message"])
        assert f["grid-factor-vintage"]["status"] in ("pass", "not_applicable"), f["grid-factor-vintage"]


def test_pages_in_english(demo, login, submitted):
    s = submitted()
    e = services.submission_rules_evaluate(user=demo.verifier, submission=s)
    client = login(demo.verifier)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/mrv/evaluations/{e.pk}/").content.decode()
    assert "Activity data complete; totals re-add from the lines" in page and "活动数据完整" not in page
    assert "Severity" in page and "Not applicable" in page and "Rule set digest" in page
    detail = client.get(f"/mrv/submissions/{s.pk}/").content.decode()
    assert "Run the verification rules" in detail
    rules = client.get("/mrv/rules/").content.decode()
    assert "Verification rule set" in rules and "Separation of duties" in rules
