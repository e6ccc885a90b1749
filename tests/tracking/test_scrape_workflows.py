"""The seed's client workflows and the processing registry's guarantees, end to end.

Create, force scrape, poll task_status every 2 s until done, read the results and the
sentiment summary: against ``make run`` as a user starts it. Then concurrency (one run
per task), failures (reason in the events, previous data kept), all on the service in
this process, and a SIGKILL mid-run, which needs a real process to kill.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request

from codvid.api.deps import get_store
from codvid.storage import Store
from tests.client import Api, Tracking, User, assert_error, new_username
from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server, stop
from tests.service import Service
from tests.stores import YieldingStore

pytestmark = pytest.mark.anyio

POLL_SECONDS = 2  # what the seed's clients do


async def poll_until_done(tracking: Tracking, user: User, task_id: str) -> dict:
    seen = []
    for _ in range(30):
        status = await tracking.status(user, task_id, logs_count=100)
        seen.append(status.get("latest_event"))
        if not status["is_processing"]:
            return status
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"still processing after 60 s: {seen}")


async def test_profile_workflow_against_make_run(make_run: RunningServer) -> None:
    """Over the network to ``make run``: the workflow as a user's setup runs it."""
    async with httpx.AsyncClient(base_url=make_run.url, timeout=30) as http:
        tracking = Tracking(Api(http), update8=False)
        user = await tracking.api.signup()
        task_id = await tracking.create_profile(user, "creator.daily")
        started = await tracking.call("POST", "force_scrape", user, task_id)
        assert started.status_code == 200
        assert started.json() == {
            "result": True,
            "message": "Task scraping initiated successfully",
            "task_id": task_id,
            "status": "processing",
        }
        status = await poll_until_done(tracking, user, task_id)
        assert status["last_run"]["status"] == "succeeded"
        assert [log["event_type"] for log in status["logs"]] == [
            "scrape_started",
            "account_fetched",
            "reels_filtered",
            "processing_reels",
            "reels_processed",
            "profile_data_updated",
        ]
        assert status["latest_event"]["scraped_posts_count"] == 12
        assert all(isinstance(log["timestamp"], float) for log in status["logs"])

        details = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]
        data = details["task"]["target_profile_data"]
        assert data["username"] == "creator.daily" and data["is_demo"] is True
        assert len(data["scraped_posts"]) == 12
        assert data["followers"] > 0 and data["follows_count"] == data["following"]
        post = data["scraped_posts"][0]
        assert post["likes"] == post["likes_count"] and post["comments"] == post["comments_count"]
        assert all(not tag.startswith("#") for tag in post["hashtags"])
        assert details["task"]["last_scraped"] <= details["task"]["next_scrape_due"]

        summary = (await tracking.call("GET", "sentiment_summary", user, task_id)).json()
        counts = summary["response"]["sentiment_summary"]
        labels = Counter(c["sentiment"] for p in data["scraped_posts"] for c in p["top_comments"])
        assert counts["total_comments"] == sum(labels.values()) > 0
        assert counts["sentiment_distribution"] == {
            k: labels[k] for k in ("positive", "negative", "neutral")
        }


async def test_reel_workflow_against_make_run(make_run: RunningServer) -> None:
    """Over the network to ``make run``: the workflow as a user's setup runs it."""
    async with httpx.AsyncClient(base_url=make_run.url, timeout=30) as http:
        api = Api(http)
        tracking = Tracking(api, update8=True)
        user = await api.signup()
        project = await api.create_project(user, "reel campaign")
        task_id = await tracking.create_reel(user, project, "DNlP4Kayo5O")
        started = await tracking.call("POST", "force_scrape_reel", user, task_id)
        assert started.json()["message"] == "Reel tracking task scraping initiated successfully"
        status = await poll_until_done(tracking, user, task_id)
        assert status["last_run"]["status"] == "succeeded"
        assert status["latest_event"]["event_type"] == "reel_data_updated"

        listed = await tracking.call(
            "POST", "get_project_reel_tasks", user, data={"project_name": project}
        )
        reel = listed.json()["response"]["tasks"][0]["reel_data"]
        for field in ("likes", "comments", "views"):
            assert isinstance(reel[field], int)
        analysis = reel["sentiment_analysis"]
        assert analysis["positive"] + analysis["negative"] + analysis["neutral"] == len(
            reel["top_comments"]
        )
        summary = (await tracking.call("GET", "sentiment_summary", user, task_id)).json()
        assert summary["response"]["sentiment_summary"]["total_comments"] == len(
            reel["top_comments"]
        )
        assert (
            summary["response"]["sentiment_summary"]["overall_sentiment"]
            == analysis["overall_sentiment"]
        )


