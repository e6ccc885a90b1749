"""The ``instaloader`` provider: Instagram's own web endpoints through the instaloader
library, free, one request at a time; a local fallback when no paid provider is set.

The event loop side. Each call runs :class:`.loader.Loader` in a worker thread
(``anyio.to_thread.run_sync``), so instaloader's blocking requests and its pauses never
block the loop. The call is bounded by the scrape timeout: when it runs out, or the
caller is cancelled, the await returns at once (the thread is abandoned) and the thread
stops before its next request; the loader's lock stays held until it has stopped, so
calls never overlap, whatever was cancelled.

Without a session file it reads as a logged-out visitor, which Instagram has made
unreliable since 2024; comments need a session (``comments_available`` is set only with
one). See ``docs/providers/instaloader.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
from requests.adapters import BaseAdapter, HTTPAdapter

from codvid.scrapers.base import (
    CommentBatch,
    Cost,
    PostRef,
    ProfileBatch,
    ProfileResult,
    ProviderTimeout,
    ReelResult,
    ScraperError,
)
from codvid.scrapers.providers.instaloader.context import Run
from codvid.scrapers.providers.instaloader.loader import Done, Loader, Session
from codvid.scrapers.providers.instaloader.mapping import PROVIDER_NAME

T = TypeVar("T")
GRACE = 0.5
"""Seconds past a call's deadline before its await gives up on the thread, which keeps
to the deadline itself and so usually reports first, with what it was doing."""


class InstaloaderProvider:
    name = PROVIDER_NAME
    batch_size = 1
    """instaloader reads one profile at a time; one per call keeps each call's time bound."""
    rate_limit = "60/hour"
    """About one call a minute: a profile of 12 posts takes about 19 requests (15 of them
    post lookups), and instaloader's own limits (200 of one query, 75 page loads in 11
    minutes) allow about 13 such profiles per 11 minutes."""

    def __init__(
        self,
        *,
        timeout: float = 120.0,
        session: Session | None = None,
        polite: bool = True,
        max_wait: float = 60.0,
        transport: BaseAdapter | None = None,
    ) -> None:
        """``timeout`` bounds each call and each request; ``polite`` keeps instaloader's
        short random pause before every request; a rate-controller wait longer than
        ``max_wait`` becomes :class:`RateLimited`. ``transport`` is the ``requests``
        adapter every request goes through (tests send them to a local server)."""
        if timeout <= 0 or max_wait < 0:
            raise ValueError("timeout must be positive and max_wait not negative")
        self._timeout = timeout
        self._loader = Loader(
            transport=transport if transport is not None else HTTPAdapter(),
            request_timeout=timeout,
            max_wait=max_wait,
            polite=polite,
            session=session,
        )
        self.comments_available = session is not None
        """Instagram gives comments only to a logged-in session."""
        self._runs: set[Run] = set()
        self._closed = False

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        if max_posts < 0:
            raise ValueError(f"max_posts must not be negative, got {max_posts}")
        if len(usernames) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} usernames per call")
        profiles: dict[str, ProfileResult | ScraperError] = {}
        calls = 0
        for username in usernames:
            done = await self._call(partial(self._loader.profile, username.lower(), max_posts))
            calls += done.calls
            if done.error is not None and not done.error.permanent:
                raise done.error  # about Instagram or the service, not this profile
            profiles[username] = done.error or _value(done)
        return ProfileBatch(profiles=profiles, cost=Cost(calls=calls))

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        done = await self._call(partial(self._loader.reel, shortcode))
        if done.error is not None:
            raise done.error
        return replace(_value(done), cost=Cost(calls=done.calls))

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        if max_comments < 0:
            raise ValueError(f"max_comments must not be negative, got {max_comments}")
        if not self.comments_available or not posts or not max_comments:
            return CommentBatch(cost=Cost())
        done = await self._call(partial(self._loader.comments, list(posts), max_comments))
        if done.error is not None:
            raise done.error
        found, raw = _value(done)
        return CommentBatch(comments=found, cost=Cost(calls=done.calls), raw=list(raw))

    async def close(self) -> None:
        """Stop any running call, then close instaloader's session and its connections."""
        if self._closed:
            return
        self._closed = True
        for run in self._runs:
            run.stopped.set()
        await anyio.to_thread.run_sync(self._loader.shutdown, self._timeout, abandon_on_cancel=True)

    async def _call(self, operation: Callable[[], T]) -> Done[T]:
        if self._closed:
            raise RuntimeError("the instaloader provider is closed")
        run = Run(self._timeout)
        self._runs.add(run)
        try:
            with anyio.move_on_after(self._timeout + GRACE):
                return await anyio.to_thread.run_sync(
                    self._loader.execute, run, operation, abandon_on_cancel=True
                )
            timed_out = ProviderTimeout(f"Instagram did not answer within {self._timeout:g} s")
            return Done(error=timed_out)
        finally:
            # Whatever ended the await (an answer, the deadline, a cancellation), the
            # thread is told to stop: it does so before its next request.
            run.stopped.set()
            self._runs.discard(run)


def _value(done: Done[T]) -> T:
    if done.value is None:
        raise AssertionError("a call that did not fail has a value")
    return done.value
