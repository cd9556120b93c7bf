"""Monte Carlo (IPCC Approach 2) analyses of a calculation run: values against the core, determinism,
who may request and read them (pages and API), bad input, the background job and its progress, the
run page, the printable page and the XLSX report."""

from __future__ import annotations

import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dualcarbon.accounting import account
from dualcarbon_web.factors.selectors import factor_database
from dualcarbon_web.inventories import services
from dualcarbon_web.inventories.jobs import MONTE_CARLO_JOB_KIND
from dualcarbon_web.inventories.models import MonteCarloAnalysis
from dualcarbon_web.inventories.services import (
    activity_line_add,
    inventory_calculate,
    inventory_create,
    run_monte_carlo_request,
)
from dualcarbon_web.platform.choices import JobStatusChoices
from dualcarbon_web.platform.models import AuditEntry, Job

#: The worked example with a stated activity-data uncertainty on the gas line (row 1) and none on
#: the electricity line (row 2), so the analysis has a spread and one unstated input.
MC_LINES = [
    {
        "category": "combustion",
        "item": "natural_gas",
        "quantity": 100.0,
        "unit": "10^4 Nm3",
        "uncertainty_pct": 5.0,
    },
    {
        "category": "purchased_electricity",
        "item": "electricity",
        "quantity": 1000.0,
        "unit": "MWh",
        "region": "440000",
    },
]


@pytest.fixture
def mc_run(demo, power):
    """A calculated 2022 inventory of enterprise1's first facility; returns its run."""
    _org, facility = power
    inv = inventory_create(user=demo.enterprise1, facility=facility, year=2022)
    for data in MC_LINES:
        activity_line_add(user=demo.enterprise1, inventory=inv, data=data)
    run = inventory_calculate(user=demo.enterprise1, inventory=inv)
    return run


def _analyse(user, run, **kwargs) -> tuple[Job, MonteCarloAnalysis]:
    job = run_monte_carlo_request(user=user, run=run, **kwargs)
    job.refresh_from_db()  # the test settings run jobs at once
    assert job.status == JobStatusChoices.SUCCEEDED, job.error
    return job, MonteCarloAnalysis.objects.get(pk=job.result["analysis_id"])


def _direct(run, iterations, seed):
    """The core called directly on the inventory's lines with the same options and seed."""
    frame = services._calculation_frame(run.inventory)
    inv = run.inventory
    return account(
        frame,
        gwp=inv.gwp,
        factor_set=inv.factor_set or None,
        vintage=inv.vintage,
        db=factor_database(),
        monte_carlo=iterations,
        seed=seed,
    )


# --------------------------------------------------------------------------- values


def test_stored_percentiles_equal_a_direct_call_to_the_core_with_the_same_seed(demo, mc_run):
    _job, analysis = _analyse(demo.enterprise1, mc_run, iterations=5000, seed=20261125)
    direct = _direct(mc_run, 5000, 20261125).monte_carlo
    assert analysis.iterations == 5000 and analysis.seed == 20261125 and analysis.seed_given
    assert analysis.result["total"] == direct["total"]
    assert analysis.result["entities"] == direct["entities"]
    assert (analysis.mean_tco2e, analysis.p2_5_tco2e, analysis.p97_5_tco2e) == (
        direct["total"]["mean"],
        direct["total"]["p2_5"],
        direct["total"]["p97_5"],
    )
    assert analysis.uncertainty_pct == direct["total"]["uncertainty_pct"]
    # the analysis is of exactly the run's figures, and it has a spread around them
    assert analysis.total_tco2e == mc_run.total_tco2e
    assert analysis.p2_5_tco2e < mc_run.total_tco2e < analysis.p97_5_tco2e
    assert analysis.mean_tco2e == pytest.approx(mc_run.total_tco2e, rel=0.03)
    # only the gas line is uncertain (5 % of its activity): the total's half-width is about
    # 5 % of the gas emissions (plus whatever the factors state)
    gas = mc_run.lines.get(row=1).tco2e
    assert analysis.p97_5_tco2e - analysis.p2_5_tco2e >= 0.9 * 2 * 0.05 * gas


