"""``codvid worker`` and ``codvid scheduler``: the roles beside a broker between
processes (``CODVID_BROKER_URL``), each in processes of its own."""

from __future__ import annotations

import typer

from codvid.config import load_settings, unknown_variables
from codvid.jobs.roles import Role


def _run(role: Role) -> None:
    from codvid.processes import run_roles

    settings = load_settings()
    for warning in unknown_variables():
        typer.echo(f"codvid: warning: {warning}", err=True)
    run_roles(settings, {role})


def worker_command() -> None:
    """Run scrapes from the broker, CODVID_JOB_CONCURRENCY at once, until SIGTERM (the
    running ones get CODVID_SHUTDOWN_GRACE seconds to finish)."""
    _run(Role.WORKER)


def scheduler_command() -> None:
    """Start due scrapes and settle runs whose worker died; several may run at once."""
    _run(Role.SCHEDULER)
