"""The processing registry, durable in storage (not process memory).

A run is a document in ``runs``; its events are documents in ``run_events`` (appended,
never rewritten, so no array operators are needed). A task is *claimed* while its
``active_run_id`` names a run: the claim is one conditional ``update_one`` on the task
(its filter says the task is free), so of any number of concurrent callers, in any
process, exactly one modifies it and wins. Starting a run is the same step on the run.
A conditional update is atomic on every store and on every MongoDB-compatible server
the tests use; ``find_one_and_update`` is not on all of them.

Run status: ``queued`` -> ``processing`` -> ``succeeded`` | ``failed`` | ``cancelled``.
Crash windows are closed without locks: a claim naming a run that has finished or
vanished is stale and may be taken over, and a run whose heartbeat stops is failed by the
sweeper (:mod:`.scheduled`), which also releases its claim.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, cast

from codvid.errors import Conflict
from codvid.jobs.process import this_process
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Filter, Store
from codvid.tracking.documents import (
    EVENTS,
    RUNS,
    TASK_COLLECTIONS,
    EventDocument,
    LastRun,
    RunDocument,
    TaskKind,
    Trigger,
)
from codvid.tracking.errors import TaskNotFound

ACTIVE = ["queued", "processing"]
FinalStatus = Literal["succeeded", "failed", "cancelled"]
log = logging.getLogger(__name__)


class AlreadyProcessing(Conflict):
    message = "Task is already being processed"


async def claim(
    store: Store,
    kind: TaskKind,
    task_id: str,
    user_id: str,
    trigger: Trigger,
    *,
    full: bool = False,
) -> RunDocument:
    """Create a queued run for the user's task and claim the task with it; a forced run
    lifts a hold on the task (the user asked for it).

    Raises :class:`TaskNotFound` if the user has no such task (or, for a scheduled run, if
    it is no longer active and due: it was paused or scraped since it was picked) and
    :class:`AlreadyProcessing` if another active run holds it.
    """
    tasks = store.collection(TASK_COLLECTIONS[kind])
    owned: dict[str, Any] = {"_id": task_id, "user_id": user_id}
    if trigger == "schedule":
        owned.update(status="active", next_scrape_due={"$lte": now()})
    run = _new_run(kind, task_id, user_id, trigger)
    if full:
        run["full"] = True
    await store.collection(RUNS).insert_one(dict(run))
    claiming: dict[str, Any] = {"active_run_id": run["_id"], "last_run_id": run["_id"]}
    if trigger == "force":
        claiming["scrape_hold"] = None
    claimed = await tasks.update_one({**owned, "active_run_id": None}, {"$set": claiming})
    if not claimed and not await _take_over_stale_claim(store, kind, owned, claiming):
        await store.collection(RUNS).delete_one({"_id": run["_id"]})
        if await tasks.find_one(owned, projection=[]) is None:
            raise TaskNotFound()
        raise AlreadyProcessing()
    return run


def _new_run(kind: TaskKind, task_id: str, user_id: str, trigger: Trigger) -> RunDocument:
    created = now()
    return {
        "_id": new_id(),
        "task_id": task_id,
        "user_id": user_id,
        "kind": kind,
        "trigger": trigger,
        "status": "queued",
        "created_at": created,
        "started_at": None,
        "updated_at": created,
        "heartbeat_at": created,
        "finished_at": None,
        "error": None,
        "logs_count": 0,
        "queued_by": str(this_process()),
        "worker": None,
    }


async def _take_over_stale_claim(
    store: Store, kind: TaskKind, owned: Filter, claiming: dict[str, Any]
) -> bool:
    """A claim whose run finished or vanished (a crash between two writes) is free."""
    tasks = store.collection(TASK_COLLECTIONS[kind])
    task = await tasks.find_one(owned, projection=["active_run_id"])
    if task is None or task.get("active_run_id") is None:
        return False
    holder = await store.collection(RUNS).find_one(
        {"_id": task["active_run_id"]}, projection=["status"]
    )
    if holder is not None and holder["status"] in ACTIVE:
        return False
    taken = await tasks.update_one(
        {"_id": task["_id"], "active_run_id": task["active_run_id"]}, {"$set": claiming}
    )
    return bool(taken)


async def start(store: Store, run_id: str, worker: str) -> RunDocument | None:
    """Move a queued run to processing; ``None`` if it is not queued any more (delivery is
    at least once, so a second delivery of the same run does nothing)."""
    started = now()
    runs = store.collection(RUNS)
    taken = await runs.update_one(
        {"_id": run_id, "status": "queued"},
        {
            "$set": {
                "status": "processing",
                "started_at": started,
                "updated_at": started,
                "heartbeat_at": started,
                "worker": worker,
            }
        },
    )
    return cast(RunDocument | None, await runs.find_one({"_id": run_id})) if taken else None


async def queued(store: Store, kind: TaskKind, limit: int) -> list[RunDocument]:
    """The oldest ``limit`` queued runs of ``kind``, whoever sent them."""
    found = await store.collection(RUNS).find(
        {"status": "queued", "kind": kind}, sort=[("created_at", 1)], limit=limit
    )
    return cast(list[RunDocument], found)


async def mark_resent(store: Store, run_id: str) -> bool:
    """Note that a queued run's message was sent again, so the sweeper waits another
    ``stale_after`` before sending it once more."""
    return bool(
        await store.collection(RUNS).update_one(
            {"_id": run_id, "status": "queued"}, {"$set": {"heartbeat_at": now()}}
        )
    )


async def heartbeat(store: Store, run_id: str) -> bool:
    return bool(
        await store.collection(RUNS).update_one(
            {"_id": run_id, "status": "processing"}, {"$set": {"heartbeat_at": now()}}
        )
    )


async def append_event(
    store: Store, run: RunDocument, event_type: str, message: str, **details: Any
) -> bool:
    """Record an event; ``False`` if the run is gone (its task was deleted)."""
    moment = now()
    counted = await store.collection(RUNS).find_one_and_update(
        {"_id": run["_id"]},
        {"$inc": {"logs_count": 1}, "$set": {"updated_at": moment, "heartbeat_at": moment}},
        projection=["logs_count"],
    )
    if counted is None:
        return False
    seq = counted["logs_count"]
    await store.collection(EVENTS).insert_one(
        {
            "_id": f"{run['_id']}:{seq:06d}",
            "run_id": run["_id"],
            "task_id": run["task_id"],
            "seq": seq,
            "timestamp": moment,
            "event_type": event_type,
            "message": message,
            **details,
        }
    )
    return True


async def finish(
    store: Store, run: RunDocument, status: FinalStatus, error: str | None = None
) -> bool:
    """End an active run and release its task's claim; ``False`` if it had already ended
    (the worker and the sweeper may race: the first one wins)."""
    moment = now()
    runs = store.collection(RUNS)
    if not await runs.update_one(
        {"_id": run["_id"], "status": {"$in": ACTIVE}},
        {"$set": {"status": status, "finished_at": moment, "updated_at": moment, "error": error}},
    ):
        return False
    ended = await runs.find_one({"_id": run["_id"]}, projection=["kind", "task_id", "cost"])
    if ended is None:
        return True  # deleted with its task meanwhile
    last_run: LastRun = {"status": status, "finished_at": moment, "error": error}
    if ended.get("cost") is not None:
        last_run["cost"] = ended["cost"]
    await store.collection(TASK_COLLECTIONS[ended["kind"]]).update_one(
        {"_id": ended["task_id"], "active_run_id": ended["_id"]},
        {"$set": {"active_run_id": None, "last_run": last_run}},
    )
    return True


async def fail(store: Store, run: RunDocument, reason: str) -> bool:
    """End a run as failed with its reason as the last event; stored results stay as
    they were."""
    await append_event(store, run, "scrape_failed", reason)
    return await finish(store, run, "failed", reason)


async def cancel(store: Store, run: RunDocument, reason: str) -> bool:
    await append_event(store, run, "scrape_cancelled", reason)
    return await finish(store, run, "cancelled", reason)


async def get(store: Store, run_id: str) -> RunDocument | None:
    return cast(RunDocument | None, await store.collection(RUNS).find_one({"_id": run_id}))


async def latest_events(store: Store, run_id: str, limit: int) -> list[EventDocument]:
    """The newest ``limit`` events of a run, oldest first."""
    newest = await store.collection(EVENTS).find(
        {"run_id": run_id}, sort=[("seq", -1)], limit=limit
    )
    return cast(list[EventDocument], newest[::-1])


async def stale(store: Store, stale_after: float) -> list[RunDocument]:
    """Active runs that gave no sign of life for ``stale_after`` seconds."""
    found = await store.collection(RUNS).find(
        {"status": {"$in": ACTIVE}, "heartbeat_at": {"$lt": now() - stale_after}}
    )
    return cast(list[RunDocument], found)


async def processing(store: Store) -> list[RunDocument]:
    """The runs executing now, in any process: at most the workers' slots (and the runs
    they started to fill a batch)."""
    found = await store.collection(RUNS).find({"status": "processing"})
    return cast(list[RunDocument], found)


async def active(store: Store) -> list[RunDocument]:
    return cast(list[RunDocument], await store.collection(RUNS).find({"status": {"$in": ACTIVE}}))


async def release_orphan_claims(store: Store) -> int:
    """Free every claim that names a run which has ended or vanished; how many."""
    released = 0
    for collection in TASK_COLLECTIONS.values():
        tasks = store.collection(collection)
        for task in await tasks.find(
            {"active_run_id": {"$ne": None}}, projection=["active_run_id"]
        ):
            holder = await store.collection(RUNS).find_one(
                {"_id": task["active_run_id"]}, projection=["status"]
            )
            if holder is None or holder["status"] not in ACTIVE:
                released += await tasks.update_one(
                    {"_id": task["_id"], "active_run_id": task["active_run_id"]},
                    {"$set": {"active_run_id": None}},
                )
    return released


async def delete_for_task(store: Store, task_id: str) -> None:
    await store.collection(EVENTS).delete_many({"task_id": task_id})
    await store.collection(RUNS).delete_many({"task_id": task_id})
