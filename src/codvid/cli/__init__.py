"""The ``codvid`` command: one module per command group."""

from __future__ import annotations

import sys

import typer

from codvid.cli.serve import serve_command
from codvid.errors import ConfigurationError

app = typer.Typer(help="Codvid backend.", no_args_is_help=True, add_completion=False)
app.command("serve")(serve_command)


@app.callback()
def _root() -> None:
    """Codvid backend: track Instagram profiles and reels, analyse them, chat with an AI."""


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        sys.stderr.write(f"codvid: {exc}\n")
        raise SystemExit(2) from None
