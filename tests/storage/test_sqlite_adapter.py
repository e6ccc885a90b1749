"""SQLite specifics: WAL, indexes used by the planner, migrations, cross-process claims."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from codvid.storage import IndexSpec, StorageError
from codvid.storage.sqlite import SQLiteStore
from codvid.storage.sqlite.migrations import SCHEMA_VERSION


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    assert store.database.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.database.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    asyncio.run(store.close())
    # Opening again is a no-op for migrations.
    again = SQLiteStore(tmp_path / "db.sqlite3")
    assert again.schema_version == SCHEMA_VERSION
    asyncio.run(again.close())


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError, match="newer than this codvid"):
        SQLiteStore(path)


def test_lookups_use_the_indexes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    spec = IndexSpec("owner_created", (("user_id", 1), ("created_at", 1)))
    asyncio.run(store.ensure_indexes({"projects": [spec]}))
    from codvid.storage.sqlite.query import order_sql, where_sql

    where, params = where_sql({"user_id": "u"})
    plan = store.database.connection.execute(
        f"EXPLAIN QUERY PLAN SELECT doc FROM c_projects WHERE {where}"
        f"{order_sql([('created_at', 1)])}",
        params,
    ).fetchall()
    assert any("ix_projects_owner_created" in str(row) for row in plan), plan
    asyncio.run(store.close())


def _claim(path: str, worker: int, start: object) -> str | None:
    store = SQLiteStore(Path(path))
    start.wait()  # type: ignore[attr-defined]
    won = asyncio.run(
        store.collection("runs").find_one_and_update(
            {"_id": "task", "owner": None}, {"$set": {"owner": worker}}
        )
    )
    return None if won is None else str(worker)


def test_claims_are_atomic_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = SQLiteStore(path)
    asyncio.run(store.collection("runs").insert_one({"_id": "task", "owner": None}))
    context = multiprocessing.get_context("spawn")
    workers = 8
    with context.Manager() as manager:
        start = manager.Barrier(workers)
        with context.Pool(workers) as pool:
            results = pool.starmap(_claim, [(str(path), n, start) for n in range(workers)])
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    stored = asyncio.run(store.collection("runs").find_one({"_id": "task"}))
    assert stored is not None and str(stored["owner"]) == winners[0]
