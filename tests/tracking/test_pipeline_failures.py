"""Failed, timed-out and cancelled runs: the reason is recorded, stored data stays as it
was, and the next try is backed off."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest

from codvid.projects import service as projects
from codvid.scrapers import (
    ProfileNotFound,
    ProviderTimeout,
    RateLimited,
    ReelNotFound,
    ScraperError,
)
from codvid.sentiment import get_analyzer
from codvid.storage import Document, Store
from codvid.tracking import profiles, reels, runs, scheduled
from codvid.tracking.documents import EMPTY_PROFILE_DATA, EVENTS, TASK_COLLECTIONS, TaskKind
from tests.conftest import MakeExecutor
from tests.doubles import Enqueued, ScriptedProvider
from tests.factories import (
    DAY,
    PROJECT,
    USER,
    Executor,
    event_types,
    events,
    history_counts,
    profile_task,
    read_run,
    read_task,
    reel_task,
    runs_of,
    set_run,
)

pytestmark = pytest.mark.anyio

TIMEOUT = 0.2
PREFIX = "Error scraping Instagram profile: "


def arm_not_found(provider: ScriptedProvider) -> None:
    provider.error = ProfileNotFound("Profile @natgeo not found or private")


def arm_rate_limited(provider: ScriptedProvider) -> None:
    provider.error = RateLimited(retry_after=60)


def arm_provider_timeout(provider: ScriptedProvider) -> None:
    provider.error = ProviderTimeout()


def arm_crash(provider: ScriptedProvider) -> None:
    provider.error = RuntimeError("secret internals")


def arm_malformed(provider: ScriptedProvider) -> None:
    provider.malformed = True


def arm_hang(provider: ScriptedProvider) -> None:
    provider.hang()


FAILURES = [
    pytest.param(arm_not_found, PREFIX + "Profile @natgeo not found or private", id="not-found"),
    pytest.param(
        arm_rate_limited, PREFIX + "Rate limited by Instagram, try again later", id="rate-limited"
    ),
    pytest.param(arm_provider_timeout, PREFIX + "Connection timeout", id="provider-timeout"),
    pytest.param(
        arm_crash, "Internal error while scraping (RuntimeError); previous data kept", id="crash"
    ),
    pytest.param(
        arm_malformed,
        PREFIX + "Malformed response from scraper: followers must not be negative, got -1",
        id="malformed",
    ),
    pytest.param(arm_hang, PREFIX + f"timed out after {TIMEOUT:g} s", id="timeout"),
]


@pytest.fixture
def execute(make_executor: MakeExecutor) -> Executor:
    return make_executor(scrape_timeout=TIMEOUT, failure_backoff=60)


async def scrape(store: Store, execute: Executor, task: Document) -> Document:
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await execute(run["_id"])
    return await read_run(store, run["_id"])


@pytest.fixture
async def scraped(store: Store, execute: Executor) -> Document:
    """A profile task with one successful scrape behind it."""
    task = await profile_task(store, "natgeo")
    assert (await scrape(store, execute, task))["status"] == "succeeded"
    return await read_task(store, "profile", task["_id"])


@pytest.mark.parametrize(("arm", "reason"), FAILURES)
async def test_a_failed_run_keeps_the_previous_data(
    store: Store,
    execute: Executor,
    provider: ScriptedProvider,
    scraped: Document,
    arm: Callable[[ScriptedProvider], None],
    reason: str,
) -> None:
    arm(provider)
    before = time.time()

    run = await scrape(store, execute, scraped)

    after = time.time()
    assert run["status"] == "failed" and run["error"] == reason
    logged = await events(store, run["_id"])
    assert logged[0]["event_type"] == "scrape_started"
    assert logged[-1]["event_type"] == "scrape_failed"
    assert logged[-1]["message"] == reason
    assert "profile_data_updated" not in [event["event_type"] for event in logged]
    stored = await read_task(store, "profile", scraped["_id"])
    assert stored["target_profile_data"] == scraped["target_profile_data"]
    assert stored["last_scraped"] == scraped["last_scraped"]
    assert stored["consecutive_failures"] == 1
    if isinstance(provider.error, ScraperError) and provider.error.permanent:
        # A missing profile stays missing: the task waits for its user, not a back-off.
        assert stored["next_scrape_due"] == scraped["next_scrape_due"]
        assert stored["scrape_hold"]["cause"] == "permanent_failure"
        assert stored["scrape_hold"]["reason"] == reason
    else:
        assert before + 60 <= stored["next_scrape_due"] <= after + 60
        assert stored.get("scrape_hold") is None
    assert stored["active_run_id"] is None
    assert stored["last_run"]["status"] == "failed"
    assert stored["last_run"]["error"] == reason
    # No snapshot for a failure; a payload received but rejected is kept for the audit.
    kept = 1 if provider.malformed else 0
    assert await history_counts(store, scraped["_id"]) == (1, 1 + kept)
    assert not execute.worker.inflight


async def test_a_crash_reason_does_not_leak_the_exception_text(
    store: Store, execute: Executor, provider: ScriptedProvider, scraped: Document
) -> None:
    arm_crash(provider)

    run = await scrape(store, execute, scraped)

    assert "secret internals" not in run["error"]
    assert all("secret internals" not in e["message"] for e in await events(store, run["_id"]))


async def test_a_first_scrape_that_fails_leaves_the_task_unscraped(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    arm_malformed(provider)

    run = await scrape(store, execute, task)

    assert run["status"] == "failed"
    stored = await read_task(store, "profile", task["_id"])
    assert stored["target_profile_data"] == EMPTY_PROFILE_DATA
    assert stored["last_scraped"] is None
    # No snapshot; what was received and rejected is kept for the audit.
    assert await history_counts(store, task["_id"]) == (0, 1)


async def test_a_failed_reel_run_keeps_the_reel_data(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await reel_task(store)
    first = await runs.claim(store, "reel", task["_id"], USER, "force")
    await execute(first["_id"])
    scraped = await read_task(store, "reel", task["_id"])
    mod_count = (await projects.get(store, USER, PROJECT))["mod_count"]
    provider.error = ReelNotFound()

    second = await runs.claim(store, "reel", task["_id"], USER, "force")
    await execute(second["_id"])

    failed = await read_run(store, second["_id"])
    assert failed["error"] == "Error scraping Instagram reel: Reel not found, private or deleted"
    stored = await read_task(store, "reel", task["_id"])
    assert stored["reel_data"] == scraped["reel_data"] != {}
    assert stored["last_scraped"] == scraped["last_scraped"]
    assert stored["consecutive_failures"] == 1
    assert (await projects.get(store, USER, PROJECT))["mod_count"] == mod_count


@pytest.mark.parametrize(
    ("backoff", "interval_days", "delays"),
    [
        pytest.param(60, 2.0, [60, 120, 240, 480], id="doubling"),
        pytest.param(30_000, 0.5, [30_000, 0.5 * DAY, 0.5 * DAY], id="capped-by-interval"),
    ],
)
async def test_back_off_doubles_per_failure_up_to_the_interval(
    store: Store,
    make_executor: MakeExecutor,
    provider: ScriptedProvider,
    backoff: float,
    interval_days: float,
    delays: list[float],
) -> None:
    execute = make_executor(failure_backoff=backoff)
    task = await profile_task(store, scrape_interval_days=interval_days)
    arm_rate_limited(provider)

    for failures, delay in enumerate(delays, start=1):
        before = time.time()
        await scrape(store, execute, task)
        after = time.time()
        stored = await read_task(store, "profile", task["_id"])
        assert stored["consecutive_failures"] == failures
        assert before + delay <= stored["next_scrape_due"] <= after + delay


async def test_a_success_resets_the_failure_count(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store)
    # Not throttling: that rests the whole provider for the time it names.
    arm_provider_timeout(provider)
    await scrape(store, execute, task)
    await scrape(store, execute, task)
    provider.behave()

    assert (await scrape(store, execute, task))["status"] == "succeeded"

    stored = await read_task(store, "profile", task["_id"])
    assert stored["consecutive_failures"] == 0
    assert stored["next_scrape_due"] == pytest.approx(stored["last_scraped"] + 2 * DAY)


async def test_a_slow_provider_within_the_timeout_succeeds(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store)
    provider.delay = TIMEOUT / 4

    assert (await scrape(store, execute, task))["status"] == "succeeded"


async def delete_profile(store: Store, task: Document) -> None:
    await profiles.delete(store, USER, task["_id"])


async def delete_reel(store: Store, task: Document) -> None:
    await reels.delete(store, USER, task["_id"])


@pytest.mark.parametrize(
    ("kind", "make", "delete"),
    [("profile", profile_task, delete_profile), ("reel", reel_task, delete_reel)],
)
async def test_a_task_deleted_mid_run_gets_nothing_written(
    store: Store,
    execute: Executor,
    provider: ScriptedProvider,
    kind: TaskKind,
    make: Callable[..., Any],
    delete: Callable[[Store, Document], Any],
) -> None:
    task = await make(store)
    run = await runs.claim(store, kind, task["_id"], USER, "force")
    gate = provider.hang()
    going = asyncio.create_task(execute(run["_id"]))
    await asyncio.wait_for(provider.entered.wait(), 5)

    await delete(store, task)
    mod_count = (await projects.get(store, USER, PROJECT))["mod_count"] if kind == "reel" else 0
    gate.set()
    await asyncio.wait_for(going, 5)  # and no exception escapes

    assert await runs_of(store, task["_id"]) == []
    assert await store.collection(EVENTS).count_documents({"task_id": task["_id"]}) == 0
    assert await history_counts(store, task["_id"]) == (0, 0)
    assert await store.collection(TASK_COLLECTIONS[kind]).count_documents({}) == 0
    if kind == "reel":
        assert (await projects.get(store, USER, PROJECT))["mod_count"] == mod_count
    assert not execute.worker.inflight


async def test_a_task_recreated_mid_run_is_not_touched_by_the_old_run(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    gate = provider.hang()
    going = asyncio.create_task(execute(run["_id"]))
    await asyncio.wait_for(provider.entered.wait(), 5)

    await profiles.delete(store, USER, task["_id"])
    again = await profile_task(store, "natgeo")
    gate.set()
    await asyncio.wait_for(going, 5)

    stored = await read_task(store, "profile", again["_id"])
    assert stored == again
    assert stored["target_profile_data"] == EMPTY_PROFILE_DATA


async def test_a_run_the_sweeper_failed_writes_nothing_when_it_wakes(
    store: Store, execute: Executor, provider: ScriptedProvider, scraped: Document
) -> None:
    """A worker that only looked dead (its heartbeat stopped) must not write after the
    sweeper failed its run and a new run claimed the task."""
    stalled = await runs.claim(store, "profile", scraped["_id"], USER, "force")
    gate = provider.hang()
    going = asyncio.create_task(execute(stalled["_id"]))
    await asyncio.wait_for(provider.entered.wait(), 5)
    await set_run(store, stalled["_id"], heartbeat_at=time.time() - 60)
    await scheduled.sweep(store, Enqueued(), execute.context.jobs.stale_after, in_process=False)
    successor = await runs.claim(store, "profile", scraped["_id"], USER, "force")

    gate.set()
    await asyncio.wait_for(going, 5)

    failed = await read_run(store, stalled["_id"])
    assert failed["status"] == "failed" and "heartbeat" in failed["error"]
    assert "profile_data_updated" not in await event_types(store, stalled["_id"])
    stored = await read_task(store, "profile", scraped["_id"])
    assert stored["target_profile_data"] == scraped["target_profile_data"]
    assert stored["last_scraped"] == scraped["last_scraped"]
    assert stored["active_run_id"] == successor["_id"]
    assert await history_counts(store, scraped["_id"]) == (1, 1)


class SlowToLoad:
    """The process's analyzer, with models that take longer to load than a run may take."""

    def __init__(self, seconds: float) -> None:
        self.inner = get_analyzer()
        self.seconds = seconds
        self.loaded = False

    def ready(self) -> None:
        if not self.loaded:
            time.sleep(self.seconds)
            self.loaded = True

    def label(self, text: str) -> Any:
        assert self.loaded, "labelled before ready()"
        return self.inner.label(text)

    def verdict(self, text: str) -> Any:
        assert self.loaded, "labelled before ready()"
        return self.inner.verdict(text)

    def label_many(self, texts: Any) -> Any:
        assert self.loaded, "labelled before ready()"
        return self.inner.label_many(texts)


async def test_loading_the_analyzer_is_not_counted_in_a_runs_time_limit(
    store: Store, execute: Executor
) -> None:
    execute.context = dataclasses.replace(execute.context, analyzer=SlowToLoad(TIMEOUT * 1.5))
    task = await profile_task(store, "slow_models")

    run = await scrape(store, execute, task)

    assert run["status"] == "succeeded", run["error"]
