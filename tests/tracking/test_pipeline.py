"""A successful run, start to finish: the stored data, the schedule, history and events."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from codvid.projects import service as projects
from codvid.scrapers import ProfileResult, ReelResult
from codvid.sentiment import LABELS
from codvid.storage import Store
from codvid.tracking import history, runs
from codvid.tracking import service as tracking_service
from codvid.tracking.documents import RAW_PAYLOADS
from tests.conftest import MakeExecutor, MakeSettings
from tests.doubles import ScriptedProvider
from tests.factories import (
    DAY,
    PROJECT,
    REEL_SHORTCODE,
    USER,
    Executor,
    event_types,
    events,
    eventually,
    history_counts,
    profile_task,
    read_run,
    read_task,
    reel_task,
)
from tests.sentiment.doubles import MULTILINGUAL, MultilingualProvider

pytestmark = pytest.mark.anyio

PROFILE_EVENTS = [
    "scrape_started",
    "account_fetched",
    "reels_filtered",
    "processing_reels",
    "reels_processed",
    "profile_data_updated",
]
REEL_EVENTS = [
    "scrape_started",
    "reel_fetched",
    "comments_fetched",
    "sentiment_analyzed",
    "reel_data_updated",
]


def assert_labelled_comments(comments: list[dict[str, Any]]) -> None:
    for comment in comments:
        assert comment["sentiment"] in LABELS
        assert comment["username"] == comment["owner_username"]
        assert comment["likes"] == comment["likes_count"]


async def test_profile_run_stores_the_contract_fields(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    before = time.time()

    await execute(run["_id"])

    scraped = provider.last
    assert isinstance(scraped, ProfileResult)
    stored = await read_task(store, "profile", task["_id"])
    data = stored["target_profile_data"]
    assert data["username"] == "natgeo"
    assert data["followers"] == scraped.followers > 0
    assert data["following"] == data["follows_count"] == scraped.follows_count
    assert data["posts_count"] == scraped.posts_count
    assert data["igtv_video_count"] == data["ig_tv_video_count"] == scraped.igtv_video_count
    assert data["is_demo"] is True and data["data_source"] == "demo"
    posts = data["scraped_posts"]
    assert len(posts) == execute.context.scraping.max_posts == len(scraped.posts)
    for post, source in zip(posts, scraped.posts, strict=True):
        assert post["post_id"] == source.post_id
        assert post["likes"] == post["likes_count"] == source.likes_count
        assert post["comments"] == post["comments_count"] == source.comments_count
        assert post["hashtags"] == list(source.hashtags)
        assert all(tag and not tag.startswith("#") for tag in post["hashtags"])
        assert len(post["top_comments"]) == len(source.comments)
        assert_labelled_comments(post["top_comments"])
    assert any(post["hashtags"] for post in posts)
    assert any(post["top_comments"] for post in posts)

    assert before <= stored["last_scraped"] <= time.time()
    assert data["scraped_at"] == stored["last_scraped"]
    assert stored["next_scrape_due"] == pytest.approx(
        stored["last_scraped"] + stored["scrape_interval_days"] * DAY
    )
    assert stored["consecutive_failures"] == 0


async def test_profile_run_events_history_and_release(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])

    scraped = provider.last
    assert isinstance(scraped, ProfileResult)
    logged = await events(store, run["_id"])
    assert [event["event_type"] for event in logged] == PROFILE_EVENTS
    assert [event["seq"] for event in logged] == list(range(1, 7))
    by_type = {event["event_type"]: event for event in logged}
    assert by_type["reels_filtered"]["reels_count"] == sum(p.is_reel for p in scraped.posts) > 0
    assert by_type["processing_reels"]["processing_progress"]
    assert by_type["profile_data_updated"]["scraped_posts_count"] == len(scraped.posts)
    assert "@natgeo" in by_type["scrape_started"]["message"]
    timestamps = [event["timestamp"] for event in logged]
    assert timestamps == sorted(timestamps)

    done = await read_run(store, run["_id"])
    assert done["status"] == "succeeded" and done["error"] is None
    assert done["worker"] == execute.worker.worker_id and done["logs_count"] == 6
    assert done["started_at"] <= done["finished_at"]
    stored = await read_task(store, "profile", task["_id"])
    assert stored["active_run_id"] is None
    assert stored["last_run"]["status"] == "succeeded"
    assert not execute.worker.inflight

    (snapshot,) = await history.snapshots(store, task["_id"])
    assert snapshot["run_id"] == run["_id"] and snapshot["kind"] == "profile"
    assert snapshot["followers"] == scraped.followers
    assert snapshot["taken_at"] == stored["last_scraped"]
    assert [p["post_id"] for p in snapshot["posts"]] == [p.post_id for p in scraped.posts]
    raw = await store.collection(RAW_PAYLOADS).find_one({"_id": run["_id"]})
    assert raw is not None and raw["task_id"] == task["_id"]
    assert raw["payload"] == scraped.raw and raw["payload"]["demo"] is True


async def test_reel_run_stores_data_counts_and_bumps_the_project(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await reel_task(store)
    project = await projects.get(store, USER, PROJECT)
    run = await runs.claim(store, "reel", task["_id"], USER, "force")

    await execute(run["_id"])

    scraped = provider.last
    assert isinstance(scraped, ReelResult)
    assert await event_types(store, run["_id"]) == REEL_EVENTS
    stored = await read_task(store, "reel", task["_id"])
    data = stored["reel_data"]
    assert (data["likes"], data["comments"], data["views"], data["plays"]) == (
        scraped.likes,
        scraped.comments,
        scraped.views,
        scraped.plays,
    )
    assert data["hashtags"] == list(scraped.hashtags) != []
    assert all(not tag.startswith("#") for tag in data["hashtags"])
    assert data["is_demo"] is True
    comments = data["top_comments"]
    assert len(comments) == len(scraped.comments_list) > 0
    assert_labelled_comments(comments)
    sentiment = data["sentiment_analysis"]
    tallies = [sentiment[label] for label in LABELS]
    assert all(type(tally) is int for tally in tallies)
    assert sum(tallies) == len(comments)
    assert sentiment["overall_sentiment"] in LABELS
    for label in LABELS:
        assert sentiment[label] == sum(c["sentiment"] == label for c in comments)
    logged = {event["event_type"]: event for event in await events(store, run["_id"])}
    assert logged["comments_fetched"]["comments_count"] == len(comments)
    assert logged["sentiment_analyzed"]["sentiment_analysis"] == sentiment
    assert REEL_SHORTCODE in logged["scrape_started"]["message"]

    assert stored["next_scrape_due"] == pytest.approx(
        stored["last_scraped"] + stored["scrape_interval_days"] * DAY
    )
    assert stored["active_run_id"] is None
    assert (await read_run(store, run["_id"]))["status"] == "succeeded"
    bumped = await projects.get(store, USER, PROJECT)
    assert bumped["mod_count"] == project["mod_count"] + 1
    assert await history_counts(store, task["_id"]) == (1, 1)


async def test_a_second_success_adds_history_and_replaces_the_data(
    store: Store, execute: Executor
) -> None:
    task = await profile_task(store)
    run_ids = []
    for _ in range(2):
        run = await runs.claim(store, "profile", task["_id"], USER, "force")
        await execute(run["_id"])
        run_ids.append(run["_id"])

    stored = await read_task(store, "profile", task["_id"])
    snapshots = await history.snapshots(store, task["_id"])
    assert [snapshot["run_id"] for snapshot in snapshots] == run_ids
    assert snapshots[-1]["taken_at"] == stored["last_scraped"]
    assert stored["target_profile_data"]["scraped_at"] == stored["last_scraped"]
    assert await history_counts(store, task["_id"]) == (2, 2)


async def test_execute_twice_runs_the_pipeline_once(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])
    first = await read_run(store, run["_id"])
    await execute(run["_id"])

    assert provider.calls == 1
    assert await read_run(store, run["_id"]) == first
    assert await event_types(store, run["_id"]) == PROFILE_EVENTS
    assert await history_counts(store, task["_id"]) == (1, 1)


async def test_a_duplicate_delivery_during_the_run_does_nothing(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await asyncio.gather(*(execute(run["_id"]) for _ in range(3)))

    assert provider.calls == 1
    assert await event_types(store, run["_id"]) == PROFILE_EVENTS
    assert (await read_run(store, run["_id"]))["status"] == "succeeded"


async def test_execute_of_an_unknown_run_does_nothing(
    execute: Executor, provider: ScriptedProvider
) -> None:
    await execute("no-such-run")

    assert provider.calls == 0


async def test_runs_share_the_concurrency_slots(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider
) -> None:
    # Batches of one: no queued run joins the first one's provider call.
    execute = make_executor(job_concurrency=1, scrape_batch_size=1)
    first, second = await profile_task(store, "first"), await profile_task(store, "second")
    run_one = await runs.claim(store, "profile", first["_id"], USER, "force")
    run_two = await runs.claim(store, "profile", second["_id"], USER, "force")
    gate = provider.hang()

    going = [asyncio.create_task(execute(r["_id"])) for r in (run_one, run_two)]
    await provider.entered.wait()
    await asyncio.sleep(0.05)

    assert provider.calls == 1
    assert (await read_run(store, run_two["_id"]))["status"] == "queued"
    gate.set()
    await asyncio.wait_for(asyncio.gather(*going), 5)
    assert provider.calls == 2
    for r in (run_one, run_two):
        assert (await read_run(store, r["_id"]))["status"] == "succeeded"


async def test_queued_profile_runs_join_the_provider_call_of_a_running_one(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider
) -> None:
    """With one slot, the first run's profile call still serves the queued ones: they
    start at once, each with its own run, events and result; their own delivery later
    finds them taken and does nothing."""
    execute = make_executor(job_concurrency=1, scrape_batch_window=0.05)
    tasks = [await profile_task(store, f"member{i}") for i in range(4)]
    claimed = [await runs.claim(store, "profile", t["_id"], USER, "force") for t in tasks]

    await execute(claimed[0]["_id"])
    await eventually(
        lambda: _all_ended(store, [run["_id"] for run in claimed]), what="every run ended"
    )
    for run in claimed[1:]:
        await execute(run["_id"])  # the late delivery: nothing to do

    assert provider.batches == [[f"member{i}" for i in range(4)]]
    assert provider.calls == 1
    for task, run in zip(tasks, claimed, strict=True):
        done = await read_run(store, run["_id"])
        assert done["status"] == "succeeded", done["error"]
        fetched = next(
            e for e in await events(store, run["_id"]) if e["event_type"] == "account_fetched"
        )
        assert fetched["shared_fetch"] == 4
        assert "shared by 4 profiles" in fetched["message"]
        stored = await read_task(store, "profile", task["_id"])
        assert stored["target_profile_data"]["username"] == task["target_profile"]


async def test_a_long_queue_drains_through_several_calls_at_once(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider
) -> None:
    """One slot, calls of 2 profiles: the queued runs beyond a call's room open the next
    call, so the calls overlap instead of waiting for the slot one by one."""
    execute = make_executor(job_concurrency=1, scrape_batch_size=2, scrape_batch_window=0.02)
    provider.delay = 0.2
    tasks = [await profile_task(store, f"queued{i}") for i in range(8)]
    claimed = [await runs.claim(store, "profile", t["_id"], USER, "force") for t in tasks]

    await execute(claimed[0]["_id"])
    await eventually(
        lambda: _all_ended(store, [run["_id"] for run in claimed]), what="every run ended"
    )

    assert all(len(batch) <= 2 for batch in provider.batches)
    assert sorted(name for batch in provider.batches for name in batch) == sorted(
        t["target_profile"] for t in tasks
    )
    assert provider.most_profile_calls_at_once >= 2
    for run in claimed:
        done = await read_run(store, run["_id"])
        assert done["status"] == "succeeded", done["error"]


async def _all_ended(store: Store, run_ids: list[str]) -> bool:
    for run_id in run_ids:
        if (await read_run(store, run_id))["status"] in runs.ACTIVE:
            return False
    return True


# ---- comments in every language --------------------------------------------------------

EXPECTED = {text: (language, label, source) for text, language, label, source in MULTILINGUAL}


def assert_languages_stored(comments: list[dict[str, Any]]) -> None:
    for comment in comments:
        language, label, source = EXPECTED[comment["text"]]
        assert (comment["language"], comment["sentiment"], comment["sentiment_source"]) == (
            language,
            label,
            source,
        ), comment["text"]


async def test_a_reel_run_stores_each_comments_language(
    store: Store, make_settings: MakeSettings
) -> None:
    execute = Executor.build(store, make_settings(), MultilingualProvider())
    task = await reel_task(store)
    run = await runs.claim(store, "reel", task["_id"], USER, "force")

    await execute(run["_id"])

    data = (await read_task(store, "reel", task["_id"]))["reel_data"]
    comments = data["top_comments"]
    assert len(comments) >= len(MULTILINGUAL)
    assert_languages_stored(comments)
    # The contract's counts read the labels: the unknown comment is among the neutral ones.
    for label in LABELS:
        assert data["sentiment_analysis"][label] == sum(c["sentiment"] == label for c in comments)

    summary = await tracking_service.sentiment(store, USER, task["_id"])
    assert summary["total_comments"] == len(comments)
    assert summary["unknown_comments"] == sum(c["language"] == "am" for c in comments) > 0
    for entry in summary["by_language"]:
        mine = [c for c in comments if c["language"] == entry["language"]]
        assert entry["total_comments"] == len(mine)
        assert entry["unknown"] == sum(c["sentiment_source"] == "unknown" for c in mine)
        for label in LABELS:
            known = [c for c in mine if c["sentiment_source"] != "unknown"]
            assert entry[label] == sum(c["sentiment"] == label for c in known)
    assert {e["language"] for e in summary["by_language"]} == {c["language"] for c in comments}


async def test_a_profile_run_stores_each_comments_language(
    store: Store, make_settings: MakeSettings
) -> None:
    execute = Executor.build(store, make_settings(), MultilingualProvider())
    task = await profile_task(store, "multilingual")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])

    posts = (await read_task(store, "profile", task["_id"]))["target_profile_data"]["scraped_posts"]
    comments = [c for post in posts for c in post["top_comments"]]
    assert {c["language"] for c in comments} == {language for _, language, _, _ in MULTILINGUAL}
    assert_languages_stored(comments)
