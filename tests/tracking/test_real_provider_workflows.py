"""The seed's client workflows with the real scraper providers, each against its local fake
vendor (``tests/fakes``), over HTTP: the same contract shapes as with the demo provider,
the vendor's numbers (plays and views kept apart), and every failure ending in a failed
run whose reason the API gives.

``apify`` and ``graph`` run as ``codvid serve`` processes (``tests/server.py``) whose
``CODVID_APIFY_API_URL`` / ``CODVID_GRAPH_API_URL`` point at the fakes. ``instaloader`` has
no such setting: instaloader 4.16 hard-codes ``https://www.instagram.com/``, and the
provider's only seam is its ``transport`` argument (``docs/providers/instaloader.md``,
"Testing without Instagram"). So that service runs in this process (``tests/service.py``
``serving``), with the provider class its registered factory builds patched to take the
fake's transport and to skip instaloader's pauses; the factory, the session file and
everything from the guard up are the service's own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

import codvid.scrapers.providers.instaloader as instaloader_package
from codvid.config import load_settings
from codvid.scrapers.providers.instaloader import InstaloaderProvider
from tests.client import Api, Tracking, User, assert_error, new_username
from tests.conftest import GENEROUS, TEST_ENV
from tests.fakes import apify as fake_apify
from tests.fakes import graph as fake_graph
from tests.fakes import instaloader as fake_instagram
from tests.fakes.apify import FakeApify, comment_item, not_found_item, post_item, profile_item
from tests.fakes.graph import Account, FakeGraph, Media
from tests.fakes.instaloader import FakeComment, FakeInstagram, FakePost, FakeProfile
from tests.server import CODVID, RunningServer, start_server
from tests.service import BASE_URL, Service, serving

pytestmark = pytest.mark.anyio

PRICE = 0.0027
"""Apify's price per result (the fake's default), so a budget of 0.001 is spent at once."""
TIMEOUTS = {"apify": 3, "graph": 4, "instaloader": 4}
"""``CODVID_SCRAPE_TIMEOUT`` per provider: small, as the timeout cases wait it out. The
guard retries a throttled call only if the rest fits in a quarter of it, and its rests
last at least 1 s: graph's and instaloader's 429-then-success cases need 4."""
RATE = "10000/minute"
"""The providers' own call rates (apify 30/minute, instaloader 60/hour) would throttle
this file's dozens of scrapes; the guard's limit has tests of its own."""
COMMON = {
    **TEST_ENV,
    "CODVID_SCRAPER_STEP_DELAY": "0",
    "CODVID_SCRAPE_BATCH_WINDOW": "0",
    "CODVID_SCHEDULER_ENABLED": "false",
    "CODVID_SCRAPER_RETRIES": "2",
    "CODVID_SCRAPER_RETRY_WAIT": "0.05",
    "CODVID_SCRAPE_MAX_POSTS": "6",
    "CODVID_SCRAPE_MAX_COMMENTS": "5",
    "CODVID_SCRAPER_RATE_LIMIT": RATE,
    "CODVID_LOG_LEVEL": "debug",  # the most the log can say: the token must be in none of it
}
OPTIONAL = frozenset({"unavailable_metrics", "comments_fetched_at", "comments_count_at_fetch"})
"""Documented keys an object has or not (``tracking/documents.py``): ``unavailable_metrics``
when the provider cannot give a count, the comment bookkeeping when comments were fetched."""
SEED_EVENTS = [
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
Arrange = Callable[[Any, str], None]
"""Scripts a fake for one username: ``arrange(fake, username)``."""


def code(prefix: str = "C") -> str:
    """A fresh shortcode."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# ---- the API, as the seed's clients use it ---------------------------------------------


@dataclass
class Client:
    """One new user on one service; ``answers`` holds the text of every answer it got."""

    tracking: Tracking
    user: User
    answers: list[str] = field(default_factory=list)

    async def call(
        self, method: str, name: str, task_id: str | None = None, **data: Any
    ) -> httpx.Response:
        return await self.tracking.call(method, name, self.user, task_id, data=data or None)

    async def profile_task(self, username: str) -> str:
        return await self.tracking.create_profile(self.user, username)

    async def reel_task(self, shortcode: str) -> tuple[str, str]:
        project = await self.tracking.api.create_project(self.user)
        return project, await self.tracking.create_reel(self.user, project, shortcode)

    async def force(self, task_id: str, route: str = "force_scrape") -> None:
        started = await self.call("POST", route, task_id)
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "processing"

    async def done(self, task_id: str, timeout: float = 30) -> dict[str, Any]:
        """``task_status`` polled (with every log) until the run is over."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.tracking.status(self.user, task_id, logs_count=100)
            if not status["is_processing"]:
                return status
            assert time.monotonic() < deadline, f"still processing after {timeout} s: {status}"
            await asyncio.sleep(0.05)

    async def scrape(self, task_id: str, route: str = "force_scrape") -> dict[str, Any]:
        await self.force(task_id, route)
        return await self.done(task_id)

    async def task(self, task_id: str) -> dict[str, Any]:
        answer = await self.call("GET", "get_task", task_id)
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] = answer.json()["response"]["task"]
        return task

    async def reel(self, project: str, task_id: str) -> dict[str, Any]:
        """The reel task as the dashboard reads it: from its project's list."""
        listed = await self.call("POST", "get_project_reel_tasks", project_name=project)
        assert listed.status_code == 200, listed.text
        (task,) = [t for t in listed.json()["response"]["tasks"] if t["_id"] == task_id]
        return dict(task)

    async def sentiment(self, task_id: str) -> dict[str, Any]:
        answer = await self.call("GET", "sentiment_summary", task_id)
        assert answer.status_code == 200, answer.text
        summary: dict[str, Any] = answer.json()["response"]["sentiment_summary"]
        return summary


@asynccontextmanager
async def client(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None, *, update8: bool = False
) -> AsyncIterator[Client]:
    answers: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        answers.append(response.text)

    async with httpx.AsyncClient(
        base_url=base_url, transport=transport, timeout=30, event_hooks={"response": [keep]}
    ) as http:
        tracking = Tracking(Api(http), update8=update8)
        yield Client(tracking, await tracking.api.signup(), answers)


def over_asgi(service: Service) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=service.asgi, client=("127.0.0.1", 50000))


# ---- shapes ------------------------------------------------------------------------------


