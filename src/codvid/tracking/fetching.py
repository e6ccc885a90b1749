"""What the pipelines fetch through: the guarded provider, with profile and comment
requests of concurrent runs gathered into shared provider calls (:mod:`codvid.kit.batching`).

A paid provider charges a start-up cost per call, and its profile call takes many
usernames: profile fetches that arrive within ``CODVID_SCRAPE_BATCH_WINDOW`` seconds of
each other share one call (up to ``CODVID_SCRAPE_BATCH_SIZE``), and so do comment fetches.
As a profile call goes out, queued profile runs this process has not received yet are
started here to fill it (:class:`codvid.tracking.scrape.Adopter`), so batching does not
depend on the job concurrency. What a shared call cost is split evenly between the
profiles (or posts) it served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from codvid.kit.batching import Coalescer, Fill
from codvid.scrapers import (
    CommentBatch,
    Cost,
    PostRef,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScraperError,
    ScraperProvider,
)
from codvid.scrapers.settings import ScrapingSettings


@dataclass(frozen=True, slots=True)
class FetchedProfile:
    result: ProfileResult | ScraperError
    """The profile, or its own failure."""
    cost: Cost
    """This profile's share of the call."""
    shared_with: int
    """How many profiles the call served."""


@dataclass(frozen=True, slots=True)
class FetchedComments:
    comments: tuple[ScrapedComment, ...]
    call_cost: Cost
    """What the whole call cost."""
    call: int
    """Which call answered it: a run's posts answered by one call share it once."""
    call_size: int
    """How many posts the call served."""
    reached: bool = True
    """False: the provider stopped before this post (nothing is known of its comments)."""


@dataclass
class Spend:
    """What one run cost so far; :mod:`.usage` records it when the run ends."""

    usd: float | None = None
    items: int = 0
    calls: int = 0
    target: str = ""
    used: bool = field(default=False)

    def add(self, cost: Cost | None) -> None:
        self.used = True
        if cost is None:
            return
        if cost.usd is not None:
            self.usd = (self.usd or 0.0) + cost.usd
        self.items += cost.items
        self.calls += cost.calls

    def total(self) -> Cost:
        return Cost(usd=self.usd, items=self.items, calls=self.calls)


CALLS_IN_FLIGHT = 4
"""Profile calls (and comment calls) of one process out at once."""


class Fetcher:
    def __init__(self, provider: ScraperProvider, settings: ScrapingSettings) -> None:
        self.provider = provider
        self._settings = settings
        size = max(1, min(settings.batch_size, provider.batch_size))
        self.profile_batch_size = size
        self._profiles: Coalescer[str, FetchedProfile] = Coalescer(
            self._fetch_profiles,
            window=settings.batch_window,
            max_size=size,
            max_batches=CALLS_IN_FLIGHT,
        )
        self._comments: Coalescer[PostRef, FetchedComments] = Coalescer(
            self._fetch_comments,
            window=settings.batch_window,
            max_size=size * settings.max_posts,
            max_batches=CALLS_IN_FLIGHT,
        )

        self._comment_calls = 0

    def fill_profile_batches(self, fill: Fill[str]) -> None:
        """Let ``fill(room)`` add usernames to each profile call as it goes out."""
        self._profiles.fill = fill

    @property
    def profile_calls(self) -> int:
        return self._profiles.sent

    async def profile(self, username: str) -> FetchedProfile:
        return await self._profiles.get(username.lower())

    async def comments(
        self, posts: Sequence[PostRef]
    ) -> tuple[dict[str, tuple[ScrapedComment, ...]], Cost]:
        """The top comments of each post (by shortcode; a post the provider stopped before
        is absent) and this run's share of the cost."""
        if not posts or not self.provider.comments_available or not self._settings.max_comments:
            return {}, Cost()
        fetched = await asyncio.gather(*(self._comments.get(post) for post in posts))
        by_call: dict[int, list[FetchedComments]] = {}
        for one in fetched:
            by_call.setdefault(one.call, []).append(one)
        share = Spend()
        for answered in by_call.values():
            share.add(_share(answered[0].call_cost, answered[0].call_size, len(answered)))
        found = {
            post.shortcode: one.comments
            for post, one in zip(posts, fetched, strict=True)
            if one.reached
        }
        return found, share.total()

    async def reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        return await self.provider.fetch_reel(shortcode, owner=owner)

    async def _fetch_profiles(self, usernames: list[str]) -> dict[str, FetchedProfile]:
        batch = await self.provider.fetch_profiles(usernames, max_posts=self._settings.max_posts)
        share = _share(batch.cost, len(usernames))
        missing = ScraperError("The provider gave no answer for this profile")
        return {
            username: FetchedProfile(batch.profiles.get(username, missing), share, len(usernames))
            for username in usernames
        }

    async def _fetch_comments(self, posts: list[PostRef]) -> dict[PostRef, FetchedComments]:
        batch: CommentBatch = await self.provider.fetch_comments(
            posts, max_comments=self._settings.max_comments
        )
        self._comment_calls += 1
        call, cost = self._comment_calls, batch.cost or Cost()
        return {
            post: FetchedComments(
                batch.comments.get(post.shortcode, ()),
                cost,
                call,
                len(posts),
                reached=post.shortcode not in batch.unreached,
            )
            for post in posts
        }

    async def close(self) -> None:
        await self._profiles.close()
        await self._comments.close()


def _share(cost: Cost | None, parts: int, taken: int = 1) -> Cost:
    """``taken`` even shares of ``parts`` of a call's cost: dollars split exactly, results
    rounded up; a shared call counts as one call for each run it served (what the run
    took part in)."""
    if cost is None:
        return Cost()
    return Cost(
        usd=None if cost.usd is None else cost.usd * taken / parts,
        items=-(-cost.items * taken // parts),
        calls=cost.calls,
    )
