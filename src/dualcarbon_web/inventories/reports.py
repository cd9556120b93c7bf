"""Reports of a calculation run: the summary the pages and the API show, and the XLSX workbook.

Numbers stay unrounded in the workbook (number formats show two decimals); the printable page rounds
half-up with :func:`dualcarbon.accounting.round_for_report`, the one place the core rounds.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dualcarbon.accounting import CATEGORIES
from dualcarbon_web.inventories.models import CalculationLine, CalculationRun, MonteCarloAnalysis

__all__ = (
    "approach1_rows",
    "line_trace",
    "monte_carlo_rows",
    "run_report_filename",
    "run_report_xlsx",
    "run_summary",
    "unstated_label",
)

#: Category names in the active language (lazy: resolved when a page or workbook is written).
CATEGORY_NAMES = {
    "combustion": gettext_lazy("化石燃料燃烧"),
    "process": gettext_lazy("工业生产过程"),
    "purchased_electricity": gettext_lazy("净购入电力"),
    "exported_electricity": gettext_lazy("输出电力"),
    "purchased_heat": gettext_lazy("净购入热力"),
    "exported_heat": gettext_lazy("输出热力"),
    "recovered_co2": gettext_lazy("CO2 回收利用"),
    "direct_gas": gettext_lazy("直接排放气体"),
}


#: The engine's notes (stored in English in the immutable result) that pages show in the reader's language.
_NOTE_PATTERNS = (
    (
        re.compile(r"^(\d+) factor\(s\) used are transcribed-unverified: "),
        lambda m: (
            gettext(
                "所用因子中有 %(n)s 个为“转录未核对”（transcribed-unverified）：尚未与官方文件核对（见所用因子与因子库）"
            )
            % {"n": m.group(1)}
        ),
    ),
    (
        re.compile(r"^(\d+) entit(?:y has|ies have) an Approach 1 uncertainty above 60 %"),
        lambda m: (
            gettext("%(n)s 个排放单元的方法1不确定性超过 60%%，方法1不再适用：请进行蒙特卡洛分析")
            % {"n": m.group(1)}
        ),
    ),
)


def note_display(note: str) -> str:
    """A stored engine note in the active language where its wording is known; otherwise as stored."""
    for pattern, render in _NOTE_PATTERNS:
        if m := pattern.match(note):
            return render(m)
    return note


def _add(into: dict[str, float], items: dict[str, float]) -> None:
    for k, v in items.items():
        into[k] = into.get(k, 0.0) + (v or 0.0)


def run_summary(run: CalculationRun) -> dict[str, Any]:
    """Totals of a run by scope, gas, category and entity (summed over the run's entities)."""
    entities = run.result.get("entities", {})
    by_scope: dict[str, float] = {}
    by_gas: dict[str, float] = {}
    by_gas_t: dict[str, float] = {}
    by_category: dict[str, float] = {}
    for e in entities.values():
        _add(by_scope, e.get("by_scope", {}))
        _add(by_gas, e.get("by_gas", {}))
        _add(by_gas_t, e.get("by_gas_t", {}))
        _add(by_category, e.get("by_category", {}))
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return {
        "total_tco2e": run.total_tco2e,
        "by_scope": {"scope1": by_scope.get("scope1", 0.0), "scope2": by_scope.get("scope2", 0.0)},
        "by_gas": dict(sorted(by_gas.items())),
        "by_gas_t": dict(sorted(by_gas_t.items())),
        "by_category": dict(sorted(by_category.items(), key=lambda kv: order.get(kv[0], 99))),
        "by_entity": {k: v.get("total_tco2e", 0.0) for k, v in sorted(entities.items())},
        "uncertainty_pct": {k: v.get("uncertainty_pct") for k, v in sorted(entities.items())},
        "factors_used": list(run.result.get("factors_used", [])),
        "factor_statuses": dict(run.result.get("factor_statuses", {})),
        "methodologies": list(run.result.get("methodologies", [])),
        "notes": list(run.result.get("notes", [])),
        "notes_display": [note_display(n) for n in run.result.get("notes", [])],
        "gwp": run.gwp,
    }


def approach1_rows(run: CalculationRun) -> dict[str, Any]:
    """IPCC Approach 1 (error propagation, Eq. 3.1/3.2) as the engine computed it, per entity.

    The total has an Approach 1 figure only for a single entity: the engine does not combine
    entities (they share factors, so they are not independent).
    """
    entities = [
        {
            "entity": name,
            "tco2e": e.get("total_tco2e"),
            "uncertainty_pct": e.get("uncertainty_pct"),
            "complete": bool(e.get("uncertainty_complete")),
        }
        for name, e in sorted(run.result.get("entities", {}).items())
    ]
    single = entities[0] if len(entities) == 1 else None
    return {
        "entities": entities,
        "total": {
            "entity": None,
            "tco2e": run.total_tco2e,
            "uncertainty_pct": single["uncertainty_pct"] if single else None,
            "complete": single["complete"] if single else all(e["complete"] for e in entities),
        },
    }


def monte_carlo_rows(run: CalculationRun, analysis: MonteCarloAnalysis) -> dict[str, Any]:
    """Approach 2 beside Approach 1: per entity and in total, the deterministic tCO2e, Approach 1 %,
    the Monte Carlo mean, 2.5th and 97.5th percentiles and uncertainty %, and the inputs without a
    stated uncertainty."""
    a1 = approach1_rows(run)
    a1_by_entity = {e["entity"]: e for e in a1["entities"]}
    mc = analysis.result or {}
    unstated = analysis.unstated or {}

    def row(
        entity: str | None, summary: dict[str, Any], approach1: dict[str, Any], missing
    ) -> dict[str, Any]:
        return {
            "entity": entity,
            "tco2e": approach1.get("tco2e"),
            "approach1_pct": approach1.get("uncertainty_pct"),
            "mean": summary.get("mean"),
            "p2_5": summary.get("p2_5"),
            "p97_5": summary.get("p97_5"),
            "uncertainty_pct": summary.get("uncertainty_pct"),
            "unstated": list(missing or []),
        }

    entities = [
        row(name, summary, a1_by_entity.get(name, {}), unstated.get("entities", {}).get(name))
        for name, summary in sorted(mc.get("entities", {}).items())
    ]
    return {
        "entities": entities,
        "total": row(None, mc.get("total", {}), a1["total"], unstated.get("total")),
    }


def unstated_label(item: dict[str, Any]) -> str:
    """A readable name of an input without stated uncertainty (report and workbook)."""
    if item.get("kind") == "activity":
        return "活动数据 activity data"
    if item.get("kind") == "factor":
        return f"因子 factor {item.get('input')}"
    return f"行内数值 row value {item.get('input')}"


def line_trace(run: CalculationRun, line: CalculationLine) -> dict[str, Any] | None:
    """The resolution of the line's key: slots (gas, t per unit, factors, GWP) and the trace."""
    if line.key is None:
        return None
    keys = run.keys or []
    if 0 <= line.key < len(keys) and keys[line.key].get("key") == line.key:
        return keys[line.key]
    return next((k for k in keys if k.get("key") == line.key), None)


def run_report_filename(run: CalculationRun, ext: str = "xlsx") -> str:
    inv = run.inventory
    code = inv.facility.code if inv.facility_id and inv.facility.code else inv.organization.uscc
    return f"emission-report-{code}-{inv.year}-run{run.number}.{ext}"


def _with_total(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The entity rows of an uncertainty table, then its total row unless there is only one entity
    (whose row the total would repeat)."""
    entities = list(table["entities"])
    return [*entities, table["total"]] if len(entities) > 1 else entities


def _sheet(
    wb, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]], widths: dict[int, int] | None = None
):
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E3EFE7")
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    for col, width in (widths or {}).items():
        ws.column_dimensions[chr(ord("A") + col)].width = width
    return ws


def run_report_xlsx(
    run: CalculationRun,
    lines: Iterable[CalculationLine],
    analyses: Iterable[MonteCarloAnalysis] = (),
) -> bytes:
    """The workbook: 汇总 (summary), 逐行结果 (per line, with factors and trace), 排放因子, 计算过程,
    不确定性 (Approach 1 per entity and every Monte Carlo analysis of the run)."""
    from openpyxl import Workbook

    inv = run.inventory
    summary = run_summary(run)
    wb = Workbook()
    wb.remove(wb.active)
    info = [
        ("企业 Enterprise", inv.organization.name),
        ("统一社会信用代码 USCC", inv.organization.uscc),
        ("设施 Facility", inv.facility.name if inv.facility_id else "全企业 whole enterprise"),
        ("核算年度 Year", inv.year),
        ("核算方法学 Methodology", ", ".join(summary["methodologies"])),
        ("GWP", run.gwp),
        ("核算序号 Run", run.number),
        ("核算时间 Calculated at", timezone.localtime(run.ran_at).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("核算人 Calculated by", str(run.ran_by) if run.ran_by_id else ""),
        ("输入数据 SHA-256", run.input_sha256),
        ("dualcarbon", run.dualcarbon_version),
        ("", ""),
        ("排放总量 Total (tCO2e)", run.total_tco2e),
        ("范围一 Scope 1 (tCO2e)", summary["by_scope"]["scope1"]),
        ("范围二 Scope 2 (tCO2e)", summary["by_scope"]["scope2"]),
    ]
    ws = _sheet(wb, "汇总", ("项目 Item", "数值 Value"), info, {0: 34, 1: 60})
    ws.append([])
    ws.append(["按气体 By gas", "tCO2e"])
    for gas, v in summary["by_gas"].items():
        ws.append([gas, v])
    ws.append([])
    ws.append(["按类别 By category", "tCO2e"])
    for cat, v in summary["by_category"].items():
        ws.append([f"{CATEGORY_NAMES.get(cat, cat)} {cat}", v])
    ws.append([])
    ws.append(["按排放单元 By entity", "tCO2e"])
    for ent, v in summary["by_entity"].items():
        ws.append([ent, v])
    for note in summary["notes"]:
        ws.append(["注 Note", note])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"

    keys = {k["key"]: k for k in (run.keys or [])}
    line_rows = []
    for line in lines:
        key = keys.get(line.key) if line.key is not None else None
        line_rows.append(
            (
                line.row,
                line.entity,
                line.period,
                line.category,
                line.scope,
                line.item,
                line.quantity,
                line.unit,
                line.tco2e,
                "; ".join(line.factors),
                line.methodology,
                " | ".join(key["trace"]) if key else "",
                line.counterparty,
                line.flags,
            )
        )
    ws = _sheet(
        wb,
        "逐行结果",
        (
            "行 row",
            "entity",
            "period",
            "category",
            "scope",
            "item",
            "quantity",
            "unit",
            "tCO2e",
            "factors (id@version)",
            "methodology",
            "trace",
            "counterparty",
            "flags",
        ),
        line_rows,
        {1: 16, 3: 22, 5: 18, 8: 14, 9: 60, 10: 26, 11: 90},
    )
    for cell in ws["I"][1:]:
        cell.number_format = "#,##0.0000"

    _sheet(
        wb,
        "排放因子",
        ("ref", "value", "unit", "status", "table", "document_no", "publisher"),
        [
            (
                ref,
                f.get("value"),
                f.get("unit"),
                f.get("status"),
                f.get("table"),
                f.get("document_no"),
                f.get("publisher"),
            )
            for ref, f in sorted((run.factors or {}).items())
        ],
        {0: 44, 4: 30, 5: 30, 6: 30},
    )
    _sheet(
        wb,
        "计算过程",
        (
            "key",
            "category",
            "item",
            "unit",
            "methodology",
            "scope",
            "gas · t per unit · factors · GWP",
            "trace",
        ),
        [
            (
                k["key"],
                k["category"],
                k["item"],
                k["unit"],
                k["methodology"],
                k["scope"],
                " | ".join(
                    f"{s['gas']}: {s['t_per_unit_float']:.10g} t/unit x GWP {s['gwp']:g}"
                    + (f" × {', '.join(s['times_row_columns'])}" if s["times_row_columns"] else "")
                    + f" [{', '.join(s['factors'])}]"
                    for s in k["slots"]
                ),
                "\n".join(k["trace"]),
            )
            for k in (run.keys or [])
        ],
        {2: 20, 4: 26, 6: 70, 7: 90},
    )
    _uncertainty_sheet(wb, run, analyses)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _uncertainty_sheet(wb, run: CalculationRun, analyses: Iterable[MonteCarloAnalysis]) -> None:
    """不确定性: one row per entity for Approach 1 and for each Monte Carlo analysis, and the total
    after them when there is more than one entity (with one, the total repeats the entity's row)."""
    header = (
        "方法 Approach",
        "分析 Analysis",
        "迭代次数 Iterations",
        "随机种子 Seed",
        "排放单元 Entity",
        "排放量 tCO2e",
        "不确定性 Uncertainty %",
        "均值 Mean tCO2e",
        "2.5% tCO2e",
        "97.5% tCO2e",
        "未声明不确定性的输入 Inputs without stated uncertainty",
    )
    total_name = "合计 Total"
    rows: list[tuple] = []
    a1 = approach1_rows(run)
    for r in _with_total(a1):
        rows.append(
            (
                "Approach 1 (IPCC 2006 Vol.1 Eq. 3.1/3.2)",
                "",
                None,
                None,
                r["entity"] or total_name,
                r["tco2e"],
                r["uncertainty_pct"],
                None,
                None,
                None,
                "" if r["complete"] else "不完整 incomplete",
            )
        )
    for analysis in analyses:
        mc = monte_carlo_rows(run, analysis)
        for r in _with_total(mc):
            rows.append(
                (
                    "Approach 2 Monte Carlo",
                    f"#{analysis.number} {timezone.localtime(analysis.created).strftime('%Y-%m-%d %H:%M')}",
                    analysis.iterations,
                    str(analysis.seed),
                    r["entity"] or total_name,
                    r["tco2e"],
                    r["uncertainty_pct"],
                    r["mean"],
                    r["p2_5"],
                    r["p97_5"],
                    "; ".join(f"{unstated_label(u)} ({u['lines']} 行 lines)" for u in r["unstated"]),
                )
            )
    ws = _sheet(wb, "不确定性", header, rows, {0: 34, 1: 20, 4: 22, 10: 80})
    for column in "FHIJ":
        for cell in ws[column][1:]:
            cell.number_format = "#,##0.00"
    for cell in ws["G"][1:]:
        cell.number_format = "0.00"
