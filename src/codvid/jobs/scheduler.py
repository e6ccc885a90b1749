"""Scheduled scrapes: claim every active task whose ``next_scrape_due`` has passed.

The same atomic claim as a force scrape, so two schedulers (or a scheduler and a user)
never start the same task twice. The ``(status, next_scrape_due)`` index keeps picking
cheap however many tasks are tracked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from codvid.jobs import runs
from codvid.kit.clock import now
from codvid.storage import Document, Store
from codvid.tracking.collections import TASK_COLLECTIONS, TaskKind
from codvid.tracking.errors import TaskNotFound

log = logging.getLogger(__name__)
Enqueue = Callable[[str], Awaitable[None]]


async def pick_due(store: Store, kind: TaskKind, limit: int) -> list[Document]:
    return await store.collection(TASK_COLLECTIONS[kind]).find(
        {"status": "active", "next_scrape_due": {"$lte": now()}, "active_run_id": None},
        sort=[("next_scrape_due", 1)],
        limit=limit,
    )


async def schedule_due(store: Store, enqueue: Enqueue, limit: int) -> int:
    """Start up to ``limit`` due tasks of each kind; return how many were started."""
    started = 0
    for kind in TASK_COLLECTIONS:
        for task in await pick_due(store, kind, limit):
            try:
                run = await runs.claim(store, kind, task["_id"], task["user_id"], "schedule")
            except (runs.AlreadyProcessing, TaskNotFound):
                continue  # another scheduler or a user got there first, or it was deleted
            await enqueue(run["_id"])
            started += 1
    if started:
        log.info("scheduled %d due scrapes", started)
    return started
