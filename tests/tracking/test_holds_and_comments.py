"""Holds after a permanent failure (the scheduler leaves the task alone until its user
changes it), incremental comments (only new posts and posts whose comment count moved
are asked for theirs), and what a failed run keeps of the provider's answer."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from codvid.scrapers import (
    MalformedResponse,
    NotBusinessAccount,
    ProfileBatch,
    ProfileNotFound,
    ProfilePrivate,
    ProfileResult,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    ScraperError,
)
from codvid.scrapers.providers.demo import DemoProvider
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import Document, Store
from codvid.tracking import profiles, runs, scheduled, service
from codvid.tracking.documents import PROFILE_TASKS, RAW_PAYLOADS, TASK_COLLECTIONS, TaskKind
from codvid.tracking.schemas import ProfileTaskUpdate
from tests.client import Api, Tracking, assert_error, new_username
from tests.conftest import MakeExecutor
from tests.doubles import Enqueued, ScriptedProvider
from tests.factories import (
    USER,
    Executor,
    events,
    history_counts,
    profile_task,
    read_run,
    read_task,
    reel_task,
)

pytestmark = pytest.mark.anyio

CLOCK = 1_760_000_000.0
"""The demo data's clock, frozen: its counts grow with time, and these tests move them."""
HOLD = "permanent_failure"


class Tweakable(ScriptedProvider):
    """The scripted demo provider on a frozen clock, whose answers a test can change: a
    post's comment count (``counts``), posts not published yet (``hidden``)."""

    def __init__(self) -> None:
        super().__init__()
        self._demo = DemoProvider(step_delay=0, clock=lambda: CLOCK)
        self.counts: dict[str, int] = {}
        self.hidden: set[str] = set()

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        batch = await super().fetch_profiles(usernames, max_posts=max_posts)
        changed: dict[str, ProfileResult | ScraperError] = {}
        for username, result in batch.profiles.items():
            if isinstance(result, ProfileResult):
                posts = tuple(
                    dataclasses.replace(
                        post, comments_count=self.counts.get(post.post_id, post.comments_count)
                    )
                    for post in result.posts
                    if post.post_id not in self.hidden
                )
                result = dataclasses.replace(result, posts=posts)
            changed[username] = result
        return dataclasses.replace(batch, profiles=changed)


@pytest.fixture
def provider() -> ScriptedProvider:
    return Tweakable()


@pytest.fixture
def tweak(provider: ScriptedProvider) -> Tweakable:
    assert isinstance(provider, Tweakable)
    return provider


async def scrape(
    store: Store, execute: Executor, task: Document, kind: TaskKind = "profile", **claim: Any
) -> Document:
    run = await runs.claim(store, kind, task["_id"], USER, "force", **claim)
    await execute(run["_id"])
    return await read_run(store, run["_id"])


async def posts_of(store: Store, task: Document) -> list[dict[str, Any]]:
    stored = await read_task(store, "profile", task["_id"])
    return list(stored["target_profile_data"]["scraped_posts"])


async def make_due(store: Store, task: Document, kind: TaskKind = "profile") -> None:
    """As if the interval had passed."""
    await store.collection(TASK_COLLECTIONS[kind]).update_one(
        {"_id": task["_id"]}, {"$set": {"next_scrape_due": time.time() - 10}}
    )


async def picked(store: Store, kind: TaskKind = "profile") -> list[str]:
    return [task["_id"] for task in await scheduled.pick_due(store, kind, 100)]


