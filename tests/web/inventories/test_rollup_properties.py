"""Properties of the regulators' roll-up on random data: every level adds up, and a transfer between
two facilities is eliminated exactly in the units that contain both."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualcarbon_web.inventories.rollups import jurisdiction_rollup
from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create

_years = itertools.count(2000)

purchase = st.tuples(
    st.integers(min_value=0, max_value=5),  # buyer: index into the Guangdong facilities
    st.integers(min_value=0, max_value=5),  # seller (counterparty)
    st.integers(min_value=1, max_value=10_000),  # MWh
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purchases=st.lists(purchase, min_size=1, max_size=6))
def test_rollup_levels_add_up_and_eliminate_only_shared_units(demo, purchases):
    year = next(_years)
    facilities = [f for org in demo.orgs["enterprises"][:6] for f in org.facilities.order_by("pk")][:6]
    by_facility = {}
    for buyer, seller, mwh in purchases:
        buyer_f = facilities[buyer]
        inv = by_facility.get(buyer_f.pk)
        if inv is None:
            inv = by_facility[buyer_f.pk] = inventory_create(user=demo.admin, facility=buyer_f, year=year)
        counterparty = facilities[seller].code if seller != buyer else ""
        activity_line_add(
            user=demo.admin,
            inventory=inv,
            data={
                "category": "purchased_electricity",
                "item": "electricity",
                "quantity": mwh,
                "unit": "MWh",
                "factor": 0.5,
                "factor_unit": "tCO2/MWh",
                "counterparty": counterparty,
            },
        )
    for inv in by_facility.values():
        inventory_calculate(user=demo.admin, inventory=inv)
    r = jurisdiction_rollup(user=demo.admin, year=year)
    gross = sum(0.5 * mwh for _b, _s, mwh in purchases)
    assert r.total_tco2e == pytest.approx(gross)
    for units in (r.by_city, r.by_industry, r.ranking):
        assert sum(u["total_tco2e"] + u["eliminated_tco2e"] for u in units) == pytest.approx(gross)
    # enterprise level: only purchases from a facility of the same enterprise disappear
    internal = sum(
        0.5 * mwh
        for b, s, mwh in purchases
        if b != s
        and facilities[b].organization_id == facilities[s].organization_id
        and facilities[s].pk in by_facility  # the seller is part of the roll-up
    )
    assert sum(u["eliminated_tco2e"] for u in r.ranking) == pytest.approx(internal)
