"""The job machinery of one process, end to end: the real in-memory taskiq broker, the
demo provider without delays, the loops, start and stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from taskiq import InMemoryBroker

from codvid.config import Settings
from codvid.jobs import runs
from codvid.jobs.runtime import JobRuntime
from codvid.storage import Document, Store
from codvid.tracking import service
from tests.jobs.factories import (
    USER,
    ScriptedProvider,
    event_types,
    eventually,
    profile_task,
    read_run,
    read_task,
    runs_of,
)

pytestmark = pytest.mark.anyio

STOPPED = "Interrupted: the service stopped during the run"
RESTARTED = "Interrupted: the service restarted during the run; previous data kept"
StartRuntime = Callable[..., Awaitable[JobRuntime]]


@pytest.fixture
async def start_runtime(
    store: Store, make_settings: Callable[..., Settings]
) -> AsyncIterator[StartRuntime]:
    started: list[JobRuntime] = []

    async def start(**overrides: Any) -> JobRuntime:
        runtime = JobRuntime(store, make_settings(**overrides))
        await runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        await runtime.stop()  # again, for a test that stopped it already: harmless


def in_status(store: Store, run_id: str, *statuses: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await read_run(store, run_id))["status"] in statuses

    return check


async def force(store: Store, runtime: JobRuntime, task: Document) -> str:
    await service.force_scrape(store, runtime.enqueue, "profile", USER, task["_id"])
    run_id = (await read_task(store, "profile", task["_id"]))["active_run_id"]
    assert run_id is not None
    return str(run_id)


async def until_processing(store: Store, run_id: str) -> None:
    async def started() -> bool:
        run = await read_run(store, run_id)
        return run["status"] == "processing" and "scrape_started" in await event_types(
            store, run_id
        )

    await eventually(started, what="the run to be under way")


async def test_a_forced_scrape_runs_to_success(store: Store, start_runtime: StartRuntime) -> None:
    runtime = await start_runtime()
    task = await profile_task(store, "natgeo")

    run_id = await force(store, runtime, task)
    await eventually(in_status(store, run_id, "succeeded", "failed"), what="the run")

    run = await read_run(store, run_id)
    assert (run["status"], run["trigger"]) == ("succeeded", "force")
    assert run["worker"] == runtime.context.worker_id
    stored = await read_task(store, "profile", task["_id"])
    assert stored["active_run_id"] is None
    assert stored["target_profile_data"]["username"] == "natgeo"
    assert stored["target_profile_data"]["is_demo"] is True
    assert isinstance(stored["target_profile_data"]["followers"], int)
    assert await event_types(store, run_id) == [
        "scrape_started",
        "account_fetched",
        "reels_filtered",
        "processing_reels",
        "reels_processed",
        "profile_data_updated",
    ]

    async def idle() -> bool:  # the run ends in storage a moment before its task does
        return not runtime.context.inflight

    await eventually(idle, what="the worker to be idle")
    again = await force(store, runtime, task)  # the claim was released
    await eventually(in_status(store, again, "succeeded"), what="the second run")
    assert len(await runs_of(store, task["_id"])) == 2


async def test_the_scheduler_loop_scrapes_due_tasks(
    store: Store, start_runtime: StartRuntime
) -> None:
    task = await profile_task(store, "due_one", next_scrape_due=time.time() - 60)

    await start_runtime(scheduler_interval=3600)

    async def scraped() -> bool:
        return (await read_task(store, "profile", task["_id"]))["last_scraped"] is not None

    await eventually(scraped, what="the scheduled scrape")
    (run,) = await runs_of(store, task["_id"])
    assert run["trigger"] == "schedule"
    await eventually(in_status(store, run["_id"], "succeeded"), what="the run to end")


async def test_start_recovers_what_a_previous_process_left(
    store: Store, start_runtime: StartRuntime
) -> None:
    interrupted_task = await profile_task(store, "interrupted")
    interrupted = await runs.claim(store, "profile", interrupted_task["_id"], USER, "force")
    assert await runs.start(store, interrupted["_id"], "gone-host:1")
    lost_task = await profile_task(store, "lost_message")
    lost = await runs.claim(store, "profile", lost_task["_id"], USER, "force")

    await start_runtime(scheduler_enabled=False)

    failed = await read_run(store, interrupted["_id"])
    assert (failed["status"], failed["error"]) == ("failed", RESTARTED)
    assert (await read_task(store, "profile", interrupted_task["_id"]))["active_run_id"] is None
    await eventually(in_status(store, lost["_id"], "succeeded"), what="the lost run")
    assert (await read_task(store, "profile", lost_task["_id"]))["last_scraped"] is not None


async def test_stop_fails_a_run_in_flight_with_the_reason(
    store: Store, start_runtime: StartRuntime
) -> None:
    runtime = await start_runtime(scheduler_enabled=False)
    # The demo provider's own failure injection: this name hangs for 5 s.
    task = await profile_task(store, "demo_timeout_maya")
    run_id = await force(store, runtime, task)
    await until_processing(store, run_id)

    began = time.monotonic()
    await runtime.stop()

    assert time.monotonic() - began < 2, "stop waited for the scrape instead of stopping it"
    run = await read_run(store, run_id)
    assert (run["status"], run["error"]) == ("failed", STOPPED)
    assert (await event_types(store, run_id))[-1] == "scrape_failed"
    stored = await read_task(store, "profile", task["_id"])
    assert stored["active_run_id"] is None
    assert stored["last_run"]["error"] == STOPPED
    assert stored["consecutive_failures"] == 1
    assert stored["last_scraped"] is None
    assert not runtime.context.inflight


async def test_stop_leaves_no_run_processing(store: Store, start_runtime: StartRuntime) -> None:
    runtime = await start_runtime(scheduler_enabled=False, job_concurrency=1)
    provider = ScriptedProvider()
    runtime.context.provider = provider
    gate = provider.hang()
    first = await force(store, runtime, await profile_task(store, "first"))
    second = await force(store, runtime, await profile_task(store, "second"))
    await until_processing(store, first)
    broker = runtime.broker
    assert isinstance(broker, InMemoryBroker)

    try:
        await runtime.stop()
        await asyncio.sleep(0.05)  # anything stop() left behind gets to run

        assert (await read_run(store, first))["error"] == STOPPED
        assert (await read_run(store, second))["status"] != "processing"
        assert provider.calls == 1, "a run was started by a stopped runtime"
    finally:
        gate.set()
        await asyncio.wait_for(broker.wait_all(), 5)
