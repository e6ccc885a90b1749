from __future__ import annotations

from codvid.jobs import history, runs
from codvid.storage import Store


async def forget_task(store: Store, task_id: str) -> None:
    """Remove a deleted task's runs, events, snapshots and raw payloads. A run still in
    flight notices at its next step (its run record is gone) and writes nothing."""
    await runs.delete_for_task(store, task_id)
    await history.delete_for_task(store, task_id)
