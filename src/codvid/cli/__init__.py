"""The ``codvid`` command: one module per command group."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from codvid import __version__
from codvid.cli.migrate import migrate_command
from codvid.cli.roles import scheduler_command, worker_command
from codvid.cli.serve import serve_command
from codvid.errors import ConfigurationError

app = typer.Typer(help="Codvid backend.", no_args_is_help=True, add_completion=False)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("scheduler")(scheduler_command)
app.command("migrate")(migrate_command)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"codvid {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    _: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Codvid backend: track Instagram profiles and reels, analyse them, chat with an AI."""


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        sys.stderr.write(f"codvid: {exc}\n")
        raise SystemExit(2) from None