def shape(value: Any) -> Any:
    """Key sets and JSON types, recursively; a list's items merged into one shape (an
    empty list has none); the :data:`OPTIONAL` keys left out (checked on their own)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if key not in OPTIONAL}
    if isinstance(value, list):
        merged: list[Any] = []
        for item in value:
            merged = [merge(merged[0], shape(item))] if merged else [shape(item)]
        return merged
    return type(value).__name__


def merge(a: Any, b: Any) -> Any:
    if a == b:
        return a
    if isinstance(a, list) and isinstance(b, list):
        return [merge(a[0], b[0])] if a and b else a or b
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return {key: merge(a[key], b[key]) for key in a}
    return {"<mixed>": [a, b]}  # items of one list that differ: never the demo's shape


def assert_same_shape(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        assert sorted(actual) == sorted(expected), (
            f"{where}: keys differ: extra {sorted(set(actual) - set(expected))}, "
            f"missing {sorted(set(expected) - set(actual))}"
        )
        for key in expected:
            assert_same_shape(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not a list"
        if expected and actual:  # an empty list fits any items
            assert_same_shape(expected[0], actual[0], f"{where}[]")
    else:
        assert actual == expected, f"{where}: {actual} where the demo has {expected}"


def assert_unavailable_listed(item: Mapping[str, Any], *names: str) -> None:
    """``unavailable_metrics`` is a list of the item's own count fields, each 0 (unknown,
    not zero), and holds at least ``names``."""
    listed = item.get("unavailable_metrics", [])
    assert isinstance(listed, list) and all(isinstance(name, str) for name in listed), listed
    for name in listed:
        assert item[name] == 0, f"{name} is listed unavailable but is {item[name]}"
    assert set(names) <= set(listed), f"{sorted(names)} not all in {listed}"


def assert_metrics_sound(data: Mapping[str, Any]) -> None:
    """Every object of a profile's data: listed metrics exist and are 0."""
    assert_unavailable_listed(data)
    for post in data["scraped_posts"]:
        assert_unavailable_listed(post)


# ---- the reference: the same workflows with the demo provider -----------------------------


@dataclass(frozen=True)
class Reference:
    profile: Any
    post: Any
    reel: Any
    events: list[str]


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Reference]:
    """The profile and reel workflows once with ``demo``: the shapes the others must have."""
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("demo"),
        **GENEROUS,
        scraper_step_delay=0,
        scrape_batch_window=0,
        scheduler_enabled=False,
    )
    async with serving(settings) as service, client(BASE_URL, over_asgi(service)) as demo:
        task_id = await demo.profile_task("creator.daily")
        status = await demo.scrape(task_id)
        assert status["last_run"]["status"] == "succeeded"
        data = (await demo.task(task_id))["target_profile_data"]
        assert data["is_demo"] is True and data["scraped_posts"]
        assert any(post["top_comments"] for post in data["scraped_posts"])
        project, reel_id = await demo.reel_task("DNlP4Kayo5O")
        assert (await demo.scrape(reel_id, "force_scrape_reel"))["last_run"]["status"] == (
            "succeeded"
        )
        reel = (await demo.reel(project, reel_id))["reel_data"]
        assert reel["top_comments"]
        yield Reference(
            profile=shape(data),
            post=shape(data["scraped_posts"]),
            reel=shape(reel),
            events=[log["event_type"] for log in status["logs"]],
        )


def assert_profile_like_demo(demo: Reference, data: Mapping[str, Any]) -> None:
    assert_same_shape(demo.profile, shape(data), "target_profile_data")
    assert_metrics_sound(data)


def assert_failed(status: Mapping[str, Any], reason: str | re.Pattern[str]) -> None:
    """The run failed with ``reason``, as ``last_run.error`` and as the last event."""
    run = status["last_run"]
    assert run["status"] == "failed", status
    if isinstance(reason, re.Pattern):
        assert reason.fullmatch(run["error"]), run["error"]
    else:
        assert run["error"] == reason
    assert status["latest_event"]["event_type"] == "scrape_failed"
    assert status["latest_event"]["message"] == run["error"]


async def assert_nothing_stored(api: Client, task_id: str) -> None:
    task = await api.task(task_id)
    assert task["last_scraped"] is None
    assert task["target_profile_data"]["scraped_posts"] == []
    assert task["next_scrape_due"] > time.time()  # backed off or held, not due at once


async def assert_profile_failure(
    api: Client,
    fake: Any,
    failure: tuple[Arrange, str | re.Pattern[str]],
    *,
    prefix: str,
    permanent: bool,
) -> None:
    """A profile run the fake makes fail: the reason over the API, nothing stored, and a
    hold exactly when the failure is permanent."""
    arrange, reason = failure
    username = new_username(prefix)
    arrange(fake, username)
    task_id = await api.profile_task(username)

    status = await api.scrape(task_id)

    assert_failed(status, reason if isinstance(reason, re.Pattern) else reason.format(u=username))
    await assert_nothing_stored(api, task_id)
    assert (status.get("scrape_hold") or {}).get("cause") == (
        "permanent_failure" if permanent else None
    )


async def assert_seed_workflow(
    api: Client, demo: Reference, task_id: str, status: Mapping[str, Any]
) -> dict[str, Any]:
    """The seed's profile workflow: the run succeeded with the seed's events, the data has
    the demo's shape, and the sentiment summary counts the stored comments."""
    assert status["last_run"]["status"] == "succeeded", status
    assert [log["event_type"] for log in status["logs"]] == SEED_EVENTS == demo.events
    task = await api.task(task_id)
    data: dict[str, Any] = task["target_profile_data"]
    assert_profile_like_demo(demo, data)
    assert data["is_demo"] is False
    assert task["last_scraped"] <= task["next_scrape_due"]
    assert status["latest_event"]["scraped_posts_count"] == len(data["scraped_posts"])
    summary = await api.sentiment(task_id)
    labels = Counter(c["sentiment"] for p in data["scraped_posts"] for c in p["top_comments"])
    assert summary["total_comments"] == sum(labels.values())
    assert summary["sentiment_distribution"] == {
        key: labels[key] for key in ("positive", "negative", "neutral")
    }
    return data


