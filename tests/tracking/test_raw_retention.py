"""Raw payloads expire after CODVID_RAW_PAYLOAD_RETENTION_DAYS; snapshots stay."""

from __future__ import annotations

import time

import pytest

from codvid.config import load_settings
from codvid.storage import Store
from codvid.tracking import history, runs, tasks
from codvid.tracking.documents import RAW_PAYLOADS
from tests.doubles import Enqueued
from tests.factories import DAY, USER, Executor, history_counts, profile_task

pytestmark = pytest.mark.anyio


async def test_payloads_older_than_the_retention_go_and_snapshots_stay(
    store: Store, execute: Executor
) -> None:
    old_task, new_task = await profile_task(store, "old.one"), await profile_task(store, "new.one")
    for task in (old_task, new_task):
        run = await runs.claim(store, "profile", task["_id"], USER, "force")
        await execute(run["_id"])
    payloads = store.collection(RAW_PAYLOADS)
    await payloads.update_many(
        {"task_id": old_task["_id"]}, {"$set": {"fetched_at": time.time() - 31 * DAY}}
    )

    assert await history.expire_payloads(store, 30) == 1

    assert await history_counts(store, old_task["_id"]) == (1, 0)
    assert await history_counts(store, new_task["_id"]) == (1, 1)
    assert await history.expire_payloads(store, 30) == 0


async def test_the_expiry_runs_with_the_periodic_work_even_without_the_scheduler(
    store: Store,
) -> None:
    for enabled in (True, False):
        settings = load_settings(scheduler_enabled=enabled, raw_payload_retention_days=7)
        names = [
            name for name, _, _ in tasks.loops(store, Enqueued(), settings.jobs, settings.scraping)
        ]
        assert "raw payload expiry" in names
