"""Uploading activity lines: all or nothing, every bad row reported with row, column and reason."""

from __future__ import annotations

import io
import json

from dualcarbon_web.inventories.models import ActivityLine
from dualcarbon_web.platform.models import AuditEntry

HEADER = "entity,period,category,item,quantity,unit,ncv,ncv_unit,region,counterparty\n"
GOOD = (
    HEADER
    + ",2022,combustion,natural_gas,50,10^4 Nm3,,,,\n"
    + ",2022-06,combustion,bituminous_coal,1200,t,20.9,GJ/t,,\n"
    + ",2022,purchased_electricity,electricity,300,MWh,,,广东,\n"
)
BAD = (
    HEADER
    + ",2022,combustion,natural_gas,50,10^4 Nm3,,,,\n"  # row 2: good
    + ",2022,combustion,natural_gas,lots,10^4 Nm3,,,,\n"  # row 3: quantity is not a number
    + ",2022,purchased_electricity,electricity,300,t,,,,\n"  # row 4: electricity in tonnes
    + "XX-9,2022,combustion,diesel,3,t,,,,\n"  # row 5: another facility
    + ",2021,combustion,diesel,3,t,,,,\n"  # row 6: outside the inventory's year
    + ",2022,fission,uranium,3,t,,,,\n"  # row 7: unknown category
)


def _upload(client, inv, name, content, **extra):
    f = io.BytesIO(content if isinstance(content, bytes) else content.encode("utf-8"))
    f.name = name
    return client.post(f"/accounting/{inv.pk}/lines/upload/", {"file": f, **extra})


def _rows(errors):
    return {(e["row"], e["column"]) for e in errors}


def test_bad_upload_stores_nothing_and_reports_every_bad_row(demo, worked, login, token_client):
    before = ActivityLine.objects.filter(inventory=worked).count()
    resp = _upload(login(demo.enterprise1), worked, "bad.csv", BAD)
    assert resp.status_code == 400
    html = resp.content.decode()
    for row, column in ((3, "quantity"), (4, "unit"), (5, "entity"), (6, "period"), (7, "category")):
        assert f'data-row="{row}" data-column="{column}"' in html, (row, column)
    assert "is not a number" in html
    assert ActivityLine.objects.filter(inventory=worked).count() == before
    assert not AuditEntry.objects.filter(action="import").exists()

    api = token_client(demo.enterprise1)
    f = io.BytesIO(BAD.encode())
    f.name = "bad.csv"
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f})
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "validation_error" and body["extra"]["filename"] == "bad.csv"
    rows = body["extra"]["rows"]
    assert {(3, "quantity"), (4, "unit"), (5, "entity"), (6, "period"), (7, "category")} <= _rows(rows)
    assert 2 not in {r["row"] for r in rows}
    assert all(r["reason"] for r in rows)
    assert ActivityLine.objects.filter(inventory=worked).count() == before


def test_unknown_columns_are_refused_on_the_header_row(demo, worked, token_client):
    f = io.BytesIO((HEADER.strip() + ",colour\n,2022,combustion,diesel,3,t,,,,,red\n").encode())
    f.name = "extra.csv"
    resp = token_client(demo.enterprise1).post(
        f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f}
    )
    assert resp.status_code == 400
    assert {"row": 1, "column": "colour"}.items() <= resp.json()["extra"]["rows"][0].items()


def test_good_csv_upload_appends_or_replaces_with_an_audit_entry(demo, worked, login):
    client = login(demo.enterprise1)
    resp = _upload(client, worked, "good.csv", GOOD)
    assert resp.status_code == 302
    lines = list(ActivityLine.objects.filter(inventory=worked).order_by("position"))
    assert [line.position for line in lines] == [1, 2, 3, 4, 5]
    coal = lines[3]
    assert (coal.item, coal.quantity, coal.ncv, coal.ncv_unit, coal.period) == (
        "bituminous_coal",
        1200.0,
        20.9,
        "GJ/t",
        "2022-06",
    )
    assert coal.entity == worked.facility.code and coal.source == "good.csv row 3"
    entry = AuditEntry.objects.get(action="import", object_type="inventories.inventory")
    assert entry.before["lines"] == 2 and entry.after["lines"] == 5 and entry.after["file"] == "good.csv"
    resp = _upload(client, worked, "good.csv", GOOD, replace="on")
    assert resp.status_code == 302
    assert ActivityLine.objects.filter(inventory=worked).count() == 3
    worked.refresh_from_db()
    assert worked.status == "draft"


def test_xlsx_and_json_uploads(demo, worked, token_client):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["category", "item", "quantity", "unit", "factor", "factor_unit"])
    ws.append(["process", "soda_ash", 1000, "t", None, None])  # no default factor: row 2 is bad
    ws.append(["direct_gas", "CH4", 2.5, "t", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    api = token_client(demo.enterprise1)
    f = io.BytesIO(buf.getvalue())
    f.name = "lines.xlsx"
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f})
    assert resp.status_code == 400 and _rows(resp.json()["extra"]["rows"]) == {(2, "factor")}

    records = [
        {
            "category": "process",
            "item": "clinker",
            "quantity": 1000,
            "unit": "t",
            "factor": 0.52,
            "factor_unit": "tCO2/t",
        },
        {"category": "direct_gas", "item": "CH4", "quantity": 2.5, "unit": "t"},
    ]
    f = io.BytesIO(json.dumps(records).encode())
    f.name = "lines.json"
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f})
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"created": 2, "replaced": 0, "lines": 4}
    records[1]["quantity"] = "much"
    f = io.BytesIO(json.dumps(records).encode())
    f.name = "lines.json"
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f})
    rows = resp.json()["extra"]["rows"]
    assert resp.status_code == 400 and rows[0]["row"] == 2 and rows[0]["row_label"] == "record"


def test_unsupported_file_type_is_a_field_error(demo, worked, login):
    resp = _upload(login(demo.enterprise1), worked, "lines.pdf", b"%PDF-1.4")
    assert resp.status_code == 400 and 'data-field="file"' in resp.content.decode()


def test_template_csv_is_the_interchange_header(demo, login):
    resp = login(demo.enterprise1).get("/accounting/template.csv")
    text = resp.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("entity,period,category,item,quantity,unit,ncv,ncv_unit")


def test_large_upload_runs_as_a_background_job(demo, worked, monkeypatch, token_client):
    from dualcarbon_web.inventories import services
    from dualcarbon_web.platform.models import Job

    monkeypatch.setattr(services, "INLINE_MAX_LINES", 2)
    api = token_client(demo.enterprise1)
    f = io.BytesIO(GOOD.encode())
    f.name = "big.csv"
    resp = api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f})
    assert resp.status_code == 202, resp.content
    job = Job.objects.get(pk=resp.json()["job_id"])  # the test settings run jobs at once
    assert job.kind == "inventories.upload" and job.status == "succeeded"
    assert job.result["created"] == 3 and job.progress_done == job.progress_total == 3
    assert ActivityLine.objects.filter(inventory=worked).count() == 5
    # a bad large file fails the job with every bad row named, and stores nothing
    f = io.BytesIO(BAD.encode())
    f.name = "bigbad.csv"
    job = Job.objects.get(
        pk=api.post(f"/api/v1/inventories/inventories/{worked.pk}/upload", {"file": f}).json()["job_id"]
    )
    assert (
        job.status == "failed"
        and "row 3, column 'quantity'" in job.error
        and "row 7, column 'category'" in job.error
    )
    assert ActivityLine.objects.filter(inventory=worked).count() == 5
