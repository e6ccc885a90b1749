"""Tasks and snapshots written in bulk, exactly as the service writes them one by one.

Every document is the one ``codvid.tracking.profiles.create`` or
``codvid.tracking.history.record`` writes: they are called with a capturing store. Only
the inserts are batched (``insert_many`` through the MongoDB adapter's own key encoding;
one ``executemany`` transaction on SQLite), since creating thousands of tasks through the
API of the MongoDB-compatible test server is far too slow (it scans a collection for
every unique check), and tens of thousands of scrapes would take hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

from pymongo import MongoClient

from codvid.kit.ids import new_id
from codvid.storage import Store
from codvid.storage.mongodb import keys
from codvid.storage.sqlite import SQLiteStore
from codvid.storage.sqlite.store import _dumps, _table
from codvid.tracking import history, profiles
from codvid.tracking.documents import PROFILE_TASKS, SNAPSHOTS, RunDocument, SnapshotNumbers
from codvid.tracking.schemas import ProfileTaskCreate

BATCH = 5_000


class CapturingStore:
    """Stands in for the store in ``profiles.create`` and ``history.record``: keeps the
    documents they insert (all in order, and by collection). It starts empty, so a
    delete finds nothing."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []
        self.inserted: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)

    def collection(self, name: str) -> CapturedCollection:
        return CapturedCollection(self, name)


class CapturedCollection:
    def __init__(self, store: CapturingStore, name: str) -> None:
        self.store = store
        self.name = name

    async def insert_one(self, document: dict[str, Any]) -> None:
        self.store.documents.append(document)
        self.store.inserted[self.name].append(document)

    async def delete_one(self, _filter: dict[str, Any]) -> int:
        return 0


async def profile_tasks(
    users: list[str], count: int, prefix: str, competitors: int = 0
) -> list[dict[str, Any]]:
    """``count`` idle profile tasks, round robin over ``users``; the last ``competitors``
    of them flagged ``is_competitor``."""
    capture = CapturingStore()
    for index in range(count):
        data = ProfileTaskCreate(
            target_profile=f"{prefix}{index:07d}", is_competitor=index >= count - competitors
        )
        await profiles.create(cast(Store, capture), users[index % len(users)], data)
    return capture.documents


async def snapshots(
    task: dict[str, Any], scrapes: Iterable[tuple[float, SnapshotNumbers]]
) -> list[dict[str, Any]]:
    """The snapshot documents ``history.record`` writes for each ``(time, numbers)`` of a
    profile task's scrapes (``numbers`` as ``results.profile_snapshot`` makes them), each
    of its own run. The raw payloads it keeps beside them are left out: they expire after
    ``CODVID_RAW_PAYLOAD_RETENTION_DAYS`` and nothing reads them back."""
    capture = CapturingStore()
    for at, numbers in scrapes:
        run = {
            "_id": new_id(),
            "task_id": task["_id"],
            "user_id": task["user_id"],
            "kind": "profile",
        }
        await history.record(cast(Store, capture), cast(RunDocument, run), numbers, {}, at)
    return capture.inserted[SNAPSHOTS]


def insert_sqlite(path: Path, documents: Iterable[dict[str, Any]], name: str) -> int:
    """Into collection ``name`` of the SQLite database at ``path`` (its indexes made by a
    server that ran on it), each document as the adapter's ``insert_one`` stores it, in
    one transaction; how many."""
    store = SQLiteStore(path)
    try:
        store.collection(name)  # the table, if no server made it yet
        rows = ((document["_id"], _dumps(document)) for document in documents)
        with store.database.transaction() as db:
            inserted = db.executemany(f"INSERT INTO {_table(name)} (id, doc) VALUES (?, ?)", rows)
            return int(inserted.rowcount)
    finally:
        store.database.close()


def encoded(documents: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """``documents`` in batches of ``size``, each as the MongoDB adapter stores it."""
    for start in range(0, len(documents), size):
        yield [keys.encode(d) for d in documents[start : start + size]]


def insert_mongodb(url: str, documents: list[dict[str, Any]], name: str = PROFILE_TASKS) -> None:
    """Into collection ``name`` of the database of ``url``, in batches."""
    client: MongoClient[dict[str, Any]] = MongoClient(url)
    try:
        collection = client.get_default_database()[name]
        for batch in encoded(documents, BATCH):
            collection.insert_many(batch)
    finally:
        client.close()
