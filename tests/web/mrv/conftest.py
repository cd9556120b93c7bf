"""Fixtures of the MRV tests: the demo province plus small calculated enterprise-wide inventories."""

from __future__ import annotations

import pytest

CH4 = {"category": "direct_gas", "item": "CH4", "quantity": 1.0, "unit": "t"}


@pytest.fixture
def calculated(demo):
    """``calculated(n, year=2023, lines=[CH4])``: an enterprise-wide inventory of demo enterprise ``n``
    (1-based, written by its member ``enterprise<n>``), calculated; returns the inventory."""
    from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create

    def _make(n: int, *, year: int = 2023, lines=(CH4,)):
        org = demo.orgs["enterprises"][n - 1]
        user = demo.users[f"enterprise{n}"]
        inv = inventory_create(user=user, organization=org, year=year)
        for data in lines:
            activity_line_add(user=user, inventory=inv, data=data)
        inventory_calculate(user=user, inventory=inv)
        inv.refresh_from_db()
        return inv

    return _make


@pytest.fixture
def run_of():
    """``run_of(inventory)``: its latest run with the record loaded, as the views pass it."""
    from dualcarbon_web.inventories.models import CalculationRun

    def _run(inv):
        return CalculationRun.objects.select_related("inventory", "inventory__organization").get(
            pk=inv.latest_run_id
        )

    return _run
