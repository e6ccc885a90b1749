"""Operations valid for a task of either kind: interval, force scrape, status, sentiment.

Task ids are unique across profile and reel tasks, so the clients use one route for both
(CR-5); a task that is not the caller's is "not found" like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from codvid.errors import CodvidError
from codvid.jobs.ports import Enqueue
from codvid.kit.clock import now
from codvid.projects import service as projects
from codvid.scrapers.settings import ScrapingSettings
from codvid.sentiment import UNDETERMINED, TaskSentiment, by_language
from codvid.storage import Document, StorageError, Store
from codvid.tracking import history, runs, usage
from codvid.tracking.documents import TASK_COLLECTIONS, EventDocument, TaskKind, TrackedTask
from codvid.tracking.errors import TaskNotFound

MAX_LOGS = 100


async def find_owned(
    store: Store, user_id: str, task_id: str, fields: Sequence[str] | None = None
) -> tuple[TaskKind, Document]:
    """The caller's task of either kind (only ``fields`` of it, when given)."""
    for kind, collection in TASK_COLLECTIONS.items():
        task = await store.collection(collection).find_one(
            {"_id": task_id, "user_id": user_id}, projection=fields
        )
        if task is not None:
            return kind, task
    raise TaskNotFound()


async def get(store: Store, user_id: str, task_id: str) -> TrackedTask:
    """The caller's task of either kind, whole (``task_type`` tells which)."""
    _, task = await find_owned(store, user_id, task_id)
    return cast(TrackedTask, task)


async def set_interval(store: Store, user_id: str, task_id: str, days: float) -> None:
    """``next_scrape_due`` follows: last scrape (or now, if never scraped) + interval. The
    user changed the task, so a hold after a permanent failure is lifted."""
    kind, task = await find_owned(store, user_id, task_id, ["last_scraped", "project_id"])
    base = task["last_scraped"] if task["last_scraped"] is not None else now()
    await store.collection(TASK_COLLECTIONS[kind]).update_one(
        {"_id": task_id},
        {
            "$set": {
                "scrape_interval_days": days,
                "next_scrape_due": base + days * 86400,
                **RELEASED,
            }
        },
    )
    if kind == "reel":
        await projects.bump_mod_count(store, task["project_id"])


RELEASED: dict[str, Any] = {"scrape_hold": None}
"""The ``$set`` that lifts a hold: after a permanent failure the user changed the task."""


async def force_scrape(
    store: Store,
    enqueue: Enqueue,
    scraping: ScrapingSettings,
    kind: TaskKind,
    user_id: str,
    task_id: str,
    *,
    full: bool = False,
) -> None:
    """Claim the task and queue its run; the answer goes out before any scraping. A spent
    monthly budget is 429 (:class:`~codvid.tracking.usage.BudgetReached`)."""
    if usage.budgeted(scraping):
        await find_owned(store, user_id, task_id, [])  # another user's task is 404, not 429
        await usage.check_budget(store, scraping, user_id)
    try:
        run = await runs.claim(store, kind, task_id, user_id, "force", full=full)
    except StorageError as exc:
        raise CodvidError(f"Error initiating task scraping: {exc}") from exc
    try:
        await enqueue(run["_id"])
    except Exception as exc:
        await runs.fail(store, run, f"Could not queue the run: {exc}")
        raise CodvidError(f"Error initiating task scraping: {exc}") from exc


async def status(store: Store, user_id: str, task_id: str, logs_count: int) -> dict[str, Any]:
    """Task status in both the update 6 and update 7 shapes (contract 2.8, 7.11)."""
    requested = max(1, min(MAX_LOGS, logs_count))
    _, task = await find_owned(
        store, user_id, task_id, ["active_run_id", "last_run_id", "scrape_hold"]
    )
    idle: dict[str, Any] = {
        "task_id": task_id,
        "is_processing": False,
        "logs": [],
        "logs_count": 0,
        "requested_logs_count": requested,
        "latest_event": None,
        "scrape_hold": task.get("scrape_hold"),
    }
    run_id = task.get("active_run_id") or task.get("last_run_id")
    run = await runs.get(store, run_id) if run_id else None
    if run is None:
        return idle
    logs = [_event_view(event) for event in await runs.latest_events(store, run["_id"], requested)]
    processing = task.get("active_run_id") == run["_id"] and run["status"] in runs.ACTIVE
    return {
        **idle,
        "is_processing": processing,
        # Update 6 readers know "processing" only; a queued run is on its way there.
        "status": "processing" if processing else run["status"],
        "started_at": run["started_at"] or run["created_at"],
        "updated_at": run["updated_at"],
        "logs": logs,
        "logs_count": run["logs_count"],
        "latest_event": logs[-1] if logs else None,
        "last_run": {
            "status": run["status"],
            "finished_at": run["finished_at"],
            "error": run["error"],
            **({"cost": run["cost"]} if run.get("cost") is not None else {}),
        },
    }


def _event_view(event: EventDocument) -> dict[str, Any]:
    hidden = {"_id", "run_id", "task_id", "seq"}
    return {key: value for key, value in event.items() if key not in hidden}


async def sentiment(store: Store, user_id: str, task_id: str) -> TaskSentiment:
    """Every stored comment's label, aggregated, and by language; a never-scraped task
    gives zeros. Comments stored before languages were detected count as ``und``."""
    task = await get(store, user_id, task_id)
    if task["task_type"] == "profile_tracking":
        posts = task["target_profile_data"]["scraped_posts"]
        comments = [c for post in posts for c in post["top_comments"]]
    else:
        comments = task["reel_data"].get("top_comments", [])
    return by_language(
        (
            c.get("sentiment", "neutral"),
            c.get("language", UNDETERMINED),
            c.get("sentiment_source") != "unknown",
        )
        for c in comments
    )


async def forget_task(store: Store, task_id: str) -> None:
    """Remove a deleted task's runs, events, snapshots and raw payloads. A run still in
    flight notices at its next step (its run record is gone) and writes nothing."""
    await runs.delete_for_task(store, task_id)
    await history.delete_for_task(store, task_id)
