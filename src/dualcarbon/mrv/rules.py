"""The platform's verification rules, each a deterministic function of a :class:`RuleContext`.

Only rules whose inputs the platform holds today: the calculation record, the unit's previous-year
submission, who evaluates, and the flags of finished inversion runs. Sources:

* 核查指南: 《企业温室气体排放报告核查指南（试行）》 (环办气候〔2021〕9号), research/mrv.md §1.3;
* AVR: Implementing Regulation (EU) 2018/2067, research/mrv.md §2.2;
* research/mrv.md §8 item 3: the candidate rules of the "smart contracts".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from dualcarbon.mrv.engine import Outcome, Rule, RuleContext, RuleSet

__all__ = ["DEFAULT_RULESET", "RULESET_ID", "line_keys"]

RULESET_ID = "dualcarbon.mrv.rules/1"

GUIDE = "《企业温室气体排放报告核查指南（试行）》(环办气候〔2021〕9号)"

# --------------------------------------------------------------------------- record helpers


def _methodology_id(value: Any) -> str:
    return str(value or "").split("@")[0].strip()


def _has(line: Mapping[str, Any], column: str) -> bool:
    v = line.get(column)
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v).strip() != ""


def _text(line: Mapping[str, Any], column: str) -> str:
    v = line.get(column)
    return "" if v is None else str(v).strip()


def line_keys(record: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
    """Each input line of ``record`` (sorted by ``_row``) with the resolved key it belongs to, or ``None``.

    A line belongs to the key with its category, item, unit, region (electricity and heat only, as the
    engine keys them), methodology id, year and the same override columns filled
    (dualcarbon.accounting.engine._line_key).
    """
    default = _methodology_id((record.get("options") or {}).get("default_methodology"))
    keys = list(record.get("keys") or [])
    out = []
    lines = sorted(record.get("inputs") or [], key=lambda r: (_row(r), repr(sorted(r.items(), key=str))))
    for line in lines:
        period = _text(line, "period")
        year = int(period[:4]) if period[:4].isdigit() else None
        match = None
        for k in keys:
            region_ok = _text(line, "region") == str(k.get("region") or "") or not k.get("region")
            if (
                k.get("category") == _text(line, "category")
                and k.get("item") == _text(line, "item")
                and k.get("unit") == _text(line, "unit")
                and region_ok
                and _methodology_id(k.get("methodology"))
                == (_methodology_id(line.get("methodology")) or default)
                and k.get("year") == year
                and all(
                    bool(k.get(f"has_{c}")) == _has(line, c)
                    for c in ("ncv", "carbon_content", "oxidation_rate", "factor", "purity")
                )
            ):
                match = k
                break
        out.append((line, match))
    return out


def _row(line: Mapping[str, Any]) -> int:
    try:
        return int(line.get("_row") or 0)
    except (TypeError, ValueError):
        return 0


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- rules


def completeness(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """Every line has a quantity and the row values its key multiplies in (``times_row_columns``),
    matches a resolved key, and the record's totals re-add from its lines:
    line tCO2e = quantity × Σ_gas t_per_unit × Π row columns × GWP (docs/accounting.md, "Calculation
    records"); per entity and in total within ``rel_tol``."""
    record = ctx.record
    inputs = record.get("inputs")
    if not inputs:
        return Outcome("not_applicable", "The record holds no input lines (saved without inputs).")
    problems: list[str] = []
    sums: dict[str, list[float]] = {}
    for line, key in line_keys(record):
        row = _row(line)
        q = _num(line.get("quantity"))
        if q is None:
            problems.append(f"row {row}: quantity {line.get('quantity')!r} is missing or not a number")
            continue
        if key is None:
            problems.append(
                f"row {row}: {_text(line, 'category')}/{_text(line, 'item')} [{_text(line, 'unit')}] "
                "matches no resolved key of the record"
            )
            continue
        t = 0.0
        for slot in key.get("slots") or []:
            v = _num(slot.get("t_per_unit_float"))
            g = _num(slot.get("gwp"))
            if v is None or g is None:
                problems.append(
                    f"row {row}: key {key.get('key')} gas {slot.get('gas')} has no coefficient or GWP"
                )
                continue
            for c in slot.get("times_row_columns") or []:
                x = _num(line.get(c))
                if x is None:
                    problems.append(
                        f"row {row}: {c} is missing, needed by {key.get('methodology')} for {slot.get('gas')}"
                    )
                    x = math.nan
                v *= x
            t += q * v * g
        sums.setdefault(_text(line, "entity"), []).append(t)
    if problems:
        return Outcome(
            "fail", f"{len(problems)} problem(s): " + "; ".join(problems[:10]), {"problems": problems}
        )
    tol = float(p["rel_tol"])
    results = record.get("results") or {}
    recorded = {str(k): float(v) for k, v in (results.get("entities") or {}).items()}
    readded = {e: math.fsum(v) for e, v in sums.items()}
    wrong = []
    for e in sorted(set(recorded) | set(readded)):
        a, b = readded.get(e), recorded.get(e)
        if a is None or b is None or not math.isclose(a, b, rel_tol=tol, abs_tol=1e-6):
            wrong.append(f"entity {e}: lines add to {a!r} tCO2e, the record says {b!r}")
    total = _num(results.get("total_tco2e"))
    all_lines = math.fsum(readded.values())
    if total is None or not math.isclose(all_lines, total, rel_tol=tol, abs_tol=1e-6):
        wrong.append(
            f"total: lines add to {all_lines!r} tCO2e, the record says {results.get('total_tco2e')!r}"
        )
    details = {"lines": sum(len(v) for v in sums.values()), "readded_total_tco2e": all_lines}
    if wrong:
        return Outcome("fail", "; ".join(wrong), {**details, "mismatches": wrong})
    return Outcome(
        "pass",
        f"{details['lines']} lines complete; they re-add to the recorded total {total!r} tCO2e",
        details,
    )


_GRID_REF = re.compile(r"grid factor .*?\[([^\]]+)\]")


def grid_factor_vintage(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """Grid electricity factors are those of the reporting year: every key resolved to a grid factor
    has the reporting year, and the resolver raised no vintage flag (``--vintage latest`` fell back
    to an older year, or a methodology pinned a factor documented for other years)."""
    year = ctx.reporting_year()
    used, latest, other_years, wrong_period = [], [], [], []
    for k in sorted(ctx.record.get("keys") or [], key=lambda k: str(k.get("key"))):
        refs = [m.group(1) for t in k.get("trace") or [] for m in [_GRID_REF.search(str(t))] if m]
        if not refs:
            continue
        used.extend(refs)
        for flag in k.get("flags") or []:
            if str(flag).startswith("--vintage latest"):
                latest.append(str(flag))
            elif "documented for data years" in str(flag):
                other_years.append(str(flag))
        if year is not None and k.get("year") != year:
            wrong_period.append(
                f"key {k.get('key')} ({', '.join(refs)}) is for {k.get('year')}, the report for {year}"
            )
    if not used:
        return Outcome("not_applicable", "No line uses a grid electricity factor from the factor database.")
    details = {"factors": sorted(set(used)), "year": year}
    if other_years or wrong_period:
        msgs = other_years + wrong_period
        return Outcome("fail", "; ".join(msgs), {**details, "problems": msgs})
    vintage = (ctx.record.get("options") or {}).get("vintage")
    if latest:
        return Outcome(
            "fail",
            "The record says the user chose vintage 'latest': " + "; ".join(latest),
            {**details, "vintage": vintage, "flags": latest},
            severity="warning",
        )
    return Outcome("pass", f"Grid factors {', '.join(sorted(set(used)))} are those of {year}.", details)


def unverified_defaults(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """Lines computed with default factors from the database whose status is one of ``statuses``
    (transcribed but not yet checked against the official text) are listed: the verifier checks
    them against the document (核查指南 §4.2, emission-factor data: default values)."""
    factors = ctx.record.get("factors") or {}
    flagged = {ref for ref, f in factors.items() if str((f or {}).get("status")) in p["statuses"]}
    rows: dict[str, list[int]] = {}
    for line, key in line_keys(ctx.record):
        if key is None:
            continue
        for slot in key.get("slots") or []:
            for ref in slot.get("factors") or []:
                if ref in flagged:
                    rows.setdefault(ref, []).append(_row(line))
    if not rows:
        return Outcome("pass", "No line uses a default factor with an unverified status.", {"factors": {}})
    listed = {
        ref: {
            "rows": sorted(set(r)),
            "status": factors[ref].get("status"),
            "document_no": factors[ref].get("document_no"),
            "value": factors[ref].get("value"),
            "unit": factors[ref].get("unit"),
        }
        for ref, r in sorted(rows.items())
    }
    text = "; ".join(
        f"{ref} ({v['status']}, {v['document_no'] or '-'}) in rows {', '.join(map(str, v['rows']))}"
        for ref, v in listed.items()
    )
    return Outcome(
        "pass",
        f"Note: {len(listed)} default factor(s) not yet checked against the official text: {text}",
        {"factors": listed},
        severity="info",
    )


def year_on_year(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """|E_t − E_{t−1}| / E_{t−1} against ``threshold`` (default 0.05: the EU AVR materiality level,
    Implementing Regulation (EU) 2018/2067 Art. 23, research/mrv.md §2.2, used here as a screening
    threshold; the 核查指南 has no numeric one, §2.3). ``previous`` is the unit's current submission
    of the year before."""
    prev = ctx.previous
    total = _num((ctx.record.get("results") or {}).get("total_tco2e"))
    if not prev or _num(prev.get("total_tco2e")) is None or total is None:
        return Outcome("not_applicable", "No submission of the previous year to compare with.")
    before = float(prev["total_tco2e"])
    threshold = float(p["threshold"])
    details = {
        "previous_year": prev.get("year"),
        "previous_total_tco2e": before,
        "total_tco2e": total,
        "threshold": threshold,
        "previous_submission": prev.get("submission"),
        "previous_leaf_index": prev.get("leaf_index"),
    }
    if before == 0:
        change = math.inf if total else 0.0
    else:
        change = (total - before) / abs(before)
    details["change"] = change
    pct = "∞" if math.isinf(change) else f"{change * 100:+.2f} %"
    text = (
        f"{before!r} tCO2e in {prev.get('year')} → {total!r} tCO2e: {pct} (threshold ±{threshold * 100:g} %)"
    )
    if abs(change) > threshold:
        return Outcome("fail", f"Change beyond the threshold: {text}; the unit should explain it.", details)
    return Outcome("pass", text, details)


def separation_of_duties(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """The person evaluating is neither the submitter nor a member of the submitting organisation
    (research/mrv.md §8 item 3, "preparer ≠ verifier"; AVR Art. 25 independent review, §2.2)."""
    ev, sub = ctx.evaluator, ctx.submitter
    if not ev or not sub:
        return Outcome("not_applicable", "No evaluator or submitter given (offline check).")
    details = {"evaluator_role": ev.get("role")}
    if ev.get("id") is not None and ev.get("id") == sub.get("id"):
        return Outcome("fail", f"The evaluator (user {ev.get('id')}) submitted this report.", details)
    if ev.get("organization_id") is not None and ev.get("organization_id") == sub.get("organization_id"):
        return Outcome(
            "fail",
            f"The evaluator (user {ev.get('id')}) belongs to the submitting organisation {sub.get('organization_id')}.",
            details,
        )
    return Outcome(
        "pass",
        f"The evaluator (user {ev.get('id')}, {ev.get('role')}) is not the submitter and not a member of the "
        "submitting organisation.",
        details,
    )


def inversion_cross_check(ctx: RuleContext, p: Mapping[str, Any]) -> Outcome:
    """Top-down cross-check: finished inversion runs of the reporting year that estimated this unit's
    facilities; a facility flagged there (|z| at or above the run's threshold, docs/inversion.md) is
    a finding with its z-score."""
    estimates = ctx.inversion
    if not estimates:
        return Outcome(
            "not_applicable", "No finished inversion run estimated this unit's facilities for the year."
        )
    rows = sorted(
        ({k: e.get(k) for k in ("run", "facility", "z", "flagged", "threshold")} for e in estimates),
        key=lambda e: (str(e["run"]), str(e["facility"])),
    )
    flagged = [e for e in rows if e["flagged"]]
    if flagged:
        text = "; ".join(
            f"inversion run #{e['run']} flagged facility {e['facility']}: z = {float(e['z']):.2f} (|z| ≥ {e['threshold']:g})"
            for e in flagged
        )
        return Outcome("fail", text, {"estimates": rows})
    text = "; ".join(f"run #{e['run']} facility {e['facility']}: z = {float(e['z']):.2f}" for e in rows)
    return Outcome("pass", f"Not flagged by the top-down estimate: {text}", {"estimates": rows})


COMPLETENESS = Rule(
    id="completeness",
    version=1,
    title_zh="活动数据完整，总量可由各行复算",
    title_en="Activity data complete; totals re-add from the lines",
    source=f"{GUIDE} §4.2 (activity data, emission calculation); research/mrv.md §8 item 3 (completeness)",
    severity="nonconformity",
    check=completeness,
    parameters={"rel_tol": 1e-9},
)
GRID_VINTAGE = Rule(
    id="grid-factor-vintage",
    version=1,
    title_zh="电网排放因子为核算年度的因子",
    title_en="Grid electricity factors of the reporting year",
    source=f"{GUIDE} §4.2 (emission-factor data)",
    severity="nonconformity",
    check=grid_factor_vintage,
)
UNVERIFIED_DEFAULTS = Rule(
    id="unverified-defaults",
    version=1,
    title_zh="使用未经核对的缺省因子的行",
    title_en="Lines using default factors not yet verified",
    source=f"{GUIDE} §4.2 (emission-factor data: default values); research/mrv.md §8 item 3 (conservative default)",
    severity="warning",
    check=unverified_defaults,
    parameters={"statuses": ["transcribed-unverified"]},
)
YEAR_ON_YEAR = Rule(
    id="year-on-year",
    version=1,
    title_zh="与上一年度报送相比的变化",
    title_en="Change against the previous year's submission",
    source="Implementing Regulation (EU) 2018/2067 (AVR) Art. 23 materiality 5 % (research/mrv.md §2.2), "
    "as a screening threshold; research/mrv.md §8 item 3 (deviation against a materiality threshold)",
    severity="warning",
    check=year_on_year,
    parameters={"threshold": 0.05},
)
SEPARATION = Rule(
    id="separation-of-duties",
    version=1,
    title_zh="职责分离：核查人不是报送人或其所在单位人员",
    title_en="Separation of duties: evaluator is not the submitter or of its organisation",
    source="research/mrv.md §8 item 3 (separation of duties); AVR Art. 25 (research/mrv.md §2.2)",
    severity="nonconformity",
    check=separation_of_duties,
)
CROSS_CHECK = Rule(
    id="inversion-cross-check",
    version=1,
    title_zh="自上而下反演交叉核对",
    title_en="Top-down inversion cross-check",
    source="research/mrv.md §8 item 3; docs/inversion.md (flagged facilities, z-score)",
    severity="warning",
    check=inversion_cross_check,
)

DEFAULT_RULESET = RuleSet(
    RULESET_ID, [COMPLETENESS, GRID_VINTAGE, UNVERIFIED_DEFAULTS, YEAR_ON_YEAR, SEPARATION, CROSS_CHECK]
)
