"""Nothing stays processing forever: the sweeper fails silent runs and re-sends lost
queued ones; recovery at start clears what a previous process left behind."""

from __future__ import annotations

import time

import pytest

from codvid.jobs import runs, sweeper
from codvid.storage import Document, Store
from tests.jobs.factories import (
    USER,
    Enqueued,
    event_types,
    events,
    profile_task,
    read_run,
    read_task,
    reel_task,
    set_run,
)

pytestmark = pytest.mark.anyio

STALE_AFTER = 15.0
RESTARTED = "Interrupted: the service restarted during the run; previous data kept"


async def processing_run(store: Store, name: str, *, silent_for: float) -> Document:
    task = await profile_task(store, name)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    assert await runs.start(store, run["_id"], "lost-worker")
    await set_run(store, run["_id"], heartbeat_at=time.time() - silent_for)
    return run


async def queued_run(store: Store, name: str, *, age: float) -> Document:
    task = await profile_task(store, name)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await set_run(store, run["_id"], created_at=time.time() - age, heartbeat_at=time.time() - age)
    return run


async def test_a_silent_processing_run_is_failed_and_its_task_released(store: Store) -> None:
    run = await processing_run(store, "silent", silent_for=60)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)

    failed = await read_run(store, run["_id"])
    assert failed["status"] == "failed"
    assert "heartbeat" in failed["error"] and "60 s" in failed["error"]
    assert failed["error"].endswith("previous data kept")
    (last,) = await events(store, run["_id"])
    assert (last["event_type"], last["message"]) == ("scrape_failed", failed["error"])
    task = await read_task(store, "profile", run["task_id"])
    assert task["active_run_id"] is None
    assert task["last_run"]["status"] == "failed"
    assert enqueue.run_ids == []


async def test_a_beating_processing_run_is_left_alone(store: Store) -> None:
    run = await processing_run(store, "alive", silent_for=1)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)

    assert (await read_run(store, run["_id"]))["status"] == "processing"
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]
    assert await event_types(store, run["_id"]) == []
    assert enqueue.run_ids == []


async def test_an_old_queued_run_is_sent_again_and_a_young_one_is_not(store: Store) -> None:
    old = await queued_run(store, "old", age=60)
    young = await queued_run(store, "young", age=1)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)

    assert enqueue.run_ids == [old["_id"]]
    for run in (old, young):
        assert (await read_run(store, run["_id"]))["status"] == "queued"
        assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]


async def test_finished_runs_are_not_swept(store: Store) -> None:
    run = await processing_run(store, "done", silent_for=60)
    assert await runs.finish(store, run, "succeeded")
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)

    assert (await read_run(store, run["_id"]))["status"] == "succeeded"
    assert enqueue.run_ids == []


async def test_a_re_sent_queued_run_waits_stale_after_before_the_next_resend(
    store: Store,
) -> None:
    run = await queued_run(store, "backlog", age=60)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)
    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=True)

    assert enqueue.run_ids == [run["_id"]]


async def test_recover_fails_processing_runs_with_the_restart_reason(store: Store) -> None:
    run = await processing_run(store, "interrupted", silent_for=0)
    enqueue = Enqueued()

    await sweeper.recover(store, enqueue)

    failed = await read_run(store, run["_id"])
    assert (failed["status"], failed["error"]) == ("failed", RESTARTED)
    assert await event_types(store, run["_id"]) == ["scrape_failed"]
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] is None
    assert enqueue.run_ids == []


async def test_recover_sends_queued_runs_again(store: Store) -> None:
    run = await queued_run(store, "waiting", age=0)
    enqueue = Enqueued()

    await sweeper.recover(store, enqueue)

    assert enqueue.run_ids == [run["_id"]]
    assert (await read_run(store, run["_id"]))["status"] == "queued"
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]


@pytest.mark.parametrize("left", ["finished", "deleted"])
async def test_recover_releases_claims_naming_runs_that_are_over(store: Store, left: str) -> None:
    profile = await profile_task(store, "stuck")
    reel = await reel_task(store)
    stuck = [
        await runs.claim(store, "profile", profile["_id"], USER, "force"),
        await runs.claim(store, "reel", reel["_id"], USER, "force"),
    ]
    for run in stuck:  # the run ended, the process died before releasing the claim
        if left == "finished":
            await set_run(store, run["_id"], status="succeeded")
        else:
            await store.collection(runs.RUNS).delete_one({"_id": run["_id"]})

    await sweeper.recover(store, Enqueued())

    assert (await read_task(store, "profile", profile["_id"]))["active_run_id"] is None
    assert (await read_task(store, "reel", reel["_id"]))["active_run_id"] is None


async def test_recover_keeps_claims_of_queued_runs(store: Store) -> None:
    run = await queued_run(store, "kept", age=0)
    other = await profile_task(store, "unclaimed")

    await sweeper.recover(store, Enqueued())

    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]
    assert (await read_task(store, "profile", other["_id"]))["active_run_id"] is None


async def test_in_process_queued_runs_are_not_sent_again(store: Store) -> None:
    """With the in-process broker a queued run is waiting here for a slot, not lost."""
    old = await queued_run(store, "waiting", age=STALE_AFTER * 10)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, resend=False)

    assert enqueue.run_ids == []
    assert (await read_run(store, old["_id"]))["status"] == "queued"
