"""Target tracking for five-year-plan intensity targets (research/planning.md §3.3).

Equations (research/planning.md §3.3, "Target-tracking formulas"):

* chained change from yearly rates, within one basis: ``I_t / I_base = Π_y (1 + r_y)`` (eq. T1);
* required average yearly rate for the remaining years:
  ``r_req = (I_target / I_now)^(1 / years_left) − 1`` with ``I_target / I_base = 1 + R`` (eq. T2);
* geometric on-track pace after ``k`` of ``n`` years: ``(1 + R)^(k / n) − 1`` (eq. T3);
  the indicator is *on track* when its chained change is at or below that pace.

Worked example (§3.3): 14th FYP CO2 intensity, R = −18 % 2020→2025; official 2021 −3.8 % and
2022 −0.8 % chain to −4.57 %, need −4.93 %/yr over 2023–2025; the on-track pace for 2022 is −7.63 %.

Only rates on the ``nbs_official`` basis are chained; superseded vintages and targets are never used
as outturns; a year without an outturn stops the chain (it is reported as missing, never guessed).
Every result carries the weakest ``certainty`` and the ``status`` of the observations it used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dualcarbon.errors import InputError
from dualcarbon.planning.data import BASIS_OFFICIAL, Observation, official_observations, worst_certainty

__all__ = [
    "TARGETS",
    "Target",
    "TrackingResult",
    "chained_change",
    "on_track_pace",
    "required_annual_rate",
    "select_rates",
    "track",
    "track_all",
]


@dataclass(frozen=True, slots=True)
class Target:
    """A reduction target ``reduction`` (fraction, negative = decline) for ``indicator`` over a plan."""

    key: str
    indicator: str  # yearly-change indicator of china_nbs_intensity.csv, e.g. co2_intensity_change_pct
    base_year: int
    target_year: int
    reduction: float
    title_zh: str
    title_en: str
    source: str


#: The 14th Five-Year Plan's binding intensity targets (《国民经济和社会发展第十四个五年规划和2035年远景目标纲要》,
#: 专栏1 "主要指标": 单位GDP能源消耗降低13.5 %, 单位GDP二氧化碳排放降低18 %, 2020→2025).
TARGETS: tuple[Target, ...] = (
    Target(
        key="fyp14_co2_intensity",
        indicator="co2_intensity_change_pct",
        base_year=2020,
        target_year=2025,
        reduction=-0.18,
        title_zh="“十四五”单位GDP二氧化碳排放降低18%",
        title_en="14th FYP: CO2 per unit of GDP −18 %",
        source="14th Five-Year Plan outline, box 1 (main indicators); research/planning.md §3.3",
    ),
    Target(
        key="fyp14_energy_intensity",
        indicator="energy_intensity_change_pct",
        base_year=2020,
        target_year=2025,
        reduction=-0.135,
        title_zh="“十四五”单位GDP能源消耗降低13.5%",
        title_en="14th FYP: energy per unit of GDP −13.5 %",
        source="14th Five-Year Plan outline, box 1 (main indicators)",
    ),
)


def chained_change(rates_pct: list[float]) -> float:
    """Eq. T1: cumulative change (fraction) from yearly changes in percent, ``Π(1 + r/100) − 1``."""
    prod = 1.0
    for r in rates_pct:
        prod *= 1.0 + r / 100.0
    return prod - 1.0


def required_annual_rate(target_reduction: float, achieved: float, years_left: int) -> float:
    """Eq. T2: average yearly change (fraction) needed over ``years_left`` years to reach
    ``1 + target_reduction`` from ``1 + achieved`` (both relative to the base year)."""
    if years_left <= 0:
        raise InputError("no years left in the plan period", column="years_left", value=years_left)
    if 1.0 + achieved <= 0 or 1.0 + target_reduction <= 0:
        raise InputError("a change of −100 % or less cannot be chained", value=(achieved, target_reduction))
    return math.exp(math.log((1.0 + target_reduction) / (1.0 + achieved)) / years_left) - 1.0


def on_track_pace(target_reduction: float, years_elapsed: int, years_total: int) -> float:
    """Eq. T3: the geometric pace ``(1 + R)^(k/n) − 1`` after ``k`` of ``n`` years."""
    return math.exp(math.log(1.0 + target_reduction) * years_elapsed / years_total) - 1.0


def select_rates(
    observations: tuple[Observation, ...] | list[Observation], indicator: str
) -> dict[int, Observation]:
    """The latest usable vintage per year of ``indicator``: targets and superseded rows are dropped;
    when two remain for one year a ``revised`` row wins over the others."""
    chosen: dict[int, Observation] = {}
    for ob in observations:
        if ob.indicator != indicator or ob.is_target or ob.is_superseded:
            continue
        if ob.basis != BASIS_OFFICIAL:
            raise InputError(
                f"only {BASIS_OFFICIAL} rates may be chained for target tracking, got basis {ob.basis!r}",
                column="basis",
                value=ob.basis,
            )
        prev = chosen.get(ob.year)
        if prev is None or ("revised" in ob.status and "revised" not in prev.status):
            chosen[ob.year] = ob
    return chosen


@dataclass(frozen=True, slots=True)
class TrackingResult:
    """The state of one target at the latest year with an unbroken chain of outturns."""

    target: Target
    used: tuple[Observation, ...]
    last_year: int | None
    achieved: float  # cumulative change since base year (fraction)
    years_left: int
    required_rate: float | None  # average yearly change needed for the rest (fraction)
    pace: float  # on-track cumulative change for last_year (fraction)
    on_track: bool | None
    missing_years: tuple[int, ...]
    certainty: str
    statuses: tuple[str, ...]
    statements: tuple[Observation, ...] = field(default=())
    basis: str = BASIS_OFFICIAL

    def to_dict(self) -> dict[str, object]:
        t = self.target
        return {
            "target": {
                "key": t.key,
                "indicator": t.indicator,
                "base_year": t.base_year,
                "target_year": t.target_year,
                "reduction_pct": round(t.reduction * 100, 6),
                "title_zh": t.title_zh,
                "title_en": t.title_en,
                "source": t.source,
            },
            "basis": self.basis,
            "last_year": self.last_year,
            "achieved_pct": round(self.achieved * 100, 6),
            "years_left": self.years_left,
            "required_annual_rate_pct": None
            if self.required_rate is None
            else round(self.required_rate * 100, 6),
            "on_track_pace_pct": round(self.pace * 100, 6),
            "on_track": self.on_track,
            "missing_years": list(self.missing_years),
            "certainty": self.certainty,
            "statuses": list(self.statuses),
            "observations": [ob.to_dict() for ob in self.used],
            "statements": [ob.to_dict() for ob in self.statements],
        }


def track(
    target: Target,
    observations: tuple[Observation, ...] | list[Observation] | None = None,
    *,
    as_of: int | None = None,
) -> TrackingResult:
    """Track ``target`` from the yearly official rates up to ``as_of`` (default: all years).

    The chain runs from ``base_year + 1`` while each year has an outturn (eq. T1); the first year
    without one stops it and it and later plan years are listed in ``missing_years``. Cumulative
    statements on another vintage (e.g. NDRC's −11.6 % energy intensity 2021–2024) are returned in
    ``statements`` for display, never chained with the yearly rates.
    """
    obs = official_observations() if observations is None else observations
    end = target.target_year if as_of is None else min(as_of, target.target_year)
    if end < target.base_year:
        raise InputError(
            f"as_of {as_of} is before the base year {target.base_year}", column="as_of", value=as_of
        )
    rates = select_rates(obs, target.indicator)
    used: list[Observation] = []
    missing: list[int] = []
    for year in range(target.base_year + 1, end + 1):
        if not missing and year in rates:
            used.append(rates[year])
        else:
            missing.append(year)
    last_year = used[-1].year if used else None
    achieved = chained_change([ob.value for ob in used])
    elapsed = len(used)
    total = target.target_year - target.base_year
    years_left = total - elapsed
    required = required_annual_rate(target.reduction, achieved, years_left) if years_left > 0 else None
    pace = on_track_pace(target.reduction, elapsed, total)
    if not used:
        on_track = None
    else:
        on_track = achieved <= pace + 1e-12
    prefix = target.indicator.replace("_change_pct", "_cumulative_change_")
    statements = tuple(ob for ob in obs if ob.indicator.startswith(prefix) and _in_plan(ob.indicator, target))
    statuses = tuple(dict.fromkeys(ob.status for ob in used))
    return TrackingResult(
        target=target,
        used=tuple(used),
        last_year=last_year,
        achieved=achieved,
        years_left=years_left,
        required_rate=required,
        pace=pace,
        on_track=on_track,
        missing_years=tuple(missing),
        certainty=worst_certainty(ob.certainty for ob in used),
        statuses=statuses,
        statements=statements,
    )


def _in_plan(indicator: str, target: Target) -> bool:
    """``..._cumulative_change_<from>_<to>_pct`` lies within the plan period from its first year."""
    parts = indicator.removesuffix("_pct").split("_")
    try:
        first, last = int(parts[-2]), int(parts[-1])
    except (IndexError, ValueError):
        return False
    return first == target.base_year + 1 and last <= target.target_year


def track_all(*, as_of: int | None = None) -> list[TrackingResult]:
    """:func:`track` for every built-in target in :data:`TARGETS`."""
    return [track(t, as_of=as_of) for t in TARGETS]
