"""What only the MongoDB adapter does: its URL, its start-up failure, its error words."""

from __future__ import annotations

import time
import uuid

import pytest

from codvid.config import load_settings
from codvid.storage import DuplicateKeyError, IndexSpec, StorageError, open_store
from codvid.storage.mongodb import MongoStore

pytestmark = pytest.mark.anyio


async def test_the_database_comes_from_the_url_path(mongodb_url: str) -> None:
    named, default = MongoStore(f"{mongodb_url}/codvid_named"), MongoStore(mongodb_url)
    try:
        assert (named.database_name, default.database_name) == ("codvid_named", "codvid")
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
