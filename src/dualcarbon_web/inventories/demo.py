"""Demo inventories: each demo enterprise gets a calculated inventory for 2023 with activity data of
the size and kind its industry has (fictitious figures, realistic orders of magnitude).

* 湛江湾火力发电 (coal power, MEE power guideline 2022-485): coal per unit with measured NCV,
  start-up diesel, purchased electricity;
* 佛山南海水泥 (cement, NDRC cement guideline): kiln coal, clinker calcination with the factor of
  :func:`dualcarbon.accounting.process.cement_clinker_factor` (CaO 65.5 %, MgO 1.8 %), raw-meal
  organic carbon, electricity for kiln and mill;
* 韶关钢铁 (BF-BOF steel, NDRC steel guideline): coke, fluxes, natural gas, carbon in crude steel
  subtracted, electricity;
* 大亚湾铝业 (aluminium smelter, NDRC aluminium guideline): anode carbon, PFCs (CF4, C2F6),
  grid electricity and 600 GWh bought from the CHP unit of its park neighbour (``counterparty``);
* 大亚湾石化 (ethylene, NDRC chemical guideline): carbon mass balance of the cracker, its CHP unit's
  coal and the 600 GWh it exports to the smelter (so the park roll-up does not count them twice);
* 广州珠江纸业 (paper, GB/T 32150): recovery-boiler auxiliary coal, natural gas, lime-kiln
  limestone, electricity;
* 湘潭钢铁 (EAF steel in Hunan): electricity, electrodes, natural gas.

Idempotent: an enterprise that already has a 2023 enterprise-wide inventory is left as it is.
"""

from __future__ import annotations

from django.db import transaction

from dualcarbon.accounting.process import cement_clinker_factor
from dualcarbon_web.inventories.models import Inventory
from dualcarbon_web.inventories.services import activity_line_add, inventory_calculate, inventory_create
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import User

__all__ = ("DEMO_INVENTORY_YEAR", "demo_inventories_load")

DEMO_INVENTORY_YEAR = 2023

GD = "440000"
CLINKER_FACTOR = float(cement_clinker_factor("0.655", "0.018"))


def _l(entity, category, item, quantity, unit, **extra):
    return {"entity": entity, "category": category, "item": item, "quantity": quantity, "unit": unit, **extra}


