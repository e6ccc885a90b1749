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
from codvid.scrapers import ScraperProvider, check_profile, check_reel
from codvid.scrapers.settings import ScrapingSettings
from codvid.sentiment import SentimentAnalyzer
from codvid.storage import Document, Store
from codvid.tracking import history, results, runs
from codvid.tracking.documents import TASK_COLLECTIONS, ProfileData, ReelData, RunDocument


@dataclass(frozen=True)
class ScrapeContext:
    """What the worker role builds once for every run it executes."""

    store: Store
    scraping: ScrapingSettings
    jobs: JobSettings
    provider: ScraperProvider
    analyzer: SentimentAnalyzer
    worker_id: str


class RunCancelled(Exception):
    """The task was deleted or its claim taken away while the run was going."""


async def _claimed_task(ctx: ScrapeContext, run: RunDocument) -> Document:
    """What the run needs of its task, while it still holds the claim."""
    task = await ctx.store.collection(TASK_COLLECTIONS[run["kind"]]).find_one(
        {"_id": run["task_id"], "active_run_id": run["_id"]},
        projection=["target_profile", "reel_id", "scrape_interval_days", "project_id"],
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


async def scrape_profile(ctx: ScrapeContext, run: RunDocument) -> None:
    task = await _claimed_task(ctx, run)
    username = task["target_profile"]
    await _event(ctx, run, "scrape_started", f"Starting Instagram profile analysis of @{username}")
    result = check_profile(
        await ctx.provider.fetch_profile(
            username, max_posts=ctx.scraping.max_posts, max_comments=ctx.scraping.max_comments
        )
    )
    await _event(
        ctx,
        run,
        "account_fetched",
        f"Fetched profile data of @{username}: {result.followers} followers, "
        f"{len(result.posts)} recent posts",
    )
    reels = sum(1 for p in result.posts if p.is_reel)
    await _event(
        ctx,
        run,
        "reels_filtered",
        f"{reels} of the {len(result.posts)} recent posts are reels",
        reels_count=reels,
    )
    comments = sum(len(p.comments) for p in result.posts)
    await _event(
        ctx,
        run,
        "processing_reels",
        f"Analysing the sentiment of {comments} comments",
        processing_progress=f"{len(result.posts)} posts, {comments} comments",
    )
    labels = await _label(ctx, [[c.text for c in p.comments] for p in result.posts])
    await _event(
        ctx, run, "reels_processed", f"Analysed {comments} comments", comments_analyzed=comments
    )
    scraped_at = now()
    data = results.profile_data(result, labels, scraped_at)
    await _store_results(ctx, run, "target_profile_data", data, scraped_at)
    await history.record(ctx.store, run, results.profile_snapshot(result), result.raw, scraped_at)
    await _event(
        ctx,
        run,
        "profile_data_updated",
        f"Profile data updated: {len(result.posts)} posts stored",
        scraped_posts_count=len(result.posts),
    )
    await runs.finish(ctx.store, run, "succeeded")


async def scrape_reel(ctx: ScrapeContext, run: RunDocument) -> None:
    task = await _claimed_task(ctx, run)
    shortcode = task["reel_id"]
    await _event(ctx, run, "scrape_started", f"Starting Instagram reel analysis of {shortcode}")
    result = check_reel(
        await ctx.provider.fetch_reel(shortcode, max_comments=ctx.scraping.max_comments)
    )
    await _event(
        ctx,
        run,
        "reel_fetched",
        f"Fetched reel {shortcode}: {result.views} views, {result.likes} likes",
    )
    await _event(
        ctx,
        run,
        "comments_fetched",
        f"Fetched {len(result.comments_list)} top comments",
        comments_count=len(result.comments_list),
    )
    (labels,) = await _label(ctx, [[c.text for c in result.comments_list]])
    scraped_at = now()
    data = results.reel_data(result, labels, scraped_at)
    await _event(
        ctx,
        run,
        "sentiment_analyzed",
        f"Sentiment: {data['sentiment_analysis']['overall_sentiment']}",
        sentiment_analysis=data["sentiment_analysis"],
    )
    written = await _store_results(ctx, run, "reel_data", data, scraped_at)
    await projects.bump_mod_count(ctx.store, written["project_id"])
    await history.record(ctx.store, run, results.reel_snapshot(result), result.raw, scraped_at)
    await _event(ctx, run, "reel_data_updated", "Reel data updated")
    await runs.finish(ctx.store, run, "succeeded")


PIPELINES: dict[str, Callable[[ScrapeContext, RunDocument], Awaitable[None]]] = {
    "profile": scrape_profile,
    "reel": scrape_reel,
}
