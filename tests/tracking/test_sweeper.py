"""Nothing stays processing forever: the sweeper fails silent runs and re-sends lost
queued ones; recovery at start settles what provably gone processes left behind, and
never touches a live run of another process."""

from __future__ import annotations

import time

import pytest

from codvid.jobs.process import this_process
from codvid.storage import Store
from codvid.tracking import runs
from codvid.tracking import scheduled as sweeper
from codvid.tracking.documents import RUNS, RunDocument
from tests.doubles import Enqueued
from tests.factories import (
    USER,
    event_types,
    events,
    profile_task,
    read_run,
    read_task,
    reel_task,
    set_run,
)
from tests.processes import gone_process, live_process

pytestmark = pytest.mark.anyio

STALE_AFTER = 15.0
RESTARTED = "Interrupted: the service restarted during the run; previous data kept"


ELSEWHERE = "another-host:4242:0123456789ab:987654"  # a worker on another machine


async def processing_run(
    store: Store, name: str, *, silent_for: float, worker: str = ELSEWHERE
) -> RunDocument:
    task = await profile_task(store, name)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    assert await runs.start(store, run["_id"], worker)
    await set_run(store, run["_id"], heartbeat_at=time.time() - silent_for)
    return run


async def queued_run(
    store: Store, name: str, *, age: float, queued_by: str = ELSEWHERE
) -> RunDocument:
    task = await profile_task(store, name)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await set_run(
        store,
        run["_id"],
        created_at=time.time() - age,
        heartbeat_at=time.time() - age,
        queued_by=queued_by,
    )
    return run


async def test_a_silent_processing_run_is_failed_and_its_task_released(store: Store) -> None:
    run = await processing_run(store, "silent", silent_for=60)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)

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

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)

    assert (await read_run(store, run["_id"]))["status"] == "processing"
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]
    assert await event_types(store, run["_id"]) == []
    assert enqueue.run_ids == []


async def test_an_old_queued_run_is_sent_again_and_a_young_one_is_not(store: Store) -> None:
    old = await queued_run(store, "old", age=60)
    young = await queued_run(store, "young", age=1)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)

    assert enqueue.run_ids == [old["_id"]]
    for run in (old, young):
        assert (await read_run(store, run["_id"]))["status"] == "queued"
        assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]


async def test_finished_runs_are_not_swept(store: Store) -> None:
    run = await processing_run(store, "done", silent_for=60)
    assert await runs.finish(store, run, "succeeded")
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)

    assert (await read_run(store, run["_id"]))["status"] == "succeeded"
    assert enqueue.run_ids == []


async def test_a_re_sent_queued_run_waits_stale_after_before_the_next_resend(
    store: Store,
) -> None:
    run = await queued_run(store, "backlog", age=60)
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)
    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=False)

    assert enqueue.run_ids == [run["_id"]]


async def test_recover_fails_the_runs_of_a_gone_worker_at_once(store: Store) -> None:
    run = await processing_run(store, "interrupted", silent_for=0, worker=gone_process())
    enqueue = Enqueued()

    await sweeper.recover(store, enqueue)

    failed = await read_run(store, run["_id"])
    assert (failed["status"], failed["error"]) == ("failed", RESTARTED)
    assert await event_types(store, run["_id"]) == ["scrape_failed"]
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] is None
    assert enqueue.run_ids == []


@pytest.mark.parametrize("where", ["live-here", "elsewhere"])
async def test_recover_never_touches_a_live_run_of_another_process(
    store: Store, where: str
) -> None:
    with live_process() as alive:
        worker = alive if where == "live-here" else ELSEWHERE
        run = await processing_run(store, "running", silent_for=1, worker=worker)
        queued = await queued_run(store, "queued", age=1, queued_by=worker)
        enqueue = Enqueued()

        await sweeper.recover(store, enqueue)

    assert (await read_run(store, run["_id"]))["status"] == "processing"
    assert await event_types(store, run["_id"]) == []
    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]
    assert (await read_run(store, queued["_id"]))["status"] == "queued"
    assert enqueue.run_ids == []


async def test_recover_sends_again_what_a_gone_process_queued(store: Store) -> None:
    run = await queued_run(store, "waiting", age=0, queued_by=gone_process())
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
            await store.collection(RUNS).delete_one({"_id": run["_id"]})

    await sweeper.recover(store, Enqueued())

    assert (await read_task(store, "profile", profile["_id"]))["active_run_id"] is None
    assert (await read_task(store, "reel", reel["_id"]))["active_run_id"] is None


async def test_recover_keeps_claims_of_queued_runs(store: Store) -> None:
    run = await queued_run(store, "kept", age=0)
    other = await profile_task(store, "unclaimed")

    await sweeper.recover(store, Enqueued())

    assert (await read_task(store, "profile", run["task_id"]))["active_run_id"] == run["_id"]
    assert (await read_task(store, "profile", other["_id"]))["active_run_id"] is None


async def test_in_process_queued_runs_of_this_process_are_not_sent_again(store: Store) -> None:
    """With the in-process broker a run this process queued is waiting here for a slot,
    not lost; one queued by another process (gone, or from before an upgrade) is."""
    mine = await queued_run(store, "mine", age=STALE_AFTER * 10, queued_by=str(this_process()))
    orphan = await queued_run(store, "orphan", age=STALE_AFTER * 10, queued_by=gone_process())
    enqueue = Enqueued()

    await sweeper.sweep(store, enqueue, STALE_AFTER, in_process=True)

    assert enqueue.run_ids == [orphan["_id"]]
    assert (await read_run(store, mine["_id"]))["status"] == "queued"
