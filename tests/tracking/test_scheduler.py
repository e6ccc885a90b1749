"""Scheduled scrapes: due, active, unclaimed tasks are claimed and sent exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from codvid.config import load_settings
from codvid.storage import Document, Store
from codvid.tracking import profiles, runs
from codvid.tracking import scheduled as scheduler
from codvid.tracking.documents import PROFILE_TASKS, TaskKind
from codvid.tracking.schemas import ProfileTaskUpdate
from tests.doubles import Enqueued
from tests.factories import (
    DAY,
    USER,
    profile_task,
    read_run,
    read_task,
    reel_task,
    runs_of,
)

pytestmark = pytest.mark.anyio

SCRAPING = load_settings().scraping


async def due_profile(store: Store, name: str, *, overdue: float) -> Document:
    return await profile_task(store, name, next_scrape_due=time.time() - overdue)


async def test_pick_due_takes_due_active_unclaimed_tasks_oldest_first(store: Store) -> None:
    newest = await due_profile(store, "newest", overdue=10)
    oldest = await due_profile(store, "oldest", overdue=3000)
    middle = await due_profile(store, "middle", overdue=200)
    await profile_task(store, "not_yet")  # due in two days
    paused = await due_profile(store, "paused", overdue=9000)
    await profiles.update(store, USER, paused["_id"], ProfileTaskUpdate(status="paused"))
    claimed = await due_profile(store, "claimed", overdue=8000)
    await runs.claim(store, "profile", claimed["_id"], USER, "force")

    picked = await scheduler.pick_due(store, "profile", 10)

    assert [task["_id"] for task in picked] == [oldest["_id"], middle["_id"], newest["_id"]]


async def test_pick_due_stops_at_the_limit(store: Store) -> None:
    tasks = [await due_profile(store, f"user{i}", overdue=100 * (i + 1)) for i in range(5)]

    picked = await scheduler.pick_due(store, "profile", 2)

    assert [task["_id"] for task in picked] == [tasks[4]["_id"], tasks[3]["_id"]]


async def test_pick_due_is_per_kind(store: Store) -> None:
    await due_profile(store, "profile_only", overdue=100)

    assert await scheduler.pick_due(store, "reel", 10) == []


async def test_schedule_due_claims_and_sends_each_due_task_once(store: Store) -> None:
    due = [await due_profile(store, f"due{i}", overdue=100 + i) for i in range(3)]
    reel = await reel_task(store, next_scrape_due=time.time() - 50)
    waiting = await profile_task(store, "waiting")
    enqueue = Enqueued()

    started = await scheduler.schedule_due(store, enqueue, 100, SCRAPING)

    assert started == 4 == len(enqueue.run_ids) == len(set(enqueue.run_ids))
    expected: list[tuple[Document, TaskKind]] = [*((t, "profile") for t in due), (reel, "reel")]
    for task, kind in expected:
        (run,) = await runs_of(store, task["_id"])
        assert run["_id"] in enqueue.run_ids
        assert (run["trigger"], run["status"], run["kind"]) == ("schedule", "queued", kind)
        assert (await read_task(store, kind, task["_id"]))["active_run_id"] == run["_id"]
    assert await runs_of(store, waiting["_id"]) == []
    assert await scheduler.schedule_due(store, enqueue, 100, SCRAPING) == 0
    assert len(enqueue.run_ids) == 4


async def test_schedule_due_respects_the_batch_limit_per_kind(store: Store) -> None:
    for i in range(3):
        await due_profile(store, f"batch{i}", overdue=100 + i)
    enqueue = Enqueued()

    assert await scheduler.schedule_due(store, enqueue, 2, SCRAPING) == 2
    assert await scheduler.schedule_due(store, enqueue, 2, SCRAPING) == 1
    assert len(set(enqueue.run_ids)) == 3


async def test_concurrent_schedulers_start_each_due_task_once(store: Store) -> None:
    due = [await due_profile(store, f"race{i}", overdue=100 + i) for i in range(6)]
    due.append(await reel_task(store, next_scrape_due=time.time() - 50))
    enqueue = Enqueued(yield_each=True)  # lets the two schedulers interleave

    counts = await asyncio.gather(
        scheduler.schedule_due(store, enqueue, 100, SCRAPING),
        scheduler.schedule_due(store, enqueue, 100, SCRAPING),
    )

    # Which scheduler wins each task depends on how the two interleave (on a store that
    # suspends, one may lose every race); what must hold is that each starts once.
    assert sum(counts) == len(due) == len(enqueue.run_ids) == len(set(enqueue.run_ids))
    sent_for = [(await read_run(store, run_id))["task_id"] for run_id in enqueue.run_ids]
    assert Counter(sent_for) == Counter(task["_id"] for task in due)
    for task in due:
        assert len(await runs_of(store, task["_id"])) == 1


async def test_schedule_due_skips_a_task_a_user_claimed_first(store: Store) -> None:
    task = await due_profile(store, "forced", overdue=100)
    forced = await runs.claim(store, "profile", task["_id"], USER, "force")
    enqueue = Enqueued()

    assert await scheduler.schedule_due(store, enqueue, 100, SCRAPING) == 0
    assert [run["_id"] for run in await runs_of(store, task["_id"])] == [forced["_id"]]


class ActsMeanwhile(Enqueued):
    """An enqueue during which something else happens to another picked task, as it can
    while a scheduler works through its batch (another process, a user request)."""

    def __init__(self, meanwhile: Callable[[], Awaitable[None]]) -> None:
        super().__init__()
        self.meanwhile = meanwhile

    async def __call__(self, run_id: str) -> None:
        await super().__call__(run_id)
        if len(self.run_ids) == 1:
            await self.meanwhile()


async def test_a_task_paused_while_the_batch_runs_is_not_started(store: Store) -> None:
    first = await due_profile(store, "first", overdue=200)
    second = await due_profile(store, "second", overdue=100)

    async def pause_second() -> None:
        await profiles.update(store, USER, second["_id"], ProfileTaskUpdate(status="paused"))

    await scheduler.schedule_due(store, ActsMeanwhile(pause_second), 100, SCRAPING)

    assert len(await runs_of(store, first["_id"])) == 1
    assert await runs_of(store, second["_id"]) == []


async def test_a_task_scraped_elsewhere_while_the_batch_runs_is_not_started_again(
    store: Store,
) -> None:
    first = await due_profile(store, "first", overdue=200)
    second = await due_profile(store, "second", overdue=100)

    async def scrape_second_elsewhere() -> None:
        other = await runs.claim(store, "profile", second["_id"], USER, "schedule")
        await store.collection(PROFILE_TASKS).update_one(
            {"_id": second["_id"]}, {"$set": {"next_scrape_due": time.time() + 2 * DAY}}
        )
        assert await runs.finish(store, other, "succeeded")

    await scheduler.schedule_due(store, ActsMeanwhile(scrape_second_elsewhere), 100, SCRAPING)

    assert len(await runs_of(store, first["_id"])) == 1
    assert len(await runs_of(store, second["_id"])) == 1
