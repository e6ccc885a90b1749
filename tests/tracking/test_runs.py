"""The durable run registry: one atomic claim per task, first-wins finish, numbered events."""

from __future__ import annotations

import asyncio

import pytest

from codvid.storage import Store
from codvid.tracking import runs
from codvid.tracking.documents import EVENTS, RUNS
from codvid.tracking.errors import TaskNotFound
from tests.factories import (
    OTHER_USER,
    USER,
    events,
    profile_task,
    read_run,
    read_task,
    reel_task,
    runs_of,
    set_run,
)

pytestmark = pytest.mark.anyio


async def test_of_twenty_concurrent_claims_exactly_one_wins(store: Store) -> None:
    task = await profile_task(store)

    outcomes = await asyncio.gather(
        *(runs.claim(store, "profile", task["_id"], USER, "force") for _ in range(20)),
        return_exceptions=True,
    )

    won = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, runs.AlreadyProcessing)]
    assert len(won) == 1 and len(refused) == 19
    assert str(refused[0]) == "Task is already being processed"
    assert [run["_id"] for run in await runs_of(store, task["_id"])] == [won[0]["_id"]]
    claimed = await read_task(store, "profile", task["_id"])
    assert claimed["active_run_id"] == claimed["last_run_id"] == won[0]["_id"]


async def test_claim_creates_a_queued_run_with_its_origin(store: Store) -> None:
    task = await reel_task(store)

    run = await runs.claim(store, "reel", task["_id"], USER, "force")

    stored = await read_run(store, run["_id"])
    assert stored["status"] == "queued"
    assert (stored["task_id"], stored["user_id"], stored["kind"], stored["trigger"]) == (
        task["_id"],
        USER,
        "reel",
        "force",
    )
    assert stored["started_at"] is None and stored["finished_at"] is None


@pytest.mark.parametrize(
    ("task_id", "user_id"), [("no-such-task", USER), (None, OTHER_USER)], ids=["missing", "others"]
)
async def test_claim_of_a_task_not_the_callers_leaves_no_run(
    store: Store, task_id: str | None, user_id: str
) -> None:
    task = await profile_task(store)

    with pytest.raises(TaskNotFound):
        await runs.claim(store, "profile", task_id or task["_id"], user_id, "force")

    assert await store.collection(RUNS).count_documents({}) == 0
    assert (await read_task(store, "profile", task["_id"]))["active_run_id"] is None


async def test_a_task_of_the_other_kind_is_not_found(store: Store) -> None:
    task = await profile_task(store)

    with pytest.raises(TaskNotFound):
        await runs.claim(store, "reel", task["_id"], USER, "force")


async def test_a_finished_run_frees_the_task_for_the_next_claim(store: Store) -> None:
    task = await profile_task(store)
    first = await runs.claim(store, "profile", task["_id"], USER, "force")
    with pytest.raises(runs.AlreadyProcessing):
        await runs.claim(store, "profile", task["_id"], USER, "force")

    assert await runs.finish(store, first, "succeeded")
    second = await runs.claim(store, "profile", task["_id"], USER, "force")

    assert second["_id"] != first["_id"]
    assert (await read_task(store, "profile", task["_id"]))["active_run_id"] == second["_id"]


@pytest.mark.parametrize("crash", ["holder finished", "holder deleted"])
async def test_a_stale_claim_is_taken_over(store: Store, crash: str) -> None:
    task = await profile_task(store)
    stale = await runs.claim(store, "profile", task["_id"], USER, "force")
    # A crash between a run's two writes: the run ended (or vanished), the claim stayed.
    if crash == "holder finished":
        await set_run(store, stale["_id"], status="succeeded")
    else:
        await store.collection(RUNS).delete_one({"_id": stale["_id"]})

    fresh = await runs.claim(store, "profile", task["_id"], USER, "force")

    claimed = await read_task(store, "profile", task["_id"])
    assert claimed["active_run_id"] == claimed["last_run_id"] == fresh["_id"] != stale["_id"]
    assert (await read_run(store, fresh["_id"]))["status"] == "queued"


