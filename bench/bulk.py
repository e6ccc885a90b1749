"""Tasks written in bulk, exactly as the service writes them one by one.

Every document is the one ``codvid.tracking.profiles.create`` writes: it is called with a
capturing store. Only the inserts are batched (``insert_many`` through the MongoDB
adapter's own key encoding), since creating thousands of tasks through the API of the
MongoDB-compatible test server is far too slow (it scans a collection for every unique
check).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from pymongo import MongoClient

from codvid.storage import Store
from codvid.storage.mongodb import keys
from codvid.tracking import profiles
from codvid.tracking.documents import PROFILE_TASKS
from codvid.tracking.schemas import ProfileTaskCreate

BATCH = 5_000


class CapturingStore:
    """Stands in for the store in ``profiles.create``: keeps the document it inserts."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def collection(self, _name: str) -> CapturingStore:
        return self

    async def insert_one(self, document: dict[str, Any]) -> None:
        self.documents.append(document)


async def profile_tasks(users: list[str], count: int, prefix: str) -> list[dict[str, Any]]:
    """``count`` idle profile tasks, round robin over ``users``."""
    capture = CapturingStore()
    for index in range(count):
        data = ProfileTaskCreate(target_profile=f"{prefix}{index:07d}")
        await profiles.create(cast(Store, capture), users[index % len(users)], data)
    return capture.documents


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
