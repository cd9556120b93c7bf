"""Regulators' roll-ups: by city, industry and park and a ranking of enterprises, via the core's
roll-up, with electricity bought from another facility of the same park not counted twice."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create

GD_2022 = 0.4403  # tCO2/MWh, mee_nbs.2022.province_440000.co2@1
GAS_T_PER_1E4_NM3 = float(Fraction("389.31") * Fraction("15.30") / 1000 * Fraction("0.99") * Fraction(44, 12))


def _calculated(user, inventory, lines):
    for data in lines:
        activity_line_add(user=user, inventory=inventory, data=data)
    inventory_calculate(user=user, inventory=inventory)
    inventory.refresh_from_db()
    return inventory


@pytest.fixture
def province(demo, worked):
    """The worked example (Zhanjiang, no park) plus two enterprises of the Daya Bay park (Huizhou) and
    one in Hunan. The smelter buys 1000 MWh from the petrochemical plant's CHP unit (same park)."""
    ents = demo.orgs["enterprises"]
    inventory_calculate(user=demo.enterprise1, inventory=worked)
    smelter_org, petro_org, hunan_org = ents[3], ents[4], ents[6]
    smelter = _calculated(
        demo.enterprise4,
        inventory_create(
            user=demo.enterprise4, facility=smelter_org.facilities.get(code="DYW-AL1"), year=2022
        ),
        [
            {
                "category": "purchased_electricity",
                "item": "electricity",
                "quantity": 1000,
                "unit": "MWh",
                "region": "440000",
                "counterparty": "DYW-CHP",
            },
            {
                "category": "purchased_electricity",
                "item": "electricity",
                "quantity": 500,
                "unit": "MWh",
                "region": "440000",
            },
        ],
    )
    petro = _calculated(
        demo.enterprise5,
        inventory_create(user=demo.enterprise5, organization=petro_org, year=2022),
        [
            {
                "entity": "DYW-CHP",
                "category": "combustion",
                "item": "natural_gas",
                "quantity": 100,
                "unit": "10^4 Nm3",
            }
        ],
    )
    hunan = _calculated(
        demo.enterprise7,
        inventory_create(user=demo.enterprise7, facility=hunan_org.facilities.first(), year=2022),
        [{"category": "purchased_electricity", "item": "electricity", "quantity": 9000, "unit": "MWh"}],
    )
    return {"smelter": smelter, "petro": petro, "hunan": hunan, "worked": worked}


def test_province_rollup_by_city_industry_park_and_ranking(demo, province, token_client):
    body = token_client(demo.regulator).get("/api/v1/inventories/rollups?year=2022").json()
    assert body["year"] == 2022 and body["inventories"] == 3  # Hunan is outside the jurisdiction
    zhanjiang = GAS_T_PER_1E4_NM3 * 100 + 1000 * GD_2022
    smelter = 1500 * GD_2022
    chp = GAS_T_PER_1E4_NM3 * 100
    assert body["total_tco2e"] == pytest.approx(zhanjiang + smelter + chp, rel=1e-12)
    cities = {u["unit"]: u for u in body["by_city"]}
    assert set(cities) == {"440800", "441300"} and cities["441300"]["name"] == "惠州市"
    # inside Huizhou (and inside the park) the 1000 MWh the smelter bought from the CHP unit is internal
    assert cities["441300"]["eliminated_tco2e"] == pytest.approx(1000 * GD_2022)
    assert cities["441300"]["total_tco2e"] == pytest.approx(500 * GD_2022 + chp)
    (park,) = body["by_park"]
    assert park["name"].startswith("惠州大亚湾") and park["entities"] == 2
    assert park["total_tco2e"] == pytest.approx(500 * GD_2022 + chp)
    assert body["outside_parks_tco2e"] == pytest.approx(zhanjiang)
    # between enterprises nothing is internal: the ranking keeps the smelter's whole purchase
    ranking = body["ranking"]
    assert [u["rank"] for u in ranking] == [1, 2, 3]
    assert ranking[0]["name"].startswith("湛江湾") and ranking[0]["total_tco2e"] == pytest.approx(zhanjiang)
    by_name = {u["name"][:5]: u for u in ranking}
    assert by_name["大亚湾铝业"]["total_tco2e"] == pytest.approx(smelter)
    assert by_name["大亚湾石化"]["total_tco2e"] == pytest.approx(chp)
    industries = {u["unit"]: u for u in body["by_industry"]}
    # power plant (4411) and the CHP unit (4412) are division 44, the smelter (3216) division 32
    assert set(industries) == {"44", "32"}
    assert industries["44"]["total_tco2e"] == pytest.approx(zhanjiang + chp)
    assert sum(u["total_tco2e"] + u["eliminated_tco2e"] for u in body["by_industry"]) == pytest.approx(
        body["total_tco2e"]
    )


def test_city_regulator_rolls_up_only_its_city(demo, province, token_client):
    body = token_client(demo.city_regulator).get("/api/v1/inventories/rollups").json()
    assert body["jurisdiction"] == "广州市" and body["inventories"] == 0 and body["by_city"] == []


def test_admin_rolls_up_everything(demo, province, token_client):
    body = token_client(demo.admin).get("/api/v1/inventories/rollups?year=2022").json()
    assert body["inventories"] == 4 and {u["unit"] for u in body["by_city"]} >= {"430300"}


def test_rollup_page_has_charts_and_tables(demo, province, login):
    html = login(demo.regulator).get("/accounting/rollup/?year=2022").content.decode()
    assert "plotly/plotly.min.js" in html and 'id="chart-city"' in html and 'id="chart-ranking"' in html
    assert 'data-testid="rollup-park"' in html and "惠州市" in html and "湘潭" not in html
    assert 'data-unit="441300"' in html


@pytest.mark.parametrize("username", ["enterprise1", "verifier", "techowner"])
def test_rollups_are_for_regulators_and_admins(demo, province, login, token_client, username):
    user = demo.users[username]
    assert login(user).get("/accounting/rollup/").status_code == 403
    resp = token_client(user).get("/api/v1/inventories/rollups")
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
