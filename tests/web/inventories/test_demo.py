"""The demo inventories: every demo enterprise gets a calculated 2023 inventory; loading twice adds nothing."""

from __future__ import annotations

import pytest

from dualcarbon_web.inventories.demo import demo_inventories_load
from dualcarbon_web.inventories.models import CalculationLine, CalculationRun, Inventory


def test_demo_inventories_are_calculated_and_idempotent(demo, token_client):
    first = demo_inventories_load(demo.orgs)
    assert len(first) == 7 and all(s["created"] for s in first)
    for summary in first:
        inv = Inventory.objects.get(pk=summary["inventory_id"])
        assert inv.status == "calculated" and inv.is_current and inv.year == 2023
        assert summary["total_tco2e"] > 0
    # every line found the trace of its key (coal with a measured NCV, carbon balances, PFCs, ...)
    assert (
        CalculationLine.objects.count() == 41
        and not CalculationLine.objects.filter(key__isnull=True).exists()
    )
    totals = {s["organization"][:4]: s["total_tco2e"] for s in first}
    # coal power is the largest emitter (millions of tonnes), the paper mill among the smallest
    assert totals["湛江湾火"] == max(totals.values()) and totals["湛江湾火"] > 5e6
    again = demo_inventories_load(demo.orgs)
    assert not any(s["created"] for s in again)
    assert CalculationRun.objects.count() == 7
    body = token_client(demo.regulator).get("/api/v1/inventories/rollups?year=2023").json()
    assert body["inventories"] == 6 and len(body["by_park"]) == 2
    # the 600 GWh between the smelter and the petrochemical CHP unit are internal to the Daya Bay park
    park = next(p for p in body["by_park"] if p["name"].startswith("惠州大亚湾"))
    assert park["entities"] == 3
    ranking_total = sum(u["total_tco2e"] + u["eliminated_tco2e"] for u in body["ranking"])
    assert ranking_total == pytest.approx(body["total_tco2e"], rel=1e-12)
