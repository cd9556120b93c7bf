"""Bulk import: all rows or none, every bad row named with its column and reason; export round-trips."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dualcarbon.registry.tables import table_rows, table_write_csv, table_write_xlsx
from dualcarbon_web.organizations.demo import demo_uscc
from dualcarbon_web.organizations.models import Facility, Organization
from dualcarbon_web.organizations.services import ImportRejected, organizations_import
from dualcarbon_web.platform.models import AuditEntry, Job

HEADER = ["kind", "name", "uscc", "region", "industry", "park"]


def _good_rows(n: int = 3) -> list[list[str]]:
    return [
        ["enterprise", f"导入企业{i}（示例）", demo_uscc("91", "440100", 700 + i), "440100", "2221", ""]
        for i in range(n)
    ]


def _snapshot_db():
    return sorted(Organization.objects.values_list("uscc", "name", "region__code", "industry__code"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_good_file_imports_all_rows_with_one_audit_entry_each(demo, fmt) -> None:
    rows = _good_rows(3)
    data = table_write_csv(HEADER, rows) if fmt == "csv" else table_write_xlsx(HEADER, rows)
    result = organizations_import(user=demo.regulator, data=data, filename=f"orgs.{fmt}")
    assert (result.created, result.updated) == (3, 0)
    for row in rows:
        org = Organization.objects.get(uscc=row[2])
        entry = AuditEntry.objects.get(
            object_id=str(org.pk), object_type="organizations.organization", action="import"
        )
        assert entry.before is None and entry.after["name"] == row[1] and f"orgs.{fmt}" in entry.note


def test_bad_rows_store_nothing_and_name_row_column_reason(demo) -> None:
    before = _snapshot_db()
    audits = AuditEntry.objects.count()
    existing = demo.orgs["enterprises"][0]
    rows = _good_rows(4)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")  # bad check character: row 3
    rows[2][3] = "449900"  # not a prefecture: row 4
    rows[3][4] = "C4411"  # division 44 is in section D: row 5
    rows.append(["enterprise", "改名（示例）", existing.uscc, "440800", "4411", ""])  # a good update, row 6
    data = table_write_csv(HEADER, rows)
    with pytest.raises(ImportRejected) as info:
        organizations_import(user=demo.regulator, data=data, filename="bad.csv")
    problems = {(p["row"], p["column"]) for p in info.value.rows}
    assert problems == {(3, "uscc"), (4, "region"), (5, "industry")}
    reasons = {p["row"]: p["reason"] for p in info.value.rows}
    assert "position 18" in reasons[3] and "449900" in reasons[4] and "section D" in reasons[5]
    assert _snapshot_db() == before
    assert AuditEntry.objects.count() == audits


def test_header_problems_and_duplicates(demo) -> None:
    data = table_write_csv(["name", "uscc", "regoin"], [["a", "b", "c"]])
    with pytest.raises(ImportRejected) as info:
        organizations_import(user=demo.regulator, data=data, filename="h.csv")
    got = {(p["row"], p["column"]) for p in info.value.rows}
    assert got == {(1, "regoin"), (1, "region"), (1, "kind")}
    rows = _good_rows(1) * 2
    with pytest.raises(ImportRejected) as info:
        organizations_import(user=demo.regulator, data=table_write_csv(HEADER, rows), filename="d.csv")
    assert [(p["row"], p["column"]) for p in info.value.rows] == [(3, "uscc")]


def test_import_scope_city_regulator(demo) -> None:
    zj = demo.orgs["enterprises"][0]
    rows = [["enterprise", "越权（示例）", zj.uscc, "440800", "4411", ""], *_good_rows(1)]
    rows[1][3] = "440300"
    with pytest.raises(ImportRejected) as info:
        organizations_import(user=demo.city_regulator, data=table_write_csv(HEADER, rows), filename="s.csv")
    got = {(p["row"], p["column"]) for p in info.value.rows}
    assert got == {(2, "uscc"), (3, "region")}


def test_import_ui_shows_row_table_and_success(demo, login) -> None:
    client = login(demo.regulator)
    rows = _good_rows(2)
    rows[1][3] = "12345"
    upload = SimpleUploadedFile("bad.csv", table_write_csv(HEADER, rows), content_type="text/csv")
    resp = client.post("/registry/organizations/import/", {"file": upload})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert (
        'data-testid="import-errors"' in html
        and "<code>region</code>" in html
        and '<td class="num">3</td>' in html
    )
    assert not Organization.objects.filter(uscc=rows[0][2]).exists()
    rows[1][3] = "440100"
    upload = SimpleUploadedFile("good.xlsx", table_write_xlsx(HEADER, rows))
    resp = client.post("/registry/organizations/import/", {"file": upload})
    assert resp.status_code == 200 and 'data-testid="import-ok"' in resp.content.decode()
    assert Organization.objects.filter(uscc__in=[r[2] for r in rows]).count() == 2
    assert login(demo.enterprise1).get("/registry/organizations/import/").status_code == 403


def test_import_api_errors_and_background_job(demo, token_client) -> None:
    api = token_client(demo.regulator)
    rows = _good_rows(2)
    rows[0][2] = "not-a-code"
    resp = api.post(
        "/api/v1/organizations/import", {"file": SimpleUploadedFile("a.csv", table_write_csv(HEADER, rows))}
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "validation_error"
    assert body["extra"]["rows"] == [
        {"row": 2, "column": "uscc", "reason": body["extra"]["rows"][0]["reason"]}
    ]
    assert "18 characters" in body["extra"]["rows"][0]["reason"]
    rows = _good_rows(2)
    resp = api.post(
        "/api/v1/organizations/import",
        {"file": SimpleUploadedFile("b.csv", table_write_csv(HEADER, rows)), "background": "true"},
    )
    assert resp.status_code == 202
    job = Job.objects.get(pk=resp.json()["id"])  # the test settings run jobs inline
    assert job.status == "succeeded" and job.result["created"] == 2
    assert job.progress_done == job.progress_total > 0
    assert Organization.objects.filter(uscc__in=[r[2] for r in rows]).count() == 2
    # a background import with a bad row fails with the rows in its message and stores nothing
    bad = _good_rows(1)
    bad[0][2] = bad[0][2].replace("440100", "440101", 1)[:17] + "0"
    resp = api.post(
        "/api/v1/organizations/import",
        {
            "file": SimpleUploadedFile("c.csv", table_write_csv(HEADER, [*_good_rows(1), *bad])),
            "background": "true",
        },
    )
    job = Job.objects.get(pk=resp.json()["id"])
    assert job.status == "failed" and "row 3" in job.error
    assert not Organization.objects.filter(name="导入企业0（示例）").exclude(uscc=rows[0][2]).exists()


def test_export_round_trips_through_import(demo, token_client) -> None:
    api = token_client(demo.regulator)
    for fmt in ("csv", "xlsx"):
        resp = api.get(f"/api/v1/organizations/export?format={fmt}&kind=enterprise")
        assert resp.status_code == 200
        _header, rows = table_rows(resp.content, f"x.{fmt}")
        assert len(rows) == 6
        result = organizations_import(user=demo.regulator, data=resp.content, filename=f"x.{fmt}")
        assert (result.created, result.updated, result.unchanged) == (0, 0, 6)
    assert api.get("/api/v1/organizations/export?format=pdf").status_code == 400


FACILITY_HEADER = ["organization_uscc", "name", "industry", "region", "latitude", "longitude", "capacity"]


def test_member_imports_own_facilities_all_or_nothing(demo, login) -> None:
    from dualcarbon_web.organizations.services import facilities_import

    me, other = demo.orgs["enterprises"][0], demo.orgs["enterprises"][1]
    existing = Facility.objects.filter(organization=me).order_by("name").first()
    good = [
        [me.uscc, "5号机组", "4411", "440800", "21.21", "110.41", "1000 MW"],
        [me.uscc, existing.name, "4411", "440800", "21.2", "110.4", "660 MW"],  # an update
    ]
    bad = [
        *good,
        [other.uscc, "偷偷加的设施", "3011", "440600", "", "", ""],  # row 4: not mine
        [me.uscc, "6号机组", "4411", "440800", "91", "110.4", ""],  # row 5: latitude
        [me.uscc, "7号机组", "9999", "440800", "", "", ""],  # row 6: industry
        [me.uscc, "5号机组", "4411", "440800", "", "", ""],  # row 7: duplicate of row 2
    ]
    before = sorted(Facility.objects.values_list("organization_id", "name", "capacity"))
    with pytest.raises(ImportRejected) as info:
        facilities_import(user=demo.enterprise1, data=table_write_csv(FACILITY_HEADER, bad), filename="f.csv")
    assert {(p["row"], p["column"]) for p in info.value.rows} == {
        (4, "organization_uscc"),
        (5, "latitude"),
        (6, "industry"),
        (7, "name"),
    }
    assert sorted(Facility.objects.values_list("organization_id", "name", "capacity")) == before

    result = facilities_import(
        user=demo.enterprise1, data=table_write_xlsx(FACILITY_HEADER, good), filename="f.xlsx"
    )
    assert (result.created, result.updated) == (1, 1)
    existing.refresh_from_db()
    assert existing.capacity == "660 MW"
    entry = AuditEntry.objects.get(
        object_type="organizations.facility", object_id=str(existing.pk), action="import"
    )
    assert entry.before["capacity"] != "660 MW" and entry.after["capacity"] == "660 MW"
    assert Facility.objects.get(organization=me, name="5号机组").latitude is not None


def test_facility_export_round_trips_and_pages(demo, login, token_client) -> None:
    api = token_client(demo.regulator)
    exported = api.get("/api/v1/organizations/facilities/export?format=xlsx").content
    resp = api.post(
        "/api/v1/organizations/facilities/import", {"file": SimpleUploadedFile("fx.xlsx", exported)}
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (
        body["created"] == body["updated"] == 0
        and body["unchanged"] == Facility.objects.filter(region__code__startswith="44").count()
    )
    # the city regulator cannot import into a Zhanjiang enterprise
    zj = demo.orgs["enterprises"][0]
    rows = [[zj.uscc, "越权设施", "4411", "440800", "", "", ""]]
    resp = token_client(demo.city_regulator).post(
        "/api/v1/organizations/facilities/import",
        {"file": SimpleUploadedFile("z.csv", table_write_csv(FACILITY_HEADER, rows)), "background": "true"},
    )
    job = Job.objects.get(pk=resp.json()["id"])
    assert job.status == "failed" and "organization_uscc" in job.error
    assert not Facility.objects.filter(name="越权设施").exists()
    assert login(demo.enterprise1).get("/registry/facilities/import/").status_code == 200
    assert login(demo.verifier).get("/registry/facilities/import/").status_code == 403


def test_docs_csv_example_imports(demo) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "registry.md").read_text(encoding="utf-8")
    block = text.split("```csv\n", 1)[1].split("```", 1)[0]
    result = organizations_import(user=demo.regulator, data=block.encode(), filename="docs.csv")
    assert result.created == 2