# ---- holds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        pytest.param("profile", ProfileNotFound("Profile @natgeo not found"), id="not-found"),
        pytest.param("profile", ProfilePrivate(), id="private"),
        pytest.param("profile", NotBusinessAccount(), id="not-business"),
        pytest.param("reel", ReelNotFound(), id="reel-gone"),
    ],
)
async def test_a_permanent_failure_holds_the_task_and_the_scheduler_skips_it(
    store: Store,
    execute: Executor,
    provider: ScriptedProvider,
    kind: TaskKind,
    error: ScraperError,
) -> None:
    task = await (profile_task(store) if kind == "profile" else reel_task(store))
    provider.error = error
    before = time.time()

    run = await scrape(store, execute, task, kind)

    assert run["status"] == "failed" and error.message in run["error"]
    stored = await read_task(store, kind, task["_id"])
    hold = stored["scrape_hold"]
    assert (hold["cause"], hold["reason"]) == (HOLD, run["error"])
    assert before <= hold["since"] <= time.time()
    assert stored["next_scrape_due"] == task["next_scrape_due"]  # no back-off: a hold
    assert (await service.status(store, USER, task["_id"], 10))["scrape_hold"] == hold
    assert (await service.get(store, USER, task["_id"])).get("scrape_hold") == hold

    await make_due(store, task, kind)
    assert task["_id"] not in await picked(store, kind)
    enqueue = Enqueued()
    assert await scheduled.schedule_due(store, enqueue, 10, execute.context.scraping) == 0
    assert enqueue.run_ids == []


async def update_profile(store: Store, task: Document, _: ScrapingSettings) -> None:
    await profiles.update(store, USER, task["_id"], ProfileTaskUpdate(is_competitor=True))


async def change_interval(store: Store, task: Document, _: ScrapingSettings) -> None:
    await service.set_interval(store, USER, task["_id"], 3)


async def force_scrape(store: Store, task: Document, scraping: ScrapingSettings) -> None:
    await service.force_scrape(store, Enqueued(), scraping, "profile", USER, task["_id"])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(update_profile, id="profile-update"),
        pytest.param(change_interval, id="interval-change"),
        pytest.param(force_scrape, id="force-scrape"),
    ],
)
async def test_the_users_change_lifts_the_hold(
    store: Store,
    execute: Executor,
    provider: ScriptedProvider,
    change: Callable[[Store, Document, ScrapingSettings], Awaitable[None]],
) -> None:
    task = await profile_task(store)
    provider.error = ProfilePrivate()
    await scrape(store, execute, task)
    assert (await read_task(store, "profile", task["_id"]))["scrape_hold"]["cause"] == HOLD

    await change(store, task, execute.context.scraping)

    stored = await read_task(store, "profile", task["_id"])
    assert stored.get("scrape_hold") is None
    assert (await service.status(store, USER, task["_id"], 10))["scrape_hold"] is None
    if stored["active_run_id"] is None:  # not force scraped: the scheduler takes it again
        await make_due(store, task)
        assert await picked(store) == [task["_id"]]


