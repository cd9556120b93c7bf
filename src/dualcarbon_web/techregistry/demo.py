"""Demo records of the technology registry: two facts-only example achievements of the demo
technology owner (one published, one awaiting review) and one need of the demo cement enterprise.

The achievements carry only facts the research note ``registry.md`` §4.4 records (names, the
catalogue or list they come from, the principle of the excavator technology); figures are left
blank. Their TRL is not from a source: catalogue entries must be "成熟可靠、有应用实例", which the note
(§7) reads as roughly TRL 8-9, and the demo records the lower end. Every record is made through the
services (so the audit trail shows the demo technology owner and the province regulator).
"""

from __future__ import annotations

from django.db import transaction

from dualcarbon_web.platform.models import User
from dualcarbon_web.techregistry import services
from dualcarbon_web.techregistry.models import TechnologyAchievement, TechnologyNeed

__all__ = ("demo_techregistry_load",)

EXAMPLES = (
    {
        "title": "生活垃圾生态化前处理和水泥窑协同后处置技术",
        "domain": "industry",
        "trl": 8,
        "industry_codes": ["3011"],
        "cpc_codes": ["Y02W", "Y02P"],
        "summary": "生活垃圾经生态化前处理后，在水泥窑中协同后处置。列入第四批《国家重点推广的低碳技术目录》"
        "（环办气候函〔2022〕484号），废弃物处理领域。",
        "source_note": "环办气候函〔2022〕484号（第四批国家重点推广的低碳技术目录）；技术就绪水平为示例假设。",
        "publish": True,
    },
    {
        "title": "节能高效挖掘机势能回收技术",
        "domain": "industry",
        "trl": 8,
        "industry_codes": ["35"],
        "cpc_codes": ["Y02P"],
        "summary": "利用惰性气体储能回收挖掘机工作装置的势能。入选国家发展改革委 2019 年 IPEEC“双十佳”名单（非推广目录）。",
        "source_note": "http://m.chinasmartgrid.com.cn/mnews/20190617/632950.shtml ；技术就绪水平为示例假设。",
        "publish": False,
    },
)

NEED = {
    "title": "水泥熟料生产线协同处置生活垃圾、降低燃料碳排放（示例）",
    "description": "希望引进水泥窑协同处置生活垃圾的成熟技术，替代部分燃煤，降低熟料生产的二氧化碳排放。",
    "industry_code": "3011",
    "domain": "industry",
    "min_trl": 7,
}


def demo_techregistry_load(orgs: dict) -> dict:
    """Create the demo records once (by title); return ``{"achievements": [...], "need": TechnologyNeed}``."""
    owner = User.objects.get(username="techowner")
    reviewer = User.objects.get(username="regulator")
    cement = next(o for o in orgs["enterprises"] if o.industry and o.industry.code == "3011")
    enterprise = User.objects.filter(organization=cement, role="enterprise").first()
    out: dict = {"achievements": [], "need": None}
    with transaction.atomic():
        for ex in EXAMPLES:
            a = TechnologyAchievement.objects.filter(
                organization=owner.organization, title=ex["title"]
            ).first()
            if a is None:
                data = {k: v for k, v in ex.items() if k not in ("publish", "source_note")}
                a = services.achievement_create(user=owner, data=data, example_source=ex["source_note"])
                a = services.achievement_submit(user=owner, achievement=a)
                if ex["publish"]:
                    a = services.achievement_review(user=reviewer, achievement=a, decision="publish")
            out["achievements"].append(a)
        if enterprise is not None:
            need = TechnologyNeed.objects.filter(organization=cement, title=NEED["title"]).first()
            out["need"] = need or services.need_create(user=enterprise, data=NEED)
    return out