def test_the_same_seed_gives_identical_numbers_and_another_seed_other_numbers(demo, mc_run):
    _, first = _analyse(demo.enterprise1, mc_run, iterations=2000, seed=7)
    _, again = _analyse(demo.enterprise1, mc_run, iterations=2000, seed=7)
    _, other = _analyse(demo.enterprise1, mc_run, iterations=2000, seed=8)
    assert (first.number, again.number, other.number) == (1, 2, 3)
    assert again.result == first.result and again.unstated == first.unstated
    assert (again.mean_tco2e, again.p2_5_tco2e, again.p97_5_tco2e) == (
        first.mean_tco2e,
        first.p2_5_tco2e,
        first.p97_5_tco2e,
    )
    assert other.result["total"] != first.result["total"]


def test_a_random_seed_is_chosen_recorded_and_reproduces(demo, mc_run):
    job, analysis = _analyse(demo.enterprise1, mc_run)
    assert analysis.iterations == services.MONTE_CARLO_DEFAULT_ITERATIONS
    assert not analysis.seed_given and analysis.seed == job.params["seed"]
    audit = AuditEntry.objects.filter(action="job", object_id=str(job.pk)).get()
    assert audit.after["params"]["seed"] == analysis.seed  # recorded before the job ran
    _, again = _analyse(demo.enterprise1, mc_run, iterations=analysis.iterations, seed=analysis.seed)
    assert again.result == analysis.result


def test_inputs_without_stated_uncertainty_are_listed(demo, mc_run):
    _, analysis = _analyse(demo.enterprise1, mc_run, iterations=1000, seed=1)
    total = analysis.unstated["total"]
    assert {"kind": "activity", "input": "quantity", "lines": 1, "rows": [2]} in total
    # factors: exactly those the analysis drew from that state no uncertainty (whether or not the
    # shipped factor tables carry IPCC ranges)
    exact = {ref for ref, unc in analysis.factor_uncertainties.items() if unc is None}
    assert {u["input"] for u in total if u["kind"] == "factor"} == exact
    assert not any(ref.startswith("gwp.") for ref in analysis.factor_uncertainties)
    entity = mc_run.lines.get(row=1).entity
    assert analysis.unstated["entities"][entity] == total
    assert analysis.complete is False
    # a value given in the row is exact too
    inv = mc_run.inventory
    activity_line_add(
        user=demo.enterprise1,
        inventory=inv,
        data={
            "category": "process",
            "item": "clinker",
            "quantity": 10,
            "unit": "t",
            "factor": 0.52,
            "factor_unit": "tCO2/t",
            "uncertainty_pct": 2,
        },
    )
    run = inventory_calculate(user=demo.enterprise1, inventory=inv)
    _, analysis = _analyse(demo.enterprise1, run, iterations=1000, seed=1)
    assert {"kind": "row_value", "input": "factor", "lines": 1, "rows": [3]} in analysis.unstated["total"]


def test_factors_with_stated_ranges_are_drawn_and_not_listed(demo, power):
    """An IPCC 2006 Tier 1 natural-gas line: its NCV, CO2, CH4 and N2O factors state 95 % ranges
    (lognormal, the version-2 rows), so the analysis draws them, lists no unstated input and still
    equals a direct call of the core with the same seed."""
    _org, facility = power
    inv = inventory_create(user=demo.enterprise1, facility=facility, year=2022)
    activity_line_add(
        user=demo.enterprise1,
        inventory=inv,
        data={
            "category": "combustion",
            "item": "natural_gas",
            "quantity": 1000,
            "unit": "t",
            "methodology": "IPCC2006-T1",
            "uncertainty_pct": 2,
        },
    )
    run = inventory_calculate(user=demo.enterprise1, inventory=inv)
    _, analysis = _analyse(demo.enterprise1, run, iterations=4000, seed=99)
    direct = _direct(run, 4000, 99).monte_carlo
    assert analysis.result["total"] == direct["total"]
    drawn = {ref: unc for ref, unc in analysis.factor_uncertainties.items() if unc is not None}
    assert drawn and all(unc["distribution"] == "lognormal" for unc in drawn.values())
    assert analysis.unstated["total"] == [] and analysis.complete is True
    # the factors' ranges widen the interval beyond the 2 % of the activity data alone
    assert analysis.uncertainty_pct > 2.5


