from __future__ import annotations

from typing import Annotated

import typer

from codvid.config import load_settings


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind [CODVID_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [CODVID_PORT]")] = None,
) -> None:
    """Serve the API on the embedded default (SQLite, in-process jobs)."""
    from codvid.server import serve

    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value}
    settings = load_settings(**overrides)
    typer.echo(
        f"codvid: serving http://{settings.http.host}:{settings.http.port}/codvid-ai "
        f"(docs: http://{settings.http.host}:{settings.http.port}/codvid-ai/docs)"
    )
    serve(settings)
