"""What only the MongoDB adapter does: its URL, its start-up failure, its error words."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from codvid.config import load_settings
from codvid.storage import DuplicateKeyError, IndexSpec, StorageError, open_store
from codvid.storage.mongodb import MongoStore

pytestmark = pytest.mark.anyio


async def test_the_database_comes_from_the_url_path(mongodb_url: str) -> None:
    named, default = MongoStore(f"{mongodb_url}/codvid_named"), MongoStore(mongodb_url)
    try:
        assert (named.database_name, default.database_name) == ("codvid_named", "codvid")
        # Connected before closing: a client closed while its first connection is still
        # being made can leave that socket behind.
        await named.ping()
        await default.ping()
    finally:
        await named.close()
        await default.close()


async def test_the_settings_choose_the_adapter_by_url(mongodb_url: str) -> None:
    settings = load_settings(database_url=f"{mongodb_url}/codvid_{uuid.uuid4().hex}")
    store = open_store(settings.storage)
    try:
        assert isinstance(store, MongoStore)
        await store.ping()
    finally:
        await store.close()


async def test_an_unreachable_server_is_one_storage_error_without_the_host() -> None:
    store = MongoStore("mongodb://127.0.0.1:1/codvid", timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(StorageError) as failure:
            await store.ping()
    finally:
        await store.close()
    assert str(failure.value) == "the database cannot be reached"
    assert "127.0.0.1" not in str(failure.value)
    assert time.monotonic() - started < 5


async def test_a_unique_clash_names_no_index_or_value(mongodb_url: str) -> None:
    store = MongoStore(f"{mongodb_url}/codvid_{uuid.uuid4().hex}")
    try:
        await store.ensure_indexes({"accounts": [IndexSpec("email", (("email", 1),), True)]})
        accounts = store.collection("accounts")
        await accounts.insert_one({"_id": "a", "email": "secret@example.com"})
        with pytest.raises(DuplicateKeyError) as failure:
            await accounts.insert_one({"_id": "b", "email": "secret@example.com"})
        assert "secret" not in str(failure.value)
    finally:
        await store.close()


async def test_an_inserted_document_is_not_changed_by_the_driver(mongodb_url: str) -> None:
    store = MongoStore(f"{mongodb_url}/codvid_{uuid.uuid4().hex}")
    try:
        document = {"_id": "x", "v": 1}
        await store.collection("things").insert_one(document)
        assert document == {"_id": "x", "v": 1}
    finally:
        await store.close()


async def test_keys_mongodb_refuses_are_stored_escaped_and_read_back(mongodb_url: str) -> None:
    """Free-text keys (note names) with a dot or a leading dollar: MongoDB 4.4 refuses to
    store them, so the server holds them escaped, and the service reads them unchanged."""
    from pymongo import AsyncMongoClient

    name = f"codvid_{uuid.uuid4().hex}"
    store = MongoStore(f"{mongodb_url}/{name}")
    notes = {"$price": "12", "v1.2 launch": "soon", "100%": {"a.b": ["$x", {"$y": 1}]}}
    try:
        things = store.collection("things")
        await things.insert_one({"_id": "p", "ai_memory": notes})
        await things.update_one({"_id": "q"}, {"$set": {"x": 1}})  # no match: harmless
        await things.insert_one({"_id": "q", "ai_memory": {}})
        await things.update_one({"_id": "q"}, {"$set": {"ai_memory": notes}})
        for doc_id in ("p", "q"):
            found = await things.find_one({"_id": doc_id})
            assert found is not None and found["ai_memory"] == notes
        raw: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
        try:
            stored = await raw[name]["things"].find_one({"_id": "p"})
        finally:
            await raw.close()
        assert stored is not None
        assert _all_keys(stored["ai_memory"]) == {
            "%24price",
            "v1%2E2 launch",
            "100%25",
            "a%2Eb",
            "%24y",
        }
    finally:
        await store.close()


def _all_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return {*value, *(key for item in value.values() for key in _all_keys(item))}
    if isinstance(value, list):
        return {key for item in value for key in _all_keys(item)}
    return set()


async def test_a_cancelled_operation_stays_a_cancellation(mongodb_url: str) -> None:
    """PyMongo reports an operation it abandoned because its task was cancelled as a
    connection error; the adapter hands the caller back its cancellation, not a
    StorageError that error handling would swallow (a stopping process would wait on)."""
    store = MongoStore(f"{mongodb_url}/cancel_{uuid.uuid4().hex[:8]}")
    collection = store.collection("things")
    started = asyncio.Event()

    class Abandoning:
        async def count_documents(self, *_: Any, **__: Any) -> Any:
            started.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                raise AutoReconnect("operation cancelled") from None

    collection._collection = Abandoning()  # type: ignore[assignment]
    try:
        waiting = asyncio.create_task(collection.count_documents({}))
        await asyncio.wait_for(started.wait(), 5)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        # Without a cancellation the same driver error is the usual StorageError.
        collection._collection = type(
            "Failing", (), {"count_documents": _fails_with(AutoReconnect("connection closed"))}
        )()
        with pytest.raises(StorageError):
            await collection.count_documents({})
    finally:
        await store.close()


def _fails_with(error: Exception) -> Any:
    async def count_documents(*_: Any, **__: Any) -> Any:
        raise error

    return staticmethod(count_documents)
