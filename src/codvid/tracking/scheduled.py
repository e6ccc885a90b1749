"""Tracking's periodic work, run by the scheduler role: start due scrapes, and make sure
nothing stays "processing" forever.

* Due tasks are claimed with the same atomic claim as a force scrape, so two schedulers
  (or a scheduler and a user) never start the same task twice; the ``(status,
  next_scrape_due)`` index keeps picking cheap however many tasks are tracked.
* A processing run whose heartbeat is older than ``stale_after`` lost its worker (killed,
  machine gone): it is failed with the reason and its claim released; the data it would
  have written was never written.
* A queued run older than ``stale_after`` may have lost its message (its process died
  before sending it, or the in-process broker died with it): it is sent again; a duplicate
  delivery is harmless because only one worker can move a run from queued to processing.
  A run this process queued on its in-process broker is only waiting for a free slot.
* A processing run whose worker is provably gone (``jobs.process``: on this machine, no
  longer running) is failed at the next pass, without waiting for ``stale_after``; a run
  of a worker on another machine is known dead only by its silence.
* At start, runs of a process that is provably gone are dealt with at once: processing
  ones failed, queued ones sent again. A live run of another process is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypedDict, cast

from codvid.jobs.ports import Enqueue
from codvid.jobs.process import is_gone, this_process
from codvid.kit.clock import now
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import StorageError, Store
from codvid.tracking import runs, usage
from codvid.tracking.documents import TASK_COLLECTIONS, RunDocument, ScrapeHold, TaskKind
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.ports import RunObserver, tell

log = logging.getLogger(__name__)
RESTARTED = "Interrupted: the service restarted during the run; previous data kept"
WORKER_GONE = "Interrupted: the worker process ended during the run; previous data kept"


class DueTask(TypedDict):
    _id: str
    user_id: str


async def pick_due(store: Store, kind: TaskKind, limit: int) -> list[DueTask]:
    """The ``limit`` most overdue active tasks of ``kind`` that no run holds, leaving out
    those on hold after a permanent failure."""
    found = await store.collection(TASK_COLLECTIONS[kind]).find(
        {
            "status": "active",
            "next_scrape_due": {"$lte": now()},
            "active_run_id": None,
            "scrape_hold.cause": {"$ne": "permanent_failure"},
        },
        sort=[("next_scrape_due", 1)],
        limit=limit,
        projection=["user_id"],
    )
    return cast(list[DueTask], found)


async def schedule_due(
    store: Store, enqueue: Enqueue, limit: int, scraping: ScrapingSettings
) -> int:
    """Start up to ``limit`` due tasks of each kind; return how many were started. A task
    whose user (or the deployment) spent the month's budget is held until the month
    turns, with the reason on the task."""
    started = 0
    for kind in TASK_COLLECTIONS:
        for task in await pick_due(store, kind, limit):
            try:
                await usage.check_budget(store, scraping, task["user_id"])
            except usage.BudgetReached:
                await _hold_for_budget(store, kind, task["_id"])
                continue
            try:
                run = await runs.claim(store, kind, task["_id"], task["user_id"], "schedule")
            except (runs.AlreadyProcessing, TaskNotFound):
                continue  # another scheduler or a user got there first, or it was deleted
            await enqueue(run["_id"])
            started += 1
    if started:
        log.info("scheduled %d due scrapes", started)
    return started


async def _hold_for_budget(store: Store, kind: TaskKind, task_id: str) -> None:
    moment = now()
    held: ScrapeHold = {"cause": "budget", "reason": usage.BUDGET_REACHED, "since": moment}
    await store.collection(TASK_COLLECTIONS[kind]).update_one(
        {"_id": task_id, "active_run_id": None},
        {"$set": {"scrape_hold": held, "next_scrape_due": usage.next_month_start(moment)}},
    )


async def sweep(
    store: Store,
    enqueue: Enqueue,
    stale_after: float,
    *,
    in_process: bool,
    observer: RunObserver | None = None,
) -> None:
    """``in_process``: the broker lives in this process, so a run this process queued is
    waiting here for a slot, not lost. A run that cannot be settled (a damaged document)
    is logged and skipped. ``observer`` hears of each run failed here."""
    me = str(this_process())
    for run in await runs.processing(store):
        with _skipped_if_damaged(run):
            if is_gone(run.get("worker")):
                await _fail(store, run, WORKER_GONE, observer)
    for run in await runs.stale(store, stale_after):
        with _skipped_if_damaged(run):
            if run["status"] == "processing":
                silent = now() - run["heartbeat_at"]
                await _fail(
                    store,
                    run,
                    f"The worker stopped responding (no heartbeat for {silent:.0f} s); "
                    "previous data kept",
                    observer,
                )
            elif not (in_process and run.get("queued_by") == me) and await runs.mark_resent(
                store, run["_id"]
            ):
                await enqueue(run["_id"])


async def _fail(store: Store, run: RunDocument, reason: str, observer: RunObserver | None) -> None:
    if await runs.fail(store, run, reason):
        log.warning("run %s of task %s: %s", run["_id"], run["task_id"], reason)
        await tell(observer, run, "failed", reason)


@contextmanager
def _skipped_if_damaged(run: RunDocument) -> Iterator[None]:
    try:
        yield
    except (LookupError, TypeError, ValueError) as exc:
        log.error("run %s skipped by the sweeper: %s", run.get("_id", "?"), exc)


async def recover(store: Store, enqueue: Enqueue, observer: RunObserver | None = None) -> None:
    """At start: settle the runs that provably gone processes left behind, free the
    claims that name ended runs, and make tasks held for a spent budget due again (the
    budget may have been raised; if not, the first pass holds them again). A run that
    cannot be settled (a damaged document) is logged and skipped: it never keeps the
    service from starting."""
    for run in await runs.active(store):
        try:
            if run["status"] == "processing" and is_gone(run["worker"]):
                await _fail(store, run, RESTARTED, observer)
            elif run["status"] == "queued" and is_gone(run.get("queued_by")):
                await enqueue(run["_id"])
        except (StorageError, LookupError, TypeError, ValueError) as exc:
            log.error("run %s skipped at start: %s", run.get("_id", "?"), exc)
    await runs.release_orphan_claims(store)
    for collection in TASK_COLLECTIONS.values():
        await store.collection(collection).update_many(
            {"scrape_hold.cause": "budget"}, {"$set": {"next_scrape_due": now()}}
        )
