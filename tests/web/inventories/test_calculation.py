"""Calculating an inventory: a worked example derived by hand from the factor database, re-running a
stored record after a factor correction, the audit trail, and the background-job path."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dualcarbon_web.factors.selectors import factor_database
from dualcarbon_web.factors.services import factor_correct
from dualcarbon_web.inventories import services
from dualcarbon_web.inventories.models import CalculationLine, CalculationRun, Inventory
from dualcarbon_web.platform.choices import JobStatusChoices
from dualcarbon_web.platform.models import AuditEntry, Job

GAS = "ndrc2015.other.natural_gas"
GRID = "mee_nbs.2022.province_440000.co2"


def _exact(ref: str) -> Fraction:
    return Fraction(factor_database().get(ref).value)


def _hand_total() -> tuple[float, float]:
    """GB/T 32150-2015 / NDRC guideline: E = FC x NCV x CC x OF x 44/12 ; E_elec = AD x EF.

    100 (10^4 Nm3) of natural gas with the database's NCV (GJ/10^4 Nm3), carbon content (tC/TJ, so
    /1000 per GJ) and oxidation rate; 1000 MWh at the Guangdong 2022 grid factor (kgCO2/kWh = tCO2/MWh).
    """
    gas = 100 * _exact(f"{GAS}.ncv") * _exact(f"{GAS}.cc") / 1000 * _exact(f"{GAS}.of") * Fraction(44, 12)
    electricity = 1000 * _exact(GRID)
    return float(gas), float(electricity)


def test_worked_example_total_matches_the_hand_calculation(demo, worked):
    # the values the hand calculation uses, as published (NDRC 2015 appendix; MEE/NBS 2024 No. 33)
    assert factor_database().get(f"{GAS}.ncv").value == "389.31"
    assert factor_database().get(f"{GAS}.cc").value == "15.30"
    assert factor_database().get(f"{GAS}.of").value == "0.99"
    assert factor_database().get(GRID).value == "0.4403"
    gas, electricity = _hand_total()
    assert gas == pytest.approx(2162.188809, rel=1e-12)  # 38.931 TJ x 15.30 tC/TJ x 0.99 x 44/12
    assert electricity == pytest.approx(440.3, rel=1e-12)

    run = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    assert isinstance(run, CalculationRun)
    assert run.total_tco2e == pytest.approx(gas + electricity, rel=1e-12)
    assert run.scope1_tco2e == pytest.approx(gas, rel=1e-12)
    assert run.scope2_tco2e == pytest.approx(electricity, rel=1e-12)
    lines = list(CalculationLine.objects.filter(run=run).order_by("row"))
    assert [round(line.tco2e, 6) for line in lines] == [round(gas, 6), round(electricity, 6)]
    assert lines[0].factors[:3] == [f"{GAS}.ncv@1", f"{GAS}.cc@1", f"{GAS}.of@1"]
    assert lines[1].factors[0] == f"{GRID}@1"
    assert lines[0].facility_id == worked.facility_id and lines[0].scope == "scope1"
    # each line points at the trace of its key: the intermediate values with the factor refs
    trace = run.keys[lines[0].key]["trace"]
    assert any("389.31" in step and f"{GAS}.ncv@1" in step for step in trace)
    assert any("44/12" in step for step in trace)
    worked.refresh_from_db()
    assert worked.status == "calculated" and worked.latest_run_id == run.pk and worked.is_current


def test_result_page_shows_totals_chart_and_trace_with_factor_links(demo, worked, login):
    run = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    html = login(demo.enterprise1).get(f"/accounting/runs/{run.pk}/").content.decode()
    assert "2,602.49" in html
    assert "plotly/plotly.min.js" in html and 'id="chart-category"' in html
    assert f'href="/factors/{GAS}.ncv@1/"' in html and f'href="/factors/{GRID}@1/"' in html
    assert "x 44/12 (exact)" in html
    api = login(demo.enterprise1)
    body = api.get(f"/api/v1/inventories/runs/{run.pk}/lines").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["factors"][0] == f"{GAS}.ncv@1" and any("15.30" in s for s in first["trace"])
    assert first["slots"][0]["gas"] == "CO2"
    summary = api.get(f"/api/v1/inventories/inventories/{worked.pk}/results").json()
    assert summary["by_scope"]["scope2"] == pytest.approx(440.3)
    assert summary["by_category"]["combustion"] == pytest.approx(_hand_total()[0])


def test_rerun_after_a_factor_correction_reproduces_while_a_fresh_run_uses_the_new_version(
    demo, worked, login
):
    first = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    new = factor_correct(
        user=demo.admin,
        factor_id=f"{GAS}.cc",
        changes={"value": "15.32"},
        reason="test: a corrected carbon content",
    )
    assert new.ref == f"{GAS}.cc@2"
    # the old record re-runs with its pinned version 1 and gives exactly the same numbers
    check = services.run_rerun(user=demo.regulator, run=CalculationRun.objects.get(pk=first.pk))
    assert check.matches is True and check.total_tco2e == first.total_tco2e
    assert check.newer_versions == {f"{GAS}.cc@1": f"{GAS}.cc@2"}
    # a fresh calculation takes the newest version
    worked.refresh_from_db()
    second = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    assert (
        second.number == 2 and f"{GAS}.cc@2" in second.factor_refs and f"{GAS}.cc@1" not in second.factor_refs
    )
    gas = 100 * Fraction("389.31") * Fraction("15.32") / 1000 * Fraction("0.99") * Fraction(44, 12)
    assert second.total_tco2e == pytest.approx(float(gas) + 440.3, rel=1e-12)
    assert second.total_tco2e != first.total_tco2e
    # the page button does the same and shows the outcome
    client = login(demo.enterprise1)
    resp = client.post(f"/accounting/runs/{first.pk}/rerun/", follow=True)
    assert 'data-matches="true"' in resp.content.decode()
    body = client.post(f"/api/v1/inventories/runs/{first.pk}/rerun").json()
    assert (
        body["matches"] is True and body["total_tco2e"] == body["recorded_total_tco2e"] == first.total_tco2e
    )


def test_calculation_runs_are_append_only(demo, worked):
    from django.db import DatabaseError, transaction

    run = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    for model, pk in ((CalculationRun, run.pk), (CalculationLine, run.lines.first().pk)):
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.filter(pk=pk).update(
                total_tco2e=0
            ) if model is CalculationRun else model.objects.filter(pk=pk).update(tco2e=0)
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.filter(pk=pk).delete()


def test_every_write_is_audited(demo, worked, login):
    line = worked.lines.first()
    services.activity_line_update(
        user=demo.enterprise1, inventory=worked, line=line, data={"quantity": 120.0}
    )
    run = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    services.run_rerun(user=demo.regulator, run=CalculationRun.objects.get(pk=run.pk))
    entries = AuditEntry.objects.filter(username="enterprise1")
    created = entries.get(object_type="inventories.inventory", action="create")
    assert created.after["year"] == 2022 and created.after["facility_id"] == worked.facility_id
    changed = entries.get(object_type="inventories.activityline", action="update")
    assert changed.before["quantity"] == 100.0 and changed.after["quantity"] == 120.0
    assert entries.filter(object_type="inventories.activityline", action="create").count() == 2
    run_entry = entries.get(object_type="inventories.calculationrun", action="create")
    assert run_entry.after["total_tco2e"] == run.total_tco2e and run_entry.object_id == str(run.pk)
    status = entries.filter(object_type="inventories.inventory", action="update").last()
    assert status.before["status"] == "draft" and status.after["status"] == "calculated"
    assert AuditEntry.objects.filter(
        username="regulator", object_type="inventories.calculationcheck"
    ).exists()
    client = login(demo.enterprise1)
    client.post(f"/accounting/{worked.pk}/lines/{line.pk}/delete/")
    deleted = AuditEntry.objects.get(object_type="inventories.activityline", action="delete")
    assert deleted.before["id"] == line.pk and deleted.after is None


def test_editing_lines_makes_the_result_out_of_date(demo, worked):
    run = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    services.activity_line_add(
        user=demo.enterprise1,
        inventory=worked,
        data={"category": "combustion", "item": "diesel", "quantity": 2, "unit": "t"},
    )
    worked.refresh_from_db()
    assert worked.status == "draft" and worked.latest_run_id == run.pk and not worked.is_current


def test_line_form_errors_name_the_field(demo, worked, login, token_client):
    client = login(demo.enterprise1)
    resp = client.post(
        f"/accounting/{worked.pk}/lines/new/",
        {"category": "combustion", "item": "unobtainium", "quantity": "3", "unit": "t"},
    )
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-field="carbon_content"' in html or 'data-field="item"' in html
    api = token_client(demo.enterprise1)
    resp = api.post(
        f"/api/v1/inventories/inventories/{worked.pk}/lines",
        {"category": "purchased_electricity", "item": "electricity", "quantity": 5, "unit": "t"},
        content_type="application/json",
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "validation_error" and "unit" in body["extra"]["fields"]
    resp = api.post(
        f"/api/v1/inventories/inventories/{worked.pk}/lines",
        {"category": "combustion", "item": "diesel", "quantity": 5, "unit": "t", "period": "2019"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "period" in resp.json()["extra"]["fields"]
    assert worked.lines.count() == 2


def test_large_inventories_are_calculated_as_a_background_job(demo, worked, monkeypatch, token_client):
    monkeypatch.setattr(services, "INLINE_MAX_LINES", 1)
    api = token_client(demo.enterprise1)
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/calculate")
    assert resp.status_code == 202, resp.content
    job = Job.objects.get(pk=resp.json()["job_id"])  # the test settings run jobs at once
    assert job.kind == "inventories.calculate" and job.status == JobStatusChoices.SUCCEEDED
    assert job.progress_done == job.progress_total == 2
    inv = Inventory.objects.get(pk=worked.pk)
    assert inv.status == "calculated" and job.result["run_id"] == inv.latest_run_id
    assert job.result["total_tco2e"] == pytest.approx(sum(_hand_total()))
    progress = api.get(f"/api/v1/platform/jobs/{job.pk}").json()
    assert progress["percent"] == 100.0


def test_a_failing_background_calculation_leaves_the_inventory_editable(demo, worked, monkeypatch):
    monkeypatch.setattr(services, "INLINE_MAX_LINES", 0)

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "inventory_calculate_now", boom)
    job = services.inventory_calculate(user=demo.enterprise1, inventory=worked)
    job.refresh_from_db()
    assert job.status == JobStatusChoices.FAILED and "disk full" in job.message
    worked.refresh_from_db()
    assert worked.status == "draft"
