"""Annual assessment report (年度评估报告) of the five-year-plan targets (research/planning.md §3.4).

Per target (:data:`dualcarbon.planning.tracking.TARGETS`) the report gives: the latest value and its
vintage (``status``), the basis, the cumulative change versus the base year (eq. T1), the required
average yearly rate for the remaining years (eq. T2), the on-track pace (eq. T3) and a traffic light.
Below the targets: the additive LMDI-I attribution of the latest year's CO2 change on the OWID basis
(labelled as such; its numbers are never chained with the official ones) and, when the user supplies
abatement measures and a tonnage, the least-cost portfolio ("cheapest path to close the gap").

Traffic light (**our thresholds**, not an official rule): with the plan-average yearly rate
``r_plan = (1 + R)^(1/n) − 1`` and the required rate ``r_req`` (eq. T2), the *required-rate ratio* is
``ρ = r_req / r_plan`` (both negative for a reduction target, so ρ > 1 means a faster cut is needed
than the plan's average):

* ``on_track`` (green)  when ρ ≤ 1.0 (also when the target is already met, ρ ≤ 0);
* ``at_risk`` (amber)   when 1.0 < ρ ≤ 1.5;
* ``off_track`` (red)   when ρ > 1.5;
* at the end of the plan (no years left) green if the cumulative change reaches R, red otherwise;
  ``unknown`` (grey) when no outturn has been reported since the base year.

The numbers are kept reproducible: :meth:`Assessment.to_json` and :meth:`Assessment.to_rows`
(IAMC-style rows ``model, scenario, region, variable, unit, year, value``; the ``scenario`` column
carries the basis) hold every figure the Markdown shows. Certainty is carried from the inputs: each
target section has the weakest certainty of the figures it used, the report the weakest over the
targets.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field

from dualcarbon.errors import DualCarbonError, InputError
from dualcarbon.planning.data import BASIS_OFFICIAL, BASIS_OWID, worst_certainty
from dualcarbon.planning.lmdi import Decomposition, kaya_owid
from dualcarbon.planning.macc import Measure, Portfolio, least_cost
from dualcarbon.planning.tracking import TARGETS, Target, TrackingResult, track

__all__ = [
    "AT_RISK_MAX",
    "IAMC_COLUMNS",
    "ON_TRACK_MAX",
    "Assessment",
    "TargetSection",
    "assessment",
    "plan_average_rate",
    "render_markdown",
    "traffic_light",
]

#: Our thresholds on the required-rate ratio ρ = r_req / r_plan (module docstring).
ON_TRACK_MAX = 1.0
AT_RISK_MAX = 1.5

#: Column order of :meth:`Assessment.to_rows` (IAMC timeseries, long format).
IAMC_COLUMNS: tuple[str, ...] = ("model", "scenario", "region", "variable", "unit", "year", "value")
MODEL = "dualcarbon.planning.report"
LMDI_REGION = "China"

LIGHT_LABELS = {
    "on_track": "on track (green)",
    "at_risk": "at risk (amber)",
    "off_track": "off track (red)",
    "unknown": "unknown (grey, no outturn)",
}


def plan_average_rate(target: Target) -> float:
    """Average yearly change of the plan, ``(1 + R)^(1/n) − 1`` (eq. T3 with k = 1)."""
    n = target.target_year - target.base_year
    return math.exp(math.log(1.0 + target.reduction) / n) - 1.0


def traffic_light(result: TrackingResult) -> tuple[str, float | None]:
    """``(light, ratio)`` for one tracking result with our thresholds (module docstring)."""
    t = result.target
    if result.last_year is None:
        return "unknown", None
    if result.required_rate is None:  # no years left: judge the outturn against the target
        return ("on_track" if result.achieved <= t.reduction + 1e-12 else "off_track"), None
    ratio = result.required_rate / plan_average_rate(t)
    if ratio <= ON_TRACK_MAX + 1e-12:
        return "on_track", ratio
    if ratio <= AT_RISK_MAX + 1e-12:
        return "at_risk", ratio
    return "off_track", ratio


@dataclass(frozen=True, slots=True)
class TargetSection:
    """One target's part of the report (official basis only)."""

    tracking: TrackingResult
    plan_rate: float
    ratio: float | None
    light: str

    @property
    def target(self) -> Target:
        return self.tracking.target

    def to_dict(self) -> dict[str, object]:
        r = self.tracking
        latest = r.used[-1] if r.used else None
        return {
            **r.to_dict(),
            "latest": None if latest is None else latest.to_dict(),
            "plan_average_rate_pct": round(self.plan_rate * 100, 6),
            "required_rate_ratio": None if self.ratio is None else round(self.ratio, 6),
            "traffic_light": self.light,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The annual assessment for ``year`` (see :func:`assessment`)."""

    year: int
    sections: tuple[TargetSection, ...]
    certainty: str
    lmdi: Decomposition | None
    lmdi_note: str
    portfolio: Portfolio | None = None
    gap_t: float | None = None
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"on_track_max_ratio": ON_TRACK_MAX, "at_risk_max_ratio": AT_RISK_MAX}
    )

    def to_json(self) -> dict[str, object]:
        """The machine-readable data block (JSON-serialisable, deterministic)."""
        return {
            "report": "annual_assessment",
            "year": self.year,
            "certainty": self.certainty,
            "thresholds": {
                **self.thresholds,
                "ratio": "required_rate / plan_average_rate",
                "note": "thresholds chosen by dualcarbon, not an official rule",
            },
            "targets": [s.to_dict() for s in self.sections],
            "lmdi": None
            if self.lmdi is None
            else {**self.lmdi.to_dict(), "note": self.lmdi_note, "not_official_basis": True},
            "lmdi_note": self.lmdi_note,
            "macc": None
            if self.portfolio is None
            else {"gap_t": self.gap_t, "portfolio": self.portfolio.to_dict()},
        }

    def to_rows(self) -> list[dict[str, object]]:
        """IAMC-style rows (:data:`IAMC_COLUMNS`); ``scenario`` is the basis of the figure."""
        rows: list[dict[str, object]] = []

        def add(scenario: str, variable: str, unit: str, year: int, value: float) -> None:
            rows.append(
                {
                    "model": MODEL,
                    "scenario": scenario,
                    "region": "China",
                    "variable": variable,
                    "unit": unit,
                    "year": year,
                    "value": round(value, 6),
                }
            )

        for s in self.sections:
            r, key = s.tracking, s.target.key
            for ob in r.used:
                add(BASIS_OFFICIAL, f"Tracking|{key}|Yearly change", "%", ob.year, ob.value)
            if r.last_year is not None:
                add(BASIS_OFFICIAL, f"Tracking|{key}|Cumulative change", "%", r.last_year, r.achieved * 100)
                add(BASIS_OFFICIAL, f"Tracking|{key}|On-track pace", "%", r.last_year, r.pace * 100)
                if r.required_rate is not None:
                    add(
                        BASIS_OFFICIAL,
                        f"Tracking|{key}|Required yearly rate",
                        "%/yr",
                        r.last_year,
                        r.required_rate * 100,
                    )
                if s.ratio is not None:
                    add(BASIS_OFFICIAL, f"Tracking|{key}|Required-rate ratio", "1", r.last_year, s.ratio)
            add(
                BASIS_OFFICIAL,
                f"Tracking|{key}|Target",
                "%",
                s.target.target_year,
                s.target.reduction * 100,
            )
        if self.lmdi is not None:
            d = self.lmdi
            assert d.year_to is not None and d.year_from is not None
            add(BASIS_OWID, "Emissions|CO2", "Mt CO2/yr", d.year_from, d.start)
            add(BASIS_OWID, "Emissions|CO2", "Mt CO2/yr", d.year_to, d.end)
            for e in d.effects:
                add(BASIS_OWID, f"LMDI|CO2|{e.factor}", "Mt CO2", d.year_to, e.effect)
        if self.portfolio is not None:
            for m, x in self.portfolio.allocations:
                add("user_measures", f"MACC|Abatement|{m.name}", "t CO2/yr", self.year, x)
            add("user_measures", "MACC|Total cost", "CNY/yr", self.year, self.portfolio.total_cost)
            add("user_measures", "MACC|Marginal cost", "CNY/t CO2", self.year, self.portfolio.marginal_cost)
        return rows

    def to_csv(self) -> str:
        """:meth:`to_rows` as CSV text (header :data:`IAMC_COLUMNS`)."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(IAMC_COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerows(self.to_rows())
        return buf.getvalue()


def _lmdi_latest(year: int) -> tuple[Decomposition | None, str]:
    """LMDI-I of China's CO2 for the latest year pair ``(y − 1, y)`` with ``y ≤ year`` that the OWID
    extract covers (its GDP ends in 2022)."""
    for y in range(year, year - 4, -1):
        try:
            d = kaya_owid(LMDI_REGION, y - 1, y)
        except DualCarbonError:
            continue
        note = (
            f"basis {BASIS_OWID} (OWID: GCB CO2, Maddison GDP); not the official basis, not chained with it"
        )
        if y != year:
            note += f"; {year} is not covered by the OWID extract (GDP ends in 2022), latest pair {y - 1}→{y}"
        return d, note
    return None, f"no OWID year pair up to {year}"


def assessment(
    year: int,
    *,
    targets: tuple[Target, ...] = TARGETS,
    observations: tuple | list | None = None,
    measures: list[Measure] | None = None,
    gap_t: float | None = None,
    method: str = "greedy",
    with_lmdi: bool = True,
) -> Assessment:
    """The annual assessment of ``targets`` with outturns up to ``year``.

    ``year`` must lie in a target's plan period (base year + 1 .. target year), else
    :class:`InputError` naming ``year``. ``measures`` with ``gap_t`` (t CO2/yr, supplied by the user:
    the intensity gap cannot be turned into tonnes without a GDP projection) add the least-cost
    portfolio (:func:`dualcarbon.planning.macc.least_cost`).
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise InputError("must be a whole year", column="year", value=year)
    first = min(t.base_year + 1 for t in targets)
    last = max(t.target_year for t in targets)
    if not first <= year <= last:
        raise InputError(f"must be between {first} and {last} (the plan period)", column="year", value=year)
    if (measures is None) != (gap_t is None):
        raise InputError("measures and gap_t go together", column="gap_t" if measures else "measures")
    sections = []
    for t in targets:
        r = track(t, observations, as_of=year)
        light, ratio = traffic_light(r)
        sections.append(TargetSection(tracking=r, plan_rate=plan_average_rate(t), ratio=ratio, light=light))
    certainty = worst_certainty(s.tracking.certainty for s in sections if s.tracking.used)
    lmdi, note = _lmdi_latest(year) if with_lmdi else (None, "not requested")
    portfolio = None
    if measures is not None and gap_t is not None:
        if not (math.isfinite(gap_t) and gap_t > 0):
            raise InputError("must be a positive number of t CO2/yr", column="gap_t", value=gap_t)
        portfolio = least_cost(measures, gap_t, method=method)
    return Assessment(
        year=year,
        sections=tuple(sections),
        certainty=certainty,
        lmdi=lmdi,
        lmdi_note=note,
        portfolio=portfolio,
        gap_t=gap_t,
    )


def _pct(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v * 100:+.{digits}f} %"


def render_markdown(a: Assessment) -> str:
    """The report as Markdown, with the IAMC data block (CSV) at the end."""
    out = [
        f"# Annual assessment report {a.year} — 14th Five-Year Plan intensity targets",
        "",
        f"Outturns up to {a.year}. Certainty of the official figures used: **{a.certainty}** "
        "(weakest of the inputs; the figures come from secondary sources, not stats.gov.cn).",
        "",
        f"Traffic light (thresholds chosen by dualcarbon, not an official rule): ratio ρ = required yearly "
        f"rate / plan-average yearly rate; on track ρ ≤ {ON_TRACK_MAX:g}, at risk {ON_TRACK_MAX:g} < ρ ≤ "
        f"{AT_RISK_MAX:g}, off track ρ > {AT_RISK_MAX:g}.",
        "",
        "## Targets (basis nbs_official)",
        "",
    ]
    for s in a.sections:
        r, t = s.tracking, s.target
        latest = r.used[-1] if r.used else None
        out += [f"### {t.title_en} ({t.title_zh})", ""]
        out.append(
            f"* Traffic light: **{LIGHT_LABELS[s.light]}**"
            + ("" if s.ratio is None else f", ρ = {s.ratio:.3f}")
        )
        out.append(f"* Basis: {r.basis}; certainty: {r.certainty}; vintages: {', '.join(r.statuses) or '–'}")
        if latest is None:
            out.append("* Latest value: no outturn since the base year")
        else:
            out.append(
                f"* Latest value: {latest.year} {latest.value:+g} {latest.unit} ({latest.status}; "
                f"{latest.certainty}; {latest.source_url})"
            )
        through = f"{t.base_year}→{r.last_year}" if r.last_year else "–"
        out.append(
            f"* Cumulative change {through}: {_pct(r.achieved)} (target {_pct(t.reduction, 1)} by {t.target_year})"
        )
        out.append(f"* On-track pace for {r.last_year or t.base_year}: {_pct(r.pace)}")
        if r.required_rate is None:
            out.append("* Required yearly rate: – (no years left)")
        else:
            out.append(
                f"* Required yearly rate over the remaining {r.years_left} years: {_pct(r.required_rate)}/yr "
                f"(plan average {_pct(s.plan_rate)}/yr)"
            )
        if r.missing_years:
            out.append(f"* No outturn for: {', '.join(map(str, r.missing_years))} (nothing estimated)")
        for st in r.statements:
            out.append(
                f"* Statement on another vintage, not chained: {st.indicator} = {st.value:g} ({st.status}; {st.certainty})"
            )
        out.append("")
    out += ["## LMDI attribution of the latest year's CO2 change (OWID basis, not official)", ""]
    out.append(f"_{a.lmdi_note}_")
    out.append("")
    if a.lmdi is not None:
        d = a.lmdi
        out += [
            f"China CO2 {d.year_from}→{d.year_to}: {d.start:,.2f} → {d.end:,.2f} Mt ({d.delta:+,.2f} Mt); "
            "additive LMDI-I (Ang 2005).",
            "",
            "| factor | effect, Mt CO2 |",
            "|---|---:|",
        ]
        out += [f"| {e.factor} | {e.effect:+,.2f} |" for e in d.effects]
        out.append("")
    if a.portfolio is not None:
        p = a.portfolio
        out += [
            "## Cheapest path to close the gap (user-supplied measures)",
            "",
            f"Gap {a.gap_t:,.0f} t CO2/yr (user input); method {p.method}; total cost {p.total_cost:,.0f} CNY/yr; "
            f"marginal cost {p.marginal_cost:,.2f} CNY/t.",
            "",
            "| measure | cost, CNY/t | abated, t/yr |",
            "|---|---:|---:|",
        ]
        out += [f"| {m.name} | {m.cost:,.2f} | {x:,.0f} |" for m, x in p.allocations]
        out.append("")
    out += [
        "## Data block (IAMC-style rows; scenario = basis)",
        "",
        "```csv",
        a.to_csv().rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)


def to_json_text(a: Assessment) -> str:
    """:meth:`Assessment.to_json` as indented JSON text (UTF-8, sorted as built)."""
    return json.dumps(a.to_json(), ensure_ascii=False, indent=2)
