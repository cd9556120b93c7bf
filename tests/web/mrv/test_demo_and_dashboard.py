"""The demo submits every demo inventory (so the demo log has entries), idempotently; regulators and
verifiers see the current submissions on their dashboards, others do not."""

from __future__ import annotations

import json

from dualcarbon_web.ledger.models import LedgerEntry
from dualcarbon_web.mrv import selectors, services
from dualcarbon_web.mrv.models import ReportSubmission


def test_demo_submissions_are_anchored_and_idempotent(demo):
    from dualcarbon_web.inventories.demo import demo_inventories_load
    from dualcarbon_web.mrv.demo import demo_submissions_load

    inventories = demo_inventories_load(demo.orgs)
    first = demo_submissions_load(inventories)
    assert len(first) == len(inventories) == 7 and all(s["created"] for s in first)
    assert LedgerEntry.objects.count() == 7
    units = {json.loads(e.entry)["unit"] for e in LedgerEntry.objects.all()}
    assert units == {org.uscc for org in demo.orgs["enterprises"]}
    for s in ReportSubmission.objects.all():
        assert selectors.submission_verify(submission=s)["ok"]
    again = demo_submissions_load(demo_inventories_load(demo.orgs))
    assert not any(s["created"] for s in again) and LedgerEntry.objects.count() == 7


def test_dashboards_of_regulators_and_verifiers_list_current_submissions(demo, login, calculated, run_of):
    s1 = services.report_submit(user=demo.enterprise1, run=run_of(calculated(1)))
    services.report_submit(user=demo.enterprise7, run=run_of(calculated(7)))
    for username, count in (("regulator", 1), ("verifier", 1), ("city_regulator", 0)):
        html = login(demo.users[username]).get("/").content.decode()
        assert f'data-testid="submission-count">{count}<' in html, username
        assert (f"/mrv/submissions/{s1.pk}/" in html) == (count == 1), username
    for username in ("enterprise1", "admin", "analyst"):
        html = login(demo.users[username]).get("/").content.decode()
        assert 'data-testid="submission-count"' not in html, username