def by_id(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {post["post_id"]: post for post in data["scraped_posts"]}


def token_free(secret: str, api: Client, log: str | None = None) -> None:
    """No answer the client got (events included), and no line of the log, shows
    ``secret`` or its first 14 characters (what a reason cut short would keep)."""
    assert api.answers, "the client got no answer to look at"
    for piece in (secret, secret[:14]):
        for answer in api.answers:
            assert piece not in answer, answer
        if log is not None:
            assert log, "the server log is empty"
            assert piece not in log


# ==== apify ================================================================================


@pytest.fixture(scope="module")
def apify() -> Iterator[FakeApify]:
    with FakeApify(price_per_item=PRICE) as fake:
        yield fake


def apify_env(fake: FakeApify, **extra: str) -> dict[str, str]:
    return {
        **COMMON,
        "CODVID_SCRAPER_PROVIDER": "apify",
        "CODVID_APIFY_TOKEN": fake.token,
        "CODVID_APIFY_API_URL": fake.base_url,
        "CODVID_SCRAPE_TIMEOUT": str(TIMEOUTS["apify"]),
        **extra,
    }


@pytest.fixture(scope="module")
def apify_server(
    apify: FakeApify, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with start_server(tmp_path_factory.mktemp("apify") / "data", apify_env(apify)) as running:
        yield running


@pytest.fixture
async def on_apify(apify_server: RunningServer) -> AsyncIterator[Client]:
    async with client(apify_server.url) as api:
        yield api


def apify_profile(fake: FakeApify, username: str) -> dict[str, Any]:
    """A profile whose reel has comments; its posts' shortcodes by kind."""
    reel, image, carousel = code("R"), code("I"), code("S")
    posts = [
        post_item(
            image,
            owner=username,
            kind="image",
            timestamp="2026-06-20T09:00:00.000Z",
            likes=900,
            comments=3,
        ),
        post_item(
            reel,
            owner=username,
            kind="reel",
            timestamp="2026-06-22T17:24:20.000Z",
            likes=2_100,
            comments=45,
            views=4_584,
            plays=40_562,
            caption="Liftoff! #Artemis #space with @SpaceX",
        ),
        post_item(
            carousel,
            owner=username,
            kind="carousel",
            timestamp="2026-06-18T12:30:00.000Z",
            comments=0,
        ),
    ]
    fake.add_profile(
        profile_item(username, posts=posts, followers=104_423_132, follows=92, posts_count=4_888)
    )
    url = f"https://www.instagram.com/p/{reel}/"
    fake.add_comments(
        reel,
        [
            comment_item(url, "ok", likes=3, owner="Third_Fan"),
            comment_item(url, "This is terrible, I hate it", likes=120, owner="first_fan"),
            comment_item(url, "Amazing, I love this launch!", likes=50, owner="second_fan"),
        ],
    )
    return {"reel": reel, "image": image, "carousel": carousel}


async def test_apify_profile_workflow(apify: FakeApify, on_apify: Client, demo: Reference) -> None:
    username = new_username("apify")
    codes = apify_profile(apify, username)
    task_id = await on_apify.profile_task(username)
    runs_before = len(apify.runs)

    status = await on_apify.scrape(task_id)

    data = await assert_seed_workflow(on_apify, demo, task_id, status)
    assert (data["username"], data["data_source"]) == (username, "apify")
    assert data["followers"] == 104_423_132
    assert data["following"] == data["follows_count"] == 92
    assert data["posts_count"] == 4_888
    assert data["igtv_video_count"] == data["ig_tv_video_count"] == 171
    assert "unavailable_metrics" not in data
    assert [p["post_id"] for p in data["scraped_posts"]] == [
        codes["reel"],
        codes["image"],
        codes["carousel"],
    ]  # newest first
    posts = by_id(data)
    reel = posts[codes["reel"]]
    assert (reel["type"], reel["is_reel"]) == ("reel", True)
    assert (reel["video_play_count"], reel["video_view_count"]) == (40_562, 4_584)
    assert reel["likes"] == reel["likes_count"] == 2_100
    assert reel["comments"] == reel["comments_count"] == 45
    assert (reel["hashtags"], reel["mentions"]) == (["Artemis", "space"], ["spacex"])
    assert "unavailable_metrics" not in reel
    # The comment actor's comments, most liked first (not the post's latestComments).
    assert [(c["text"], c["likes_count"], c["owner_username"]) for c in reel["top_comments"]] == [
        ("This is terrible, I hate it", 120, "first_fan"),
        ("Amazing, I love this launch!", 50, "second_fan"),
        ("ok", 3, "third_fan"),
    ]
    assert [c["sentiment"] for c in reel["top_comments"]][:2] == ["negative", "positive"]
    for still in (posts[codes["image"]], posts[codes["carousel"]]):
        assert_unavailable_listed(still, "video_play_count", "video_view_count")
    assert posts[codes["image"]]["top_comments"] == []  # the actor gave none for it
    assert posts[codes["carousel"]]["top_comments"] == []  # 0 comments: none asked for
    # One profile run, one comment run for the two posts with comments, and what they cost.
    runs = apify.runs[runs_before:]
    assert [run.actor for run in runs] == [fake_apify.PROFILE_SCRAPER, fake_apify.COMMENT_SCRAPER]
    assert runs[0].input["usernames"] == [username]
    assert status["last_run"]["cost"]["usd"] == pytest.approx(sum(r.usage_usd for r in runs))
    # Results: the profile, and the comment run's 3 (both its posts are this run's).
    assert status["last_run"]["cost"]["items"] == 1 + 3


async def test_apify_reel_workflow(
    apify: FakeApify, apify_server: RunningServer, demo: Reference
) -> None:
    shortcode = code("D")
    apify.add_post(
        post_item(
            shortcode,
            owner="Creator.One",
            likes=25_668,
            comments=45,
            views=131_198,
            plays=912_345,
            caption="Monday mood #french #humour @someone",
        )
    )
    url = f"https://www.instagram.com/p/{shortcode}/"
    apify.add_comments(
        shortcode,
        [
            comment_item(url, "I love it, so funny", likes=9),
            comment_item(url, "Awful, really bad", likes=4),
        ],
    )
    async with client(apify_server.url, update8=True) as api:
        project, task_id = await api.reel_task(shortcode)
        status = await api.scrape(task_id, "force_scrape_reel")

        assert status["last_run"]["status"] == "succeeded", status
        assert [log["event_type"] for log in status["logs"]] == REEL_EVENTS
        reel = (await api.reel(project, task_id))["reel_data"]
        assert_same_shape(demo.reel, shape(reel), "reel_data")
        assert_unavailable_listed(reel)
        assert (reel["plays"], reel["views"]) == (912_345, 131_198)  # apart, unchanged
        assert (reel["likes"], reel["comments"]) == (25_668, 45)
        assert reel["owner_username"] == "creator.one"
        assert (reel["hashtags"], reel["mentions"]) == (["french", "humour"], ["someone"])
        assert [c["text"] for c in reel["top_comments"]] == [
            "I love it, so funny",
            "Awful, really bad",
        ]
        analysis = reel["sentiment_analysis"]
        labels = Counter(c["sentiment"] for c in reel["top_comments"])
        assert {k: analysis[k] for k in ("positive", "negative", "neutral")} == {
            k: labels[k] for k in ("positive", "negative", "neutral")
        }
        summary = await api.sentiment(task_id)
        assert summary["total_comments"] == 2
        assert summary["overall_sentiment"] == analysis["overall_sentiment"]
        assert (reel["data_source"], reel["is_demo"]) == ("apify", False)


async def test_apify_partial_items_list_what_is_unknown(
    apify: FakeApify, on_apify: Client, demo: Reference
) -> None:
    """Counts an item lacks are 0 and named, never guessed from another number."""
    username = new_username("apify_partial")
    reel = code("R")
    apify.add_profile(
        profile_item(
            username,
            posts=[post_item(reel, owner=username, plays=None, views=777, likes=-1)],
            followers=None,
            igtv=None,
        )
    )
    task_id = await on_apify.profile_task(username)

    status = await on_apify.scrape(task_id)

    data = await assert_seed_workflow(on_apify, demo, task_id, status)
    assert_unavailable_listed(data, "followers", "igtv_video_count")
    assert data["follows_count"] == 92
    (post,) = data["scraped_posts"]
    assert_unavailable_listed(post, "video_play_count", "likes_count")
    assert post["video_view_count"] == 777  # views kept, not copied into plays
    assert "video_view_count" not in post["unavailable_metrics"]


def _items(*items: Any) -> Arrange:
    return lambda fake, username: fake.next_run(items=list(items))


APIFY_FAILURES: dict[str, tuple[Arrange, str | re.Pattern[str]]] = {
    "missing": (
        lambda fake, username: None,
        "Error scraping Instagram profile: Profile @{u} not found or private",
    ),
    "private": (
        lambda fake, username: fake.add_profile(profile_item(username, private=True)),
        "Error scraping Instagram profile: Profile @{u} is private",
    ),
    "401-bad-token": (
        lambda fake, username: fake.fail_next(401, path="/runs"),
        "Error scraping Instagram profile: Apify refused the API token (401 "
        "user-or-token-not-found); the operator must check CODVID_APIFY_TOKEN",
    ),
    "403": (
        lambda fake, username: fake.fail_next(403, path="/runs"),
        "Error scraping Instagram profile: Apify refused the API token (403 "
        "insufficient-permissions); the operator must check CODVID_APIFY_TOKEN",
    ),
    "run-failed": (
        lambda fake, username: fake.next_run(
            "FAILED", status_message="Instagram asked for a login"
        ),
        "Error scraping Instagram profile: The Apify scraper run failed: "
        "Instagram asked for a login (FAILED)",
    ),
    "run-aborted": (
        lambda fake, username: fake.next_run("ABORTED"),
        "Error scraping Instagram profile: The Apify scraper run was aborted (ABORTED)",
    ),
    "run-timed-out": (
        lambda fake, username: fake.next_run("TIMED-OUT"),
        "Error scraping Instagram profile: The Apify scraper run timed out on Apify (TIMED-OUT)",
    ),
    "malformed-item": (
        lambda fake, username: fake.next_run(
            items=[profile_item(username) | {"followersCount": "lots"}]
        ),
        "Error scraping Instagram profile: Malformed response from Apify: "
        "followersCount must be a count, got str",
    ),
    "malformed-post": (
        lambda fake, username: fake.next_run(
            items=[profile_item(username, posts=[post_item("Cbroken01", timestamp="soon")])]
        ),
        "Error scraping Instagram profile: Malformed response from Apify: "
        "latestPosts[0].timestamp is not a time: 'soon'",
    ),
    "malformed-body": (
        lambda fake, username: fake.fail_next(200, path="/items", body=b'{"half": '),
        "Error scraping Instagram profile: Malformed response from Apify: "
        "the API answer could not be read",
    ),
    "partial-no-username": (
        lambda fake, username: fake.next_run(
            items=[{"inputUrl": f"https://www.instagram.com/{username}", "followersCount": 5}]
        ),
        "Error scraping Instagram profile: Malformed response from Apify: username is missing",
    ),
    "partial-no-item": (
        lambda fake, username: fake.next_run(items=[]),
        "Error scraping Instagram profile: Apify returned nothing for @{u}",
    ),
    "other-item-error": (
        lambda fake, username: fake.next_run(
            items=[not_found_item(username) | {"error": "blocked", "errorDescription": "Login"}]
        ),
        "Error scraping Instagram profile: Apify could not scrape @{u}: Login",
    ),
}


@pytest.mark.parametrize("case", list(APIFY_FAILURES))
async def test_apify_failures_end_the_run_with_the_reason(
    apify: FakeApify, on_apify: Client, case: str
) -> None:
    await assert_profile_failure(
        on_apify,
        apify,
        APIFY_FAILURES[case],
        prefix="apify_fail",
        permanent=case in ("missing", "private"),
    )


async def test_apify_a_run_past_the_timeout_fails_and_is_aborted(
    apify: FakeApify, on_apify: Client
) -> None:
    username = new_username("apify_slow")
    apify.add_profile(profile_item(username))
    apify.next_run(fake_apify.NEVER)
    task_id = await on_apify.profile_task(username)
    began = time.monotonic()

    status = await on_apify.scrape(task_id)

    timeout = TIMEOUTS["apify"]
    assert_failed(status, f"Error scraping Instagram profile: timed out after {timeout} s")
    assert timeout <= time.monotonic() - began < timeout + 5
    await assert_nothing_stored(on_apify, task_id)
    (run,) = [r for r in apify.runs if r.input.get("usernames") == [username]]
    deadline = time.monotonic() + 5
    while run.status != "ABORTED":  # so it charges no further
        assert time.monotonic() < deadline, run.status
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "path": "/runs", "retry_after": 0.1},
        {"status": 503, "path": "/actor-runs/", "method": "GET"},
        {"status": 500, "path": "/items"},
    ],
    ids=["429-then-success", "5xx-on-run-status-then-success", "5xx-on-items-then-success"],
)
async def test_apify_transient_failures_recover(
    apify: FakeApify, on_apify: Client, fault: dict[str, Any]
) -> None:
    username = new_username("apify_retry")
    apify.add_profile(profile_item(username, followers=31_337))
    task_id = await on_apify.profile_task(username)
    requests_before = len(apify.requests)
    apify.fail_next(**fault)

    status = await on_apify.scrape(task_id)

    assert status["last_run"]["status"] == "succeeded", status
    assert (await on_apify.task(task_id))["target_profile_data"]["followers"] == 31_337
    answered = apify.requests[requests_before:]
    hit = [
        r for r in answered if fault["path"] in r.path and r.method == fault.get("method", r.method)
    ]
    assert len(hit) >= 2, "the failed request was not tried again"


