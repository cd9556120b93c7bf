"""The pages an enterprise uses: create an inventory, change its options, see a calculation refused
with every bad line named, edit a line."""

from __future__ import annotations

from dualcarbon_web.inventories.models import ActivityLine, Inventory


def test_create_inventory_page(demo, power, login):
    _org, facility = power
    client = login(demo.enterprise1)
    resp = client.post(
        "/accounting/new/",
        {
            "facility": facility.pk,
            "year": 2024,
            "methodology": "CN-MEE-POWER-2022-485",
            "gwp": "AR5",
            "vintage": "exact",
        },
    )
    inv = Inventory.objects.get(facility=facility, year=2024)
    assert resp.status_code == 302 and resp.url == f"/accounting/{inv.pk}/"
    assert inv.methodology == "CN-MEE-POWER-2022-485" and inv.created_by == demo.enterprise1
    again = client.post(
        "/accounting/new/",
        {
            "facility": facility.pk,
            "year": 2024,
            "methodology": "CN-GBT32150-2015",
            "gwp": "AR5",
            "vintage": "exact",
        },
    )
    assert again.status_code == 400 and 'data-field="year"' in again.content.decode()
    assert login(demo.regulator).get("/accounting/new/").status_code == 403


def test_calculation_refused_lists_every_bad_line(demo, worked, login):
    client = login(demo.enterprise1)
    # IPCC 2006 Tier 1 does not account purchased electricity: line 2 cannot be calculated any more
    resp = client.post(
        f"/accounting/{worked.pk}/options/",
        {"methodology": "IPCC2006-T1", "gwp": "AR6", "vintage": "exact", "name": "IPCC view"},
    )
    assert resp.status_code == 302
    worked.refresh_from_db()
    assert (worked.methodology, worked.gwp, worked.name, worked.revision) == (
        "IPCC2006-T1",
        "AR6",
        "IPCC view",
        3,
    )
    resp = client.post(f"/accounting/{worked.pk}/calculate/")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-row="2" data-column="category"' in html and "IPCC2006-T1" in html
    worked.refresh_from_db()
    assert worked.status == "draft" and worked.latest_run_id is None


def test_edit_line_page(demo, worked, login):
    line = ActivityLine.objects.get(inventory=worked, position=2)
    client = login(demo.enterprise1)
    page = client.get(f"/accounting/{worked.pk}/lines/{line.pk}/edit/").content.decode()
    assert 'value="440000"' in page
    resp = client.post(
        f"/accounting/{worked.pk}/lines/{line.pk}/edit/",
        {
            "category": "purchased_electricity",
            "item": "electricity",
            "quantity": "1500",
            "unit": "MWh",
            "region": "440000",
        },
    )
    assert resp.status_code == 302
    line.refresh_from_db()
    assert line.quantity == 1500.0
    resp = client.post(
        f"/accounting/{worked.pk}/lines/{line.pk}/edit/",
        {
            "category": "purchased_electricity",
            "item": "electricity",
            "quantity": "1500",
            "unit": "MWh",
            "region": "Atlantis",
        },
    )
    assert resp.status_code == 400 and 'data-field="region"' in resp.content.decode()
    detail = client.get(f"/accounting/{worked.pk}/").content.decode()
    assert 'data-testid="line-table"' in detail and "1500" in detail
