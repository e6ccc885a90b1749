"""The guard every provider call goes through (:mod:`codvid.scrapers.guard`): one rate
limit per provider, a shared rest after a throttling answer, retries of transient
failures only, and waits longer than ``wait_max`` refused at once.

Timings are asserted only as lower bounds (a call must not go out *before* the limit or
the rest allows it); a busy machine only makes them later. Upper bounds are the generous
``fail_after`` that a wait which should not happen (a minute's rest) would blow."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import anyio
import pytest
from limits import parse

from codvid.kit.ratelimits import close_counter_storage, counter_storage
from codvid.scrapers import (
    AccessDenied,
    CommentBatch,
    MalformedResponse,
    PostRef,
    ProfileBatch,
    ProfileNotFound,
    ProfilePrivate,
    ProviderRunFailed,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    ReelResult,
    ScraperError,
)
from codvid.scrapers.guard import DEFAULT_SLOW_DOWN, Guard, GuardedProvider, guarded
from tests.conftest import MakeSettings

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"
POST = PostRef(
    shortcode="Post0001",
    url="https://www.instagram.com/p/Post0001/",
    timestamp=0.0,
    comments_count=3,
)
EPSILON = 0.05
"""Float slack on lower bounds (the clocks are the same; only rounding differs)."""


class FakeProvider:
    """Answers each call with the next scripted outcome (an exception is raised; anything
    else, or an empty script, is a success) and records every call with its time."""

    rate_limit = "100000/second"
    batch_size = 10
    comments_available = True

    def __init__(self, *outcomes: BaseException | None, name: str = "fake") -> None:
        self.name = name
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, float]] = []
        self.failed = asyncio.Event()

    @property
    def times(self) -> list[float]:
        return [moment for _, moment in self.calls]

    async def _answer(self, what: str) -> None:
        self.calls.append((what, time.time()))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            self.failed.set()
            raise outcome

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        await self._answer("profiles")
        return ProfileBatch(profiles={})

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        await self._answer("reel")
        return ReelResult(
            shortcode=shortcode,
            reel_url=f"https://www.instagram.com/reel/{shortcode}/",
            caption="",
            likes=1,
            comments=0,
            views=1,
            plays=1,
            timestamp=0.0,
            hashtags=(),
            mentions=(),
            owner_username="someone",
            provider=self.name,
            is_demo=True,
            raw={},
        )

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        await self._answer("comments")
        return CommentBatch()

    async def close(self) -> None:
        return None


def guard_for(
    make_settings: MakeSettings,
    provider: FakeProvider,
    *,
    rate: str = "100000/second",
    retries: int = 1,
    timeout: float = 40,
    storage: Any = None,
) -> GuardedProvider:
    """``provider`` behind its guard as a worker builds it; ``wait_max`` is a quarter of
    ``timeout``, retries wait nothing but the rests."""
    settings = make_settings(
        scraper_rate_limit=rate,
        scraper_retries=retries,
        scraper_retry_wait=0,
        scrape_timeout=timeout,
    )
    return guarded(provider, storage or counter_storage(settings.counters), settings.scraping)


async def profiles(guarded_provider: GuardedProvider) -> ProfileBatch:
    return await guarded_provider.fetch_profiles(["natgeo"], max_posts=3)


# ---- the rate limit ------------------------------------------------------------------


async def test_the_rate_limit_admits_no_more_calls_than_it_allows(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider()
    guarded_provider = guard_for(make_settings, provider, rate="2/second", timeout=40)

    with anyio.fail_after(20):
        await asyncio.gather(*(profiles(guarded_provider) for _ in range(5)))

    assert len(provider.calls) == guarded_provider.guard.calls == 5
    times = provider.times
    assert times == sorted(times)
    # A moving window of 2 calls a second: any 3 calls in a row span at least a second.
    for first, third in zip(times, times[2:], strict=False):
        assert third - first >= 1 - EPSILON, times


async def test_every_kind_of_call_counts_against_the_same_limit(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider()
    guarded_provider = guard_for(make_settings, provider, rate="3/minute", timeout=4)

    with anyio.fail_after(5):
        await profiles(guarded_provider)
        await guarded_provider.fetch_reel("Reel0001")
        await guarded_provider.fetch_comments([POST], max_comments=5)
        with pytest.raises(RateLimited) as refused:
            await profiles(guarded_provider)

    assert [what for what, _ in provider.calls] == ["profiles", "reel", "comments"]
    assert "CODVID_SCRAPER_RATE_LIMIT" in refused.value.message


async def test_a_full_limit_longer_than_wait_max_fails_at_once_saying_when(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider()
    # wait_max: a quarter of the 4 s timeout; the window frees a place in a minute.
    guarded_provider = guard_for(make_settings, provider, rate="2/minute", retries=3, timeout=4)

    with anyio.fail_after(5):
        await profiles(guarded_provider)
        await profiles(guarded_provider)
        with pytest.raises(RateLimited) as refused:
            await profiles(guarded_provider)

    assert len(provider.calls) == guarded_provider.guard.calls == 2
    assert refused.value.retry_after is not None
    assert 1 < refused.value.retry_after <= 60
    assert "rate limit" in refused.value.message


async def test_a_provider_without_comments_is_not_asked_for_them(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider()
    provider.comments_available = False
    guarded_provider = guard_for(make_settings, provider)

    batch = await guarded_provider.fetch_comments([POST], max_comments=5)

    assert batch == CommentBatch()
    assert provider.calls == [] and guarded_provider.guard.calls == 0


# ---- throttling: a rest shared by every caller --------------------------------------


async def test_a_throttled_answer_rests_every_later_call_of_the_provider(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider(RateLimited(retry_after=1))
    guarded_provider = guard_for(make_settings, provider, retries=3, timeout=40)

    with anyio.fail_after(15):
        first = asyncio.create_task(profiles(guarded_provider))
        await asyncio.wait_for(provider.failed.wait(), 5)
        # Another run asks during the rest, for something else of the same provider.
        other = asyncio.create_task(guarded_provider.fetch_reel("Reel0001"))
        await asyncio.gather(first, other)

    throttled_at = provider.times[0]
    assert [what for what, _ in provider.calls[1:]] in (["profiles", "reel"], ["reel", "profiles"])
    # Nothing went out before the second's rest was over: the retry, nor the other caller.
    for moment in provider.times[1:]:
        assert moment - throttled_at >= 1 - EPSILON, provider.calls
    assert other.result().shortcode == "Reel0001"


@pytest.mark.parametrize(
    ("retry_after", "rest"),
    [pytest.param(30, 30, id="named"), pytest.param(None, DEFAULT_SLOW_DOWN, id="default")],
)
async def test_a_rest_longer_than_wait_max_fails_every_caller_at_once(
    make_settings: MakeSettings, retry_after: float | None, rest: float
) -> None:
    throttled = RateLimited(retry_after=retry_after)
    provider = FakeProvider(throttled)
    storage = counter_storage(make_settings().counters)
    guarded_provider = guard_for(make_settings, provider, retries=3, timeout=4, storage=storage)
    # Another worker of the same process: its own guard on the same counters.
    other_provider = FakeProvider()
    other_run = guard_for(make_settings, other_provider, retries=3, timeout=4, storage=storage)

    with anyio.fail_after(5):
        with pytest.raises(RateLimited) as first:
            await profiles(guarded_provider)
        refusals = []
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: guarded_provider.fetch_reel("Reel0001"),
            lambda: guarded_provider.fetch_comments([POST], max_comments=5),
            lambda: profiles(other_run),
        ]
        for call in calls:
            with pytest.raises(RateLimited) as refused:
                await call()
            refusals.append(refused.value)

    assert first.value is throttled  # the throttled call itself is not retried: too long
    assert len(provider.calls) == 1 and other_provider.calls == []
    for refusal in refusals:
        assert refusal.retry_after is not None
        assert rest - 2 <= refusal.retry_after <= rest
        assert "pause" in refusal.message


async def test_a_shorter_throttling_answer_never_shortens_the_rest(
    make_settings: MakeSettings,
) -> None:
    provider = FakeProvider()
    guarded_provider = guard_for(make_settings, provider, timeout=4)
    guard = guarded_provider.guard

    await guard.slow_down(30)
    await guard.slow_down(1)

    with anyio.fail_after(5), pytest.raises(RateLimited) as refused:
        await profiles(guarded_provider)
    assert refused.value.retry_after is not None and refused.value.retry_after >= 28
    assert provider.calls == []


# ---- retries -------------------------------------------------------------------------


@pytest.mark.parametrize("error", [ProviderUnavailable, ProviderTimeout])
async def test_a_transient_failure_is_tried_again_and_succeeds(
    make_settings: MakeSettings, error: type[ScraperError]
) -> None:
    provider = FakeProvider(error())
    guarded_provider = guard_for(make_settings, provider, retries=3)

    with anyio.fail_after(5):
        batch = await profiles(guarded_provider)

    assert batch == ProfileBatch(profiles={})
    assert len(provider.calls) == guarded_provider.guard.calls == 2


@pytest.mark.parametrize(
    "error",
    [
        AccessDenied(),
        ProfileNotFound(),
        ProfilePrivate(),
        ReelNotFound(),
        ProviderRunFailed(),
        MalformedResponse(),
        RuntimeError("a bug, not a scraping failure"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_a_final_failure_is_not_tried_again(
    make_settings: MakeSettings, error: Exception
) -> None:
    provider = FakeProvider(error)
    guarded_provider = guard_for(make_settings, provider, retries=5)

    with anyio.fail_after(5), pytest.raises(type(error)) as raised:
        await profiles(guarded_provider)

    assert raised.value is error
    assert len(provider.calls) == 1


@pytest.mark.parametrize("retries", [1, 2, 4])
async def test_attempts_are_bounded_by_the_retries_setting(
    make_settings: MakeSettings, retries: int
) -> None:
    provider = FakeProvider(*(ProviderUnavailable() for _ in range(10)))
    guarded_provider = guard_for(make_settings, provider, retries=retries)

    with anyio.fail_after(5), pytest.raises(ProviderUnavailable):
        await profiles(guarded_provider)

    assert len(provider.calls) == guarded_provider.guard.calls == retries


# ---- Redis: one limit for every process ---------------------------------------------


@pytest.fixture
async def redis_storages(make_settings: MakeSettings) -> AsyncIterator[list[Any]]:
    """Two counter stores on the same Redis, each with its own connections, as two
    processes with ``CODVID_REDIS_URL`` have them."""
    counters = make_settings(redis_url=REDIS_URL).counters
    storages: list[Any] = [counter_storage(counters), counter_storage(counters)]
    try:
        try:
            reachable = await storages[0].check()
        except Exception as exc:
            pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})")
        if not reachable:
            pytest.skip(f"Redis at {REDIS_URL} did not answer PING")
        yield storages
    finally:
        for storage in storages:
            await close_counter_storage(storage)


async def test_two_guards_on_redis_share_one_rate_limit(redis_storages: list[Any]) -> None:
    scope = f"test-guard-{uuid.uuid4().hex}"  # nothing left over from another run counts
    rate = parse("2/minute")
    guards = [
        Guard(scope, storage, rate, attempts=1, wait_initial=0, wait_max=1)
        for storage in redis_storages
    ]
    providers = [FakeProvider(name=scope), FakeProvider(name=scope)]
    first, second = (
        GuardedProvider(provider, guard) for provider, guard in zip(providers, guards, strict=True)
    )
    try:
        with anyio.fail_after(10):
            await profiles(first)
            await second.fetch_reel("Reel0001")
            for process in (first, second):
                with pytest.raises(RateLimited) as refused:
                    await profiles(process)
                assert refused.value.retry_after is not None and refused.value.retry_after > 1
    finally:
        await redis_storages[0].clear(rate.key_for(f"codvid-scraper:{scope}"))

    assert [len(provider.calls) for provider in providers] == [1, 1]
    assert [guard.calls for guard in guards] == [1, 1]


async def test_two_guards_on_redis_share_one_rest(redis_storages: list[Any]) -> None:
    scope = f"test-guard-{uuid.uuid4().hex}"
    rate = parse("100/minute")
    guards = [
        Guard(scope, storage, rate, attempts=3, wait_initial=0, wait_max=1)
        for storage in redis_storages
    ]
    throttled = FakeProvider(RateLimited(retry_after=30), name=scope)
    spared = FakeProvider(name=scope)
    try:
        with anyio.fail_after(10):
            with pytest.raises(RateLimited):
                await profiles(GuardedProvider(throttled, guards[0]))
            with pytest.raises(RateLimited) as refused:
                await profiles(GuardedProvider(spared, guards[1]))
    finally:
        for key in (f"codvid-scraper:{scope}:rest", rate.key_for(f"codvid-scraper:{scope}")):
            await redis_storages[0].clear(key)

    assert len(throttled.calls) == 1 and spared.calls == []
    assert refused.value.retry_after is not None and 28 <= refused.value.retry_after <= 30
