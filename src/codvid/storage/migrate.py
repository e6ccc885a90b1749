"""Copy every collection from one store to another (SQLite to MongoDB, or back), in
batches, then verify: the same count and the same checksum per collection.

Safe to re-run: a document already in the target unchanged is left alone, a changed one
is replaced. A target that already holds documents is refused unless ``into_non_empty``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

from codvid.storage.base import Collection, Document, DuplicateKeyError, IndexSpec, Store

BATCH = 500

Progress = Callable[[str, int, int], None]
"""``(collection, copied so far, total)``, after each batch."""


class TargetNotEmpty(Exception):
    """The target holds documents, and overwriting was not asked for."""


class MigrationMismatch(Exception):
    """After the copy, a collection's count or checksum differs between the stores."""


@dataclass(frozen=True)
class Copied:
    collection: str
    documents: int
    written: int
    """Inserted or replaced (the rest were already there, unchanged)."""
    checksum: str


async def migrate(
    source: Store,
    target: Store,
    indexes: Mapping[str, Sequence[IndexSpec]],
    *,
    into_non_empty: bool = False,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> list[Copied]:
    """Copy the collections named in ``indexes`` (every collection the service has)."""
    if batch < 1:
        raise ValueError("batch must be positive")
    names = sorted(indexes)
    if not into_non_empty:
        filled = [name for name in names if await target.collection(name).count_documents({})]
        if filled:
            raise TargetNotEmpty(
                f"the target already holds documents in {', '.join(filled)} "
                "(--into-non-empty to copy over them)"
            )
    await target.ensure_indexes(indexes)
    copied = []
    for name in names:
        copied.append(
            await _copy(source.collection(name), target.collection(name), progress, batch)
        )
    return copied


async def _copy(
    source: Collection, target: Collection, progress: Progress | None, batch: int
) -> Copied:
    total = await source.count_documents({})
    done = written = 0
    async for documents in _batches(source, batch):
        for document in documents:
            written += await _put(target, document)
        done += len(documents)
        if progress is not None:
            progress(source.name, done, total)
    expected, found = await checksum(source, batch), await checksum(target, batch)
    if expected != found:
        raise MigrationMismatch(
            f"{source.name}: {expected[0]} documents ({expected[1][:12]}) in the source, "
            f"{found[0]} ({found[1][:12]}) in the target"
        )
    return Copied(source.name, expected[0], written, expected[1])


async def _put(target: Collection, document: Document) -> int:
    try:
        await target.insert_one(document)
        return 1
    except DuplicateKeyError:
        existing = await target.find_one({"_id": document["_id"]})
        if existing == document:
            return 0
        await target.delete_one({"_id": document["_id"]})
        await target.insert_one(document)
        return 1


async def _batches(collection: Collection, size: int) -> AsyncIterator[list[Document]]:
    """Every document in ``_id`` order, ``size`` at a time, paged by ``_id`` (no skip)."""
    last: str | None = None
    while True:
        filter = {} if last is None else {"_id": {"$gt": last}}
        found = await collection.find(filter, sort=[("_id", 1)], limit=size)
        if not found:
            return
        yield found
        last = found[-1]["_id"]


async def checksum(collection: Collection, batch: int = BATCH) -> tuple[int, str]:
    """``(count, sha256)`` of the documents in ``_id`` order, as canonical JSON."""
    digest, count = hashlib.sha256(), 0
    async for documents in _batches(collection, batch):
        for document in documents:
            text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest.update(text.encode())
            digest.update(b"\n")
            count += 1
    return count, digest.hexdigest()
