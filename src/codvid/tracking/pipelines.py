"""What a scrape does, step by step: the profile and reel pipelines (contract 3.6, 5).

Results are written in one atomic update of the task document, and only while the run
still holds the task's claim, so a failed, cancelled or superseded run never leaves
half-written data. Every step is an event the client can poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from codvid.jobs.settings import JobSettings
from codvid.kit.clock import now
from codvid.projects import service as projects
from codvid.scrapers import ReelOwnerUnknown, ReelResult, ScraperError, check_profile, check_reel
from codvid.scrapers.settings import ScrapingSettings
from codvid.sentiment import SentimentAnalyzer
from codvid.storage import Document, Store
from codvid.tracking import history, profiles, results, runs
from codvid.tracking.documents import TASK_COLLECTIONS, ProfileData, ReelData, RunDocument
from codvid.tracking.fetching import Fetcher, Spend
from codvid.tracking.history import capped_payload
from codvid.tracking.ports import RunObserver
from codvid.tracking.results import TopComments


@dataclass(frozen=True)
class ScrapeContext:
    """What the worker role builds once for every run it executes."""

    store: Store
    scraping: ScrapingSettings
    jobs: JobSettings
    fetcher: Fetcher
    analyzer: SentimentAnalyzer
    worker_id: str
    observer: RunObserver | None = None
    """Told of each run's end once it is stored (alerts); ``scrape`` bounds it."""


class RunCancelled(Exception):
    """The task was deleted or its claim taken away while the run was going."""


async def _claimed_task(ctx: ScrapeContext, run: RunDocument) -> Document:
    """What the run needs of its task, while it still holds the claim."""
    task = await ctx.store.collection(TASK_COLLECTIONS[run["kind"]]).find_one(
        {"_id": run["task_id"], "active_run_id": run["_id"]},
        projection=[
            "target_profile",
            "reel_id",
            "scrape_interval_days",
            "project_id",
            "target_profile_data",
            "reel_data",
        ],
    )
    if task is None:
        raise RunCancelled()
    return task


async def _event(
    ctx: ScrapeContext, run: RunDocument, event_type: str, message: str, **extra: Any
) -> None:
    if not await runs.append_event(ctx.store, run, event_type, message, **extra):
        raise RunCancelled()


async def _store_results(
    ctx: ScrapeContext,
    run: RunDocument,
    data_field: str,
    data: ProfileData | ReelData,
    scraped_at: float,
) -> Document:
    """Write the results and the schedule in one update, only while the claim holds."""
    collection = TASK_COLLECTIONS[run["kind"]]
    task = await _claimed_task(ctx, run)
    written = await ctx.store.collection(collection).find_one_and_update(
        {"_id": task["_id"], "active_run_id": run["_id"]},
        {
            "$set": {
                data_field: data,
                "last_scraped": scraped_at,
                "next_scrape_due": scraped_at + task["scrape_interval_days"] * 86400,
                "consecutive_failures": 0,
                "scrape_hold": None,
            }
        },
        projection=["project_id"],
    )
    if written is None:
        raise RunCancelled()
    return written


async def _label(ctx: ScrapeContext, texts: list[list[str]]) -> list[list[Any]]:
    """Sentiment is CPU work: off the event loop."""

    def work() -> list[list[Any]]:
        return [ctx.analyzer.label_many(group) for group in texts]

    return await anyio.to_thread.run_sync(work)


async def scrape_profile(ctx: ScrapeContext, run: RunDocument, spend: Spend) -> None:
    task = await _claimed_task(ctx, run)
    username = task["target_profile"]
    spend.target = f"@{username}"
    await _event(ctx, run, "scrape_started", f"Starting Instagram profile analysis of @{username}")
    fetched = await ctx.fetcher.profile(username)
    spend.add(fetched.cost)
    if isinstance(fetched.result, ScraperError):
        raise fetched.result
    result = check_profile(fetched.result)
    shared = (
        f" (one {result.provider} call shared by {fetched.shared_with} profiles)"
        if fetched.shared_with > 1
        else ""
    )
    await _event(
        ctx,
        run,
        "account_fetched",
        f"Fetched profile data of @{username}: {result.followers} followers, "
        f"{len(result.posts)} recent posts{shared}",
        shared_fetch=fetched.shared_with,
    )
    reels = sum(1 for p in result.posts if p.is_reel)
    await _event(
        ctx,
        run,
        "reels_filtered",
        f"{reels} of the {len(result.posts)} recent posts are reels",
        reels_count=reels,
    )
    stored = {
        post["post_id"]: TopComments.stored(post)
        for post in task["target_profile_data"].get("scraped_posts", [])
    }
    tops = [stored.get(post.post_id, TopComments()) for post in result.posts]
    due = [
        index
        for index, post in enumerate(result.posts)
        if _comments_due(ctx, run, tops[index], post.comments_count)
    ]
    comments, cost = await ctx.fetcher.comments([result.posts[i].ref() for i in due])
    spend.add(cost)
    # A post the provider stopped before keeps what it had, and is asked again next time.
    due = [i for i in due if result.posts[i].post_id in comments]
    fresh = [comments[result.posts[i].post_id] for i in due]
    count = sum(len(group) for group in fresh)
    await _event(
        ctx,
        run,
        "processing_reels",
        _comments_message(ctx, count, len(due), len(result.posts)),
        processing_progress=f"{len(result.posts)} posts, {count} new comments",
    )
    labels = await _label(ctx, [[c.text for c in group] for group in fresh])
    for index, group, group_labels in zip(due, fresh, labels, strict=True):
        tops[index] = TopComments.fetched(
            group, group_labels, now(), result.posts[index].comments_count
        )
    await _event(ctx, run, "reels_processed", f"Analysed {count} comments", comments_analyzed=count)
    scraped_at = now()
    data = results.profile_data(result, tops, scraped_at)
    await _store_results(ctx, run, "target_profile_data", data, scraped_at)
    await history.record(
        ctx.store, run, results.profile_snapshot(result), _raw(ctx, result.raw), scraped_at
    )
    await _event(
        ctx,
        run,
        "profile_data_updated",
        f"Profile data updated: {len(result.posts)} posts stored",
        scraped_posts_count=len(result.posts),
    )


