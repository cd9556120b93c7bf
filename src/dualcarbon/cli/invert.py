"""``dualcarbon invert CONFIG``: run a configured Bayesian inversion and write its results.

Writes the posterior per state element (CSV and/or NetCDF) and a summary JSON (posterior
totals, DOFS, cost terms, flagged facilities); the CONFIG format is documented in
:mod:`dualcarbon.inversion.config` and ``docs/inversion.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dualcarbon.cli._common import console, fail

__all__ = ["register"]

_STAGES = {
    "read": "reading inputs",
    "jacobian": "Jacobian and Gram matrix",
    "solve": "solving",
    "write": "writing",
}


def invert_command(
    config: Annotated[Path, typer.Argument(help="TOML or JSON inversion configuration.")],
    backend: Annotated[
        str | None, typer.Option(help="Override the config's inversion.backend: numpy, cupy, torch or jax.")
    ] = None,
    form: Annotated[
        str | None, typer.Option(help="Override the config's inversion.form: auto, state or observation.")
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", help="Override the config's output.directory.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Invert observations for emissions; write posterior NetCDF/CSV and a summary JSON."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dualcarbon.errors import DualCarbonError
    from dualcarbon.inversion.config import load_config
    from dualcarbon.inversion.workflow import run_inversion, write_outputs

    overrides: dict[str, dict[str, Any]] = {}
    if backend:
        overrides.setdefault("inversion", {})["backend"] = backend
    if form:
        overrides.setdefault("inversion", {})["form"] = form
    if output_dir is not None:
        overrides.setdefault("output", {})["directory"] = str(output_dir.resolve())
    try:
        cfg = load_config(config, overrides=overrides)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
            transient=False,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=max(total, 1))
                bar.update(tasks[stage], completed=done, total=max(total, 1))

            run = run_inversion(cfg, progress=progress)
            outputs = write_outputs(run, progress=progress)
    except DualCarbonError as exc:
        fail(str(exc))
    res, chk = run.result, run.check
    if not quiet:
        console.print(
            f"[bold]{res.form}-space inversion[/] on {res.backend}: n={res.n_state}, m={res.n_obs}, "
            f"DOFS={res.dofs:.2f}, J_A/n={res.prior_cost_per_element:.2f}, J_O/m={res.obs_cost_per_obs:.2f}"
        )
        for i in chk.flagged_indices:
            console.print(
                f"  flagged {run.sources.id[i]}: reported {chk.reported[i]:.4g}, "
                f"posterior {chk.posterior[i]:.4g} ± {chk.posterior_sd[i]:.2g} {run.sources.unit} (z={chk.z[i]:+.1f})"
            )
        for name, path in outputs.items():
            console.print(f"  {name}: {path}")


def register(app: typer.Typer) -> None:
    """Add ``invert`` to the ``dualcarbon`` command line."""
    app.command("invert")(invert_command)
