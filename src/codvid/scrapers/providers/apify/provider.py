"""The ``apify`` provider: public Instagram data from Apify's Instagram actors.

Each question is one actor run, however many profiles or posts it is about: a run takes
tens of seconds to start and finish whatever its size, and pay-per-event actors charge
each start.

- profiles: ``apify/instagram-profile-scraper`` with ``usernames`` (up to
  :attr:`ApifyProvider.batch_size` per run); each item answers one username, and one
  that fails (unknown, private, malformed) fails alone.
- a reel: ``apify/instagram-scraper`` with ``directUrls: [reel URL]``, ``resultsType:
  posts``. The reel scraper (``apify/instagram-reel-scraper``) takes profiles
  (``username``), not a reel URL, so the generic scraper is the one that answers one reel.
- comments: ``apify/instagram-comment-scraper`` with every post's URL in ``directUrls``
  in one run (up to :data:`MAX_COMMENT_POSTS`; more run side by side); items come back
  with the ``postUrl`` they belong to. The actor returns comments in the order Instagram
  shows them, not by likes: they are ranked by ``likesCount`` and at most
  ``max_comments`` kept per post. Each comment is a billed result, so only
  ``max_comments`` are asked for per post unless ``comment_pool`` asks for a larger pool
  to rank. ``latestComments`` on posts are the newest, not the top, and are never used.

What each answer means is in ``docs/providers/apify.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import anyio

from codvid.scrapers.base import (
    CommentBatch,
    Cost,
    MalformedResponse,
    PostRef,
    ProfileBatch,
    ProfileNotFound,
    ProfileResult,
    ProviderRunFailed,
    ReelNotFound,
    ReelResult,
    ScrapedComment,
    ScraperError,
)
from codvid.scrapers.providers.apify import mapping
from codvid.scrapers.providers.apify.runs import ActorRunner, Finished
from codvid.scrapers.validate import check_profile, check_reel

DEFAULT_API_URL = "https://api.apify.com"
PROFILE_ACTOR = "apify/instagram-profile-scraper"
REEL_ACTOR = "apify/instagram-scraper"
COMMENT_ACTOR = "apify/instagram-comment-scraper"
MAX_COMMENTS_PER_POST = 50
"""The largest pool of comments per post that ``comment_pool`` may ask for (``max_comments``
itself is always asked for)."""
MAX_COMMENT_POSTS = 500
"""The most posts one comment run takes; a call with more (the caller gathers the posts of
many profiles into one call) runs several side by side."""
_SHORTCODE = re.compile(r"[A-Za-z0-9_-]{5,64}")
_NOT_FOUND = ("no_items", "not_found", "user_not_found")


class ApifyProvider:
    name = mapping.PROVIDER_NAME
    batch_size = 25
    """Usernames per profile run: one run's start cost and time shared by many, while a
    run stays well under the few hundred results Apify advises per run."""
    comments_available = True
    rate_limit = "30/minute"
    """Actor runs started, by default. Apify's API takes 60 requests a second per resource,
    far more than a run's three or so; what binds is the account's concurrent runs and
    memory (a start beyond them is refused, and reported as :class:`RateLimited`), and
    runs last tens of seconds, so 30 a minute keeps about 15 in flight."""

    def __init__(
        self,
        *,
        token: str,
        api_url: str = DEFAULT_API_URL,
        profile_actor: str = PROFILE_ACTOR,
        reel_actor: str = REEL_ACTOR,
        comment_actor: str = COMMENT_ACTOR,
        max_charge_usd: float = 0.5,
        timeout: float = 120.0,
        max_retries: int = 4,
        min_retry_delay: float = 0.5,
        comment_pool: int = 1,
    ) -> None:
        """``comment_pool``: comments fetched per post, in multiples of ``max_comments``,
        before the most liked are kept; each costs a result."""
        if comment_pool < 1:
            raise ValueError("comment_pool must be at least 1")
        self._runner = ActorRunner(
            token,
            api_url=api_url,
            timeout=timeout,
            max_charge_usd=max_charge_usd,
            max_retries=max_retries,
            min_retry_delay=min_retry_delay,
        )
        self.max_charge_usd = max_charge_usd
        self.profile_actor = profile_actor
        self.reel_actor = reel_actor
        self.comment_actor = comment_actor
        self.comment_pool = comment_pool

    @property
    def closed(self) -> bool:
        return self._runner.http.closed

    async def close(self) -> None:
        await self._runner.close()

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        if max_posts < 0:
            raise ValueError(f"max_posts must not be negative, got {max_posts}")
        wanted = list(dict.fromkeys(mapping.handle(name) for name in usernames))
        if len(wanted) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} usernames per call")
        if not wanted:
            return ProfileBatch(profiles={}, cost=Cost())
        finished = await self._runner.run(
            self.profile_actor, {"usernames": wanted}, max_items=len(wanted)
        )
        found: dict[str, ProfileResult | ScraperError] = {}
        for item in finished.items:
            name = mapping.username_of(item) if isinstance(item, Mapping) else None
            if name in wanted and name not in found:
                found[name] = self._profile(item, name, max_posts, finished.origin)
        why = self._cut_short(finished, len(wanted))
        profiles = {
            asked: found.get(mapping.handle(asked))
            or self._missing(mapping.handle(asked), why, finished.origin)
            for asked in usernames
        }
        return ProfileBatch(profiles=profiles, cost=finished.cost)

    def _profile(
        self, item: Mapping[str, Any], name: str, max_posts: int, origin: Mapping[str, Any]
    ) -> ProfileResult | ScraperError:
        if mapping.is_error(item):
            return self._item_error(item, name)
        try:
            result = check_profile(mapping.profile(item, max_posts=max_posts, origin=origin))
            return replace(result, raw=self._runner.scrub(result.raw))
        except ScraperError as exc:
            # A message may quote a value of the item (``got 'x'``): scrubbed as well.
            exc.raw = exc.raw or mapping.bounded(item, ("username", "error"))
            return self._runner.scrub_error(exc)

    def _item_error(self, item: Mapping[str, Any], name: str) -> ScraperError:
        """An item saying the actor could not scrape a username. ``no_items`` ("Empty or
        private data for provided input") is how it reports a name that does not exist."""
        raw = self._runner.scrub(mapping.bounded(item, ("inputUrl", "error", "errorDescription")))
        error = str(item.get("error"))
        if error in _NOT_FOUND:
            return ProfileNotFound(f"Profile @{name} not found or private", raw=raw)
        # Scrubbed before it is cut, so no piece of the token can remain.
        detail = self._runner.scrub(str(item.get("errorDescription") or error))[:160]
        return ProviderRunFailed(f"Apify could not scrape @{name}: {detail}", raw=raw)

    def _cut_short(self, finished: Finished, asked: int) -> str:
        """Why a run may have left usernames out, if its numbers say so."""
        usd = finished.cost.usd
        if usd is not None and usd >= 0.9 * self.max_charge_usd:
            return " (the run reached CODVID_APIFY_MAX_CHARGE_USD)"
        if len(finished.items) >= asked:
            return " (the run's items were used up by others)"
        return ""

    def _missing(self, name: str, why: str, origin: Mapping[str, Any]) -> ScraperError:
        # The actor answers every username it was given, an unknown one with an error item;
        # no item at all is an incomplete run, not a fact about the profile, so it is not
        # reported as ProfileNotFound (which would stop the task being scraped).
        return MalformedResponse(f"Apify returned nothing for @{name}{why}", raw=dict(origin))

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        if not _SHORTCODE.fullmatch(shortcode):
            raise ReelNotFound(f"Reel {shortcode[:64]!r} not found: not a reel shortcode")
        run_input = {
            "directUrls": [f"https://www.instagram.com/reel/{shortcode}/"],
            "resultsType": "posts",
            "resultsLimit": 1,
            "addParentData": False,
        }
        finished = await self._runner.run(self.reel_actor, run_input, max_items=1)
        items = [item for item in finished.items if isinstance(item, Mapping)]
        item = next((i for i in items if i.get("shortCode") == shortcode), None)
        if item is None:
            raw = {**finished.origin, "items": [mapping.bounded(i, ("error",)) for i in items]}
            if items and not all(mapping.is_error(i) for i in items):
                raise MalformedResponse(
                    f"Malformed response from Apify: no item for reel {shortcode}",
                    raw=self._runner.scrub(raw),
                )
            raise ReelNotFound(
                f"Reel {shortcode} not found, private or deleted", raw=self._runner.scrub(raw)
            )
        try:
            result = check_reel(mapping.reel(item, origin=finished.origin))
        except ScraperError as exc:
            exc.raw = exc.raw or mapping.bounded(item, ("shortCode",))
            self._runner.scrub_error(exc)
            raise
        return replace(result, raw=self._runner.scrub(result.raw), cost=finished.cost)

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        if max_comments < 0:
            raise ValueError(f"max_comments must not be negative, got {max_comments}")
        refs = {post.shortcode: post for post in posts if _SHORTCODE.fullmatch(post.shortcode)}
        if not refs or max_comments == 0:
            return CommentBatch(cost=Cost())
        per_post = max(max_comments, min(self.comment_pool * max_comments, MAX_COMMENTS_PER_POST))
        codes = list(refs)
        groups = [
            [refs[code] for code in codes[start : start + MAX_COMMENT_POSTS]]
            for start in range(0, len(codes), MAX_COMMENT_POSTS)
        ]
        runs = await self._comment_runs(groups, per_post)
        found: dict[str, list[tuple[str, ScrapedComment]]] = {}
        raw: dict[str, dict[str, Any]] = {}
        unusable = 0
        items = [item for finished in runs for item in finished.items]
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                unusable += 1
                continue
            if mapping.is_error(item):  # a post the actor could not read: deleted, private
                continue
            code = mapping.comment_post(item, refs) or (codes[0] if len(codes) == 1 else None)
            entry = mapping.comment(item) if code else None
            if code is None or entry is None:
                unusable += 1
                continue
            key = str(item.get("id") or f"{code}:{index}")
            found.setdefault(code, []).append((key, entry))
            raw[key] = mapping.bounded_comment(item)
        summary = {"runs": [finished.origin for finished in runs], "unusable_items": unusable}
        if unusable and not found:
            raise MalformedResponse(
                "Malformed response from Apify: no usable comment in the comment run",
                raw=self._runner.scrub(summary),
            )
        ranked = {code: mapping.top_comments(got, max_comments) for code, got in found.items()}
        unreached = frozenset(
            post.shortcode
            for finished, group in zip(runs, groups, strict=True)
            if self._cut_short(finished, _expected(group, per_post))
            for post in group
            if post.shortcode not in found and post.comments_count > 0
        )
        kept = {id(entry) for entries in ranked.values() for entry in entries}
        kept_raw = [
            raw[key] for entries in found.values() for key, entry in entries if id(entry) in kept
        ]
        return CommentBatch(
            comments=ranked,
            cost=_total(finished.cost for finished in runs),
            raw=self._runner.scrub([summary, *kept_raw]),
            unreached=unreached,
        )

    async def _comment_runs(self, groups: list[list[PostRef]], per_post: int) -> list[Finished]:
        """One run per group of posts, side by side, answered in the groups' order; the
        first failure fails the call (and cancels, so aborts, the other runs)."""
        if len(groups) == 1:
            return [await self._comment_run(groups[0], per_post)]
        finished: list[Finished | None] = [None] * len(groups)

        async def collect(index: int, group: list[PostRef]) -> None:
            finished[index] = await self._comment_run(group, per_post)

        try:
            async with anyio.create_task_group() as runs:
                for index, group in enumerate(groups):
                    runs.start_soon(collect, index, group)
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
        return [run for run in finished if run is not None]

    async def _comment_run(self, posts: list[PostRef], per_post: int) -> Finished:
        run_input = {
            "directUrls": [f"https://www.instagram.com/p/{post.shortcode}/" for post in posts],
            "resultsLimit": per_post,
        }
        return await self._runner.run(
            self.comment_actor, run_input, max_items=_expected(posts, per_post)
        )


def _expected(posts: Sequence[PostRef], per_post: int) -> int:
    """The most comments a run for ``posts`` may bill: a post's known count bounds it; 0
    may mean unknown."""
    return sum(
        min(per_post, post.comments_count) if post.comments_count > 0 else per_post
        for post in posts
    )


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    error = group.exceptions[0]
    return _first(error) if isinstance(error, BaseExceptionGroup) else error


def _total(costs: Iterable[Cost]) -> Cost:
    costs = list(costs)
    spent = [cost.usd for cost in costs if cost.usd is not None]
    return Cost(
        usd=sum(spent) if spent else None,
        items=sum(cost.items for cost in costs),
        calls=sum(cost.calls for cost in costs),
    )
