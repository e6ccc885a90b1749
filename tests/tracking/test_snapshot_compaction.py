"""Snapshots older than CODVID_SNAPSHOT_COMPACT_AFTER_DAYS are compacted to one a day per
task, the day's last; newer ones, and other tasks' days, are left as they were."""

from __future__ import annotations

import time
from typing import Any

import pytest

from codvid.config import load_settings
from codvid.kit.ids import new_id
from codvid.storage import Store
from codvid.tracking import history, tasks
from codvid.tracking.documents import SNAPSHOTS
from tests.doubles import Enqueued
from tests.factories import DAY, USER, profile_task

pytestmark = pytest.mark.anyio


def day_start(days_ago: int) -> float:
    return (time.time() // DAY - days_ago) * DAY


async def snapshot(store: Store, task_id: str, at: float, followers: int) -> str:
    document: dict[str, Any] = {
        "_id": new_id(),
        "task_id": task_id,
        "user_id": USER,
        "kind": "profile",
        "run_id": new_id(),
        "taken_at": at,
        "followers": followers,
    }
    await store.collection(SNAPSHOTS).insert_one(document)
    return str(document["_id"])


async def kept(store: Store, task_id: str) -> list[int]:
    found = await store.collection(SNAPSHOTS).find({"task_id": task_id}, sort=[("taken_at", 1)])
    return [snap["followers"] for snap in found]


async def test_old_days_keep_their_last_snapshot_and_recent_ones_keep_all(store: Store) -> None:
    task = (await profile_task(store, "busy.creator"))["_id"]
    other = (await profile_task(store, "quiet.creator"))["_id"]
    old = day_start(100)
    for hour, followers in ((1, 10), (9, 11), (23, 12)):  # three force scrapes that day
        await snapshot(store, task, old + hour * 3600, followers)
    await snapshot(store, task, old + DAY + 3600, 20)  # one the day after
    await snapshot(store, other, old + 5 * 3600, 30)
    recent = day_start(3)
    for hour, followers in ((2, 40), (4, 41)):
        await snapshot(store, task, recent + hour * 3600, followers)

    assert await history.compact_snapshots(store, 90, page=1) == 2

    assert await kept(store, task) == [12, 20, 40, 41]
    assert await kept(store, other) == [30]
    # Nothing aged since: the next pass reads nothing and deletes nothing.
    assert await history.compact_snapshots(store, 90) == 0


async def test_a_later_pass_compacts_only_what_aged_since(store: Store) -> None:
    task = (await profile_task(store, "steady.creator"))["_id"]
    await history.compact_snapshots(store, 90)  # its watermark: 90 days ago
    day = day_start(50)
    for hour, followers in ((1, 1), (2, 2)):
        await snapshot(store, task, day + hour * 3600, followers)

    assert await history.compact_snapshots(store, 90) == 0  # not yet old
    assert await history.compact_snapshots(store, 30) == 1
    assert await kept(store, task) == [2]


async def test_zero_keeps_every_snapshot(store: Store) -> None:
    task = (await profile_task(store, "keeper"))["_id"]
    for hour in (1, 2, 3):
        await snapshot(store, task, day_start(400) + hour * 3600, hour)
    assert await history.compact_snapshots(store, 0) == 0
    assert await kept(store, task) == [1, 2, 3]


async def test_deleting_the_task_deletes_its_watermark(store: Store) -> None:
    task = (await profile_task(store, "gone.creator"))["_id"]
    await snapshot(store, task, day_start(200), 1)
    await history.compact_snapshots(store, 90)
    await history.delete_for_task(store, task)
    assert await store.collection("snapshot_compaction").find({"_id": task}) == []


async def test_the_compaction_runs_with_the_periodic_work(store: Store) -> None:
    for enabled in (True, False):
        settings = load_settings(scheduler_enabled=enabled, snapshot_compact_after_days=30)
        loops = tasks.loops(store, Enqueued(), settings.jobs, settings.scraping)
        assert "snapshot compaction" in [name for name, _, _ in loops]
