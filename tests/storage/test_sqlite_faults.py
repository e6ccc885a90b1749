"""The SQLite adapter when the file is damaged or held: an unreadable document is moved
aside and skipped, a writer waiting for another's lock never blocks the event loop, and
lock and disk-full failures come back as their own errors."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from codvid.bootstrap import INDEXES
from codvid.storage import StorageError
from codvid.storage.base import StorageBusy, StorageFull
from codvid.storage.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio


def damage(path: Path, table: str, rows: dict[str, str]) -> None:
    """Write rows the way a damaged file or an edit by hand would: around the indexes
    (which would refuse invalid JSON) and past the adapter."""
    db = sqlite3.connect(path)
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    db.executemany(f"INSERT INTO {table} (id, doc) VALUES (?, ?)", rows.items())
    db.commit()
    db.close()


@contextmanager
def lock_held(path: Path, seconds: float) -> Iterator[threading.Event]:
    """Another connection holds the write lock for ``seconds``; the event is set once it
    holds it."""
    held = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        db.execute("ROLLBACK")
        db.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        held.wait(5)
        yield held
    finally:
        thread.join()


async def test_an_unreadable_document_is_moved_aside_and_the_rest_still_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "damaged.sqlite3"
    store = SQLiteStore(path)
    await store.ensure_indexes(INDEXES)
    await store.collection("runs").insert_one({"_id": "good", "status": "queued"})
    await store.close()
    damage(path, "c_runs", {"broken": '{"_id": "broken", "status": "queu', "empty": ""})

    store = SQLiteStore(path)
    with caplog.at_level(logging.ERROR, logger="codvid.storage.sqlite.database"):
        await store.ensure_indexes(INDEXES)  # the dropped indexes come back
        found = await store.collection("runs").find({"status": {"$in": ["queued"]}})
    assert [run["_id"] for run in found] == ["good"]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "document broken of runs is unreadable" in logged
    assert "document empty of runs is unreadable" in logged
    kept = store.database.connection.execute(
        "SELECT collection, id, doc FROM codvid_quarantine ORDER BY id"
    ).fetchall()
    assert kept == [("runs", "broken", '{"_id": "broken", "status": "queu'), ("runs", "empty", "")]
    assert await store.collection("runs").count_documents({}) == 1
    await store.close()


async def test_a_writer_waiting_for_the_lock_leaves_the_loop_free(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite3"
    store = SQLiteStore(path, busy_timeout=5)
    await store.ensure_indexes(INDEXES)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(ticker())
    with lock_held(path, 1.0):
        began = time.monotonic()
        await store.collection("runs").insert_one({"_id": "waited", "status": "queued"})
        waited = time.monotonic() - began
    beat.cancel()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]

    assert 0.5 < waited < 3, "the insert did not wait for the lock"
    assert max(gaps) < 0.05, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
    assert await store.collection("runs").count_documents({"_id": "waited"}) == 1
    await store.close()


async def test_a_lock_held_past_the_limit_is_storage_busy(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    store = SQLiteStore(path, busy_timeout=0.2)
    await store.ensure_indexes(INDEXES)
    with lock_held(path, 1.0), pytest.raises(StorageBusy, match="Storage busy, try again"):
        await store.collection("runs").insert_one({"_id": "refused"})
    assert await store.collection("runs").count_documents({}) == 0
    await store.close()


async def test_a_full_database_is_storage_full(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "full.sqlite3")
    await store.ensure_indexes(INDEXES)
    db = store.database.connection
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageFull, match="Storage is full"):
        await store.collection("runs").insert_one({"_id": "big", "blob": "x" * 200_000})
    await store.close()


@pytest.mark.parametrize("kind", ["garbage", "directory"])
def test_an_unusable_database_file_is_one_storage_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "codvid.sqlite3"
    if kind == "garbage":
        path.write_bytes(b"this is not a database, just bytes\n" * 200)
    else:
        path.mkdir()
    with pytest.raises(StorageError) as raised:
        SQLiteStore(path)
    message = str(raised.value)
    assert message.startswith(f"cannot use SQLite database {path}: ") and "\n" not in message
