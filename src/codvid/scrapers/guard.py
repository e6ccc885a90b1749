"""Every call to a provider goes through its guard, so the provider is spared as a whole,
not run by run:

* one rate limit per provider (a moving window of calls), shared by every run of the
  process, and of every process when the counters live in Redis;
* a throttling answer slows the whole provider down: no call goes out until the
  ``retry_after`` it named (or a default) has passed, whichever run asks; a run that
  would wait longer than a quarter of its scrape timeout, for a rest or for room in the
  rate limit, fails at once as throttled (and backs off) instead of holding its slot;
* transient failures (timeouts, 5xx, throttling) are tried again with jittered
  exponential back-off (``stamina``); every other failure (401/403, not found, private,
  not a business account, a failed actor run) is final at once.

The caller's own time bound (the run's scrape timeout) bounds every wait here.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import stamina

from codvid.kit.clock import now
from codvid.scrapers.base import (
    CommentBatch,
    PostRef,
    ProfileBatch,
    RateLimited,
    ReelResult,
    ScraperError,
    ScraperProvider,
)
from codvid.scrapers.settings import ScrapingSettings

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.aio.storage import Storage

T = TypeVar("T")
DEFAULT_SLOW_DOWN = 30.0
"""Seconds the provider rests after a throttling answer that named no time."""
_RESTING = "The provider asked for a pause after throttling, try again later"
_FULL = "The provider's call rate limit is reached (CODVID_SCRAPER_RATE_LIMIT), try again later"


class Guard:
    def __init__(
        self,
        scope: str,
        storage: Storage,
        rate: RateLimitItem,
        *,
        attempts: int,
        wait_initial: float,
        wait_max: float,
    ) -> None:
        from limits.aio.strategies import MovingWindowRateLimiter

        self._scope = f"codvid-scraper:{scope}"
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._rate = rate
        self._attempts = attempts
        self._wait_initial = wait_initial
        self._wait_max = wait_max
        self.calls = 0
        """Calls let through (a retry counts again)."""

    async def call(self, fetch: Callable[[], Awaitable[T]]) -> T:
        async for attempt in stamina.retry_context(
            on=self._retry_after,
            attempts=self._attempts,
            timeout=None,
            wait_initial=self._wait_initial,
            wait_max=self._wait_max,
            wait_jitter=self._wait_initial,
        ):
            with attempt:
                await self._admitted()
                try:
                    return await fetch()
                except RateLimited as exc:
                    await self.slow_down(exc.retry_after)
                    raise
        raise AssertionError("unreachable: stamina re-raises the last failure")

    def _retry_after(self, exc: Exception) -> bool | float:
        """Transient failures only; a throttled call waits out the rest (its own wait)."""
        if not isinstance(exc, ScraperError) or not exc.transient:
            return False
        if isinstance(exc, RateLimited):
            rest = exc.retry_after if exc.retry_after is not None else DEFAULT_SLOW_DOWN
            return False if rest > self._wait_max else max(rest, self._wait_initial)
        return True

    async def slow_down(self, seconds: float | None) -> None:
        """No call of this provider goes out for ``seconds`` (never shortens a rest)."""
        rest = DEFAULT_SLOW_DOWN if seconds is None else max(0.0, seconds)
        key = f"{self._scope}:rest"
        if await self._storage.get(key) and await self._storage.get_expiry(key) >= now() + rest:
            return
        await self._storage.clear(key)
        await self._storage.incr(key, max(1, math.ceil(rest)))

    async def _admitted(self) -> None:
        """Wait out a rest, then for room in the rate limit; a wait longer than
        ``wait_max`` is not waited: the call fails at once as throttled, saying when."""
        key = f"{self._scope}:rest"
        while True:
            if await self._storage.get(key):
                self._wait_or_refuse(await self._storage.get_expiry(key) - now(), _RESTING)
                await asyncio.sleep(max(0.05, await self._storage.get_expiry(key) - now()))
                continue
            if await self._limiter.hit(self._rate, self._scope):
                self.calls += 1
                return
            stats = await self._limiter.get_window_stats(self._rate, self._scope)
            self._wait_or_refuse(stats.reset_time - now(), _FULL)
            await asyncio.sleep(max(0.05, stats.reset_time - now()))

    def _wait_or_refuse(self, wait: float, reason: str) -> None:
        if wait > self._wait_max:
            raise RateLimited(reason, retry_after=math.ceil(wait))


class GuardedProvider:
    """A provider whose every call goes through a :class:`Guard`."""

    def __init__(self, provider: ScraperProvider, guard: Guard) -> None:
        self.inner = provider
        self.guard = guard
        self.name = provider.name
        self.batch_size = provider.batch_size
        self.comments_available = provider.comments_available
        self.rate_limit = provider.rate_limit

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        return await self.guard.call(
            lambda: self.inner.fetch_profiles(usernames, max_posts=max_posts)
        )

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        return await self.guard.call(lambda: self.inner.fetch_reel(shortcode, owner=owner))

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        if not self.comments_available or not posts or not max_comments:
            return CommentBatch()
        return await self.guard.call(
            lambda: self.inner.fetch_comments(posts, max_comments=max_comments)
        )

    async def close(self) -> None:
        await self.inner.close()


def guarded(
    provider: ScraperProvider, storage: Storage, settings: ScrapingSettings
) -> GuardedProvider:
    """``provider`` behind a guard whose counters are in ``storage``. A retry waits at most
    a quarter of the scrape timeout: a run must end within it, retries included, and a
    longer rest is better spent failing the run at once with its reason."""
    from limits import parse

    guard = Guard(
        provider.name,
        storage,
        parse(settings.rate_limit or provider.rate_limit),
        attempts=settings.retries,
        wait_initial=settings.retry_wait,
        wait_max=settings.timeout / 4,
    )
    return GuardedProvider(provider, guard)