def _comments_due(ctx: ScrapeContext, run: RunDocument, top: TopComments, count: int) -> bool:
    if not ctx.fetcher.provider.comments_available or not ctx.scraping.max_comments:
        return False
    if run.get("full"):
        return count > 0
    return top.due(count, ctx.scraping.comment_refresh_change)


def _comments_message(ctx: ScrapeContext, comments: int, due: int, posts: int) -> str:
    if not ctx.fetcher.provider.comments_available:
        return f"No comments available from this provider ({ctx.fetcher.provider.name})"
    kept = posts - due
    carried = f"; comments of {kept} unchanged posts kept from earlier scrapes" if kept else ""
    return f"Analysing the sentiment of {comments} comments of {due} posts{carried}"


async def scrape_reel(ctx: ScrapeContext, run: RunDocument, spend: Spend) -> None:
    task = await _claimed_task(ctx, run)
    shortcode = task["reel_id"]
    spend.target = shortcode
    await _event(ctx, run, "scrape_started", f"Starting Instagram reel analysis of {shortcode}")
    fetched = await _reel(ctx, run, task, shortcode)
    spend.add(fetched.cost)
    result = check_reel(fetched)
    views = "unknown" if "views" in result.unavailable else str(result.views)
    await _event(
        ctx,
        run,
        "reel_fetched",
        f"Fetched reel {shortcode}: {views} views, {result.likes} likes",
    )
    top = TopComments.stored(task["reel_data"])
    if _comments_due(ctx, run, top, result.comments):
        comments, cost = await ctx.fetcher.comments([result.ref()])
        spend.add(cost)
        if shortcode in comments:
            group = comments[shortcode]
            (labels,) = await _label(ctx, [[c.text for c in group]])
            top = TopComments.fetched(group, labels, now(), result.comments)
            message = f"Fetched {len(group)} top comments"
        else:
            message = "The provider stopped before this reel's comments; asked again next time"
    elif not ctx.fetcher.provider.comments_available:
        message = f"No comments available from this provider ({ctx.fetcher.provider.name})"
    else:
        message = f"Kept the {len(top.comments)} top comments of the last scrape (unchanged)"
    await _event(ctx, run, "comments_fetched", message, comments_count=len(top.comments))
    scraped_at = now()
    data = results.reel_data(result, top, scraped_at)
    await _event(
        ctx,
        run,
        "sentiment_analyzed",
        f"Sentiment: {data['sentiment_analysis']['overall_sentiment']}",
        sentiment_analysis=data["sentiment_analysis"],
    )
    written = await _store_results(ctx, run, "reel_data", data, scraped_at)
    await projects.bump_mod_count(ctx.store, written["project_id"])
    await history.record(
        ctx.store, run, results.reel_snapshot(result), _raw(ctx, result.raw), scraped_at
    )
    await _event(ctx, run, "reel_data_updated", "Reel data updated")


async def _reel(ctx: ScrapeContext, run: RunDocument, task: Document, shortcode: str) -> ReelResult:
    """The reel, through its owner when the provider needs one: the owner an earlier
    scrape stored, else a profile the user tracks whose posts include the reel."""
    owner = task["reel_data"].get("owner_username") or None
    try:
        return await ctx.fetcher.reel(shortcode, owner=owner)
    except ReelOwnerUnknown:
        if owner is not None:
            raise
        owner = await profiles.owner_of_post(ctx.store, run["user_id"], shortcode)
        if owner is None:
            raise
        return await ctx.fetcher.reel(shortcode, owner=owner)


def _raw(ctx: ScrapeContext, payload: Any) -> dict[str, Any]:
    return capped_payload(payload, ctx.scraping.raw_max_bytes)


PIPELINES: dict[str, Callable[[ScrapeContext, RunDocument, Spend], Awaitable[None]]] = {
    "profile": scrape_profile,
    "reel": scrape_reel,
}