async def test_apify_a_failed_run_keeps_the_previous_data(
    apify: FakeApify, on_apify: Client
) -> None:
    username = new_username("apify_keep")
    apify_profile(apify, username)
    task_id = await on_apify.profile_task(username)
    assert (await on_apify.scrape(task_id))["last_run"]["status"] == "succeeded"
    before = await on_apify.task(task_id)
    apify.next_run("FAILED")

    status = await on_apify.scrape(task_id)

    assert_failed(
        status,
        "Error scraping Instagram profile: The Apify scraper run failed: "
        "The Actor process was terminated with exit code 1. (FAILED)",
    )
    after = await on_apify.task(task_id)
    assert after["target_profile_data"] == before["target_profile_data"]
    assert after["last_scraped"] == before["last_scraped"]


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        (lambda fake, shortcode: None, "Reel {c} not found, private or deleted"),
        (
            lambda fake, shortcode: fake.next_run("FAILED", status_message="Out of memory"),
            "The Apify scraper run failed: Out of memory (FAILED)",
        ),
        (
            lambda fake, shortcode: fake.next_run(
                items=[{k: v for k, v in post_item(shortcode).items() if k != "timestamp"}]
            ),
            "Malformed response from Apify: item.timestamp is missing",
        ),
    ],
    ids=["missing", "run-failed", "malformed"],
)
async def test_apify_reel_failures_end_the_run_with_the_reason(
    apify: FakeApify, apify_server: RunningServer, arrange: Arrange, reason: str
) -> None:
    shortcode = code("D")
    arrange(apify, shortcode)
    async with client(apify_server.url) as api:
        project, task_id = await api.reel_task(shortcode)
        status = await api.scrape(task_id, "force_scrape_reel")
        assert_failed(status, "Error scraping Instagram reel: " + reason.format(c=shortcode))
        task = await api.reel(project, task_id)
        assert task["last_scraped"] is None and task["reel_data"].get("plays") is None


