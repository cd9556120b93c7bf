"""Platform commands added to the ``dualcarbon`` CLI through the ``dualcarbon.cli`` entry point:
``serve``, ``worker``, ``setup`` and ``manage``. Django is imported only when one of them runs."""

from __future__ import annotations

import os
import socket
import threading

import typer

__all__ = ("register",)


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcarbon_web.config.settings")
    import django

    django.setup()


def _start_embedded_worker() -> threading.Thread:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0.5,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"embedded-{socket.gethostname()}-{os.getpid()}",
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, name="dualcarbon-embedded-worker", daemon=True)
    thread.start()
    return thread


def register(app: typer.Typer) -> None:
    @app.command("setup")
    def setup(
        demo: bool = typer.Option(
            False, "--demo", help="Also load the demo province (users, enterprises, facilities)."
        ),
    ) -> None:
        """Apply migrations and load reference data (and, with --demo, the demo province)."""
        _django_setup()
        from dualcarbon_web.platform.setup import platform_setup, print_demo_logins

        created = platform_setup(demo=demo, echo=typer.echo)
        if demo:
            print_demo_logins(typer.echo, created)

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        demo: bool = typer.Option(
            False, "--demo", help="Load the demo province before starting (idempotent)."
        ),
        threads: int = typer.Option(8, "--threads", help="Request threads."),
        embedded_worker: bool = typer.Option(
            True,
            "--embedded-worker/--no-embedded-worker",
            help="Run background jobs in this process (no extra server).",
        ),
    ) -> None:
        """Start the web platform (migrations and reference data are applied first)."""
        _django_setup()
        from waitress import serve as waitress_serve

        from dualcarbon_web.config.wsgi import application
        from dualcarbon_web.platform.setup import platform_setup, print_demo_logins

        created = platform_setup(demo=demo, echo=typer.echo)
        if embedded_worker:
            _start_embedded_worker()
        from django.conf import settings

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        typer.echo("")
        typer.echo(f"dualcarbon is running at http://{shown}:{port}/   (data: {settings.DATA_HOME})")
        typer.echo(
            f"API: http://{shown}:{port}/api/v1/docs   ·   OpenAPI: http://{shown}:{port}/api/v1/openapi.json"
        )
        if demo:
            print_demo_logins(typer.echo, created)
        typer.echo("Press Ctrl+C to stop.")
        waitress_serve(application, host=host, port=port, threads=threads, ident="dualcarbon")

    @app.command("worker")
    def worker(
        interval: float = typer.Option(
            1.0, "--interval", help="Seconds between polls when the queue is empty."
        ),
        batch: bool = typer.Option(False, "--batch", help="Exit when the queue is empty."),
    ) -> None:
        """Run a job worker against the platform database (start as many as you like, on any machine)."""
        _django_setup()
        from django.core.management import call_command

        args = ["db_worker", "--interval", str(interval)]
        if batch:
            args.append("--batch")
        call_command(*args)

    @app.command("manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command (e.g. ``dualcarbon manage createsuperuser``)."""
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["dualcarbon manage", *ctx.args])