def test_the_analysis_is_append_only_and_audited(demo, mc_run):
    job, analysis = _analyse(demo.enterprise1, mc_run, iterations=1000, seed=3)
    entry = AuditEntry.objects.get(object_type="inventories.montecarloanalysis", object_id=str(analysis.pk))
    assert entry.action == "create" and entry.user == demo.enterprise1
    assert entry.after["seed"] == 3 and entry.after["iterations"] == 1000
    assert analysis.job_id == job.pk and analysis.requested_by == demo.enterprise1
    with pytest.raises(DatabaseError), transaction.atomic():
        MonteCarloAnalysis.objects.filter(pk=analysis.pk).update(seed=4)
    with pytest.raises(DatabaseError), transaction.atomic():
        MonteCarloAnalysis.objects.filter(pk=analysis.pk).delete()


# --------------------------------------------------------------------------- job and progress


def test_the_analysis_runs_as_a_background_job_with_progress(demo, mc_run, token_client):
    api = token_client(demo.enterprise1)
    resp = api.post(
        f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo",
        {"iterations": 1000, "seed": 42},
        content_type="application/json",
    )
    assert resp.status_code == 202, resp.content
    body = resp.json()
    assert body["iterations"] == 1000 and body["seed"] == 42 and body["run_id"] == mc_run.pk
    job = Job.objects.get(pk=body["job_id"])
    assert job.kind == MONTE_CARLO_JOB_KIND and job.status == JobStatusChoices.SUCCEEDED
    assert job.progress_done == job.progress_total == 3
    progress = api.get(f"/api/v1/platform/jobs/{job.pk}").json()
    assert progress["status"] == "succeeded" and progress["result"]["seed"] == 42
    assert progress["result"]["url"] == f"/accounting/runs/{mc_run.pk}/#monte-carlo"


