"""What each scrape leaves behind besides the latest data: a snapshot of the numbers
(growth over time) and the provider's raw payload (auditing, re-parsing), capped in size.
A failed run keeps what the provider sent too, so the failure can be understood later."""

from __future__ import annotations

import json
from typing import Any, cast

from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Store
from codvid.tracking.documents import (
    RAW_PAYLOADS,
    SNAPSHOTS,
    RawPayloadDocument,
    RunDocument,
    SnapshotDocument,
    SnapshotNumbers,
)


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
    cutoff = now() - retention_days * 86_400
    return await store.collection(RAW_PAYLOADS).delete_many({"fetched_at": {"$lt": cutoff}})


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


async def delete_for_task(store: Store, task_id: str) -> None:
    await store.collection(SNAPSHOTS).delete_many({"task_id": task_id})
    await store.collection(RAW_PAYLOADS).delete_many({"task_id": task_id})
