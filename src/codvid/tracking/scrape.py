"""One scrape run, start to finish: the job the worker role executes for a run id.

The pipeline runs under the scrape timeout with a heartbeat beside it; whatever ends it
(success, a provider failure, a timeout, a bug, the process stopping) ends the run with
the reason recorded, and a failure backs the task off before the scheduler retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from codvid.kit.clock import now
from codvid.scrapers import ScraperError
from codvid.storage import StorageError
from codvid.tracking import runs
from codvid.tracking.documents import TASK_COLLECTIONS, RunDocument
from codvid.tracking.pipelines import PIPELINES, RunCancelled, ScrapeContext

log = logging.getLogger(__name__)


async def execute(ctx: ScrapeContext, run_id: str) -> None:
    """Run ``run_id`` if it is still queued; safe to call more than once (at-least-once
    delivery): only the first call finds it queued."""
    run = await runs.start(ctx.store, run_id, ctx.worker_id)
    if run is None:
        return
    beating = asyncio.create_task(_heartbeat(ctx, run_id))
    try:
        await _guarded(ctx, run)
    finally:
        beating.cancel()


async def _guarded(ctx: ScrapeContext, run: RunDocument) -> None:
    pipeline = PIPELINES[run["kind"]]
    timeout = ctx.scraping.timeout
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
    except StorageError as exc:
        reason = f"Could not store the results: {exc}; previous data kept"
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


async def _failed(ctx: ScrapeContext, run: RunDocument, reason: str) -> None:
    """Record the failure; if storage refuses even that, the run is left to the sweeper
    (its heartbeat has stopped), which fails it once the storage takes writes again."""
    try:
        if await runs.fail(ctx.store, run, reason):
            await _back_off(ctx, run)
    except StorageError as exc:
        log.error(
            "run %s failed (%s) and the failure could not be stored: %s", run["_id"], reason, exc
        )


async def _back_off(ctx: ScrapeContext, run: RunDocument) -> None:
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
    delay = min(interval, ctx.jobs.failure_backoff * 2 ** (task["consecutive_failures"] - 1))
    await tasks.update_one({"_id": task["_id"]}, {"$set": {"next_scrape_due": now() + delay}})


async def _heartbeat(ctx: ScrapeContext, run_id: str) -> None:
    while True:
        await asyncio.sleep(ctx.jobs.heartbeat_interval)
        await runs.heartbeat(ctx.store, run_id)
