"""One scrape run, start to finish: the job the worker role executes for a run id.

The pipeline runs under the scrape timeout with a heartbeat beside it; whatever ends it
(success, a provider failure, a timeout, a bug, the process stopping) ends the run with
the reason recorded and what it cost. A failure backs the task off before the scheduler
retries it; a permanent one (a private, missing or non-business profile, a deleted reel)
puts the task on hold until its user changes it. A failed run keeps what the provider
sent, capped in size.

Queued profile runs may also start here before their message arrives (:class:`Adopter`):
when a profile call to the provider goes out with room to spare, they join it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio.to_thread

from codvid.kit.clock import now
from codvid.scrapers import ScraperError
from codvid.storage import StorageError
from codvid.tracking import history, runs, usage
from codvid.tracking.documents import PROFILE_TASKS, TASK_COLLECTIONS, RunDocument, ScrapeHold
from codvid.tracking.fetching import Spend
from codvid.tracking.pipelines import PIPELINES, RunCancelled, ScrapeContext
from codvid.tracking.ports import tell

log = logging.getLogger(__name__)


async def execute(ctx: ScrapeContext, run_id: str) -> None:
    """Run ``run_id`` if it is still queued; safe to call more than once (at-least-once
    delivery): only the first call finds it queued."""
    run = await runs.start(ctx.store, run_id, ctx.worker_id)
    if run is None:
        return
    await run_started(ctx, run)


async def run_started(ctx: ScrapeContext, run: RunDocument) -> None:
    beating = asyncio.create_task(_heartbeat(ctx, run["_id"]))
    try:
        await _guarded(ctx, run)
    finally:
        beating.cancel()


async def _guarded(ctx: ScrapeContext, run: RunDocument) -> None:
    pipeline = PIPELINES[run["kind"]]
    timeout = ctx.scraping.timeout
    spend = Spend()
    reason: str | None = None
    failure: ScraperError | None = None
    try:
        # The analyzer's models load with a process's first run, outside its time limit.
        await anyio.to_thread.run_sync(ctx.analyzer.ready)
        await asyncio.wait_for(pipeline(ctx, run, spend), timeout=timeout)
        await _spent(ctx, run, spend)
        finished = await runs.finish(ctx.store, run, "succeeded")
    except RunCancelled:
        await runs.cancel(
            ctx.store,
            run,
            "The run lost its claim on the task (deleted, or taken over after a stall); "
            "nothing was written",
        )
        return
    except ScraperError as exc:
        failure = exc
        reason = f"Error scraping Instagram {run['kind']}: {exc.message}"
    except StorageError as exc:
        reason = f"Could not store the results: {exc}; previous data kept"
    except TimeoutError:
        reason = f"Error scraping Instagram {run['kind']}: timed out after {timeout:g} s"
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(
                _failed(ctx, run, spend, "Interrupted: the service stopped during the run")
            )
        raise
    except Exception as exc:
        log.exception("run %s failed unexpectedly", run["_id"])
        reason = f"Internal error while scraping ({type(exc).__name__}); previous data kept"
    else:
        if finished:  # outside the try: nothing the observer does can fail the run
            await tell(ctx.observer, run, "succeeded", None)
        return
    await _failed(ctx, run, spend, reason, failure)


async def _spent(ctx: ScrapeContext, run: RunDocument, spend: Spend) -> None:
    if spend.used:
        await usage.record(ctx.store, run, spend.target, spend.total())


async def _failed(
    ctx: ScrapeContext,
    run: RunDocument,
    spend: Spend,
    reason: str,
    failure: ScraperError | None = None,
) -> None:
    """Record the failure; if storage refuses even that, the run is left to the sweeper
    (its heartbeat has stopped), which fails it once the storage takes writes again."""
    try:
        await _spent(ctx, run, spend)
        if failure is not None and failure.raw is not None:
            payload = {"error": reason, "received": failure.raw}
            await history.keep_payload(
                ctx.store, run, history.capped_payload(payload, ctx.scraping.raw_max_bytes), now()
            )
        if not await runs.fail(ctx.store, run, reason):
            return
        if failure is not None and failure.permanent:
            await hold(ctx, run, reason)
        else:
            await _back_off(ctx, run)
    except StorageError as exc:
        log.error(
            "run %s failed (%s) and the failure could not be stored: %s", run["_id"], reason, exc
        )
        return
    await tell(ctx.observer, run, "failed", reason)


async def hold(ctx: ScrapeContext, run: RunDocument, reason: str) -> None:
    """Keep the scheduler off the task until its user changes it."""
    held: ScrapeHold = {"cause": "permanent_failure", "reason": reason, "since": now()}
    await ctx.store.collection(TASK_COLLECTIONS[run["kind"]]).update_one(
        {"_id": run["task_id"]},
        {"$set": {"scrape_hold": held}, "$inc": {"consecutive_failures": 1}},
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


class Adopter:
    """Starts queued profile runs here to fill a profile call that goes out with room.

    A run it starts is moved from queued to processing by the same atomic step a worker
    uses, so its own message, when it comes, finds it taken and does nothing. When more
    runs are queued than the call has room for, it also starts up to ``room`` more, which
    open the next call: the queue drains through several calls at once (as many as the
    fetcher lets out), whatever the job concurrency. At most ``limit`` adopted runs go on
    at once. The runs it started are awaited (for ``grace``) and then cancelled when the
    worker stops.
    """

    def __init__(self, ctx: ScrapeContext, *, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self._ctx = ctx
        self._limit = limit
        self._running: set[asyncio.Task[None]] = set()

    async def __call__(self, room: int) -> list[str]:
        ctx = self._ctx
        usernames: list[str] = []
        adopted: list[RunDocument] = []
        wanted = min(2 * room, self._limit - len(self._running))
        for queued in await runs.queued(ctx.store, "profile", max(0, wanted)):
            run = await runs.start(ctx.store, queued["_id"], ctx.worker_id)
            if run is None:
                continue  # a worker got there first
            task = await ctx.store.collection(PROFILE_TASKS).find_one(
                {"_id": run["task_id"], "active_run_id": run["_id"]}, projection=["target_profile"]
            )
            if task is None:
                await runs.cancel(ctx.store, run, "The task was deleted before its run started")
                continue
            if len(usernames) < room:
                usernames.append(task["target_profile"].lower())
            adopted.append(run)
        # Only now: a run started earlier would ask for its profile before the batch
        # knows the username is coming, and go out in a call of its own (which is what
        # the runs beyond ``room`` are for).
        for run in adopted:
            started = asyncio.create_task(run_started(ctx, run))
            self._running.add(started)
            started.add_done_callback(self._running.discard)
        return usernames

    @property
    def running(self) -> int:
        return len(self._running)

    async def stop(self, grace: float) -> None:
        if not self._running:
            return
        _, pending = await asyncio.wait(set(self._running), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
