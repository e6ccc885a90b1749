"""Nothing stays "processing" forever: stalled runs are failed, lost queued runs re-sent.

* A processing run whose heartbeat is older than ``stale_after`` lost its worker (killed,
  machine gone): it is failed with the reason and its claim released; the data it would
  have written was never written.
* With an outside broker, a queued run older than ``stale_after`` may have lost its
  message (the process that claimed it died before sending it): it is sent again; a
  duplicate delivery is harmless because only one worker can move a run from queued to
  processing.
* At start, with the in-process broker, every active run belonged to a previous process:
  processing ones are failed at once, queued ones re-sent, and claims that name a finished
  run are released.
"""

from __future__ import annotations

import logging

from codvid.jobs import runs
from codvid.jobs.scheduler import Enqueue
from codvid.kit.clock import now
from codvid.storage import Store
from codvid.tracking.collections import TASK_COLLECTIONS

log = logging.getLogger(__name__)


async def sweep(store: Store, enqueue: Enqueue, stale_after: float, *, resend: bool) -> None:
    """``resend`` queued runs only with an outside broker: in-process, a queued run waits in
    this very process (for a free slot) and cannot have lost its message."""
    for run in await runs.stale(store, stale_after):
        if run["status"] == "processing":
            silent = now() - run["heartbeat_at"]
            reason = (
                f"The worker stopped responding (no heartbeat for {silent:.0f} s); "
                "previous data kept"
            )
            if await runs.fail(store, run, reason):
                log.warning("run %s of task %s: %s", run["_id"], run["task_id"], reason)
        elif resend and await runs.mark_resent(store, run["_id"]):
            await enqueue(run["_id"])


async def recover(store: Store, enqueue: Enqueue) -> None:
    for run in await runs.active(store):
        if run["status"] == "processing":
            await runs.fail(
                store, run, "Interrupted: the service restarted during the run; previous data kept"
            )
        else:
            await enqueue(run["_id"])
    for kind, collection in TASK_COLLECTIONS.items():
        for task in await store.collection(collection).find({"active_run_id": {"$ne": None}}):
            holder = await runs.get(store, task["active_run_id"])
            if holder is None or holder["status"] not in runs.ACTIVE:
                await store.collection(TASK_COLLECTIONS[kind]).update_one(
                    {"_id": task["_id"], "active_run_id": task["active_run_id"]},
                    {"$set": {"active_run_id": None}},
                )
    log.info("recovered the runs left by the previous process")
