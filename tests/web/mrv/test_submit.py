"""Submitting an annual report: one log event in the same transaction, the submission row, the audit
entry; supersession keeps history; wrong runs and wrong users are refused with nothing written; the
verification checks pass, and the named check fails when the record or the log entry is altered."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from dualcarbon.ledger import canonical_json, leaf_hash
from dualcarbon_web.inventories.services import activity_line_add
from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.ledger.selectors import ledger_log
from dualcarbon_web.mrv import selectors, services
from dualcarbon_web.mrv.models import ReportSubmission
from dualcarbon_web.platform.errors import InvalidTransition, NotAllowed
from dualcarbon_web.platform.models import AuditEntry

CHECK_NAMES = [
    "record digest",
    "log entry",
    "entry content",
    "format",
    "checkpoint signature",
    "origin",
    "tree size",
    "entry",
    "inclusion proof",
]


def _size() -> int:
    return LedgerEntry.objects.count()


def test_submit_appends_exactly_one_event_with_identifiers_and_the_record_digest(demo, calculated, run_of):
    inv = calculated(1)
    run = run_of(inv)
    before = _size()
    s = services.report_submit(user=demo.enterprise1, run=run)

    assert _size() == before + 1
    entry = json.loads(LedgerEntry.objects.get(idx=s.leaf_index).entry)
    digest = hashlib.sha256(canonical_json(json.loads(run.record))).hexdigest()
    assert entry == {
        "kind": "mrv.report.submitted",
        "v": 1,
        "unit": inv.organization.uscc,
        "facility": None,
        "period": "2023",
        "inventory": inv.pk,
        "run": run.number,
        "record_format": "dualcarbon.calculation-record/1",
        "record_sha256": digest,
        "actor_role": "enterprise",
        "supersedes": None,
        "submitted_at": s.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # No figures on the public log: the digest commits to them.
    assert not any("tco2e" in k or "total" in k for k in entry)
    assert s.record_sha256 == digest
    assert s.leaf_hash == leaf_hash(canonical_json(entry)).hex()
    assert (s.year, s.run_number, s.organization_id, s.facility_id) == (
        2023,
        run.number,
        inv.organization_id,
        None,
    )
    assert s.total_tco2e == run.total_tco2e
    log = ledger_log()
    assert s.tree_size == log.checkpoint_size() == before + 1  # a checkpoint signed over it
    audit = AuditEntry.objects.get(object_type="mrv.reportsubmission", object_id=str(s.pk))
    assert audit.after["event"] == entry and audit.username == "enterprise1"
    assert AuditEntry.objects.filter(action="ledger.append").count() == 1


def test_verification_passes_every_check(demo, calculated, run_of):
    s = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    result = selectors.submission_verify(submission=s)
    assert [c["name"] for c in result["checks"]] == CHECK_NAMES
    assert all(c["ok"] for c in result["checks"]), result["checks"]
    assert result["ok"] and result["tree_size"] == s.tree_size
    assert result["bundle"]["index"] == s.leaf_index


def _checks(submission, *, record_text=None, bundle=None):
    result = selectors.submission_verify(submission=submission)
    from dualcarbon_web.inventories.models import CalculationRun

    text = record_text or CalculationRun.objects.get(pk=submission.run_id).record
    keys = [ledger_log().verifier]
    checks = selectors.submission_checks(
        submission=submission, record_text=text, bundle=bundle or result["bundle"], keys=keys
    )
    return {c["name"]: c for c in checks}


def test_an_altered_record_fails_the_digest_and_content_checks(demo, calculated, run_of):
    run = run_of(calculated(1))
    s = services.report_submit(user=demo.enterprise1, run=run)
    record = json.loads(run.record)
    record["total_tco2e"] = 1.0  # what an edit of the stored record (or its totals) would look like
    altered = json.dumps(record, ensure_ascii=False)
    checks = _checks(s, record_text=altered)
    failed = sorted(name for name, c in checks.items() if not c["ok"])
    assert failed == ["entry content", "record digest"]
    assert "the record was changed" in checks["record digest"]["detail"]
    assert "record_sha256" in checks["entry content"]["detail"]
    # The same record with another key order and spacing still passes: the digest is canonical.
    reordered = json.dumps(dict(reversed(list(json.loads(run.record).items()))), indent=1, ensure_ascii=True)
    assert all(c["ok"] for c in _checks(s, record_text=reordered).values())


def test_an_altered_log_entry_fails_the_entry_and_inclusion_checks(demo, calculated, run_of):
    s = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    bundle = copy.deepcopy(selectors.submission_verify(submission=s)["bundle"])
    bundle["entry"]["run"] = 99
    del bundle["leaf_hash"]
    checks = _checks(s, bundle=bundle)
    failed = sorted(name for name, c in checks.items() if not c["ok"])
    assert failed == ["entry content", "inclusion proof", "log entry"]
    assert "run is 99" in checks["entry content"]["detail"]


def test_a_record_that_is_not_json_fails_the_digest_check(demo, calculated, run_of):
    s = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    checks = _checks(s, record_text="{not json")
    assert not checks["record digest"]["ok"] and "not canonical JSON" in checks["record digest"]["detail"]


def test_a_later_submission_supersedes_and_history_is_kept(demo, calculated, run_of):
    from dualcarbon_web.inventories.services import inventory_calculate

    inv = calculated(1)
    first = services.report_submit(user=demo.enterprise1, run=run_of(inv))
    activity_line_add(user=demo.enterprise1, inventory=inv, data={**CH4_2})
    inventory_calculate(user=demo.enterprise1, inventory=inv)
    inv.refresh_from_db()
    second = services.report_submit(user=demo.enterprise1, run=run_of(inv))

    assert second.supersedes_id == first.pk and second.leaf_index == first.leaf_index + 1
    entry = json.loads(LedgerEntry.objects.get(idx=second.leaf_index).entry)
    assert entry["supersedes"] == first.leaf_index and entry["run"] == 2
    rows = {s.pk: s.is_current for s in selectors.submission_list(user=demo.admin)}
    assert rows == {first.pk: False, second.pk: True}
    assert [s.pk for s in selectors.submission_list(user=demo.admin, current=True)] == [second.pk]
    # The first submission still verifies: the record it was submitted with is unchanged.
    assert selectors.submission_verify(submission=first)["ok"]
    # Its run is no longer the latest: refused, and nothing was written.
    size = _size()
    with pytest.raises(InvalidTransition, match=r"not the latest calculation.*#2"):
        services.report_submit(user=demo.enterprise1, run=run_of(inv).inventory.runs.get(number=1))
    with pytest.raises(InvalidTransition, match="already been submitted"):
        services.report_submit(user=demo.enterprise1, run=run_of(inv))
    assert _size() == size and ReportSubmission.objects.count() == 2


CH4_2 = {"category": "direct_gas", "item": "CH4", "quantity": 2.0, "unit": "t"}


def test_a_run_whose_lines_changed_since_is_refused(demo, calculated, run_of):
    inv = calculated(1)
    activity_line_add(user=demo.enterprise1, inventory=inv, data=CH4_2)
    with pytest.raises(InvalidTransition, match="changed after run #1; calculate again"):
        services.report_submit(user=demo.enterprise1, run=run_of(inv))
    assert ReportSubmission.objects.count() == 0 and _size() == 0


@pytest.mark.parametrize("username", ["enterprise2", "regulator", "verifier", "analyst"])
def test_only_the_reporting_enterprise_or_an_admin_submits(demo, calculated, run_of, username):
    run = run_of(calculated(1))
    with pytest.raises(NotAllowed):
        services.report_submit(user=demo.users[username], run=run)
    assert ReportSubmission.objects.count() == 0 and _size() == 0


def test_an_administrator_may_submit(demo, calculated, run_of):
    s = services.report_submit(user=demo.admin, run=run_of(calculated(1)))
    assert json.loads(LedgerEntry.objects.get(idx=s.leaf_index).entry)["actor_role"] == "admin"


def test_a_failing_log_append_writes_no_submission(demo, calculated, run_of, monkeypatch):
    from dualcarbon.ledger import MalformedInput

    run = run_of(calculated(1))

    def refuse(**kwargs):
        raise MalformedInput("the log refused the event")

    monkeypatch.setattr(services, "ledger_append", refuse)
    with pytest.raises(MalformedInput):
        services.report_submit(user=demo.enterprise1, run=run)
    assert ReportSubmission.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="mrv.reportsubmission").exists()


def test_a_failure_after_the_append_rolls_the_log_entry_back(demo, calculated, run_of, monkeypatch):
    run = run_of(calculated(1))

    def broken(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.report_submit(user=demo.enterprise1, run=run)
    assert ReportSubmission.objects.count() == 0 and _size() == 0


def test_the_record_download_hashes_to_the_logged_digest(demo, calculated, run_of):
    s = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    data = selectors.submission_record_text(submission=s)
    assert hashlib.sha256(data).hexdigest() == s.record_sha256
    entry = json.loads(LedgerEntry.objects.get(idx=s.leaf_index).entry)
    assert entry["record_sha256"] == hashlib.sha256(data).hexdigest()
