"""Reads of the planning app: who may use it, and the payloads the pages and the API share.

Every payload is computed by the pure core (:mod:`dualcarbon.planning`), so page, API and CLI give
the same numbers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from dualcarbon.planning import curve, kaya_owid, least_cost, parse_measures_csv, track_all
from dualcarbon.planning.data import owid_regions
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.i18n import localized_name

__all__ = (
    "CERTAINTY_LABELS",
    "FACTOR_LABELS",
    "PLANNING_ROLES",
    "REGION_LABELS",
    "lmdi_payload",
    "lmdi_regions",
    "macc_payload",
    "report_payload",
    "tracking_headline",
    "tracking_payload",
    "user_may_use_planning",
)

#: Roles that use the planning pages (the others get 403).
PLANNING_ROLES = (RoleChoices.ANALYST, RoleChoices.REGULATOR, RoleChoices.ADMIN)

CERTAINTY_LABELS = {
    "UNCERTAIN": gettext_lazy("不确定（媒体描述）"),
    "secondary_reprint": gettext_lazy("二手转载"),
    "news_report": gettext_lazy("新闻报道"),
    "official": gettext_lazy("官方发布"),
    "none": gettext_lazy("无数据"),
}

FACTOR_LABELS = {
    "population": gettext_lazy("人口"),
    "gdp_per_capita": gettext_lazy("人均GDP"),
    "energy_intensity": gettext_lazy("能源强度（单位GDP能耗）"),
    "carbon_intensity": gettext_lazy("能源碳强度（单位能耗CO2）"),
}

REGION_LABELS = {
    "China": gettext_lazy("中国"),
    "World": gettext_lazy("世界"),
    "United States": gettext_lazy("美国"),
    "India": gettext_lazy("印度"),
    "European Union (27)": gettext_lazy("欧盟（27国）"),
}


def user_may_use_planning(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin or user.role in PLANNING_ROLES
    )


def lmdi_regions() -> list[tuple[str, str]]:
    return [(r, str(REGION_LABELS.get(r, r))) for r in owid_regions()]


def tracking_payload(*, as_of: int | None = None) -> list[dict]:
    """:func:`dualcarbon.planning.track_all` as dicts, with labels in the reader's language."""
    out = []
    for r in track_all(as_of=as_of):
        d = r.to_dict()
        t = d["target"]
        t["title"] = localized_name(t["title_zh"], t["title_en"])
        d["certainty_label"] = str(CERTAINTY_LABELS.get(r.certainty, r.certainty))
        for ob in d["observations"] + d["statements"]:
            ob["certainty_label"] = str(CERTAINTY_LABELS.get(ob["certainty"], ob["certainty"]))
        # chained index (base year = 100) for the chart: outturns and the on-track path
        level, years, values = 100.0, [t["base_year"]], [100.0]
        for ob in d["observations"]:
            level *= 1 + ob["value"] / 100
            years.append(ob["year"])
            values.append(round(level, 4))
        span = t["target_year"] - t["base_year"]
        d["chart"] = {
            "years": years,
            "index": values,
            "path_years": list(range(t["base_year"], t["target_year"] + 1)),
            "path": [round(100 * (1 + t["reduction_pct"] / 100) ** (k / span), 4) for k in range(span + 1)],
        }
        out.append(d)
    return out


#: Traffic lights of the annual assessment (thresholds: dualcarbon.planning.report, ours).
LIGHT_LABELS = {
    "on_track": (gettext_lazy("符合进度（绿）"), "ok"),
    "at_risk": (gettext_lazy("存在风险（黄）"), "warn"),
    "off_track": (gettext_lazy("落后于进度（红）"), "bad"),
    "unknown": (gettext_lazy("无实绩（灰）"), ""),
}


def report_payload(year: int) -> dict:
    """:func:`dualcarbon.planning.report.assessment` for ``year``: the core's JSON data block plus
    labels in the reader's language, the Markdown and the CSV rows (core errors propagate)."""
    from dualcarbon.planning.report import assessment, render_markdown

    a = assessment(year)
    data = a.to_json()
    view = {
        "year": year,
        "certainty": a.certainty,
        "certainty_label": str(CERTAINTY_LABELS.get(a.certainty, a.certainty)),
    }
    targets = []
    for t in data["targets"]:
        label, css = LIGHT_LABELS[t["traffic_light"]]
        tt = dict(t)
        tt["title"] = localized_name(t["target"]["title_zh"], t["target"]["title_en"])
        tt["light_label"], tt["light_class"] = str(label), css
        tt["certainty_label"] = str(CERTAINTY_LABELS.get(t["certainty"], t["certainty"]))
        targets.append(tt)
    view["targets"] = targets
    lmdi = data["lmdi"]
    if lmdi is not None:
        lmdi = dict(lmdi)
        lmdi["effects"] = [
            {**e, "label": str(FACTOR_LABELS.get(e["factor"], e["factor"]))} for e in lmdi["effects"]
        ]
    view["lmdi"] = lmdi
    view["thresholds"] = data["thresholds"]
    return {"data": data, "view": view, "markdown": render_markdown(a), "csv": a.to_csv()}


def tracking_headline() -> dict:
    """The 14th FYP CO2-intensity result, for the dashboards of the roles that use planning."""
    return next(r for r in tracking_payload() if r["target"]["key"] == "fyp14_co2_intensity")


def lmdi_payload(region: str, year_from: int, year_to: int) -> dict:
    """:func:`dualcarbon.planning.kaya_owid` as a dict, factor labels in the reader's language."""
    d = kaya_owid(region, year_from, year_to).to_dict()
    d["region_label"] = str(REGION_LABELS.get(region, region))
    for e in d["effects"]:
        e["label"] = str(FACTOR_LABELS.get(e["factor"], e["factor"]))
        e["start_display"] = f"{e['start']:.6g}"
        e["end_display"] = f"{e['end']:.6g}"
    d["residual_display"] = f"{d['residual']:.1e}"
    return d


def macc_payload(text: str, target: float, *, method: str = "greedy", source: str = "measures.csv") -> dict:
    """Parse the measures CSV, build the curve and the least-cost portfolio (core errors propagate)."""
    measures = parse_measures_csv(text, source=source)
    return {"curve": curve(measures), "portfolio": least_cost(measures, target, method=method).to_dict()}
