"""The ``dualcarbon`` command line.

Sub-commands are gathered in two ways, so the core never imports the web layer:

* every module in this package that defines ``register(app: typer.Typer)`` adds its own commands
  (``account``, ``ledger``, ``invert``, ...);
* every entry point in the group ``dualcarbon.cli`` does the same from another package: the web
  platform adds ``serve``, ``worker``, ``setup`` and ``manage`` that way.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="dualcarbon",
    help="双碳 dualcarbon: carbon accounting, MRV log, inversion, technology registry and planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("version")
def version() -> None:
    """Print the installed dualcarbon version."""
    from dualcarbon import __version__

    typer.echo(__version__)


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    for ep in entry_points(group="dualcarbon.cli"):
        ep.load()(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
