"""What each scrape leaves behind besides the latest data: a snapshot of the numbers
(growth over time) and the provider's raw payload (auditing, re-parsing), capped in size.
A failed run keeps what the provider sent too, so the failure can be understood later.

Raw payloads expire after ``CODVID_RAW_PAYLOAD_RETENTION_DAYS``. Snapshots are kept, but
those older than ``CODVID_SNAPSHOT_COMPACT_AFTER_DAYS`` are compacted to one a day per
task, the day's last (its closing numbers): the growth over months stays, the
intra-day points of force scrapes go. Each task remembers up to which day it was
compacted, so a pass reads only what became old since the last one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Store, update_or_insert
from codvid.tracking.documents import (
    COMPACTED,
    PROFILE_NUMBERS,
    RAW_PAYLOADS,
    REEL_NUMBERS,
    SNAPSHOTS,
    TASK_COLLECTIONS,
    RawPayloadDocument,
    RunDocument,
    SnapshotDocument,
    SnapshotNumbers,
)

DAY = 86_400
COMPACTION_PAGE = 200
"""Tasks read per query of a compaction pass (and watermarks per ``$in``)."""


async def record(
    store: Store, run: RunDocument, numbers: SnapshotNumbers, raw: dict[str, Any], at: float
) -> None:
    """Keep ``numbers`` (see ``results.profile_snapshot``) and the raw payload of ``run``."""
    snapshot: SnapshotDocument = {
        "_id": new_id(),
        "task_id": run["task_id"],
        "user_id": run["user_id"],
        "kind": run["kind"],
        "run_id": run["_id"],
        "taken_at": at,
        **numbers,
    }
    await store.collection(SNAPSHOTS).insert_one(dict(snapshot))
    await keep_payload(store, run, raw, at)


async def keep_payload(store: Store, run: RunDocument, raw: dict[str, Any], at: float) -> None:
    """Keep the raw payload of ``run`` (one per run: a later one replaces it)."""
    payload: RawPayloadDocument = {
        "_id": run["_id"],
        "task_id": run["task_id"],
        "user_id": run["user_id"],
        "kind": run["kind"],
        "fetched_at": at,
        "payload": raw,
    }
    await store.collection(RAW_PAYLOADS).delete_one({"_id": run["_id"]})
    await store.collection(RAW_PAYLOADS).insert_one(dict(payload))


async def expire_payloads(store: Store, retention_days: float) -> int:
    """Delete the raw payloads older than ``retention_days``; how many went. One periodic
    sweep on every adapter (epoch-second times cannot drive a MongoDB TTL index)."""
    cutoff = now() - retention_days * DAY
    return await store.collection(RAW_PAYLOADS).delete_many({"fetched_at": {"$lt": cutoff}})


async def compact_snapshots(store: Store, after_days: float, page: int = COMPACTION_PAGE) -> int:
    """Compact every task's snapshots older than ``after_days`` (rounded down to a UTC day)
    to the last of each day; how many were deleted. ``after_days`` 0: keep them all."""
    if after_days <= 0:
        return 0
    cutoff = (now() - after_days * DAY) // DAY * DAY
    removed = 0
    for collection in TASK_COLLECTIONS.values():
        tasks = store.collection(collection)
        after = ""
        while batch := await tasks.find(
            {"_id": {"$gt": after}}, sort=[("_id", 1)], limit=page, projection=[]
        ):
            after = batch[-1]["_id"]
            ids = [task["_id"] for task in batch]
            marks = await store.collection(COMPACTED).find({"_id": {"$in": ids}})
            since = {mark["_id"]: mark["until"] for mark in marks}
            for task_id in ids:
                done_until = since.get(task_id, 0)
                if done_until < cutoff:
                    removed += await _compact_task(store, task_id, done_until, cutoff)
    return removed


async def _compact_task(store: Store, task_id: str, since: float, cutoff: float) -> int:
    snapshots = store.collection(SNAPSHOTS)
    found = await snapshots.find(
        {"task_id": task_id, "taken_at": {"$gte": since, "$lt": cutoff}},
        sort=[("taken_at", 1)],
        projection=["taken_at"],
    )
    last_of_day: dict[float, str] = {}
    dropped: list[str] = []
    for snapshot in found:
        day = snapshot["taken_at"] // DAY
        if day in last_of_day:
            dropped.append(last_of_day[day])
        last_of_day[day] = snapshot["_id"]
    deleted = await snapshots.delete_many({"_id": {"$in": dropped}}) if dropped else 0
    mark = {"_id": task_id, "until": cutoff}
    await update_or_insert(store.collection(COMPACTED), mark, {"$set": {"until": cutoff}})
    return deleted


def capped_payload(payload: Any, max_bytes: int) -> dict[str, Any]:
    """``payload`` if its JSON fits in ``max_bytes``, else its size and its beginning as
    text (``truncated``), so a huge or hostile answer never fills the storage."""
    text = json.dumps(payload, default=str, ensure_ascii=False)
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        plain = json.loads(text)
        return plain if isinstance(plain, dict) else {"payload": plain}
    head = encoded[:max_bytes].decode(errors="ignore")
    return {"truncated": True, "size_bytes": len(encoded), "head": head}


async def snapshots(store: Store, task_id: str) -> list[SnapshotDocument]:
    found = await store.collection(SNAPSHOTS).find({"task_id": task_id}, sort=[("taken_at", 1)])
    return cast(list[SnapshotDocument], found)


NUMBERS = ("taken_at", *PROFILE_NUMBERS, *REEL_NUMBERS, "published_at", "unavailable")
"""A snapshot's own numbers, without its posts' (what a summary of the history needs)."""


WITH_POSTS = (*NUMBERS, "posts")
"""A snapshot's numbers and its posts' (each post's id, publication time and counts)."""


def _cleaned(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as read, without its ``_id`` and the fields it does not have (SQLite's
    projection reads a missing field as null, MongoDB's leaves it out)."""
    return {key: value for key, value in snapshot.items() if key != "_id" and value is not None}


async def latest_numbers(store: Store, task_id: str, count: int) -> list[dict[str, Any]]:
    """The numbers of the ``count`` latest snapshots of a task, oldest first: one bounded
    read through the (task_id, taken_at) index, however long the history."""
    return await between(store, task_id, limit=count)


async def between(
    store: Store,
    task_id: str,
    since: float | None = None,
    until: float | None = None,
    *,
    limit: int,
    fields: Sequence[str] = NUMBERS,
) -> list[dict[str, Any]]:
    """The ``fields`` of a task's snapshots taken in [``since``, ``until``], oldest first;
    the latest ``limit`` of them when there are more. One read through the (task_id,
    taken_at) index."""
    taken: dict[str, float] = {}
    if since is not None:
        taken["$gte"] = since
    if until is not None:
        taken["$lte"] = until
    query: dict[str, Any] = {"task_id": task_id, **({"taken_at": taken} if taken else {})}
    found = await store.collection(SNAPSHOTS).find(
        query, sort=[("taken_at", -1)], limit=limit, projection=fields
    )
    return [_cleaned(snapshot) for snapshot in reversed(found)]


async def at_or_before(
    store: Store,
    task_id: str,
    at: float,
    fields: Sequence[str] = NUMBERS,
    *,
    inclusive: bool = True,
) -> dict[str, Any] | None:
    """The ``fields`` of the task's last snapshot taken at ``at`` or before (before, when
    not ``inclusive``)."""
    found = await store.collection(SNAPSHOTS).find_one(
        {"task_id": task_id, "taken_at": {"$lte" if inclusive else "$lt": at}},
        sort=[("taken_at", -1)],
        projection=fields,
    )
    return None if found is None else _cleaned(found)


async def at_or_after(
    store: Store, task_id: str, at: float, fields: Sequence[str] = NUMBERS
) -> dict[str, Any] | None:
    """The ``fields`` of the task's first snapshot taken at ``at`` or after."""
    found = await store.collection(SNAPSHOTS).find_one(
        {"task_id": task_id, "taken_at": {"$gte": at}}, sort=[("taken_at", 1)], projection=fields
    )
    return None if found is None else _cleaned(found)


async def pages(
    store: Store,
    task_id: str,
    since: float | None = None,
    *,
    page: int = 500,
    fields: Sequence[str] = NUMBERS,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every snapshot of a task taken at ``since`` or after, oldest first, ``page`` at a
    time: a history of any length is read with one page in memory. Each page starts at
    the previous page's last time; what was already given at that very time is skipped,
    so snapshots taken at the same instant are neither lost nor repeated."""
    start = since
    given_at_start: set[str] = set()
    while True:
        taken = {} if start is None else {"taken_at": {"$gte": start}}
        found = await store.collection(SNAPSHOTS).find(
            {"task_id": task_id, **taken},
            sort=[("taken_at", 1)],
            limit=page + len(given_at_start),
            projection=fields,
        )
        fresh = [snapshot for snapshot in found if snapshot["_id"] not in given_at_start]
        if not fresh:
            return
        yield [_cleaned(snapshot) for snapshot in fresh]
        if len(found) < page + len(given_at_start):
            return
        last = fresh[-1]["taken_at"]
        if last != start:
            given_at_start = set()
        start = last
        given_at_start |= {s["_id"] for s in fresh if s["taken_at"] == last}


async def delete_for_task(store: Store, task_id: str) -> None:
    await store.collection(SNAPSHOTS).delete_many({"task_id": task_id})
    await store.collection(COMPACTED).delete_one({"_id": task_id})
    await store.collection(RAW_PAYLOADS).delete_many({"task_id": task_id})
