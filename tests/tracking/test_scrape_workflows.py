"""The seed's client workflows and the processing registry's guarantees, end to end.

Create, force scrape, poll task_status every 2 s until done, read the results and the
sentiment summary: against ``make run`` as a user starts it. Then concurrency (one run
per task), failures (reason in the events, previous data kept) and a SIGKILL mid-run.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.client import Api, Tracking, User, assert_error, new_username
from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server, stop

POLL_SECONDS = 2  # what the seed's clients do


def poll_until_done(tracking: Tracking, user: User, task_id: str) -> dict:  # type: ignore[type-arg]
    seen = []
    for _ in range(30):
        status = tracking.status(user, task_id, logs_count=100)
        seen.append(status.get("latest_event"))
        if not status["is_processing"]:
            return status
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"still processing after 60 s: {seen}")


def test_profile_workflow_against_make_run(make_run: RunningServer) -> None:
    with httpx.Client(base_url=make_run.url, timeout=30) as http:
        tracking = Tracking(Api(http), update8=False)
        user = tracking.api.signup()
        task_id = tracking.create_profile(user, "creator.daily")
        started = tracking.call("POST", "force_scrape", user, task_id)
        assert started.status_code == 200
        assert started.json() == {
            "result": True,
            "message": "Task scraping initiated successfully",
            "task_id": task_id,
            "status": "processing",
        }
        status = poll_until_done(tracking, user, task_id)
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

        details = tracking.call("GET", "get_task", user, task_id).json()["response"]
        data = details["task"]["target_profile_data"]
        assert data["username"] == "creator.daily" and data["is_demo"] is True
        assert len(data["scraped_posts"]) == 12
        assert data["followers"] > 0 and data["follows_count"] == data["following"]
        post = data["scraped_posts"][0]
        assert post["likes"] == post["likes_count"] and post["comments"] == post["comments_count"]
        assert all(not tag.startswith("#") for tag in post["hashtags"])
        assert details["task"]["last_scraped"] <= details["task"]["next_scrape_due"]

        summary = tracking.call("GET", "sentiment_summary", user, task_id).json()["response"]
        counts = summary["sentiment_summary"]
        labels = Counter(c["sentiment"] for p in data["scraped_posts"] for c in p["top_comments"])
        assert counts["total_comments"] == sum(labels.values()) > 0
        assert counts["sentiment_distribution"] == {
            k: labels[k] for k in ("positive", "negative", "neutral")
        }


def test_reel_workflow_against_make_run(make_run: RunningServer) -> None:
    with httpx.Client(base_url=make_run.url, timeout=30) as http:
        api = Api(http)
        tracking = Tracking(api, update8=True)
        user = api.signup()
        project = api.create_project(user, "reel campaign")
        task_id = tracking.create_reel(user, project, "DNlP4Kayo5O")
        started = tracking.call("POST", "force_scrape_reel", user, task_id)
        assert started.json()["message"] == "Reel tracking task scraping initiated successfully"
        status = poll_until_done(tracking, user, task_id)
        assert status["last_run"]["status"] == "succeeded"
        assert status["latest_event"]["event_type"] == "reel_data_updated"

        listed = tracking.call(
            "POST", "get_project_reel_tasks", user, data={"project_name": project}
        ).json()["response"]["tasks"]
        reel = listed[0]["reel_data"]
        for field in ("likes", "comments", "views"):
            assert isinstance(reel[field], int)
        analysis = reel["sentiment_analysis"]
        assert analysis["positive"] + analysis["negative"] + analysis["neutral"] == len(
            reel["top_comments"]
        )
        summary = tracking.call("GET", "sentiment_summary", user, task_id).json()["response"]
        assert summary["sentiment_summary"]["total_comments"] == len(reel["top_comments"])
        assert summary["sentiment_summary"]["overall_sentiment"] == analysis["overall_sentiment"]


def test_twenty_parallel_force_scrapes_start_one_run(tracking: Tracking) -> None:
    user = tracking.api.signup()
    task_id = tracking.create_profile(user)
    barrier = threading.Barrier(20)

    def hit(_: int) -> int:
        with httpx.Client(base_url=str(tracking.api.http.base_url), timeout=30) as http:
            barrier.wait()
            path = f"/codvid-ai/{tracking.path('force_scrape', task_id)}"
            return http.post(path, headers=user.headers).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = Counter(pool.map(hit, range(20)))
    assert statuses == {200: 1, 409: 19}
    tracking.wait_idle(user, task_id)
    again = tracking.call("POST", "force_scrape", user, task_id)
    assert again.status_code == 200
    busy = tracking.call("POST", "force_scrape", user, task_id)
    assert_error(busy, 409, "Task is already being processed")
    tracking.wait_idle(user, task_id)


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
def test_provider_failures_end_the_run_with_the_reason(api: Api, prefix: str, reason: str) -> None:
    tracking = Tracking(api)
    user = api.signup()
    task_id = tracking.create_profile(user, new_username(prefix.rstrip("_")))
    assert tracking.call("POST", "force_scrape", user, task_id).status_code == 200
    status = tracking.wait_idle(user, task_id, timeout=30)
    assert status["last_run"]["status"] == "failed"
    assert status["last_run"]["error"].startswith(reason)
    assert status["latest_event"]["event_type"] == "scrape_failed"
    assert status["latest_event"]["message"].startswith(reason)
    task = tracking.call("GET", "get_task", user, task_id).json()["response"]["task"]
    assert task["last_scraped"] is None
    assert task["target_profile_data"]["scraped_posts"] == []
    assert task["next_scrape_due"] > time.time()  # backed off, not due again at once


def test_status_logs_count(api: Api) -> None:
    tracking = Tracking(api)
    user = api.signup()
    task_id = tracking.create_profile(user)
    idle = tracking.status(user, task_id)
    assert idle == {
        "task_id": task_id,
        "is_processing": False,
        "logs": [],
        "logs_count": 0,
        "requested_logs_count": 10,
        "latest_event": None,
    }
    tracking.call("POST", "force_scrape", user, task_id)
    tracking.wait_idle(user, task_id)
    three = tracking.status(user, task_id, logs_count=3)
    assert three["logs_count"] == 6 and three["requested_logs_count"] == 3
    assert [log["event_type"] for log in three["logs"]] == [
        "processing_reels",
        "reels_processed",
        "profile_data_updated",
    ]
    assert three["latest_event"] == three["logs"][-1]
    assert tracking.status(user, task_id, logs_count=0)["requested_logs_count"] == 1
    assert tracking.status(user, task_id, logs_count=1000)["requested_logs_count"] == 100
    for bad in ("abc", "1.5", ""):
        response = tracking.call("GET", "task_status", user, task_id, logs_count=bad)
        assert_error(response, 400)


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[RunningServer]:
    env = {**TEST_ENV, "CODVID_SCRAPER_STEP_DELAY": "1.5"}
    with start_server(tmp_path / "data", env) as running:
        yield running


def test_sigkill_mid_run_leaves_nothing_processing(slow_server: RunningServer) -> None:
    with httpx.Client(base_url=slow_server.url, timeout=30) as http:
        tracking = Tracking(Api(http))
        user = tracking.api.signup()
        task_id = tracking.create_profile(user, "steady_growth")
        tracking.call("POST", "force_scrape", user, task_id)
        tracking.wait_idle(user, task_id)
        before = tracking.call("GET", "get_task", user, task_id).json()["response"]["task"]
        assert before["last_scraped"] is not None
        assert tracking.call("POST", "force_scrape", user, task_id).status_code == 200
        deadline = time.monotonic() + 10
        while tracking.status(user, task_id)["logs_count"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # inside the provider's fetch (3 steps of 1.5 s)
        assert tracking.status(user, task_id)["is_processing"] is True
    stop(slow_server, signal.SIGKILL)
    with (
        start_server(slow_server.data_dir, {**TEST_ENV}) as restarted,
        httpx.Client(base_url=restarted.url, timeout=30) as http,
    ):
        tracking = Tracking(Api(http))
        status = tracking.status(user, task_id)
        assert status["is_processing"] is False
        assert status["last_run"]["status"] == "failed"
        assert "restarted" in status["last_run"]["error"]
        after = tracking.call("GET", "get_task", user, task_id).json()["response"]["task"]
        assert after["target_profile_data"] == before["target_profile_data"]
        assert after["last_scraped"] == before["last_scraped"]
        assert tracking.call("POST", "force_scrape", user, task_id).status_code == 200
        tracking.wait_idle(user, task_id)
