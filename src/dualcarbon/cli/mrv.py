"""``dualcarbon mrv``: the executable verification rules, offline.

    dualcarbon mrv rules [--json]
    dualcarbon mrv check RECORD.json [--previous PREV.json] [--year YYYY] [--json]

``check`` evaluates the platform's rule set (the same digest as on the platform) on a calculation
record: completeness, grid-factor vintage, unverified defaults, and the year-on-year change when
``--previous`` is given; separation of duties and the inversion cross-check need the platform's data
and are not applicable offline. Exit
status: 0 when no finding is a non-conformity; 1 when one is; 2 when a file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from dualcarbon.cli._common import console, fail

__all__ = ["register"]

mrv_app = typer.Typer(
    name="mrv",
    help="MRV verification rules: list the rule set and its digest, check a calculation record offline.",
    no_args_is_help=True,
)

_MARK = {"pass": "✓", "fail": "✗", "not_applicable": "–"}


def register(app: typer.Typer) -> None:
    """Add the ``mrv`` command group to the ``dualcarbon`` CLI."""
    app.add_typer(mrv_app, name="mrv")


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{path}: cannot read a JSON calculation record: {exc}", 2)
    if not isinstance(data, dict) or data.get("format") != "dualcarbon.calculation-record/1":
        fail(f"{path}: not a calculation record of format dualcarbon.calculation-record/1", 2)
    return data


@mrv_app.command("rules")
def rules_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rule set as JSON.")] = False,
) -> None:
    """Print the rule set: ids, versions, sources, parameters, and its digest."""
    from dualcarbon.mrv import DEFAULT_RULESET

    described = DEFAULT_RULESET.describe()
    if as_json:
        typer.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    for r in described["rules"]:
        params = ", ".join(f"{k}={v!r}" for k, v in r["parameters"].items()) or "-"
        typer.echo(f"{r['id']} v{r['version']} [{r['severity']}] {r['title_en']} / {r['title_zh']}")
        typer.echo(f"    source: {r['source']}")
        typer.echo(f"    parameters: {params}")
    typer.echo(f"rule set {described['id']} digest {described['digest']}")


@mrv_app.command("check")
def check_command(
    record: Annotated[Path, typer.Argument(help="Calculation record JSON (dualcarbon account --record).")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="The unit's calculation record of the previous year.")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Reporting year (default: from the record's periods).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as canonical JSON.")] = False,
) -> None:
    """Evaluate the rules on RECORD (offline: record-only rules apply); exit 1 on a non-conformity."""
    from dualcarbon.mrv import DEFAULT_RULESET, RuleContext, evaluate

    data = _read_record(record)
    prev = None
    if previous is not None:
        p = _read_record(previous)
        prev_ctx = RuleContext(record=p)
        prev = {
            "year": prev_ctx.reporting_year(),
            "total_tco2e": (p.get("results") or {}).get("total_tco2e"),
            "file": str(previous),
        }
    report = evaluate(DEFAULT_RULESET, RuleContext(record=data, year=year, previous=prev))
    if as_json:
        typer.echo(report.canonical_json().decode("utf-8"))
    else:
        for f in report.findings:
            console.print(
                f"{_MARK[f.status]} {f.rule} v{f.version} [{f.severity}] {f.message}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        console.print(
            f"rule set {report.ruleset_id} digest {report.ruleset_digest}; report SHA-256 {report.sha256}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if report.has_nonconformity:
        raise typer.Exit(1)
