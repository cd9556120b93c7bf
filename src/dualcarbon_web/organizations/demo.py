"""The demo province: fictitious but realistic organisations in 广东省 (and one in 湖南省).

Every name is marked 示例 (demo). The USCCs are built with the real GB 32100 / GB 11714 check
functions from real region codes, so they validate, but the organisation codes (``MADC....``)
were made up for this demo. Idempotent: a second run finds everything by USCC or name.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dualcarbon.registry.uscc import organization_code_check_character, uscc_check_character
from dualcarbon_web.organizations.choices import (
    FacilityStatusChoices,
    OrganizationKindChoices,
    ParkLevelChoices,
)
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region
from dualcarbon_web.platform.audit import audit_record, snapshot
from dualcarbon_web.platform.choices import AuditActionChoices

__all__ = ("demo_province_load", "demo_uscc")

K = OrganizationKindChoices


def demo_uscc(prefix2: str, region_code: str, serial: int) -> str:
    """A valid USCC for demo data: authority+category ``prefix2``, the region, organisation code MADC<serial>."""
    org8 = f"MADC{serial:04d}"
    first17 = prefix2 + region_code + org8 + organization_code_check_character(org8)
    return first17 + uscc_check_character(first17)


PARKS = [
    (
        "惠州大亚湾石化产业园区（示例）",
        "Daya Bay Petrochemical Park (demo)",
        ParkLevelChoices.NATIONAL,
        "441300",
    ),
    (
        "广州南沙临港产业园（示例）",
        "Nansha Port Industrial Park (demo)",
        ParkLevelChoices.PROVINCIAL,
        "440100",
    ),
]

# (key, kind, uscc prefix, name, English name, region, jurisdiction, industry, park index, facilities)
# facilities: (name, code, industry, region, latitude, longitude, capacity)
ORGS = [
    (
        "regulator_province",
        K.REGULATOR,
        "11",
        "广东省生态环境厅（示例）",
        "Guangdong Department of Ecology and Environment (demo)",
        "440100",
        "440000",
        None,
        None,
        [],
    ),
    (
        "regulator_city",
        K.REGULATOR,
        "11",
        "广州市生态环境局（示例）",
        "Guangzhou Ecology and Environment Bureau (demo)",
        "440100",
        "440100",
        None,
        None,
        [],
    ),
    (
        "verifier",
        K.VERIFICATION_BODY,
        "91",
        "粤碳核查技术服务有限公司（示例）",
        "Yue Carbon Verification Services Co. (demo)",
        "440100",
        None,
        "7455",
        None,
        [],
    ),
    (
        "technology_owner",
        K.TECHNOLOGY_OWNER,
        "91",
        "岭南低碳技术有限公司（示例）",
        "Lingnan Low-Carbon Technology Co. (demo)",
        "440300",
        None,
        "7516",
        None,
        [],
    ),
    (
        "research",
        K.RESEARCH,
        "12",
        "华南碳中和研究院（示例）",
        "South China Carbon Neutrality Institute (demo)",
        "440100",
        None,
        "7310",
        None,
        [],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "湛江湾火力发电有限公司（示例）",
        "Zhanjiang Bay Thermal Power Co. (demo)",
        "440800",
        None,
        "4411",
        None,
        [
            ("1号燃煤机组", "ZJ-U1", "4411", "440800", "21.201500", "110.410300", "600 MW"),
            ("2号燃煤机组", "ZJ-U2", "4411", "440800", "21.202100", "110.412000", "600 MW"),
            ("供热机组", "ZJ-CHP", "4412", "440800", "21.203000", "110.409500", "300 MW / 400 t/h 蒸汽"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "佛山南海水泥有限公司（示例）",
        "Foshan Nanhai Cement Co. (demo)",
        "440600",
        None,
        "3011",
        None,
        [
            ("熟料生产线", "NH-K1", "3011", "440600", "23.028000", "113.143000", "5000 t/d 熟料"),
            ("水泥粉磨站", "NH-M1", "3011", "440600", "23.031000", "113.146000", "200 万 t/a"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "韶关钢铁示范有限公司（示例）",
        "Shaoguan Steel Demo Co. (demo)",
        "440200",
        None,
        "3120",
        None,
        [
            ("1号高炉", "SG-BF1", "3110", "440200", "24.693000", "113.603000", "2500 m³"),
            ("转炉炼钢厂", "SG-BOF", "3120", "440200", "24.695000", "113.606000", "300 万 t/a 粗钢"),
            ("热轧厂", "SG-HR", "3130", "440200", "24.697000", "113.609000", "250 万 t/a"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "大亚湾铝业有限公司（示例）",
        "Daya Bay Aluminium Co. (demo)",
        "441300",
        None,
        "3216",
        0,
        [
            ("电解铝车间", "DYW-AL1", "3216", "441300", "22.732000", "114.541000", "40 万 t/a 原铝"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "大亚湾石化有限公司（示例）",
        "Daya Bay Petrochemicals Co. (demo)",
        "441300",
        None,
        "2614",
        0,
        [
            ("乙烯裂解装置", "DYW-ETH", "2614", "441300", "22.739000", "114.560000", "120 万 t/a 乙烯"),
            ("自备热电站", "DYW-CHP", "4412", "441300", "22.736000", "114.555000", "2×350 MW"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "广州珠江纸业有限公司（示例）",
        "Guangzhou Pearl River Paper Co. (demo)",
        "440100",
        None,
        "2221",
        1,
        [
            ("纸机车间", "ZJ-PM1", "2221", "440100", "22.801000", "113.535000", "50 万 t/a 新闻纸"),
            ("碱回收锅炉", "ZJ-RB", "2221", "440100", "22.803000", "113.537000", "1500 t DS/d"),
        ],
    ),
    (
        "enterprise",
        K.ENTERPRISE,
        "91",
        "湘潭钢铁示范有限公司（示例）",
        "Xiangtan Steel Demo Co. (demo)",
        "430300",
        None,
        "3120",
        None,
        [
            ("电炉炼钢厂", "XT-EAF", "3120", "430300", "27.854000", "112.885000", "150 万 t/a"),
        ],
    ),
]


@transaction.atomic
def demo_province_load() -> dict:
    """Create (once) the demo organisations, parks and facilities; return them by role.

    Returns ``{"regulator_province", "regulator_city", "verifier", "technology_owner", "research":
    Organization, "enterprises": [Organization, ...] (Guangdong first, the Hunan one last),
    "parks": [Park, ...]}``. Needs the reference data (:func:`services.reference_data_load`).
    """
    regions = {r.code: r for r in Region.objects.all()}
    industries = {i.code: i for i in Industry.objects.all()}
    parks = []
    for name, name_en, level, region in PARKS:
        park = Park.objects.filter(name=name).first()
        if park is None:
            park = Park.objects.create(name=name, name_en=name_en, level=level, region=regions[region])
            audit_record(
                user=None,
                action=AuditActionChoices.CREATE,
                instance=park,
                after=snapshot(park),
                note="demo province",
            )
        parks.append(park)
    out: dict = {"enterprises": [], "parks": parks}
    for serial, (
        key,
        kind,
        prefix,
        name,
        name_en,
        region,
        jurisdiction,
        industry,
        park,
        facilities,
    ) in enumerate(ORGS, start=1):
        uscc = demo_uscc(prefix, region if prefix != "11" else (jurisdiction or region), serial)
        org = Organization.objects.filter(uscc=uscc).first()
        if org is None:
            org = Organization.objects.create(
                kind=kind,
                name=name,
                name_en=name_en,
                uscc=uscc,
                region=regions[region],
                industry=industries.get(industry) if industry else None,
                park=parks[park] if park is not None else None,
                jurisdiction=regions[jurisdiction] if jurisdiction else None,
                address=f"{regions[region].name}（示例地址）",
            )
            audit_record(
                user=None,
                action=AuditActionChoices.CREATE,
                instance=org,
                after=snapshot(org),
                note="demo province",
            )
        for fname, code, find, fregion, lat, lon, capacity in facilities:
            if Facility.objects.filter(organization=org, name=fname).exists():
                continue
            facility = Facility.objects.create(
                organization=org,
                name=fname,
                code=code,
                industry=industries[find],
                region=regions[fregion],
                park=org.park,
                latitude=Decimal(lat),
                longitude=Decimal(lon),
                capacity=capacity,
                status=FacilityStatusChoices.OPERATING,
            )
            audit_record(
                user=None,
                action=AuditActionChoices.CREATE,
                instance=facility,
                after=snapshot(facility),
                note="demo province",
            )
        if key == "enterprise":
            out["enterprises"].append(org)
        else:
            out[key] = org
    return out
