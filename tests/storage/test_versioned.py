"""Whole-field rewrites under optimistic concurrency, on every adapter."""

from __future__ import annotations

import pytest

from codvid.storage import Store
from codvid.storage.versioned import VERSION, VersionedFields

pytestmark = pytest.mark.anyio


async def test_a_write_lands_only_on_the_version_it_read(store: Store) -> None:
    notes = store.collection("notes")
    await notes.insert_one({"_id": "n1", "memo": {"a.b": "1"}, "other": 1})
    fields = VersionedFields(notes, "n1", ("memo",))

    read = await fields.read()
    assert read == (None, {"memo": {"a.b": "1"}})
    version, _ = read
    assert await fields.write(version, {"memo": {"$x": "2"}})
    assert not await fields.write(version, {"memo": {"lost": "3"}}), "a stale version wrote"

    stored = await notes.find_one({"_id": "n1"})
    assert stored == {"_id": "n1", "memo": {"$x": "2"}, "other": 1, VERSION: 1}
    assert await fields.read() == (1, {"memo": {"$x": "2"}})


async def test_only_the_handed_out_fields_may_be_written(store: Store) -> None:
    notes = store.collection("notes")
    await notes.insert_one({"_id": "n1", "memo": {}, "owner": "u1"})
    fields = VersionedFields(notes, "n1", ("memo",))
    with pytest.raises(ValueError, match="owner"):
        await fields.write(None, {"owner": "intruder"})
    assert (await notes.find_one({"_id": "n1"}) or {})["owner"] == "u1"


async def test_a_gone_document_reads_as_none_and_takes_no_write(store: Store) -> None:
    fields = VersionedFields(store.collection("notes"), "missing", ("memo",))
    assert await fields.read() is None
    assert not await fields.write(None, {"memo": {}})
    assert await fields.write(None, {}), "nothing to change is a success"
