"""One scrape run, start to finish: the profile and reel pipelines (contract 3.6, 5).

Results are written in one atomic update of the task document, and only while the run
still holds the task's claim, so a failed, cancelled or superseded run never leaves
half-written data. Every step is an event the client can poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread

from codvid.jobs import history, results, runs
from codvid.jobs.context import JobContext
from codvid.kit.clock import now
from codvid.projects import service as projects
from codvid.scrapers import ScraperError, check_profile, check_reel
from codvid.storage import Document
from codvid.tracking.collections import TASK_COLLECTIONS

log = logging.getLogger(__name__)


class RunCancelled(Exception):
    """The task was deleted or its claim taken away while the run was going."""


async def execute(ctx: JobContext, run_id: str) -> None:
    """Run ``run_id`` if it is still queued; safe to call more than once (at-least-once
    delivery): only the first call finds it queued. While the process is stopping, a run
    still waiting for a slot stays queued for the next start to pick up."""
    current = asyncio.current_task()
    assert current is not None
    ctx.inflight.add(current)
    try:
        async with ctx.slots:
            if ctx.stopping:
                return
            run = await runs.start(ctx.store, run_id, ctx.worker_id)
            if run is None:
                return
            beating = asyncio.create_task(_heartbeat(ctx, run_id))
            try:
                await _guarded(ctx, run)
            finally:
                beating.cancel()
    finally:
        ctx.inflight.discard(current)


async def _guarded(ctx: JobContext, run: Document) -> None:
    pipeline = PIPELINES[run["kind"]]
    timeout = ctx.settings.scrape_timeout
    reason: str | None = None
    try:
        await asyncio.wait_for(pipeline(ctx, run), timeout=timeout)
        return
    except RunCancelled:
        await runs.cancel(
            ctx.store,
            run,
            "The run lost its claim on the task (deleted, or taken over after a stall); "
            "nothing was written",
        )
        return
    except ScraperError as exc:
        reason = f"Error scraping Instagram {run['kind']}: {exc.message}"
    except TimeoutError:
        reason = f"Error scraping Instagram {run['kind']}: timed out after {timeout:g} s"
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(
                _failed(ctx, run, "Interrupted: the service stopped during the run")
            )
        raise
    except Exception as exc:
        log.exception("run %s failed unexpectedly", run["_id"])
        reason = f"Internal error while scraping ({type(exc).__name__}); previous data kept"
    await _failed(ctx, run, reason)


async def _failed(ctx: JobContext, run: Document, reason: str) -> None:
    if await runs.fail(ctx.store, run, reason):
        await _back_off(ctx, run)


async def _back_off(ctx: JobContext, run: Document) -> None:
    """After a failure the scheduler retries sooner than the interval, but not at once:
    ``failure_backoff`` doubled per consecutive failure, capped by the interval."""
    tasks = ctx.store.collection(TASK_COLLECTIONS[run["kind"]])
    task = await tasks.find_one_and_update(
        {"_id": run["task_id"]},
        {"$inc": {"consecutive_failures": 1}},
        projection=["scrape_interval_days", "consecutive_failures"],
    )
    if task is None:
        return
    interval = task["scrape_interval_days"] * 86400
    delay = min(interval, ctx.settings.failure_backoff * 2 ** (task["consecutive_failures"] - 1))
    await tasks.update_one({"_id": task["_id"]}, {"$set": {"next_scrape_due": now() + delay}})


async def _heartbeat(ctx: JobContext, run_id: str) -> None:
    while True:
        await asyncio.sleep(ctx.settings.heartbeat_interval)
        await runs.heartbeat(ctx.store, run_id)


async def _claimed_task(ctx: JobContext, run: Document) -> Document:
    """What the run needs of its task, while it still holds the claim."""
    task = await ctx.store.collection(TASK_COLLECTIONS[run["kind"]]).find_one(
        {"_id": run["task_id"], "active_run_id": run["_id"]},
        projection=["target_profile", "reel_id", "scrape_interval_days", "project_id"],
    )
    if task is None:
        raise RunCancelled()
    return task


async def _event(
    ctx: JobContext, run: Document, event_type: str, message: str, **extra: Any
) -> None:
    if not await runs.append_event(ctx.store, run, event_type, message, **extra):
        raise RunCancelled()


async def _store_results(
    ctx: JobContext, run: Document, data_field: str, data: dict[str, Any], scraped_at: float
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


async def _label(ctx: JobContext, texts: list[list[str]]) -> list[list[Any]]:
    """Sentiment is CPU work: off the event loop."""

    def work() -> list[list[Any]]:
        return [ctx.analyzer.label_many(group) for group in texts]

    return await anyio.to_thread.run_sync(work)


async def scrape_profile(ctx: JobContext, run: Document) -> None:
    task = await _claimed_task(ctx, run)
    username = task["target_profile"]
    settings = ctx.settings
    await _event(ctx, run, "scrape_started", f"Starting Instagram profile analysis of @{username}")
    result = check_profile(
        await ctx.provider.fetch_profile(
            username, max_posts=settings.scrape_max_posts, max_comments=settings.scrape_max_comments
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


async def scrape_reel(ctx: JobContext, run: Document) -> None:
    task = await _claimed_task(ctx, run)
    shortcode = task["reel_id"]
    await _event(ctx, run, "scrape_started", f"Starting Instagram reel analysis of {shortcode}")
    result = check_reel(
        await ctx.provider.fetch_reel(shortcode, max_comments=ctx.settings.scrape_max_comments)
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


PIPELINES: dict[str, Callable[[JobContext, Document], Awaitable[None]]] = {
    "profile": scrape_profile,
    "reel": scrape_reel,
}
