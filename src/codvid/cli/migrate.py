from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Annotated, Any

import typer

from codvid.config import load_settings
from codvid.errors import ConfigurationError


def migrate_command(
    source: Annotated[str, typer.Option("--from", help="Source: sqlite:///path or mongodb://...")],
    target: Annotated[str, typer.Option("--to", help="Target: mongodb://... or sqlite:///path")],
    into_non_empty: Annotated[
        bool, typer.Option(help="Copy into a target that already holds documents.")
    ] = False,
) -> None:
    """Copy every collection from one database to another, then verify counts and
    checksums. Safe to re-run; stop the service on the source first."""
    from codvid.bootstrap import INDEXES
    from codvid.storage import StorageError, open_store
    from codvid.storage.migrate import MigrationMismatch, TargetNotEmpty, migrate

    if source == target:
        raise ConfigurationError("--from and --to are the same database")
    stores = [load_settings(database_url=url).storage for url in (source, target)]
    bars: dict[str, Any] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = typer.progressbar(length=max(total, 1), label=f"{name:<20}")
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    async def run() -> list[Any]:
        async with AsyncExitStack() as stack:
            opened = [open_store(settings) for settings in stores]
            for store in opened:
                stack.push_async_callback(store.close)
            source_store, target_store = opened
            return await migrate(
                source_store,
                target_store,
                INDEXES,
                into_non_empty=into_non_empty,
                progress=progress,
            )

    try:
        copied = asyncio.run(run())
    except (TargetNotEmpty, MigrationMismatch, StorageError) as exc:
        raise ConfigurationError(f"migrate: {exc}") from None
    for done in copied:
        typer.echo(
            f"{done.collection:<20} {done.documents:>8} documents, "
            f"{done.written} written, sha256 {done.checksum[:16]}"
        )
    typer.echo(f"verified: {len(copied)} collections, the same counts and checksums")
