"""Each role's dashboard shows figures computed only from what that role may see."""

from __future__ import annotations

import pytest

from dualcarbon_web.inventories.demo import demo_inventories_load


@pytest.fixture
def with_inventories(demo):
    return demo_inventories_load(demo.orgs)


def _ctx(client, user):
    client.force_login(user)
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.context["d"]


def test_enterprise_dashboard_shows_only_its_own_emissions(client, demo, with_inventories):
    mine = {s["organization"]: s["total_tco2e"] for s in with_inventories}
    d = _ctx(client, demo.enterprise1)
    assert d["enterprise_count"] == 1
    assert [e["name"] for e in d["top_emitters"]] == [demo.enterprise1.organization.name]
    assert d["emission_total_tco2e"] == pytest.approx(mine[demo.enterprise1.organization.name], rel=1e-12)


def test_province_regulator_sees_guangdong_not_hunan(client, demo, with_inventories):
    d = _ctx(client, demo.regulator)
    names = {e["name"] for e in d["top_emitters"]}
    hunan = demo.orgs["enterprises"][-1].name
    assert hunan not in names and len(names) == len(demo.orgs["enterprises"]) - 1
    expected = sum(s["total_tco2e"] for s in with_inventories if s["organization"] != hunan)
    assert d["emission_total_tco2e"] == pytest.approx(expected, rel=1e-12)
    totals = [e["tco2e"] for e in d["top_emitters"]]
    assert totals == sorted(totals, reverse=True)


def test_city_regulator_sees_only_its_city(client, demo, with_inventories):
    d = _ctx(client, demo.city_regulator)
    gz = {o.name for o in demo.orgs["enterprises"] if o.region.code.startswith("4401")}
    assert {e["name"] for e in d.get("top_emitters", [])} == gz


def test_analyst_dashboard_has_no_enterprise_emissions(client, demo, with_inventories):
    d = _ctx(client, demo.analyst)
    assert "top_emitters" not in d and d["enterprise_count"] == 0


def test_emissions_total_is_shown_rounded_half_up_with_grouping(client, demo, with_inventories):
    d = _ctx(client, demo.regulator)
    from decimal import ROUND_HALF_UP, Decimal

    expected = int(Decimal(repr(d["emission_total_tco2e"])).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert d["emission_total_display"] == f"{expected:,}"
    assert f'data-testid="emission-total">{expected:,}<' in client.get("/").content.decode()
