"""What each successful scrape leaves behind besides the latest data: a snapshot of the
numbers (growth over time) and the provider's raw payload (auditing, re-parsing)."""

from __future__ import annotations

from typing import Any

from codvid.kit.ids import new_id
from codvid.storage import Document, IndexSpec, Store

SNAPSHOTS = "snapshots"
RAW_PAYLOADS = "raw_payloads"
INDEXES = {
    SNAPSHOTS: [IndexSpec("task_taken", (("task_id", 1), ("taken_at", 1)))],
    RAW_PAYLOADS: [IndexSpec("task", (("task_id", 1),))],
}


async def record(
    store: Store, run: Document, snapshot: dict[str, Any], raw: dict[str, Any], at: float
) -> None:
    common = {"task_id": run["task_id"], "user_id": run["user_id"], "kind": run["kind"]}
    await store.collection(SNAPSHOTS).insert_one(
        {"_id": new_id(), **common, "run_id": run["_id"], "taken_at": at, **snapshot}
    )
    await store.collection(RAW_PAYLOADS).insert_one(
        {"_id": run["_id"], **common, "fetched_at": at, "payload": raw}
    )


async def snapshots(store: Store, task_id: str) -> list[Document]:
    return await store.collection(SNAPSHOTS).find({"task_id": task_id}, sort=[("taken_at", 1)])


async def delete_for_task(store: Store, task_id: str) -> None:
    await store.collection(SNAPSHOTS).delete_many({"task_id": task_id})
    await store.collection(RAW_PAYLOADS).delete_many({"task_id": task_id})
