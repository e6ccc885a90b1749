"""The ``demo`` provider: deterministic synthetic Instagram data, labelled as such.

Every result has ``provider="demo"``, ``is_demo=True`` and ``"demo": true`` in its raw
payload. The data itself comes from :mod:`.synth`: the same
input at the same clock gives the same result, and metrics grow as the clock moves on.

Each request step (profile: account, posts; reel: the reel; comments: one step per
call) waits ``step_delay`` seconds with ``asyncio.sleep``, so a run feels like a real scrape without
blocking the event loop. Tests pass ``step_delay=0``.

Failure injection. A username or shortcode fails deterministically when it starts with
one of these prefixes, so failure paths can be tried end to end through the API:

    demo_fail_...       ProfileNotFound (ReelNotFound for a shortcode)
    demo_ratelimit_...  RateLimited, retry_after 1 s (the whole provider rests that long)
    demo_timeout_...    waits ``timeout`` seconds, then ProviderTimeout
    demo_malformed_...  returns a result that ``codvid.scrapers.validate`` rejects
    demo_crash_...      RuntimeError: an unexpected bug, not a ScraperError

``failures={"some_name": "rate_limited", ...}`` does the same for exact names (usernames
are compared lowercased) and wins over a prefix. Failures strike after the first step,
as a real request's would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

from codvid.scrapers.base import (
    CommentBatch,
    Cost,
    PostRef,
    ProfileBatch,
    ProfileNotFound,
    ProfileResult,
    ProviderTimeout,
    RateLimited,
    ReelNotFound,
    ReelResult,
    ScraperError,
)
from codvid.scrapers.providers.demo import synth

Failure = Literal["not_found", "rate_limited", "timeout", "malformed", "crash"]

FAILURE_PREFIXES: Mapping[str, Failure] = {
    "demo_fail_": "not_found",
    "demo_ratelimit_": "rate_limited",
    "demo_timeout_": "timeout",
    "demo_malformed_": "malformed",
    "demo_crash_": "crash",
}


class DemoProvider:
    name = synth.PROVIDER_NAME

    def __init__(
        self,
        *,
        step_delay: float = 0.5,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        failures: Mapping[str, Failure] | None = None,
    ) -> None:
        if step_delay < 0 or timeout < 0:
            raise ValueError("step_delay and timeout must not be negative")
        self.step_delay = step_delay
        self._timeout = timeout
        self._clock = clock
        self._failures = dict(failures or {})

    batch_size = 50
    comments_available = True
    rate_limit = "600/minute"

    async def close(self) -> None:
        """Nothing to release: the demo provider holds no connections."""

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        _check_limits(max_posts=max_posts)
        if len(usernames) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} usernames per call")
        now = self._clock()
        profiles: dict[str, ProfileResult | ScraperError] = {}
        for username in usernames:
            try:
                profiles[username] = await self._profile(username.lower(), now, max_posts)
            except ScraperError as exc:
                profiles[username] = exc
        return ProfileBatch(profiles=profiles, cost=Cost(calls=1))

    async def _profile(self, username: str, now: float, max_posts: int) -> ProfileResult:
        malformed = await self._first_step(
            username, ProfileNotFound(f"Profile @{username} not found or private")
        )
        await self._step()
        result = synth.profile(username, now, max_posts=max_posts)
        if malformed:
            return replace(result, username="", followers=-1, raw={**result.raw, "malformed": True})
        return result

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        now = self._clock()
        malformed = await self._first_step(
            shortcode, ReelNotFound(f"Reel {shortcode} not found, private or deleted")
        )
        result = synth.reel(shortcode, now)
        if malformed:
            return replace(
                result, likes=-1, owner_username="", raw={**result.raw, "malformed": True}
            )
        return replace(result, cost=Cost(calls=1))

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        _check_limits(max_comments=max_comments)
        await self._step()
        now = self._clock()
        found = {
            post.shortcode: synth.comments(post, now, max_comments=max_comments) for post in posts
        }
        return CommentBatch(
            comments={code: got for code, got in found.items() if got}, cost=Cost(calls=1)
        )

    async def _first_step(self, key: str, missing: ScraperError) -> bool:
        """Wait out the first step, then raise any injected failure.

        Returns whether the result must come back malformed.
        """
        await self._step()
        failure = self._failures.get(key) or next(
            (failure for prefix, failure in FAILURE_PREFIXES.items() if key.startswith(prefix)),
            None,
        )
        match failure:
            case "not_found":
                raise missing
            case "rate_limited":
                raise RateLimited(retry_after=1)
            case "timeout":
                await asyncio.sleep(self._timeout)
                raise ProviderTimeout(f"Connection timeout after {self._timeout:g} s")
            case "crash":
                raise RuntimeError(f"demo provider crashed on {key!r} (injected failure)")
        return failure == "malformed"

    async def _step(self) -> None:
        await asyncio.sleep(self.step_delay)


def _check_limits(**limits: int) -> None:
    for name, value in limits.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