async def test_twenty_parallel_force_scrapes_start_one_run(
    service: Service, tracking: Tracking
) -> None:
    """The 20 requests interleave on the event loop between every storage call of the
    routes (a store that yields, as a networked database does): the plain SQLite adapter
    never suspends, so without it each request would run to its end before the next began
    and the claim would never be raced."""

    async def yielding_store(request: Request) -> Store:
        return YieldingStore(request.state.store)

    service.app.dependency_overrides[get_store] = yielding_store
    user = await tracking.api.signup()
    task_id = await tracking.create_profile(user)
    in_flight = peak = 0

    async def force_scrape() -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await tracking.call("POST", "force_scrape", user, task_id)
        finally:
            in_flight -= 1

    responses = await asyncio.gather(*(force_scrape() for _ in range(20)))
    assert peak == 20, "the requests did not overlap"
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 409: 19}
    await tracking.wait_idle(user, task_id)
    again = await tracking.call("POST", "force_scrape", user, task_id)
    assert again.status_code == 200
    busy = await tracking.call("POST", "force_scrape", user, task_id)
    assert_error(busy, 409, "Task is already being processed")
    await tracking.wait_idle(user, task_id)


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("demo_fail_", "Error scraping Instagram profile: Profile @demo_fail_"),
        ("demo_ratelimit_", "Error scraping Instagram profile: Rate limited"),
        ("demo_malformed_", "Error scraping Instagram profile: Malformed response"),
        ("demo_crash_", "Internal error while scraping (RuntimeError); previous data kept"),
        ("demo_timeout_", "Error scraping Instagram profile: Connection timeout"),
    ],
)
async def test_provider_failures_end_the_run_with_the_reason(
    api: Api, prefix: str, reason: str
) -> None:
    tracking = Tracking(api)
    user = await api.signup()
    task_id = await tracking.create_profile(user, new_username(prefix.rstrip("_")))
    assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    status = await tracking.wait_idle(user, task_id, timeout=30)
    assert status["last_run"]["status"] == "failed"
    assert status["last_run"]["error"].startswith(reason)
    assert status["latest_event"]["event_type"] == "scrape_failed"
    assert status["latest_event"]["message"].startswith(reason)
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["last_scraped"] is None
    assert task["target_profile_data"]["scraped_posts"] == []
    assert task["next_scrape_due"] > time.time()  # backed off, not due again at once


async def test_status_logs_count(api: Api) -> None:
    tracking = Tracking(api)
    user = await api.signup()
    task_id = await tracking.create_profile(user)
    idle = await tracking.status(user, task_id)
    assert idle == {
        "task_id": task_id,
        "is_processing": False,
        "logs": [],
        "logs_count": 0,
        "requested_logs_count": 10,
        "latest_event": None,
    }
    await tracking.call("POST", "force_scrape", user, task_id)
    await tracking.wait_idle(user, task_id)
    three = await tracking.status(user, task_id, logs_count=3)
    assert three["logs_count"] == 6 and three["requested_logs_count"] == 3
    assert [log["event_type"] for log in three["logs"]] == [
        "processing_reels",
        "reels_processed",
        "profile_data_updated",
    ]
    assert three["latest_event"] == three["logs"][-1]
    assert (await tracking.status(user, task_id, logs_count=0))["requested_logs_count"] == 1
    assert (await tracking.status(user, task_id, logs_count=1000))["requested_logs_count"] == 100
    for bad in ("abc", "1.5", ""):
        response = await tracking.call("GET", "task_status", user, task_id, logs_count=bad)
        assert_error(response, 400)


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[RunningServer]:
    env = {**TEST_ENV, "CODVID_SCRAPER_STEP_DELAY": "1.5"}
    with start_server(tmp_path / "data", env) as running:
        yield running


@asynccontextmanager
async def started(data_dir: Path, env: dict[str, Any]) -> AsyncIterator[RunningServer]:
    """``start_server`` off the event loop: its readiness wait and its stop block."""
    stack = ExitStack()
    running = await asyncio.to_thread(stack.enter_context, start_server(data_dir, env))
    try:
        yield running
    finally:
        await asyncio.to_thread(stack.close)


async def test_sigkill_mid_run_leaves_nothing_processing(slow_server: RunningServer) -> None:
    """A real ``codvid serve``: the test SIGKILLs it mid-run and starts it again on the
    same data directory, which an app in this process cannot stand in for."""
    async with httpx.AsyncClient(base_url=slow_server.url, timeout=30) as http:
        tracking = Tracking(Api(http))
        user = await tracking.api.signup()
        task_id = await tracking.create_profile(user, "steady_growth")
        await tracking.call("POST", "force_scrape", user, task_id)
        await tracking.wait_idle(user, task_id)
        details = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]
        before = details["task"]
        assert before["last_scraped"] is not None
        assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
        deadline = time.monotonic() + 10
        while (await tracking.status(user, task_id))["logs_count"] < 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # inside the provider's fetch (3 steps of 1.5 s)
        assert (await tracking.status(user, task_id))["is_processing"] is True
    await asyncio.to_thread(stop, slow_server, signal.SIGKILL)
    async with (
        started(slow_server.data_dir, {**TEST_ENV}) as restarted,
        httpx.AsyncClient(base_url=restarted.url, timeout=30) as http,
    ):
        tracking = Tracking(Api(http))
        status = await tracking.status(user, task_id)
        assert status["is_processing"] is False
        assert status["last_run"]["status"] == "failed"
        assert "restarted" in status["last_run"]["error"]
        details = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]
        after = details["task"]
        assert after["target_profile_data"] == before["target_profile_data"]
        assert after["last_scraped"] == before["last_scraped"]
        assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
        await tracking.wait_idle(user, task_id)