async def test_apify_token_is_never_shown(
    apify: FakeApify, apify_server: RunningServer, on_apify: Client
) -> None:
    """Apify echoing the token in its answers: every reason shows it masked; no answer,
    event or log line shows it."""
    token = apify.token
    echoes: list[tuple[Arrange, str]] = [
        (
            lambda fake, username: fake.fail_next(400, path="/runs", message=f"Bad input {token}"),
            "Apify refused to start the scraper run (400 invalid-input): Bad input ***",
        ),
        (
            lambda fake, username: fake.next_run("FAILED", status_message=f"crash: Bearer {token}"),
            "The Apify scraper run failed: crash: Bearer *** (FAILED)",
        ),
        (
            lambda fake, username: fake.next_run(
                items=[not_found_item(username) | {"error": "x", "errorDescription": token}]
            ),
            "Apify could not scrape @{u}: ***",
        ),
        (  # cut to fit a reason: never a piece of the token left
            lambda fake, username: fake.next_run("FAILED", status_message="x" * 150 + token),
            "The Apify scraper run failed: " + "x" * 150 + "*** (FAILED)",
        ),
        (
            lambda fake, username: fake.next_run(
                items=[profile_item(username, posts=[post_item("Cecho0001", timestamp=token)])]
            ),
            "Malformed response from Apify: latestPosts[0].timestamp is not a time: '***'",
        ),
    ]
    for arrange, reason in echoes:
        username = new_username("apify_echo")
        arrange(apify, username)
        task_id = await on_apify.profile_task(username)
        status = await on_apify.scrape(task_id)
        assert_failed(status, "Error scraping Instagram profile: " + reason.format(u=username))
        await on_apify.task(task_id)
    username = new_username("apify_ok")
    apify_profile(apify, username)
    task_id = await on_apify.profile_task(username)
    assert (await on_apify.scrape(task_id))["last_run"]["status"] == "succeeded"
    await on_apify.task(task_id)
    assert apify.requests[-1].headers["authorization"] == f"Bearer {token}"  # it was used
    assert "Apify run" in apify_server.log()  # the log does follow the provider's work
    token_free(token, on_apify, apify_server.log())


# ---- apify: batching across queued runs, and the monthly budget ---------------------------


async def test_apify_queued_profile_runs_share_actor_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Ten force scrapes within a second, four runs at a time: one or two profile actor
    runs serve them all; each task gets its own run, and the one username the actor does
    not know fails alone."""
    with FakeApify(price_per_item=PRICE) as fake:
        known = [new_username("batch") for _ in range(9)]
        ghost = new_username("ghost")
        for username in known:
            fake.add_profile(profile_item(username, followers=1_000 + known.index(username)))
        env = apify_env(fake, CODVID_SCRAPE_BATCH_WINDOW="1", CODVID_JOB_CONCURRENCY="4")
        data_dir = tmp_path_factory.mktemp("apify-batch") / "data"
        with start_server(data_dir, env) as server:
            async with client(server.url) as api:
                names = [*known[:4], ghost, *known[4:]]
                tasks = {name: await api.profile_task(name) for name in names}
                began = time.monotonic()
                await asyncio.gather(*(api.force(task_id) for task_id in tasks.values()))
                assert time.monotonic() - began < 1, "the ten force scrapes took over a second"
                statuses = {name: await api.done(task_id) for name, task_id in tasks.items()}

    profile_runs = [run for run in fake.runs if run.actor == fake_apify.PROFILE_SCRAPER]
    assert 1 <= len(profile_runs) <= 2, [run.input for run in profile_runs]
    asked = [name for run in profile_runs for name in run.input["usernames"]]
    assert sorted(asked) == sorted(names)  # each once
    shared = {
        name: len(run.input["usernames"]) for run in profile_runs for name in run.input["usernames"]
    }
    for name in known:
        status = statuses[name]
        assert status["last_run"]["status"] == "succeeded", (name, status)
        (fetched,) = [log for log in status["logs"] if log["event_type"] == "account_fetched"]
        assert fetched["shared_fetch"] == shared[name]
        assert f"{1_000 + known.index(name)} followers" in fetched["message"]
    assert_failed(
        statuses[ghost], f"Error scraping Instagram profile: Profile @{ghost} not found or private"
    )
    assert "account_fetched" not in [log["event_type"] for log in statuses[ghost]["logs"]]


async def test_apify_monthly_budget_refuses_force_scrapes_once_spent(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with FakeApify(price_per_item=PRICE) as fake:
        spender, other = new_username("spender"), new_username("other")
        fake.add_profile(profile_item(spender))
        fake.add_profile(profile_item(other))
        env = apify_env(fake, CODVID_SCRAPE_BUDGET_USD_PER_USER_MONTH="0.001")
        data_dir = tmp_path_factory.mktemp("apify-budget") / "data"
        with start_server(data_dir, env) as server:
            async with client(server.url) as api, client(server.url) as second:
                task_id = await api.profile_task(spender)
                assert (await api.scrape(task_id))["last_run"]["status"] == "succeeded"
                usage = (await api.call("GET", "usage")).json()["response"]
                assert usage["usd"] == pytest.approx(fake.usage_usd) and usage["usd"] >= PRICE
                assert (usage["budget_usd"], usage["budget_left_usd"]) == (0.001, 0)
                runs = len(fake.runs)

                again = await api.call("POST", "force_scrape", task_id)
                assert_error(again, 429, "Monthly scraping budget reached")
                _, reel_id = await api.reel_task(code("D"))
                refused = await api.call("POST", "force_scrape_reel", reel_id)
                assert_error(refused, 429, "Monthly scraping budget reached")
                assert len(fake.runs) == runs  # nothing was started at Apify
                assert (await api.tracking.status(api.user, task_id))["is_processing"] is False

                # The budget is the user's: another user still scrapes.
                other_id = await second.profile_task(other)
                assert (await second.scrape(other_id))["last_run"]["status"] == "succeeded"


# ==== graph ================================================================================


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture(scope="module")
def graph_server(
    graph: FakeGraph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        **COMMON,
        "CODVID_SCRAPER_PROVIDER": "graph",
        "CODVID_GRAPH_ACCESS_TOKEN": graph.token,
        "CODVID_GRAPH_IG_USER_ID": graph.ig_user_id,
        "CODVID_GRAPH_API_URL": graph.url,
        "CODVID_SCRAPE_TIMEOUT": str(TIMEOUTS["graph"]),
    }
    with start_server(tmp_path_factory.mktemp("graph") / "data", env) as running:
        yield running


@pytest.fixture
async def on_graph(graph_server: RunningServer) -> AsyncIterator[Client]:
    async with client(graph_server.url) as api:
        yield api


NOW = 1_781_000_000.0  # 2026-06 UTC
HOUR = 3600.0


def graph_account(fake: FakeGraph, username: str, **fields: Any) -> dict[str, str]:
    reel, image, carousel = code("R"), code("I"), code("S")
    media = [
        Media(
            reel,
            NOW - HOUR,
            media_type="VIDEO",
            media_product_type="REELS",
            caption="Pour-over at dawn #coffee #Bloom @roaster.co",
            like_count=980,
            comments_count=31,
            view_count=45_210,
        ),
        Media(image, NOW - 2 * HOUR, caption="Beans", like_count=None, comments_count=4),
        Media(carousel, NOW - 3 * HOUR, media_type="CAROUSEL_ALBUM", like_count=12),
    ]
    account = {
        "name": "Blue Bottle",
        "biography": "Coffee, slowly.",
        "followers_count": 52_340,
        "follows_count": 310,
        "media_count": 812,
        "media": media,
        **fields,
    }
    fake.add(Account(username, **account))
    return {"reel": reel, "image": image, "carousel": carousel}


async def test_graph_profile_workflow(graph: FakeGraph, on_graph: Client, demo: Reference) -> None:
    username = new_username("graph")
    codes = graph_account(graph, username)
    task_id = await on_graph.profile_task(username)

    status = await on_graph.scrape(task_id)

    data = await assert_seed_workflow(on_graph, demo, task_id, status)
    assert (data["username"], data["full_name"], data["data_source"]) == (
        username,
        "Blue Bottle",
        "graph",
    )
    assert (data["followers"], data["follows_count"], data["posts_count"]) == (52_340, 310, 812)
    assert_unavailable_listed(data, "igtv_video_count")
    assert [p["post_id"] for p in data["scraped_posts"]] == list(codes.values())
    posts = by_id(data)
    reel = posts[codes["reel"]]
    assert reel["type"] == "reel" and reel["video_view_count"] == 45_210
    assert reel["likes_count"] == 980 and reel["comments_count"] == 31
    # Meta gives no plays: 0 and listed, never the views copied in.
    assert_unavailable_listed(reel, "video_play_count")
    assert "video_view_count" not in reel["unavailable_metrics"]
    assert_unavailable_listed(posts[codes["image"]], "likes_count", "video_view_count")
    assert posts[codes["image"]]["comments_count"] == 4
    assert all(post["top_comments"] == [] for post in data["scraped_posts"])
    processing = next(log for log in status["logs"] if log["event_type"] == "processing_reels")
    assert processing["message"] == "No comments available from this provider (graph)"


async def test_graph_reel_workflow_through_its_tracked_account(
    graph: FakeGraph, graph_server: RunningServer, demo: Reference
) -> None:
    """Business Discovery finds a reel only among its account's media: with the account
    tracked (and scraped) by the same user, the reel's own task succeeds."""
    username = new_username("graph_owner")
    codes = graph_account(graph, username)
    async with client(graph_server.url, update8=True) as api:
        profile_id = await api.profile_task(username)
        assert (await api.scrape(profile_id))["last_run"]["status"] == "succeeded"
        (media,) = [m for m in graph.accounts[username].media if m.shortcode == codes["reel"]]
        media.view_count, media.like_count = 46_001, 1_002  # the reel's numbers move on
        project, task_id = await api.reel_task(codes["reel"])

        status = await api.scrape(task_id, "force_scrape_reel")

        assert status["last_run"]["status"] == "succeeded", status
        assert [log["event_type"] for log in status["logs"]] == REEL_EVENTS
        reel = (await api.reel(project, task_id))["reel_data"]
        assert_same_shape(demo.reel, shape(reel), "reel_data")
        assert (reel["views"], reel["likes"], reel["comments"]) == (46_001, 1_002, 31)
        assert_unavailable_listed(reel, "plays")  # 0 and listed, never the views copied in
        assert "views" not in reel["unavailable_metrics"]
        assert (reel["owner_username"], reel["data_source"]) == (username, "graph")
        assert (reel["hashtags"], reel["top_comments"]) == (["coffee", "Bloom"], [])
        assert (await api.sentiment(task_id))["total_comments"] == 0


