"""Fixtures of the inventories tests: the demo province plus a small worked-example inventory."""

from __future__ import annotations

import pytest

#: A worked example (year 2022): natural gas burnt in a boiler and electricity bought from the grid.
WORKED_LINES = [
    {"category": "combustion", "item": "natural_gas", "quantity": 100.0, "unit": "10^4 Nm3"},
    {
        "category": "purchased_electricity",
        "item": "electricity",
        "quantity": 1000.0,
        "unit": "MWh",
        "region": "440000",
    },
]


@pytest.fixture
def power(demo):
    """enterprise1's organisation (湛江湾火力发电) and its first facility."""
    org = demo.orgs["enterprises"][0]
    return org, org.facilities.order_by("pk").first()


@pytest.fixture
def worked(demo, power):
    """A 2022 inventory of enterprise1's first facility with the two worked-example lines."""
    from dualcarbon_web.inventories.services import activity_line_add, inventory_create

    _org, facility = power
    inv = inventory_create(user=demo.enterprise1, facility=facility, year=2022)
    for data in WORKED_LINES:
        activity_line_add(user=demo.enterprise1, inventory=inv, data=data)
    inv.refresh_from_db()
    return inv


@pytest.fixture
def other_inventory(demo):
    """A calculated 2022 inventory of enterprise2 (cement), for the visibility tests."""
    from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create

    org = demo.orgs["enterprises"][1]
    inv = inventory_create(user=demo.enterprise2, facility=org.facilities.order_by("pk").first(), year=2022)
    activity_line_add(
        user=demo.enterprise2,
        inventory=inv,
        data={
            "category": "process",
            "item": "clinker",
            "quantity": 1000,
            "unit": "t",
            "factor": 0.52,
            "factor_unit": "tCO2/t",
        },
    )
    inventory_calculate(user=demo.enterprise2, inventory=inv)
    inv.refresh_from_db()
    return inv