async def test_a_reels_interval_change_lifts_its_hold(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await reel_task(store)
    provider.error = ReelNotFound()
    await scrape(store, execute, task, "reel")

    await service.set_interval(store, USER, task["_id"], 5)

    assert (await read_task(store, "reel", task["_id"])).get("scrape_hold") is None
    await make_due(store, task, "reel")
    assert await picked(store, "reel") == [task["_id"]]


async def test_a_forced_run_that_succeeds_leaves_no_hold_and_one_that_fails_holds_again(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store)
    provider.error = ProfileNotFound()
    await scrape(store, execute, task)
    await scrape(store, execute, task)
    assert (await read_task(store, "profile", task["_id"]))["scrape_hold"]["cause"] == HOLD

    provider.behave()
    assert (await scrape(store, execute, task))["status"] == "succeeded"

    stored = await read_task(store, "profile", task["_id"])
    assert stored.get("scrape_hold") is None and stored["consecutive_failures"] == 0


@pytest.mark.parametrize(
    "error",
    [ProviderTimeout(), ProviderUnavailable(), RateLimited(retry_after=60), MalformedResponse()],
    ids=lambda error: type(error).__name__,
)
async def test_a_failure_that_is_not_permanent_backs_off_instead_of_holding(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider, error: ScraperError
) -> None:
    execute = make_executor(failure_backoff=60)
    task = await profile_task(store)
    provider.error = error
    before = time.time()

    await scrape(store, execute, task)

    stored = await read_task(store, "profile", task["_id"])
    assert stored.get("scrape_hold") is None
    assert before + 60 <= stored["next_scrape_due"] <= time.time() + 60
    assert stored["consecutive_failures"] == 1
    assert task["_id"] not in await picked(store)  # backing off
    await make_due(store, task)
    assert await picked(store) == [task["_id"]]


async def test_a_budget_hold_is_picked_once_due_unlike_a_permanent_one(store: Store) -> None:
    budget = await profile_task(store, "budget", next_scrape_due=time.time() - 10)
    permanent = await profile_task(store, "permanent", next_scrape_due=time.time() - 10)
    for task, cause in ((budget, "budget"), (permanent, HOLD)):
        await store.collection(PROFILE_TASKS).update_one(
            {"_id": task["_id"]},
            {"$set": {"scrape_hold": {"cause": cause, "reason": "r", "since": 1.0}}},
        )

    assert await picked(store) == [budget["_id"]]


async def test_a_hold_shows_over_http_until_the_task_is_changed(tracking: Tracking) -> None:
    user = await tracking.api.signup()
    task_id = await tracking.create_profile(user, new_username("demo_fail"))

    assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    status = await tracking.wait_idle(user, task_id)

    hold = status["scrape_hold"]
    assert hold["cause"] == HOLD and hold["reason"] == status["last_run"]["error"]
    assert "not found" in hold["reason"]
    shown = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert shown["scrape_hold"] == hold
    (listed,) = (await tracking.call("GET", "get_tasks", user)).json()["response"]["tasks"]
    assert listed["scrape_hold"] == hold

    changed = await tracking.call("PUT", "update_task", user, task_id, data={"is_competitor": True})
    assert changed.status_code == 200, changed.text

    shown = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert "scrape_hold" not in shown
    (listed,) = (await tracking.call("GET", "get_tasks", user)).json()["response"]["tasks"]
    assert "scrape_hold" not in listed
    assert "scrape_hold" not in await tracking.status(user, task_id)


# ---- incremental comments ------------------------------------------------------------


def fetched_at(posts: list[dict[str, Any]]) -> dict[str, float | None]:
    return {post["post_id"]: post.get("comments_fetched_at") for post in posts}


async def test_unchanged_counts_ask_for_no_comments_and_keep_the_earlier_ones(
    store: Store, execute: Executor, tweak: Tweakable
) -> None:
    task = await profile_task(store, "natgeo")
    before = time.time()
    await scrape(store, execute, task)
    first = await posts_of(store, task)
    (asked,) = tweak.comment_calls
    assert asked == [post["post_id"] for post in first if post["comments_count"] > 0]
    for post in first:
        assert before <= post["comments_fetched_at"] <= time.time()
        assert post["comments_count_at_fetch"] == post["comments_count"]
    assert any(post["top_comments"] for post in first)

    second_run = await scrape(store, execute, task)

    assert second_run["status"] == "succeeded"
    assert len(tweak.comment_calls) == 1
    second = await posts_of(store, task)
    assert [post["post_id"] for post in second] == [post["post_id"] for post in first]
    for old, new in zip(first, second, strict=True):
        assert new["top_comments"] == old["top_comments"]
        assert new["comments_fetched_at"] == old["comments_fetched_at"]
        assert new["comments_count_at_fetch"] == old["comments_count_at_fetch"]
    stored = await read_task(store, "profile", task["_id"])
    assert stored["last_scraped"] > first[0]["comments_fetched_at"]
    logged = {event["event_type"]: event for event in await events(store, second_run["_id"])}
    message = logged["processing_reels"]["message"]
    assert f"comments of {len(first)} unchanged posts kept" in message
    assert message.startswith("Analysing the sentiment of 0 comments of 0 posts")


async def test_a_post_whose_count_moved_beyond_the_threshold_is_asked_again(
    store: Store, make_executor: MakeExecutor, tweak: Tweakable
) -> None:
    execute = make_executor(scrape_comment_refresh_change=0.1)
    task = await profile_task(store, "natgeo")
    await scrape(store, execute, task)
    first = await posts_of(store, task)
    grew, fell, slight = [post for post in first if post["comments_count"] >= 20][:3]
    tweak.counts = {
        grew["post_id"]: grew["comments_count"] + math.ceil(grew["comments_count"] * 0.1) + 1,
        fell["post_id"]: fell["comments_count"] - math.ceil(fell["comments_count"] * 0.1) - 1,
        slight["post_id"]: slight["comments_count"] + math.floor(slight["comments_count"] * 0.1),
    }
    moment = time.time()

    await scrape(store, execute, task)

    assert tweak.comment_calls[1] == [grew["post_id"], fell["post_id"]]
    second = {post["post_id"]: post for post in await posts_of(store, task)}
    for changed in (grew, fell):
        now_stored = second[changed["post_id"]]
        assert now_stored["comments_fetched_at"] >= moment
        assert now_stored["comments_count_at_fetch"] == tweak.counts[changed["post_id"]]
    kept = second[slight["post_id"]]
    assert kept["comments_count"] == tweak.counts[slight["post_id"]]
    assert kept["comments_count_at_fetch"] == slight["comments_count"]
    assert kept["comments_fetched_at"] == slight["comments_fetched_at"]
    assert kept["top_comments"] == slight["top_comments"]


async def test_a_new_post_gets_its_comments_and_the_others_keep_theirs(
    store: Store, execute: Executor, tweak: Tweakable
) -> None:
    task = await profile_task(store, "natgeo")
    whole = (await tweak.fetch_profiles(["natgeo"], max_posts=12)).profiles["natgeo"]
    assert isinstance(whole, ProfileResult)
    newest = whole.posts[0].post_id
    tweak.hidden = {newest}  # not published at the first scrape
    await scrape(store, execute, task)
    first = fetched_at(await posts_of(store, task))
    assert newest not in first

    tweak.hidden = set()
    await scrape(store, execute, task)

    assert tweak.comment_calls[1] == [newest]
    second = await posts_of(store, task)
    assert second[0]["post_id"] == newest and second[0]["top_comments"]
    assert {key: value for key, value in fetched_at(second).items() if key != newest} == first


async def test_a_full_scrape_asks_again_for_every_posts_comments(
    store: Store, execute: Executor, tweak: Tweakable
) -> None:
    task = await profile_task(store, "natgeo")
    await scrape(store, execute, task)
    first = await posts_of(store, task)
    enqueue = Enqueued()
    moment = time.time()

    await service.force_scrape(
        store, enqueue, execute.context.scraping, "profile", USER, task["_id"], full=True
    )
    (run_id,) = enqueue.run_ids
    assert (await read_run(store, run_id))["full"] is True
    await execute(run_id)

    assert tweak.comment_calls[1] == tweak.comment_calls[0]
    assert len(tweak.comment_calls[1]) == len(first)
    for post in await posts_of(store, task):
        assert post["comments_fetched_at"] >= moment


async def test_a_full_force_scrape_over_http_refetches_every_posts_comments(api: Api) -> None:
    tracking = Tracking(api)
    user = await api.signup()
    task_id = await tracking.create_profile(user, new_username("full"))
    assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    await tracking.wait_idle(user, task_id)
    first = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]

    started = await tracking.call("POST", "force_scrape", user, task_id, data={"full": True})
    assert started.status_code == 200, started.text
    await tracking.wait_idle(user, task_id)

    second = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    posts = second["target_profile_data"]["scraped_posts"]
    assert posts and all(
        post["comments_fetched_at"] > first["last_scraped"]
        for post in posts
        if post["comments_count"] > 0
    )


