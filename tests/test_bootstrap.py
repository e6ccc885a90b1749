"""One process playing every role, end to end, as the composition root builds it: the
real store, the in-memory taskiq broker, the worker, the loops, start and stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from codvid import bootstrap
from codvid.errors import ConfigurationError
from codvid.jobs.process import this_process
from codvid.jobs.roles import Role
from codvid.scrapers import ScraperProvider
from codvid.storage import Document, Store
from codvid.tracking import runs, service
from tests.conftest import MakeSettings
from tests.doubles import ScriptedProvider
from tests.factories import (
    USER,
    event_types,
    eventually,
    profile_task,
    read_run,
    read_task,
    runs_of,
    set_run,
)
from tests.processes import gone_process

pytestmark = pytest.mark.anyio

STOPPED = "Interrupted: the service stopped during the run"
RESTARTED = "Interrupted: the service restarted during the run; previous data kept"


class Process:
    """A running composition root; ``stop`` ends it as a process shutdown does."""

    def __init__(self, resources: bootstrap.Resources, stack: AsyncExitStack) -> None:
        self.resources = resources
        self.store = resources["store"]
        self._stack = stack

    async def stop(self) -> None:
        await self._stack.aclose()


StartProcess = Callable[..., Awaitable[Process]]


@pytest.fixture
async def start(make_settings: MakeSettings) -> AsyncIterator[StartProcess]:
    started: list[Process] = []

    async def begin(scraper: ScraperProvider | None = None, **overrides: Any) -> Process:
        stack = AsyncExitStack()
        resources = await stack.enter_async_context(
            bootstrap.running(make_settings(**overrides), scraper=scraper)
        )
        started.append(Process(resources, stack))
        return started[-1]

    yield begin
    for process in started:
        await process.stop()  # again, for a test that stopped it already: harmless


def in_status(store: Store, run_id: str, *statuses: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await read_run(store, run_id))["status"] in statuses

    return check


async def force(process: Process, task: Document) -> str:
    enqueue, scraping = process.resources["enqueue"], process.resources["settings"].scraping
    await service.force_scrape(process.store, enqueue, scraping, "profile", USER, task["_id"])
    run_id = (await read_task(process.store, "profile", task["_id"]))["active_run_id"]
    assert run_id is not None
    return str(run_id)


async def released(store: Store, task_id: str) -> None:
    """The run ends in storage a moment before its task's claim is released."""

    async def free() -> bool:
        return (await read_task(store, "profile", task_id))["active_run_id"] is None

    await eventually(free, what="the claim to be released")


async def until_processing(store: Store, run_id: str) -> None:
    async def started() -> bool:
        run = await read_run(store, run_id)
        return run["status"] == "processing" and "scrape_started" in await event_types(
            store, run_id
        )

    await eventually(started, what="the run to be under way")


async def test_a_forced_scrape_runs_to_success(start: StartProcess) -> None:
    process = await start()
    store = process.store
    task = await profile_task(store, "natgeo")

    run_id = await force(process, task)
    await eventually(in_status(store, run_id, "succeeded", "failed"), what="the run")

    run = await read_run(store, run_id)
    assert (run["status"], run["trigger"]) == ("succeeded", "force")
    assert run["worker"] == run["queued_by"] == str(this_process())
    await released(store, task["_id"])
    stored = await read_task(store, "profile", task["_id"])
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

    again = await force(process, task)  # the claim was released
    await eventually(in_status(store, again, "succeeded"), what="the second run")
    assert len(await runs_of(store, task["_id"])) == 2


async def test_the_scheduler_loop_scrapes_due_tasks(start: StartProcess) -> None:
    process = await start(scheduler_interval=3600)
    store = process.store
    task = await profile_task(store, "due_one", next_scrape_due=time.time() - 60)
    await process.stop()
    process = await start(scheduler_interval=3600)  # the first pass runs at start
    store = process.store

    async def scraped() -> bool:
        return (await read_task(store, "profile", task["_id"]))["last_scraped"] is not None

    await eventually(scraped, what="the scheduled scrape")
    (run,) = await runs_of(store, task["_id"])
    assert run["trigger"] == "schedule"
    await eventually(in_status(store, run["_id"], "succeeded"), what="the run to end")