async def test_graph_a_reel_of_no_tracked_account_fails_with_the_reason(
    graph_server: RunningServer,
) -> None:
    async with client(graph_server.url, update8=True) as api:
        project, task_id = await api.reel_task(code("D"))
        status = await api.scrape(task_id, "force_scrape_reel")
        assert_failed(
            status,
            "Error scraping Instagram reel: The Graph API finds a reel only through its "
            "account: track the account that posted it as a profile too",
        )
        task = await api.reel(project, task_id)
        assert task["last_scraped"] is None and task["reel_data"].get("views") is None
        assert "scrape_hold" not in status  # tracking the account fixes it: not held


def _graph_fail(*faults: fake_graph.Fault) -> Arrange:
    def arrange(fake: Any, username: str) -> None:
        graph_account(fake, username)
        fake.fail(*faults)

    return arrange


GRAPH_FAILURES: dict[str, tuple[Arrange, str | re.Pattern[str]]] = {
    "missing": (
        lambda fake, username: None,
        "Error scraping Instagram profile: @{u} was not found, or is not a business or "
        "creator account (the Graph API sees no personal accounts)",
    ),
    "personal": (
        lambda fake, username: fake.add(Account(username, kind="personal")),
        "Error scraping Instagram profile: @{u} was not found, or is not a business or "
        "creator account (the Graph API sees no personal accounts)",
    ),
    "token-expired": (
        _graph_fail(fake_graph.token_expired()),
        "Error scraping Instagram profile: The Graph API access token is invalid or expired "
        "(error 190); the operator must renew CODVID_GRAPH_ACCESS_TOKEN",
    ),
    "403-permission": (
        _graph_fail(fake_graph.permission_denied(200)),
        "Error scraping Instagram profile: The Graph API app lacks a permission Business "
        "Discovery needs (error 200); the operator must grant instagram_basic, "
        "instagram_manage_insights and pages_read_engagement",
    ),
    "401-bare": (
        _graph_fail(fake_graph.Fault(401, body=b"")),
        "Error scraping Instagram profile: The Graph API refused the service's credentials "
        "(HTTP 401); the operator must check CODVID_GRAPH_ACCESS_TOKEN",
    ),
    "malformed-json": (
        _graph_fail(fake_graph.malformed_json()),
        "Error scraping Instagram profile: Malformed response from the Graph API: "
        "the answer is not JSON",
    ),
    "partial-no-business-discovery": (
        _graph_fail(fake_graph.Fault(200, body=b'{"id": "17841405309211844"}')),
        "Error scraping Instagram profile: Malformed response from the Graph API: "
        "no business_discovery object",
    ),
    "timeout": (
        _graph_fail(fake_graph.slow(TIMEOUTS["graph"] + 2)),
        re.compile(
            r"Error scraping Instagram profile: (timed out after 4 s"
            r"|The Graph API did not answer within 4 s)"
        ),
    ),
}


