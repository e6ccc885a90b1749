"""The test doubles, at the one boundary that cannot be reached from here: Instagram
(through the scraper provider) and, for code that sends jobs, the queue."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from typing import TypeVar

from codvid.scrapers import (
    CommentBatch,
    PostRef,
    ProfileBatch,
    ProfileResult,
    ReelOwnerUnknown,
    ReelResult,
    ScrapedComment,
    ScraperError,
    ScraperProvider,
)
from codvid.scrapers.providers.demo import DemoProvider

R = TypeVar("R", ProfileResult, ReelResult)


def with_comments(result: R, given: Mapping[str, tuple[ScrapedComment, ...]]) -> R:
    """``result`` with the comments ``given`` by shortcode put on its posts (or the reel)."""
    if isinstance(result, ProfileResult):
        posts = tuple(
            dataclasses.replace(post, comments=given.get(post.post_id, ())) for post in result.posts
        )
        return dataclasses.replace(result, posts=posts)
    return dataclasses.replace(result, comments_list=given.get(result.shortcode, ()))


async def whole_profile(
    provider: ScraperProvider, username: str, *, max_posts: int, max_comments: int
) -> ProfileResult:
    """One profile and its posts' comments, as a run gathers them; its failure raised."""
    found = (await provider.fetch_profiles([username], max_posts=max_posts)).profiles[username]
    if isinstance(found, ScraperError):
        raise found
    posts = [post.ref() for post in found.posts]
    batch = await provider.fetch_comments(posts, max_comments=max_comments)
    return with_comments(found, batch.comments)


async def whole_reel(provider: ScraperProvider, shortcode: str, *, max_comments: int) -> ReelResult:
    """One reel and its comments, as a run gathers them."""
    found = await provider.fetch_reel(shortcode)
    batch = await provider.fetch_comments([found.ref()], max_comments=max_comments)
    return with_comments(found, batch.comments)


class ScriptedProvider:
    """The real demo provider (no delays) behind switches a test flips between calls.

    ``error`` is raised, ``malformed`` breaks a count, ``gate`` (see :meth:`hang`) holds
    every call until set, ``delay`` slows calls down. ``entered`` is set on each call;
    ``calls`` counts profile and reel calls, ``batches`` lists the usernames of each profile call.
    :attr:`last` is the last profile or reel fetched, with the comments given for it.
    """

    name = "demo"
    rate_limit = "100000/minute"

    def __init__(self) -> None:
        self._demo = DemoProvider(step_delay=0)
        self.batch_size = self._demo.batch_size
        self.comments_available = True
        self.error: BaseException | None = None
        self.malformed = False
        self.gate: asyncio.Event | None = None
        self.delay = 0.0
        self.calls = 0
        self.batches: list[list[str]] = []
        self.comment_calls: list[list[str]] = []
        self._profile_calls_now = 0
        self.most_profile_calls_at_once = 0
        self.stop_after: int | None = None
        """Comment calls stop after this many posts, as a provider's charge limit does."""
        self.reels_by_owner = False
        """Like the graph provider: a reel only through its owner."""
        self.reel_owners: list[str | None] = []
        """The ``owner`` passed with each reel call."""
        self.entered = asyncio.Event()
        self._last: ProfileResult | ReelResult | None = None
        self._comments: dict[str, tuple[ScrapedComment, ...]] = {}

    def hang(self) -> asyncio.Event:
        """Hold every later call until the returned event is set; ``entered`` is cleared,
        to tell when a later call has come."""
        self.gate = asyncio.Event()
        self.entered.clear()
        return self.gate

    def behave(self) -> None:
        self.error, self.malformed, self.gate, self.delay = None, False, None, 0.0

    @property
    def last(self) -> ProfileResult | ReelResult | None:
        last = self._last
        if isinstance(last, ProfileResult):
            return with_comments(last, self._comments)
        return None if last is None else with_comments(last, self._comments)

    async def _arrive(self, *, counted: bool = True) -> None:
        self.calls += counted
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        self._profile_calls_now += 1
        self.most_profile_calls_at_once = max(
            self.most_profile_calls_at_once, self._profile_calls_now
        )
        try:
            return await self._fetch_profiles(usernames, max_posts=max_posts)
        finally:
            self._profile_calls_now -= 1

    async def _fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        await self._arrive()
        self.batches.append(list(usernames))
        batch = await self._demo.fetch_profiles(usernames, max_posts=max_posts)
        profiles = dict(batch.profiles)
        for username, result in profiles.items():
            if isinstance(result, ProfileResult):
                if self.malformed:
                    result = dataclasses.replace(result, followers=-1)
                profiles[username] = result
                self._last, self._comments = result, {}
        return dataclasses.replace(batch, profiles=profiles)

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        await self._arrive()
        self.reel_owners.append(owner)
        if self.reels_by_owner and owner is None:
            raise ReelOwnerUnknown()
        result = await self._demo.fetch_reel(shortcode)
        if self.malformed:
            result = dataclasses.replace(result, likes=-1)
        self._last, self._comments = result, {}
        return result

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        await self._arrive(counted=False)
        self.comment_calls.append([post.shortcode for post in posts])
        batch = await self._demo.fetch_comments(posts, max_comments=max_comments)
        if self.stop_after is not None:  # a charge limit: the later posts are not reached
            missed = frozenset(post.shortcode for post in posts[self.stop_after :])
            kept = {code: got for code, got in batch.comments.items() if code not in missed}
            batch = dataclasses.replace(batch, comments=kept, unreached=missed)
        self._comments.update(batch.comments)
        return batch

    async def close(self) -> None:
        await self._demo.close()


class Enqueued:
    """A stand-in for the broker's enqueue: records the run ids it is given."""

    def __init__(self, *, yield_each: bool = False) -> None:
        self.run_ids: list[str] = []
        self._yield = yield_each

    async def __call__(self, run_id: str) -> None:
        self.run_ids.append(run_id)
        if self._yield:
            await asyncio.sleep(0)