async def test_start_recovers_what_a_gone_process_left(start: StartProcess) -> None:
    process = await start(scheduler_enabled=False)
    store = process.store
    interrupted_task = await profile_task(store, "interrupted")
    lost_task = await profile_task(store, "lost_message")
    await process.stop()
    # What a killed process leaves: its run under way, and a run it queued but never sent.
    previous = bootstrap.open_indexed_store
    store = await previous(process.resources["settings"])
    interrupted = await runs.claim(store, "profile", interrupted_task["_id"], USER, "force")
    assert await runs.start(store, interrupted["_id"], gone_process())
    lost = await runs.claim(store, "profile", lost_task["_id"], USER, "force")
    await set_run(store, lost["_id"], queued_by=gone_process())
    await store.close()

    store = (await start(scheduler_enabled=False)).store

    failed = await read_run(store, interrupted["_id"])
    assert (failed["status"], failed["error"]) == ("failed", RESTARTED)
    assert (await read_task(store, "profile", interrupted_task["_id"]))["active_run_id"] is None
    await eventually(in_status(store, lost["_id"], "succeeded"), what="the lost run")
    assert (await read_task(store, "profile", lost_task["_id"]))["last_scraped"] is not None


async def test_stop_fails_a_run_in_flight_with_the_reason(start: StartProcess) -> None:
    process = await start(scheduler_enabled=False, shutdown_grace=0)
    store = process.store
    # The demo provider's own failure injection: this name hangs for 5 s.
    task = await profile_task(store, "demo_timeout_maya")
    run_id = await force(process, task)
    await until_processing(store, run_id)
    reader = await bootstrap.open_indexed_store(process.resources["settings"])

    began = time.monotonic()
    await process.stop()

    assert time.monotonic() - began < 2, "stop waited for the scrape instead of stopping it"
    run = await read_run(reader, run_id)
    assert (run["status"], run["error"]) == ("failed", STOPPED)
    assert (await event_types(reader, run_id))[-1] == "scrape_failed"
    stored = await read_task(reader, "profile", task["_id"])
    assert stored["active_run_id"] is None
    assert stored["last_run"]["error"] == STOPPED
    assert stored["consecutive_failures"] == 1
    assert stored["last_scraped"] is None
    await reader.close()


async def test_stop_leaves_no_run_processing(start: StartProcess) -> None:
    provider = ScriptedProvider()
    gate = provider.hang()
    process = await start(provider, scheduler_enabled=False, job_concurrency=1, shutdown_grace=0)
    store = process.store
    first = await force(process, await profile_task(store, "first"))
    second = await force(process, await profile_task(store, "second"))
    await until_processing(store, first)
    reader = await bootstrap.open_indexed_store(process.resources["settings"])

    try:
        await process.stop()
        await asyncio.sleep(0.05)  # anything stop() left behind gets to run

        assert (await read_run(reader, first))["error"] == STOPPED
        assert (await read_run(reader, second))["status"] != "processing"
        assert provider.calls == 1, "a run was started by a stopped process"
    finally:
        gate.set()
        await reader.close()


async def test_a_process_has_at_least_one_role_and_in_process_jobs_need_all(
    make_settings: MakeSettings,
) -> None:
    settings = make_settings()
    for roles in ([], [Role.API], [Role.API, Role.WORKER]):
        with pytest.raises(ConfigurationError):
            async with bootstrap.running(settings, roles):
                pass


async def test_stop_lets_a_run_finish_within_the_grace_period(start: StartProcess) -> None:
    provider = ScriptedProvider()
    provider.delay = 0.3
    process = await start(provider, scheduler_enabled=False, shutdown_grace=5)
    store = process.store
    task = await profile_task(store, "almost_done")
    run_id = await force(process, task)
    await eventually(in_status(store, run_id, "processing"), what="the run to start")
    reader = await bootstrap.open_indexed_store(process.resources["settings"])

    began = time.monotonic()
    await process.stop()

    assert time.monotonic() - began < 4
    assert (await read_run(reader, run_id))["status"] == "succeeded"
    assert (await read_task(reader, "profile", task["_id"]))["last_scraped"] is not None
    await reader.close()


async def test_a_run_longer_than_the_grace_period_is_ended_with_the_reason(
    start: StartProcess,
) -> None:
    provider = ScriptedProvider()
    gate = provider.hang()
    process = await start(provider, scheduler_enabled=False, shutdown_grace=0.3)
    task = await profile_task(process.store, "too_slow")
    run_id = await force(process, task)
    await until_processing(process.store, run_id)
    reader = await bootstrap.open_indexed_store(process.resources["settings"])

    began = time.monotonic()
    await process.stop()

    assert 0.25 < time.monotonic() - began < 2
    assert (await read_run(reader, run_id))["error"] == STOPPED
    gate.set()
    await reader.close()