# (enterprise index in demo_province_load()["enterprises"], methodology, name, lines)
PLANS = [
    (
        0,
        "CN-MEE-POWER-2022-485",
        "2023 年度发电设施温室气体排放报告（示例）",
        [
            _l("ZJ-U1", "combustion", "coal", 1_226_000, "t", ncv=21.50, ncv_unit="GJ/t"),
            _l("ZJ-U1", "combustion", "diesel", 180, "t"),
            _l("ZJ-U1", "purchased_electricity", "electricity", 5_200, "MWh"),
            _l("ZJ-U2", "combustion", "coal", 1_198_500, "t", ncv=21.32, ncv_unit="GJ/t"),
            _l("ZJ-U2", "combustion", "diesel", 165, "t"),
            _l("ZJ-CHP", "combustion", "coal", 702_000, "t", ncv=20.95, ncv_unit="GJ/t"),
            _l("ZJ-CHP", "combustion", "natural_gas", 850, "10^4 Nm3"),
        ],
    ),
    (
        1,
        "CN-NDRC-CEMENT-2013",
        "2023 年度水泥生产企业温室气体排放报告（示例）",
        [
            _l("NH-K1", "combustion", "bituminous_coal", 218_000, "t", ncv=23.0, ncv_unit="GJ/t"),
            _l("NH-K1", "combustion", "diesel", 850, "t"),
            _l("NH-K1", "process", "clinker", 1_550_000, "t", factor=CLINKER_FACTOR, factor_unit="tCO2/t"),
            _l(
                "NH-K1",
                "process",
                "raw_meal_organic_carbon",
                2_400_000,
                "t",
                carbon_content=0.0012,
                carbon_content_unit="tC/t",
            ),
            _l("NH-K1", "purchased_electricity", "electricity", 86_800, "MWh", region=GD),
            _l("NH-M1", "purchased_electricity", "electricity", 64_000, "MWh", region=GD),
        ],
    ),
    (
        2,
        "CN-NDRC-STEEL-2013",
        "2023 年度钢铁生产企业温室气体排放报告（示例）",
        [
            _l("SG-BF1", "combustion", "coke", 820_000, "t"),
            _l("SG-BF1", "process", "limestone", 150_000, "t"),
            _l("SG-BF1", "process", "dolomite", 60_000, "t"),
            _l("SG-BOF", "combustion", "natural_gas", 1_800, "10^4 Nm3"),
            _l("SG-BOF", "process", "output:crude_steel", 3_000_000, "t"),
            _l("SG-BOF", "purchased_electricity", "electricity", 150_000, "MWh", region=GD),
            _l("SG-HR", "combustion", "natural_gas", 6_500, "10^4 Nm3"),
            _l("SG-HR", "purchased_electricity", "electricity", 310_000, "MWh", region=GD),
        ],
    ),
    (
        3,
        "CN-NDRC-ALUMINIUM-2013",
        "2023 年度电解铝生产企业温室气体排放报告（示例）",
        [
            _l("DYW-AL1", "process", "aluminium", 400_000, "t"),
            _l("DYW-AL1", "process", "anode", 164_000, "t", carbon_content=0.98, carbon_content_unit="tC/t"),
            _l("DYW-AL1", "combustion", "natural_gas", 1_200, "10^4 Nm3"),
            _l("DYW-AL1", "purchased_electricity", "electricity", 4_760_000, "MWh", region=GD),
            _l(
                "DYW-AL1",
                "purchased_electricity",
                "electricity",
                600_000,
                "MWh",
                region=GD,
                counterparty="DYW-CHP",
            ),
        ],
    ),
    (
        4,
        "CN-NDRC-CHEMICAL-2013",
        "2023 年度化工生产企业温室气体排放报告（示例）",
        [
            _l(
                "DYW-ETH",
                "process",
                "naphtha",
                3_600_000,
                "t",
                carbon_content=0.845,
                carbon_content_unit="tC/t",
            ),
            _l(
                "DYW-ETH",
                "process",
                "output:ethylene",
                1_200_000,
                "t",
                carbon_content=0.8571,
                carbon_content_unit="tC/t",
            ),
            _l(
                "DYW-ETH",
                "process",
                "output:propylene",
                600_000,
                "t",
                carbon_content=0.8571,
                carbon_content_unit="tC/t",
            ),
            _l(
                "DYW-ETH",
                "process",
                "output:c4_and_aromatics",
                1_500_000,
                "t",
                carbon_content=0.88,
                carbon_content_unit="tC/t",
            ),
            _l("DYW-ETH", "combustion", "natural_gas", 8_000, "10^4 Nm3"),
            _l("DYW-CHP", "combustion", "bituminous_coal", 1_450_000, "t", ncv=22.4, ncv_unit="GJ/t"),
            _l(
                "DYW-CHP",
                "exported_electricity",
                "electricity",
                600_000,
                "MWh",
                region=GD,
                counterparty="DYW-AL1",
            ),
        ],
    ),
    (
        5,
        "CN-GBT32150-2015",
        "2023 年度造纸企业温室气体排放报告（示例）",
        [
            _l("ZJ-RB", "combustion", "bituminous_coal", 95_000, "t", ncv=21.0, ncv_unit="GJ/t"),
            _l("ZJ-RB", "process", "limestone", 12_000, "t"),
            _l("ZJ-PM1", "combustion", "natural_gas", 3_200, "10^4 Nm3"),
            _l("ZJ-PM1", "purchased_electricity", "electricity", 260_000, "MWh", region=GD),
        ],
    ),
    (
        6,
        "CN-NDRC-STEEL-2013",
        "2023 年度电炉钢企业温室气体排放报告（示例）",
        [
            _l("XT-EAF", "purchased_electricity", "electricity", 690_000, "MWh"),
            _l("XT-EAF", "process", "electrode", 2_700, "t"),
            _l("XT-EAF", "combustion", "natural_gas", 2_100, "10^4 Nm3"),
            _l("XT-EAF", "process", "output:crude_steel", 1_500_000, "t"),
        ],
    ),
]


def _actor(org) -> User:
    member = (
        User.objects.filter(organization=org, role=RoleChoices.ENTERPRISE, is_active=True)
        .order_by("pk")
        .first()
    )
    if member is not None:
        return member
    admin = User.objects.filter(role=RoleChoices.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("demo inventories need the demo users: run platform.setup.demo_users_load first")
    return admin


def demo_inventories_load(orgs: dict | None = None, *, year: int = DEMO_INVENTORY_YEAR) -> list[dict]:
    """Give each demo enterprise a calculated enterprise-wide inventory for ``year``.

    ``orgs`` is what :func:`dualcarbon_web.organizations.demo.demo_province_load` returns (loaded
    when omitted). Each inventory is written by the enterprise's demo member (an administrator when
    there is none) through the services, so the audit trail shows it. Returns one summary per
    enterprise: ``{"organization", "inventory_id", "run_id", "total_tco2e", "created"}``.
    """
    if orgs is None:
        from dualcarbon_web.organizations.demo import demo_province_load

        orgs = demo_province_load()
    enterprises = orgs["enterprises"]
    out = []
    for index, methodology, name, lines in PLANS:
        if index >= len(enterprises):
            continue
        org = enterprises[index]
        existing = Inventory.objects.filter(organization=org, facility__isnull=True, year=year).first()
        if existing is not None:
            out.append(
                {
                    "organization": org.name,
                    "inventory_id": existing.pk,
                    "run_id": existing.latest_run_id,
                    "total_tco2e": existing.latest_run.total_tco2e if existing.latest_run_id else None,
                    "created": False,
                }
            )
            continue
        user = _actor(org)
        with transaction.atomic():
            inventory = inventory_create(
                user=user, organization=org, year=year, name=name, methodology=methodology, gwp="AR5"
            )
            for data in lines:
                activity_line_add(user=user, inventory=inventory, data={**data, "period": str(year)})
            run = inventory_calculate(user=user, inventory=inventory)
        out.append(
            {
                "organization": org.name,
                "inventory_id": inventory.pk,
                "run_id": run.pk,
                "total_tco2e": run.total_tco2e,
                "created": True,
            }
        )
    return out
