"""``dualcarbon account``: emissions from a file of activity lines (CSV, XLSX or JSON).

    dualcarbon account FILE [--gwp SAR|AR4|AR5|AR6] [--factor-set NAME] [--monte-carlo N --seed S]
                            [--json] [--lines PATH] [--vintage exact|latest] [--record PATH]

Exit status: 0 on success; 2 when any line cannot be computed (every bad row is listed on stderr
with file, row, column and reason, and nothing is printed on stdout); 1 for other errors.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dualcarbon.cli._common import console, fail

__all__ = ["register"]

#: entities listed in the readable table (largest first when there are more)
TABLE_ROWS = 500


class GwpChoice(StrEnum):
    SAR = "SAR"
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class VintageChoice(StrEnum):
    exact = "exact"
    latest = "latest"


def account_command(
    file: Annotated[
        Path, typer.Argument(help="Activity lines: .csv, .xlsx or .json (see docs/accounting.md).")
    ],
    gwp: Annotated[
        GwpChoice, typer.Option("--gwp", case_sensitive=False, help="GWP100 set for CO2e.")
    ] = GwpChoice.AR5,
    factor_set: Annotated[
        str | None,
        typer.Option(
            "--factor-set",
            help="Electricity factors for rows without one: mee-nbs, mee-nbs-excl-market, "
            "mee-nbs-fossil or cn-ets. Default: each methodology's own choice.",
        ),
    ] = None,
    monte_carlo: Annotated[
        int, typer.Option("--monte-carlo", min=0, help="IPCC Approach 2 iterations (needs --seed).")
    ] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed for --monte-carlo.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON result instead of a table.")
    ] = False,
    lines: Annotated[
        Path | None, typer.Option("--lines", help="Write per-line results to PATH (.csv, .parquet or .json).")
    ] = None,
    vintage: Annotated[
        VintageChoice,
        typer.Option(
            "--vintage",
            help="exact: electricity factors must exist for the period's year; "
            "latest: use the latest earlier data year (flagged).",
        ),
    ] = VintageChoice.exact,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record", help="Write the calculation record (inputs, factor versions, trace) as JSON."
        ),
    ] = None,
) -> None:
    """Account emissions for the activity lines in FILE."""
    from dualcarbon.accounting import ActivityDataError, account, read_lines, write_lines
    from dualcarbon.errors import DualCarbonError

    if monte_carlo and seed is None:
        fail("--monte-carlo needs --seed so that the result is reproducible", code=2)
    if seed is not None and not monte_carlo:
        fail("--seed is only used with --monte-carlo N", code=2)
    if lines is not None and lines.suffix.lower() not in (".csv", ".parquet", ".json"):
        fail(f"--lines: unsupported extension {lines.suffix!r}; use .csv, .parquet or .json", code=2)
    try:
        frame, _label = read_lines(file)
        result = account(
            frame,
            gwp=gwp.value,
            factor_set=factor_set,
            vintage=vintage.value,
            monte_carlo=monte_carlo,
            seed=seed,
            source=str(file),
            keep_lines=lines is not None,
        )
    except ActivityDataError as exc:
        for err in exc.errors:
            typer.echo(f"error: {err}", err=True)
        typer.echo(f"{len(exc.errors)} line error(s) in {file}; nothing was computed.", err=True)
        raise typer.Exit(2) from None
    except DualCarbonError as exc:
        fail(str(exc), code=2)
    if lines is not None and result.lines is not None:
        write_lines(result.lines, lines)
    if record is not None:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(result.record.to_json(), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(result, file)


def _print_table(result: object, file: Path) -> None:
    from rich.table import Table

    from dualcarbon.accounting.report import round_for_report as r

    res = result  # AccountingResult
    table = Table(title=f"{file.name}: tCO2e, GWP100 {res.gwp}, rounded half-up to 2 decimals")  # type: ignore[attr-defined]
    for col in ("entity", "scope 1", "scope 2", "total", "non-CO2", "U 95 %"):
        table.add_column(col, justify="left" if col == "entity" else "right", overflow="fold")
    entities = res.entities  # type: ignore[attr-defined]
    shown = list(entities.items())
    if len(shown) > TABLE_ROWS:  # a readable table: the largest emitters; --json and --lines have all
        shown = sorted(shown, key=lambda kv: -kv[1]["total_tco2e"])[:TABLE_ROWS]
    for name, e in shown:
        non_co2 = sum(v for g, v in e["by_gas"].items() if g != "CO2")
        u = e["uncertainty_pct"]
        utxt = "" if u is None else f"±{r(u, 1)}" + ("" if e["uncertainty_complete"] else "*")
        table.add_row(
            name,
            r(e["by_scope"].get("scope1", 0.0)),
            r(e["by_scope"].get("scope2", 0.0)),
            r(e["total_tco2e"]),
            r(non_co2),
            utxt,
        )
    console.print(table)
    if len(shown) < len(entities):
        console.print(
            f"showing the {len(shown)} largest of {len(entities)} entities; use --json or --lines for all",
            highlight=False,
        )
    console.print(
        f"[bold]Total[/]: {r(res.total_tco2e)} tCO2e over {len(res.entities)} entities", highlight=False
    )  # type: ignore[attr-defined]
    if res.monte_carlo:  # type: ignore[attr-defined]
        mc = res.monte_carlo["total"]  # type: ignore[attr-defined]
        console.print(
            f"Monte Carlo ({res.monte_carlo['iterations']} iterations, seed {res.monte_carlo['seed']}): "  # type: ignore[attr-defined]
            f"mean {r(mc['mean'])}, 95 % interval [{r(mc['p2_5'])}, {r(mc['p97_5'])}]",
            highlight=False,
        )
    console.print(
        "* partial: some inputs have no stated uncertainty (see docs/accounting.md).", highlight=False
    )
    console.print(
        "Scope 1 = combustion + process + direct gases − recovered CO2; scope 2 = purchased − exported "
        "electricity and heat (GB/T 32150-2015 net).",
        highlight=False,
    )
    for note in res.notes:  # type: ignore[attr-defined]
        console.print(f"note: {note}", highlight=False)


def factors_command(
    query: Annotated[
        list[str] | None,
        typer.Argument(help="Words that must all appear (id, item, gas, value, document number, ...)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
    versions: Annotated[
        bool, typer.Option("--versions", help="List every version, not only the newest.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many records.")] = 50,
) -> None:
    """Browse and search the emission-factor reference database (shipped tables)."""
    from rich.table import Table

    from dualcarbon.accounting import default_database

    db = default_database()
    text = " ".join(query or [])
    hits = db.search(text, limit=limit) if text else list(db.latest())[:limit]
    if versions:
        hits = [v for h in hits for v in db.versions(h.id)]
    if as_json:
        sys.stdout.write(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(hits)} factor record(s)")
    for col in ("ref", "value", "unit", "gas", "data year", "status", "document"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(
            h.ref,
            h.value,
            h.unit,
            h.gas,
            str(h.data_year or ""),
            h.status,
            h.provenance.document_no or h.provenance.source,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``account`` and ``factors`` commands to the ``dualcarbon`` CLI."""
    app.command("account")(account_command)
    app.command("factors")(factors_command)
