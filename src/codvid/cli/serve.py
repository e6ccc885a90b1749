from __future__ import annotations

from typing import Annotated

import typer

from codvid.config import load_settings, unknown_variables


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind [CODVID_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [CODVID_PORT]")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="API processes on the one port (more than 1 needs CODVID_BROKER_URL)",
        ),
    ] = 1,
) -> None:
    """Serve the API. On the embedded default (SQLite, memory://) this process also runs
    the scrapes and the schedule; beside a broker (CODVID_BROKER_URL) it serves the API
    only, and `codvid worker` and `codvid scheduler` do the rest."""
    from codvid.server import serve

    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value}
    settings = load_settings(**overrides)
    for warning in unknown_variables():
        typer.echo(f"codvid: warning: {warning}", err=True)
    serve(settings, workers)