async def test_a_claim_held_by_a_live_run_is_not_taken_over(store: Store) -> None:
    task = await profile_task(store)
    holder = await runs.claim(store, "profile", task["_id"], USER, "force")
    assert await runs.start(store, holder["_id"], "worker-a")

    with pytest.raises(runs.AlreadyProcessing):
        await runs.claim(store, "profile", task["_id"], USER, "force")

    assert (await read_task(store, "profile", task["_id"]))["active_run_id"] == holder["_id"]
    assert len(await runs_of(store, task["_id"])) == 1


async def test_finish_is_first_wins_and_releases_the_claim(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    assert await runs.finish(store, run, "succeeded") is True
    assert await runs.finish(store, run, "failed", "too late") is False

    stored = await read_run(store, run["_id"])
    assert stored["status"] == "succeeded" and stored["error"] is None
    assert stored["finished_at"] is not None
    released = await read_task(store, "profile", task["_id"])
    assert released["active_run_id"] is None
    assert released["last_run_id"] == run["_id"]
    assert released["last_run"] == {
        "status": "succeeded",
        "finished_at": stored["finished_at"],
        "error": None,
    }


async def test_finish_of_a_superseded_run_leaves_the_new_claim_alone(store: Store) -> None:
    task = await profile_task(store)
    old = await runs.claim(store, "profile", task["_id"], USER, "force")
    await set_run(store, old["_id"], status="failed")
    new = await runs.claim(store, "profile", task["_id"], USER, "force")
    await set_run(store, old["_id"], status="processing")

    assert await runs.finish(store, old, "failed", "late")

    assert (await read_task(store, "profile", task["_id"]))["active_run_id"] == new["_id"]


async def test_start_moves_a_queued_run_once(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    started = await runs.start(store, run["_id"], "worker-a")
    again = await runs.start(store, run["_id"], "worker-b")

    assert started is not None and started["status"] == "processing"
    assert started["worker"] == "worker-a" and started["started_at"] is not None
    assert again is None
    assert (await read_run(store, run["_id"]))["worker"] == "worker-a"


async def test_events_are_numbered_from_one_in_order(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    for step in range(1, 6):
        assert await runs.append_event(store, run, f"step_{step}", f"Step {step}", step=step)

    every = await events(store, run["_id"])
    assert [event["seq"] for event in every] == [1, 2, 3, 4, 5]
    assert [event["event_type"] for event in every] == [f"step_{i}" for i in range(1, 6)]
    assert every[2]["message"] == "Step 3" and every[2]["step"] == 3
    assert all(event["task_id"] == task["_id"] for event in every)
    assert (await read_run(store, run["_id"]))["logs_count"] == 5


async def test_latest_events_are_the_newest_oldest_first(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    other = await reel_task(store)
    other_run = await runs.claim(store, "reel", other["_id"], USER, "force")
    for step in range(1, 8):
        await runs.append_event(store, run, "step", f"Step {step}")
        await runs.append_event(store, other_run, "noise", "other run")

    latest = await runs.latest_events(store, run["_id"], 3)

    assert [event["message"] for event in latest] == ["Step 5", "Step 6", "Step 7"]
    assert [event["seq"] for event in latest] == [5, 6, 7]


async def test_an_event_for_a_deleted_run_is_dropped(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await runs.delete_for_task(store, task["_id"])

    assert await runs.append_event(store, run, "late", "after the delete") is False
    assert await store.collection(EVENTS).count_documents({}) == 0


async def test_heartbeat_only_beats_for_a_processing_run(store: Store) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await set_run(store, run["_id"], heartbeat_at=1.0)

    assert await runs.heartbeat(store, run["_id"]) is False
    await runs.start(store, run["_id"], "worker-a")
    await set_run(store, run["_id"], heartbeat_at=1.0)
    assert await runs.heartbeat(store, run["_id"]) is True

    assert (await read_run(store, run["_id"]))["heartbeat_at"] > 1.0
