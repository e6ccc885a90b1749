from __future__ import annotations

from typing import Annotated

import typer

from codvid.config import load_settings, unknown_variables


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind [CODVID_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [CODVID_PORT]")] = None,
) -> None:
    """Serve the API on the embedded default (SQLite, in-process jobs)."""
    from codvid.server import serve

    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value}
    settings = load_settings(**overrides)
    for warning in unknown_variables():
        typer.echo(f"codvid: warning: {warning}", err=True)
    serve(settings)