@pytest.mark.parametrize("case", list(GRAPH_FAILURES))
async def test_graph_failures_end_the_run_with_the_reason(
    graph: FakeGraph, on_graph: Client, case: str
) -> None:
    await assert_profile_failure(
        on_graph,
        graph,
        GRAPH_FAILURES[case],
        prefix="graph_fail",
        permanent=case in ("missing", "personal"),
    )


@pytest.mark.parametrize(
    "fault",
    [
        fake_graph.Fault(429, body=b"", headers={"retry-after": "0.2"}),
        fake_graph.server_error(),
        fake_graph.bad_gateway(),
    ],
    ids=["429-then-success", "500-then-success", "502-html-then-success"],
)
async def test_graph_transient_failures_recover(
    graph: FakeGraph, on_graph: Client, fault: fake_graph.Fault
) -> None:
    username = new_username("graph_retry")
    graph_account(graph, username, followers_count=4_242)
    task_id = await on_graph.profile_task(username)
    graph.fail(fault)

    status = await on_graph.scrape(task_id)

    assert status["last_run"]["status"] == "succeeded", status
    assert (await on_graph.task(task_id))["target_profile_data"]["followers"] == 4_242
    asked = [r for r in graph.requests if f"username({username})" in r.query.get("fields", "")]
    assert len(asked) == 2  # the failed request, then the one that answered


async def test_graph_token_is_never_shown(
    graph: FakeGraph, graph_server: RunningServer, on_graph: Client
) -> None:
    token = graph.token
    username = new_username("graph_echo")
    graph_account(graph, username)
    graph.fail(fake_graph.graph_error(400, 2500, f"Syntax error near access_token={token}"))
    task_id = await on_graph.profile_task(username)
    assert_failed(
        await on_graph.scrape(task_id),
        "Error scraping Instagram profile: The Graph API refused the request (error 2500)",
    )
    await on_graph.task(task_id)
    # A successful answer that repeats the token (Graph's paging links carry it).
    username = new_username("graph_link")
    link = f"https://graph.facebook.com/v25.0/x?access_token={token}"
    echoed = {
        "business_discovery": {
            "username": username,
            "biography": f"more at {link}",
            "followers_count": 7,
            "media": {
                "data": [Media("CEcho0001", NOW).node(["shortcode", "timestamp"], username)],
                "paging": {"next": link},
            },
            "id": "1",
        },
        "id": graph.ig_user_id,
    }
    graph.fail(fake_graph.Fault(200, body=json.dumps(echoed).encode()))
    task_id = await on_graph.profile_task(username)
    assert (await on_graph.scrape(task_id))["last_run"]["status"] == "succeeded"
    data = (await on_graph.task(task_id))["target_profile_data"]
    assert data["biography"].endswith("access_token=[redacted]")
    assert graph.requests[-1].headers["authorization"] == f"Bearer {token}"  # it was used
    assert "HTTP Request: GET" in graph_server.log()  # the log does follow the requests
    token_free(token, on_graph, graph_server.log())


# ==== instaloader ==========================================================================

_pks = itertools.count(9_100)


@pytest.fixture(scope="module")
def instagram() -> Iterator[FakeInstagram]:
    fake = FakeInstagram()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