async def test_a_force_scrape_with_a_full_that_is_not_a_boolean_is_400(api: Api) -> None:
    tracking = Tracking(api)
    user = await api.signup()
    task_id = await tracking.create_profile(user)

    response = await tracking.call("POST", "force_scrape", user, task_id, data={"full": "yes"})

    assert_error(response, 400)
    assert "full" in response.json()["message"]
    assert "last_run" not in await tracking.status(user, task_id)


async def test_a_provider_without_comments_says_so(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider
) -> None:
    provider.comments_available = False
    execute = make_executor()  # the guard reads the flag when it is built
    profile, reel = await profile_task(store, "natgeo"), await reel_task(store)

    profile_run = await scrape(store, execute, profile)
    reel_run = await scrape(store, execute, reel, "reel")

    expected = "No comments available from this provider (demo)"
    assert provider.comment_calls == []
    logged = {event["event_type"]: event for event in await events(store, profile_run["_id"])}
    assert logged["processing_reels"]["message"] == expected
    logged = {event["event_type"]: event for event in await events(store, reel_run["_id"])}
    assert logged["comments_fetched"]["message"] == expected
    assert all(post["top_comments"] == [] for post in await posts_of(store, profile))
    assert (await read_task(store, "reel", reel["_id"]))["reel_data"]["top_comments"] == []


