"""``dualcarbon plan``: decision support offline -- target tracking, LMDI decomposition, MACC.

    dualcarbon plan track [--as-of YEAR] [--json]
    dualcarbon plan lmdi --from 2015 --to 2020 [--region China] [--json]
    dualcarbon plan macc MEASURES.csv --target T [--method greedy|lp] [--json]
    dualcarbon plan report --year 2023 [--format markdown|json|csv] [--output FILE]
        [--measures MEASURES.csv --gap T]

``track`` chains the official yearly rates (basis nbs_official) for the 14th FYP intensity targets;
``lmdi`` decomposes the CO2 change on the OWID/GCB + Maddison basis (international comparison, not
the compliance basis); ``macc`` reads ``name,cost_per_t,potential_t`` and prints the merit order and
the least-cost portfolio; ``report`` writes the annual assessment report (traffic lights, OWID-basis
LMDI, optional least-cost path) as Markdown with its data block, as JSON or as IAMC-style CSV rows.
Exit status 2 on bad input (the message names row/column/value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dualcarbon.cli._common import console, fail

__all__ = ["register"]

plan_app = typer.Typer(
    name="plan",
    help="Decision support: five-year-plan target tracking, LMDI decomposition, abatement cost curves.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command group to the ``dualcarbon`` CLI."""
    app.add_typer(plan_app, name="plan")


def _pct(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v * 100:+.{digits}f} %"