async def instaloader_service(
    instagram: FakeInstagram, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    """The service in this process (see the module docstring), with a session file, so
    comments are available."""
    home = tmp_path_factory.mktemp("instaloader")
    settings = load_settings(
        data_dir=home / "data",
        **GENEROUS,
        scraper_provider="instaloader",
        instaloader_session_file=str(instagram.write_session(home / "session-viewer")),
        instaloader_username=fake_instagram.VIEWER,
        scrape_timeout=TIMEOUTS["instaloader"],
        scraper_retries=2,
        scraper_retry_wait=0.05,
        scraper_step_delay=0,
        scrape_batch_window=0,
        scheduler_enabled=False,
        scrape_max_posts=6,
        scrape_max_comments=5,
        scraper_rate_limit=RATE,
    )
    local = partial(InstaloaderProvider, polite=False, transport=instagram.transport())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(instaloader_package, "InstaloaderProvider", local)
        async with serving(settings) as service:
            yield service


@pytest.fixture
async def on_instaloader(instaloader_service: Service) -> AsyncIterator[Client]:
    async with client(BASE_URL, over_asgi(instaloader_service)) as api:
        yield api


def instagram_profile(fake: FakeInstagram, username: str, **fields: Any) -> dict[str, str]:
    reel, image, carousel = code("R"), code("I"), code("S")
    day = 86_400
    now = int(time.time())
    posts = [
        FakePost(
            reel,
            now - day,
            kind="reel",
            likes=120,
            views=4_584,
            plays=40_562,
            caption="Sourdough at dawn #Bread with @Leo_Runs",
            comments=[
                FakeComment("ok", "third", now - 30, likes=1),
                FakeComment("This is awful, I hate it", "first", now - 20, likes=9),
                FakeComment("Amazing bread, I love it!", "second", now - 10, likes=5),
            ],
        ),
        FakePost(image, now - 2 * day, likes=80, caption="Crumb shot"),
        FakePost(carousel, now - 3 * day, kind="carousel", likes=30, caption=None),
    ]
    profile = {
        "full_name": "Maya Bakes",
        "biography": "Bread daily",
        "followers": 15_300,
        "following": 210,
        "media_count": 21,
        "posts": posts,
        **fields,
    }
    fake.add_profile(FakeProfile(username, pk=next(_pks), **profile))
    return {"reel": reel, "image": image, "carousel": carousel}


async def test_instaloader_profile_workflow(
    instagram: FakeInstagram, on_instaloader: Client, demo: Reference
) -> None:
    username = new_username("insta")
    codes = instagram_profile(instagram, username)
    task_id = await on_instaloader.profile_task(username)

    status = await on_instaloader.scrape(task_id)

    data = await assert_seed_workflow(on_instaloader, demo, task_id, status)
    assert (data["username"], data["full_name"], data["data_source"]) == (
        username,
        "Maya Bakes",
        "instaloader",
    )
    assert (data["followers"], data["follows_count"], data["posts_count"]) == (15_300, 210, 21)
    assert_unavailable_listed(data, "igtv_video_count")
    assert [p["post_id"] for p in data["scraped_posts"]] == list(codes.values())
    posts = by_id(data)
    reel = posts[codes["reel"]]
    assert (reel["video_play_count"], reel["video_view_count"]) == (40_562, 4_584)
    assert (reel["likes_count"], reel["comments_count"], reel["type"]) == (120, 3, "reel")
    assert (reel["hashtags"], reel["mentions"]) == (["bread"], ["leo_runs"])
    assert [(c["text"], c["likes_count"]) for c in reel["top_comments"]] == [
        ("This is awful, I hate it", 9),
        ("Amazing bread, I love it!", 5),
        ("ok", 1),
    ]
    for still in (posts[codes["image"]], posts[codes["carousel"]]):
        assert_unavailable_listed(still, "video_play_count", "video_view_count")
    token_free(fake_instagram.SESSION_ID, on_instaloader)  # the session cookie


async def test_instaloader_reel_workflow(
    instagram: FakeInstagram, instaloader_service: Service, demo: Reference
) -> None:
    shortcode = code("D")
    now = int(time.time())
    instagram.add_post(
        FakePost(
            shortcode,
            now - 3_600,
            kind="reel",
            likes=25_668,
            views=131_198,
            plays=912_345,
            caption="Monday mood #french #humour",
            comments=[FakeComment("I love it, so funny", "fan", now - 60, likes=2)],
        ),
        owner="creator.one",
    )
    async with client(BASE_URL, over_asgi(instaloader_service), update8=True) as api:
        project, task_id = await api.reel_task(shortcode)
        status = await api.scrape(task_id, "force_scrape_reel")

        assert status["last_run"]["status"] == "succeeded", status
        assert [log["event_type"] for log in status["logs"]] == REEL_EVENTS
        reel = (await api.reel(project, task_id))["reel_data"]
        assert_same_shape(demo.reel, shape(reel), "reel_data")
        assert_unavailable_listed(reel)
        assert (reel["plays"], reel["views"]) == (912_345, 131_198)
        assert (reel["likes"], reel["comments"], reel["owner_username"]) == (
            25_668,
            1,
            "creator.one",
        )
        assert [c["text"] for c in reel["top_comments"]] == ["I love it, so funny"]
        assert (await api.sentiment(task_id))["total_comments"] == 1
        assert (reel["data_source"], reel["is_demo"]) == ("instaloader", False)


async def test_instaloader_partial_answers_list_what_is_unknown(
    instagram: FakeInstagram, on_instaloader: Client, demo: Reference
) -> None:
    username = new_username("insta_partial")
    reel = code("R")
    post = FakePost(reel, int(time.time()) - 60, kind="reel", likes=5, views=321, plays=None)
    instagram.add_profile(FakeProfile(username, pk=next(_pks), followers=8, posts=[post]))
    task_id = await on_instaloader.profile_task(username)

    status = await on_instaloader.scrape(task_id)

    data = await assert_seed_workflow(on_instaloader, demo, task_id, status)
    (stored,) = data["scraped_posts"]
    assert_unavailable_listed(stored, "video_play_count")
    assert stored["video_view_count"] == 321  # views kept, plays not made up


def _instagram_fail(op: str, *faults: fake_instagram.Fault) -> Arrange:
    def arrange(fake: Any, username: str) -> None:
        instagram_profile(fake, username)
        fake.fail(op, *faults)

    return arrange


INSTALOADER_FAILURES: dict[str, tuple[Arrange, str | re.Pattern[str]]] = {
    "missing": (
        lambda fake, username: None,
        "Error scraping Instagram profile: Profile @{u} not found",
    ),
    "private": (
        lambda fake, username: fake.add_profile(FakeProfile(username, pk=next(_pks), private=True)),
        "Error scraping Instagram profile: Profile @{u} is private",
    ),
    "403-session-refused": (
        _instagram_fail("profile_query", fake_instagram.forbidden()),
        "Error scraping Instagram profile: Instagram refused the session of "
        "CODVID_INSTALOADER_SESSION_FILE; the operator must log in again and make a new "
        "session file",
    ),
    "401-session-refused": (
        _instagram_fail(
            "timeline", fake_instagram.Fault(status=401, json={"message": "", "status": "fail"})
        ),
        "Error scraping Instagram profile: Instagram refused the session of "
        "CODVID_INSTALOADER_SESSION_FILE; the operator must log in again and make a new "
        "session file",
    ),
    "malformed": (
        _instagram_fail("post", fake_instagram.malformed()),
        "Error scraping Instagram profile: Malformed response from scraper: "
        "Instagram's answer is not JSON",
    ),
    "timeout": (
        _instagram_fail("profile_page", fake_instagram.slow(TIMEOUTS["instaloader"] + 2)),
        re.compile(
            r"Error scraping Instagram profile: (timed out after 4 s"
            r"|Instagram did not answer (in time|within 4 s))"
        ),
    ),
}


@pytest.mark.parametrize("case", list(INSTALOADER_FAILURES))
async def test_instaloader_failures_end_the_run_with_the_reason(
    instagram: FakeInstagram, on_instaloader: Client, case: str
) -> None:
    await assert_profile_failure(
        on_instaloader,
        instagram,
        INSTALOADER_FAILURES[case],
        prefix="insta_fail",
        permanent=case in ("missing", "private"),
    )


async def test_instaloader_a_missing_reel_fails_with_the_reason(
    instaloader_service: Service,
) -> None:
    shortcode = code("D")
    async with client(BASE_URL, over_asgi(instaloader_service)) as api:
        _, task_id = await api.reel_task(shortcode)
        status = await api.scrape(task_id, "force_scrape_reel")
        assert_failed(
            status, f"Error scraping Instagram reel: Reel {shortcode} not found, private or deleted"
        )
        assert status["scrape_hold"]["cause"] == "permanent_failure"


@pytest.mark.parametrize(
    "fault",
    [
        fake_instagram.too_many_requests(retry_after=1),
        fake_instagram.Fault(status=500, text="<html>Internal Server Error</html>"),
    ],
    ids=["429-then-success", "500-then-success"],
)
async def test_instaloader_transient_failures_recover(
    instagram: FakeInstagram, on_instaloader: Client, fault: fake_instagram.Fault
) -> None:
    username = new_username("insta_retry")
    instagram_profile(instagram, username, followers=777)
    instagram.fail("profile_page", fault)
    task_id = await on_instaloader.profile_task(username)

    status = await on_instaloader.scrape(task_id)

    assert status["last_run"]["status"] == "succeeded", status
    assert (await on_instaloader.task(task_id))["target_profile_data"]["followers"] == 777
    pages = [s for s in instagram.requests if s.op == "profile_page" and username in s.path]
    assert len(pages) >= 2, "the failed page was not asked again"


# ==== starting without credentials ========================================================


@pytest.mark.parametrize(
    ("provider", "given", "needed"),
    [
        ("apify", {}, "CODVID_APIFY_TOKEN"),
        ("graph", {"CODVID_GRAPH_ACCESS_TOKEN": "EAAsecret"}, "CODVID_GRAPH_IG_USER_ID"),
        (
            "instaloader",
            {"CODVID_INSTALOADER_SESSION_FILE": "/nowhere"},
            "CODVID_INSTALOADER_USERNAME",
        ),
    ],
)
def test_a_provider_without_its_credentials_does_not_start(
    tmp_path: Path, provider: str, given: dict[str, str], needed: str
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "CODVID_DATA_DIR": str(tmp_path / "data"),
        "CODVID_SCRAPER_PROVIDER": provider,
        **given,
    }
    done = subprocess.run(
        [str(CODVID), "serve", "--host", "127.0.0.1", "--port", "9"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert done.stderr.splitlines() == [
        f"codvid: invalid setting CODVID_SCRAPER_PROVIDER: {provider} needs {needed}"
    ]
    assert "EAAsecret" not in done.stderr + done.stdout
    assert done.stdout == ""
    assert not (tmp_path / "data" / "codvid.sqlite3").exists()