# ---- a failed run keeps what the provider sent ----------------------------------------


async def raw_of(store: Store, run_id: str) -> dict[str, Any] | None:
    kept = await store.collection(RAW_PAYLOADS).find_one({"_id": run_id})
    return None if kept is None else dict(kept["payload"])


@pytest.mark.parametrize(
    "error",
    [
        ProviderUnavailable("The provider answered 502", raw={"status": 502, "body": "oops"}),
        ProfileNotFound("Profile @natgeo not found", raw={"items": [], "error": "no_items"}),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_a_failed_run_keeps_the_providers_answer_and_the_previous_data(
    store: Store, execute: Executor, provider: ScriptedProvider, error: ScraperError
) -> None:
    task = await profile_task(store, "natgeo")
    assert (await scrape(store, execute, task))["status"] == "succeeded"
    scraped = await read_task(store, "profile", task["_id"])
    provider.error = error

    run = await scrape(store, execute, task)

    assert run["status"] == "failed"
    assert await raw_of(store, run["_id"]) == {"error": run["error"], "received": error.raw}
    stored = await read_task(store, "profile", task["_id"])
    assert stored["target_profile_data"] == scraped["target_profile_data"]
    assert stored["last_scraped"] == scraped["last_scraped"]
    assert await history_counts(store, task["_id"]) == (1, 2)  # a snapshot, two payloads


async def test_a_huge_answer_of_a_failed_run_is_capped(
    store: Store, make_executor: MakeExecutor, provider: ScriptedProvider
) -> None:
    execute = make_executor(scrape_raw_max_bytes=1024)
    task = await profile_task(store, "natgeo")
    provider.error = ProviderUnavailable(raw={"body": "é" * 5000})

    run = await scrape(store, execute, task)

    kept = await raw_of(store, run["_id"])
    assert kept is not None and kept["truncated"] is True
    assert kept["size_bytes"] > 10_000
    assert len(kept["head"].encode()) <= 1024
    assert kept["head"].startswith('{"error": ')


async def test_a_failure_without_an_answer_keeps_no_payload(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    provider.error = ProviderTimeout()

    run = await scrape(store, execute, task)

    assert await raw_of(store, run["_id"]) is None
    assert await history_counts(store, task["_id"]) == (0, 0)


async def test_a_malformed_answer_is_kept_for_the_audit(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    provider.malformed = True

    run = await scrape(store, execute, task)

    assert run["status"] == "failed" and "Malformed" in run["error"]
    kept = await raw_of(store, run["_id"])
    assert kept is not None and kept["received"]["demo"] is True