def test_an_empty_body_means_10000_iterations_and_a_random_seed(demo, mc_run, token_client):
    api = token_client(demo.enterprise1)
    resp = api.post(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo", b"", content_type="application/json")
    assert resp.status_code == 202, resp.content
    analysis = MonteCarloAnalysis.objects.get(run=mc_run)
    assert analysis.iterations == 10_000 and analysis.seed == resp.json()["seed"]


def test_a_failing_analysis_fails_its_job_and_stores_nothing(demo, mc_run, monkeypatch, login):
    from dualcarbon.accounting import RecordMismatch

    def mismatch(*args, **kwargs):
        raise RecordMismatch("re-run total differs")

    monkeypatch.setattr(services, "rerun", mismatch)
    job = run_monte_carlo_request(user=demo.enterprise1, run=mc_run, iterations=1000, seed=1)
    job.refresh_from_db()
    assert job.status == JobStatusChoices.FAILED and "re-run total differs" in job.message
    assert not MonteCarloAnalysis.objects.exists()
    html = login(demo.enterprise1).get(f"/accounting/runs/{mc_run.pk}/").content.decode()
    assert 'data-testid="monte-carlo-job" data-status="failed"' in html and "re-run total differs" in html


def test_the_run_page_shows_a_queued_job_and_polls_it(demo, mc_run, login):
    Job.objects.create(
        kind=MONTE_CARLO_JOB_KIND,
        title="queued",
        owner=demo.enterprise1,
        params={"run_id": mc_run.pk, "iterations": 5000, "seed": 9},
        progress_done=1,
        progress_total=3,
        message="Monte Carlo: 5,000 iterations, seed 9",
    )
    client = login(demo.enterprise1)
    html = client.get(f"/accounting/runs/{mc_run.pk}/").content.decode()
    assert 'data-testid="monte-carlo-job" data-status="queued"' in html
    assert f'hx-get="/accounting/runs/{mc_run.pk}/monte-carlo/"' in html and "1 / 3" in html
    fragment = client.get(f"/accounting/runs/{mc_run.pk}/monte-carlo/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert fragment.content.decode().startswith('<section class="card" id="monte-carlo"')


# --------------------------------------------------------------------------- pages and reports


def test_the_run_page_requests_and_shows_the_analysis_beside_approach_1(demo, mc_run, login):
    client = login(demo.enterprise1)
    html = client.get(f"/accounting/runs/{mc_run.pk}/").content.decode()
    assert 'data-testid="approach1"' in html and 'data-testid="monte-carlo-form"' in html
    assert 'data-testid="monte-carlo-none"' in html
    resp = client.post(f"/accounting/runs/{mc_run.pk}/monte-carlo/", {"iterations": "2000", "seed": "11"})
    assert resp.status_code == 302 and resp["Location"].endswith(f"/accounting/runs/{mc_run.pk}/#monte-carlo")
    analysis = MonteCarloAnalysis.objects.get(run=mc_run)
    assert (analysis.iterations, analysis.seed) == (2000, 11)
    html = client.get(f"/accounting/runs/{mc_run.pk}/").content.decode()
    assert 'data-testid="monte-carlo-analysis" data-number="1" data-seed="11"' in html
    assert f'data-value="{analysis.p97_5_tco2e}"' in html and f'data-value="{analysis.p2_5_tco2e}"' in html
    assert 'data-testid="monte-carlo-none"' not in html


def test_print_page_and_xlsx_report_carry_the_analysis(demo, mc_run, login):
    from openpyxl import load_workbook

    from dualcarbon.accounting import round_for_report

    _, analysis = _analyse(demo.enterprise1, mc_run, iterations=1000, seed=5)
    client = login(demo.enterprise1)
    html = client.get(f"/accounting/runs/{mc_run.pk}/print/").content.decode()
    assert 'data-testid="print-uncertainty"' in html and 'data-testid="print-monte-carlo"' in html
    assert round_for_report(analysis.mean_tco2e, 2) in html
    resp = client.get(f"/accounting/runs/{mc_run.pk}/report.xlsx")
    wb = load_workbook(io.BytesIO(resp.content))
    assert "不确定性" in wb.sheetnames
    rows = list(wb["不确定性"].iter_rows(values_only=True))
    # one entity: its row is the total (no 合计 row repeating it)
    assert not [r for r in rows if r[4] == "合计 Total"]
    [entity] = [r for r in rows if r[0] == "Approach 2 Monte Carlo"]
    assert (entity[2], entity[3]) == (1000, "5")
    # unrounded (the workbook keeps 15 significant digits)
    assert (entity[7], entity[8], entity[9]) == pytest.approx(
        (analysis.mean_tco2e, analysis.p2_5_tco2e, analysis.p97_5_tco2e), rel=1e-14
    )
    assert any(r[0].startswith("Approach 1") for r in rows[1:])


def _total_rows(html: str) -> tuple[int, int, int]:
    """Entity rows and 合计 rows of the run page's Monte Carlo table, and 合计 rows of the printable one."""
    mc = html.split('data-testid="monte-carlo-table"', 1)[1].split("</table>", 1)[0]
    return mc.count('data-entity="'), mc.count('class="total"'), html.count('data-testid="print-mc-mean"')


def test_the_total_row_is_shown_only_for_more_than_one_entity(demo, mc_run, login):
    from openpyxl import load_workbook

    client = login(demo.enterprise1)
    # one entity (a facility inventory): the entity row only, on the page, the printable page and
    # in the workbook
    _analyse(demo.enterprise1, mc_run, iterations=1000, seed=3)
    html = client.get(f"/accounting/runs/{mc_run.pk}/").content.decode()
    assert _total_rows(html)[:2] == (1, 0)
    printed = client.get(f"/accounting/runs/{mc_run.pk}/print/").content.decode()
    assert 'data-testid="print-mc-mean"' not in printed and "<th>合计</th>" not in printed
    wb = load_workbook(io.BytesIO(client.get(f"/accounting/runs/{mc_run.pk}/report.xlsx").content))
    rows = list(wb["不确定性"].iter_rows(values_only=True))[1:]
    assert [r[0].split()[1] for r in rows] == ["1", "2"] and all(r[4] != "合计 Total" for r in rows)

    # two entities (an enterprise inventory with a facility's line and one of the enterprise): the
    # total follows them
    org, facility = mc_run.inventory.organization, mc_run.inventory.facility
    inv = inventory_create(user=demo.enterprise1, organization=org, year=2022)
    activity_line_add(user=demo.enterprise1, inventory=inv, data={**MC_LINES[0], "entity": facility.code})
    activity_line_add(user=demo.enterprise1, inventory=inv, data=MC_LINES[1])
    run = inventory_calculate(user=demo.enterprise1, inventory=inv)
    assert len(run.result["entities"]) == 2
    _, analysis = _analyse(demo.enterprise1, run, iterations=1000, seed=3)
    html = client.get(f"/accounting/runs/{run.pk}/").content.decode()
    assert _total_rows(html) == (3, 1, 0)
    printed = client.get(f"/accounting/runs/{run.pk}/print/").content.decode()
    assert printed.count('data-testid="print-mc-mean"') == 1 and "<th>合计</th>" in printed
    wb = load_workbook(io.BytesIO(client.get(f"/accounting/runs/{run.pk}/report.xlsx").content))
    rows = list(wb["不确定性"].iter_rows(values_only=True))[1:]
    assert [r[4] == "合计 Total" for r in rows] == [False, False, True] * 2
    assert rows[-1][7] == pytest.approx(analysis.mean_tco2e, rel=1e-14)


def test_api_reads_the_analyses(demo, mc_run, token_client):
    _, analysis = _analyse(demo.enterprise1, mc_run, iterations=1000, seed=5)
    api = token_client(demo.enterprise1)
    items = api.get(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo").json()
    assert [i["id"] for i in items] == [analysis.pk]
    one = api.get(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo/{analysis.pk}").json()
    assert one["seed"] == 5 and one["iterations"] == 1000
    assert one["total"]["p2_5"] == analysis.p2_5_tco2e and one["total"]["p97_5"] == analysis.p97_5_tco2e
    assert one["total"]["tco2e"] == mc_run.total_tco2e
    [entity] = one["entities"]
    assert entity["mean"] == analysis.result["entities"][entity["entity"]]["mean"]
    assert entity["approach1_pct"] == mc_run.result["entities"][entity["entity"]]["uncertainty_pct"]
    assert any(u["kind"] == "activity" and u["rows"] == [2] for u in entity["unstated"])
    assert api.get(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo/999999").status_code == 404


# --------------------------------------------------------------------------- who may


def test_another_enterprise_and_a_regulator_outside_the_jurisdiction_get_404(
    demo, mc_run, login, token_client
):
    for user in (demo.enterprise2, demo.city_regulator):  # 湛江 is outside 广州
        client = login(user)
        assert client.get(f"/accounting/runs/{mc_run.pk}/monte-carlo/").status_code == 404
        assert (
            client.post(f"/accounting/runs/{mc_run.pk}/monte-carlo/", {"iterations": "1000"}).status_code
            == 404
        )
        api = token_client(user)
        for resp in (
            api.get(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo"),
            api.post(
                f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo", {}, content_type="application/json"
            ),
        ):
            assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert not Job.objects.filter(kind=MONTE_CARLO_JOB_KIND).exists()


def test_readers_who_may_not_calculate_read_but_do_not_request(demo, mc_run, login, token_client):
    _, analysis = _analyse(demo.enterprise1, mc_run, iterations=1000, seed=5)
    for user in (demo.regulator, demo.verifier):
        client = login(user)
        html = client.get(f"/accounting/runs/{mc_run.pk}/").content.decode()
        assert 'data-testid="monte-carlo-analysis"' in html and 'data-testid="monte-carlo-form"' not in html
        assert (
            client.post(f"/accounting/runs/{mc_run.pk}/monte-carlo/", {"iterations": "1000"}).status_code
            == 403
        )
        api = token_client(user)
        assert api.get(f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo/{analysis.pk}").status_code == 200
        resp = api.post(
            f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo", {}, content_type="application/json"
        )
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    # an administrator may
    job = run_monte_carlo_request(user=demo.admin, run=mc_run, iterations=1000, seed=6)
    job.refresh_from_db()
    assert job.status == JobStatusChoices.SUCCEEDED
    assert MonteCarloAnalysis.objects.filter(run=mc_run).count() == 2


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"iterations": 999}, "iterations"),
        ({"iterations": 200_001}, "iterations"),
        ({"iterations": 1500.5}, "iterations"),
        ({"iterations": "many"}, "iterations"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": 2**63}, "seed"),
    ],
)
def test_api_bad_input_names_the_field_and_queues_nothing(demo, mc_run, token_client, payload, field):
    api = token_client(demo.enterprise1)
    resp = api.post(
        f"/api/v1/inventories/runs/{mc_run.pk}/monte-carlo", payload, content_type="application/json"
    )
    assert resp.status_code == 400, resp.content
    body = resp.json()
    assert body["code"] == "validation_error" and field in body["extra"]["fields"]
    assert not Job.objects.filter(kind=MONTE_CARLO_JOB_KIND).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"iterations": "999"}, "iterations"),
        ({"iterations": "200001"}, "iterations"),
        ({"iterations": "ten"}, "iterations"),
        ({"iterations": "1000", "seed": "1.5"}, "seed"),
        ({"iterations": "1000", "seed": "x"}, "seed"),
        ({"iterations": "1000", "seed": "-3"}, "seed"),
    ],
)
def test_form_bad_input_names_the_field_and_queues_nothing(demo, mc_run, login, data, field):
    resp = login(demo.enterprise1).post(f"/accounting/runs/{mc_run.pk}/monte-carlo/", data)
    assert resp.status_code == 400
    assert f'class="errors" data-field="{field}"' in resp.content.decode()
    assert not Job.objects.filter(kind=MONTE_CARLO_JOB_KIND).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"iterations": 0}, "iterations"),
        ({"iterations": True}, "iterations"),
        ({"iterations": 1000, "seed": 2.5}, "seed"),
        ({"iterations": 1000, "seed": -1}, "seed"),
    ],
)
def test_service_bad_input_names_the_field(demo, mc_run, kwargs, field):
    from dualcarbon_web.platform.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        run_monte_carlo_request(user=demo.enterprise1, run=mc_run, **kwargs)
    assert list(info.value.extra["fields"]) == [field]


# --------------------------------------------------------------------------- query count


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_run_page_query_count_does_not_grow_with_analyses(demo, mc_run, login):
    """The uncertainty section costs two queries (analyses with their requesters, pending jobs)
    whatever the number of analyses; the fragment htmx polls is pinned whole. The whole page is
    compared with itself only, as other blocks of the run page (MRV) have their own counts."""
    client = login(demo.enterprise1)
    _analyse(demo.enterprise1, mc_run, iterations=1000, seed=1)
    page_one = _count(client, f"/accounting/runs/{mc_run.pk}/")
    fragment_one = _count(client, f"/accounting/runs/{mc_run.pk}/monte-carlo/")
    for seed in (2, 3, 4):
        _analyse(demo.enterprise1, mc_run, iterations=1000, seed=seed)
    page_many = _count(client, f"/accounting/runs/{mc_run.pk}/")
    fragment_many = _count(client, f"/accounting/runs/{mc_run.pk}/monte-carlo/")
    assert page_one == page_many
    # session, user, run (with inventory and organisation), analyses, jobs
    assert fragment_one == fragment_many == 5