@plan_app.command("track")
def track_command(
    as_of: Annotated[int | None, typer.Option("--as-of", help="Use outturns up to this year only.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Track the 14th FYP intensity targets from official yearly rates (certainty shown)."""
    from rich.table import Table

    from dualcarbon.errors import DualCarbonError
    from dualcarbon.planning.tracking import track_all

    try:
        results = track_all(as_of=as_of)
    except DualCarbonError as exc:
        fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    table = Table(title="14th Five-Year Plan intensity targets (basis nbs_official; secondary sources)")
    for col in ("target", "through", "achieved", "on-track pace", "required / yr", "on track", "certainty"):
        table.add_column(col)
    for r in results:
        through = f"{r.target.base_year}→{r.last_year}" if r.last_year else "no outturn"
        table.add_row(
            r.target.title_en,
            through,
            _pct(r.achieved),
            _pct(r.pace),
            f"{_pct(r.required_rate)} ×{r.years_left}",
            {True: "yes", False: "no", None: "-"}[r.on_track],
            r.certainty,
        )
    console.print(table)
    for r in results:
        if r.missing_years:
            console.print(
                f"{r.target.key}: no outturn for {', '.join(map(str, r.missing_years))}",
                highlight=False,
                soft_wrap=True,
            )
        for s in r.statements:
            console.print(
                f"{r.target.key}: statement on another vintage, not chained: {s.indicator} = {s.value} "
                f"({s.status}; {s.certainty})",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )


@plan_app.command("lmdi")
def lmdi_command(
    year_from: Annotated[int, typer.Option("--from", help="First year (OWID extract: 2000-2022 for GDP).")],
    year_to: Annotated[int, typer.Option("--to", help="Second year.")],
    region: Annotated[str, typer.Option("--region", help="China, World, United States, India.")] = "China",
    as_json: Annotated[bool, typer.Option("--json", help="Print the decomposition as JSON.")] = False,
) -> None:
    """Additive LMDI-I of the CO2 change over the Kaya factors (OWID/GCB + Maddison basis)."""
    from rich.table import Table

    from dualcarbon.errors import DualCarbonError
    from dualcarbon.planning.lmdi import kaya_owid

    try:
        d = kaya_owid(region, year_from, year_to)
    except DualCarbonError as exc:
        fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"{region} CO2 {year_from}→{year_to}: LMDI-I additive, Mt CO2 (basis {d.basis}; not the official basis)"
    )
    for col, justify in (
        ("factor", "left"),
        (str(year_from), "right"),
        (str(year_to), "right"),
        ("ratio", "right"),
        ("effect Mt", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for e in d.effects:
        table.add_row(e.factor, f"{e.start:.6g}", f"{e.end:.6g}", f"{e.ratio:.4f}", f"{e.effect:+,.2f}")
    table.add_row(
        "CO2 (total)", f"{d.start:,.3f}", f"{d.end:,.3f}", f"{d.end / d.start:.4f}", f"{d.delta:+,.2f}"
    )
    console.print(table)
    console.print(f"L(C_T, C_0) = {d.weight:,.2f} Mt; residual {d.residual:.2e}", highlight=False)


@plan_app.command("macc")
def macc_command(
    measures: Annotated[Path, typer.Argument(help="CSV with columns name,cost_per_t,potential_t.")],
    target: Annotated[float, typer.Option("--target", help="Abatement target, tCO2 per year.")],
    method: Annotated[
        str, typer.Option("--method", help="greedy (exact merit order) or lp (HiGHS).")
    ] = "greedy",
    as_json: Annotated[bool, typer.Option("--json", help="Print the curve and portfolio as JSON.")] = False,
) -> None:
    """Marginal abatement cost curve and the least-cost portfolio reaching TARGET."""
    from rich.table import Table

    from dualcarbon.errors import DualCarbonError
    from dualcarbon.planning.macc import curve, least_cost, parse_measures_csv

    try:
        text = measures.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{measures}: cannot read: {exc}", 2)
    try:
        ms = parse_measures_csv(text, source=str(measures))
        c = curve(ms)
        p = least_cost(ms, target, method=method)
    except DualCarbonError as exc:
        fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps({"curve": c, "portfolio": p.to_dict()}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Abatement cost curve ({len(c)} measures, merit order)")
    for col, justify in (
        ("measure", "left"),
        ("cost / t", "right"),
        ("potential t", "right"),
        ("cumulative t", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in c:
        table.add_row(
            str(row["name"]), f"{row['cost_per_t']:,.2f}", f"{row['potential_t']:,.0f}", f"{row['to_t']:,.0f}"
        )
    console.print(table)
    table = Table(title=f"Least-cost portfolio for {target:,.0f} t/yr ({p.method})")
    for col, justify in (("measure", "left"), ("abated t", "right"), ("cost", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for m, x in p.allocations:
        table.add_row(m.name, f"{x:,.0f}", f"{m.cost * x:,.0f}")
    table.add_row("total", f"{p.abatement:,.0f}", f"{p.total_cost:,.0f}")
    console.print(table)
    console.print(f"marginal cost {p.marginal_cost:,.2f} per t", highlight=False)


@plan_app.command("report")
def report_command(
    year: Annotated[int, typer.Option("--year", help="Report year: outturns up to this year (2021-2025).")],
    fmt: Annotated[
        str, typer.Option("--format", help="markdown (with the data block), json or csv (IAMC-style rows).")
    ] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file instead of standard output.")
    ] = None,
    measures: Annotated[
        Path | None,
        typer.Option("--measures", help="Optional CSV name,cost_per_t,potential_t for the MACC path."),
    ] = None,
    gap: Annotated[
        float | None, typer.Option("--gap", help="Abatement to close, t CO2/yr (with --measures).")
    ] = None,
    method: Annotated[str, typer.Option("--method", help="greedy or lp (with --measures).")] = "greedy",
) -> None:
    """Annual assessment report of the 14th FYP intensity targets (年度评估报告)."""
    from dualcarbon.errors import DualCarbonError
    from dualcarbon.planning.macc import parse_measures_csv
    from dualcarbon.planning.report import assessment, render_markdown, to_json_text

    if fmt not in ("markdown", "json", "csv"):
        fail(f"--format: must be markdown, json or csv, got {fmt!r}", 2)
    ms = None
    if measures is not None:
        try:
            text = measures.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{measures}: cannot read: {exc}", 2)
    try:
        if measures is not None:
            ms = parse_measures_csv(text, source=str(measures))
        a = assessment(year, measures=ms, gap_t=gap, method=method)
    except DualCarbonError as exc:
        fail(str(exc), 2)
    body = {"markdown": render_markdown, "json": to_json_text, "csv": lambda x: x.to_csv()}[fmt](a)
    if not body.endswith("\n"):
        body += "\n"
    if output is None:
        typer.echo(body, nl=False)
        return
    try:
        output.write_text(body, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc}", 2)
    console.print(f"wrote {output} ({fmt}, year {year})", highlight=False)
