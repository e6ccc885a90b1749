"""The outbox: deliveries recorded when a run ends, claimed and settled by the senders.

Recording is the run observer (:class:`Recorder`): a few bounded reads and one insert
per event and webhook, with no network. Sending is :mod:`.delivery`, in the scheduler
role. Any number of scheduler processes share the outbox: a delivery is claimed with one
conditional update that moves its ``next_attempt_at`` to when the claim lapses, so of
concurrent senders exactly one wins, and a claim whose process died is simply due again
once it lapses. Only the claim's holder (its token) can record the attempt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, cast

from codvid.alerts import events
from codvid.alerts.documents import (
    DELIVERIES,
    WEBHOOKS,
    Attempt,
    DeliveryDocument,
    DeliveryState,
    WebhookDocument,
)
from codvid.alerts.settings import MOST_PER_USER, AlertSettings
from codvid.kit.clock import iso, now
from codvid.storage import DuplicateKeyError, Store
from codvid.tracking.documents import RunDocument
from codvid.tracking.ports import RunOutcome

log = logging.getLogger(__name__)


def delivery_id(webhook_id: str, event: events.Event) -> str:
    """The Standard Webhooks message id: the same for the same webhook, event and key."""
    digest = hashlib.sha256(f"{webhook_id}\n{event.type}\n{event.key}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


class Recorder:
    """The run observer: records the deliveries a finished run owes the user's webhooks."""

    def __init__(self, store: Store, settings: AlertSettings) -> None:
        self._store = store
        self._settings = settings

    async def __call__(self, run: RunDocument, outcome: RunOutcome, reason: str | None) -> None:
        hooks = await subscribed(self._store, run["user_id"], run["task_id"])
        if not hooks:
            return
        wanted = {event for hook in hooks for event in hook["events"]}
        window = events.HISTORY_WINDOW if wanted & events.HISTORY_EVENTS else 1
        finished = await events.gather(self._store, run, outcome, reason, window=window)
        at = now()
        for hook in hooks:
            raised = events.raised(finished, hook["events"], hook["follower_milestones"])
            added = 0
            for event in raised:
                added += await record(self._store, hook, run["task_id"], event, at)
            if added:
                await prune(self._store, hook["_id"], self._settings.deliveries_kept)


async def subscribed(store: Store, user_id: str, task_id: str) -> list[WebhookDocument]:
    """The user's active webhooks that follow ``task_id`` (or every task)."""
    found = await store.collection(WEBHOOKS).find(
        {"user_id": user_id, "status": "active"}, limit=MOST_PER_USER
    )
    hooks = cast(list[WebhookDocument], found)
    return [hook for hook in hooks if hook["task_ids"] is None or task_id in hook["task_ids"]]


async def record(
    store: Store, hook: WebhookDocument, task_id: str, event: events.Event, at: float
) -> int:
    """Add the delivery of ``event`` to ``hook``, due now; 0 if it was recorded before."""
    delivery: DeliveryDocument = {
        "_id": delivery_id(hook["_id"], event),
        "webhook_id": hook["_id"],
        "user_id": hook["user_id"],
        "task_id": task_id,
        "event_type": event.type,
        "payload": {"type": event.type, "timestamp": iso(at), "data": event.data},
        "state": "pending",
        "created_at": at,
        "next_attempt_at": at,
        "claim": None,
        "claims": 0,
        "attempts": [],
        "finished_at": None,
        "note": None,
    }
    try:
        await store.collection(DELIVERIES).insert_one(dict(delivery))
    except DuplicateKeyError:
        return 0
    return 1


async def prune(store: Store, webhook_id: str, kept: int) -> None:
    """Keep the newest ``kept`` deliveries of a webhook; unsent ones deleted are counted."""
    deliveries = store.collection(DELIVERIES)
    over = await deliveries.count_documents({"webhook_id": webhook_id}) - kept
    if over <= 0:
        return
    oldest = await deliveries.find(
        {"webhook_id": webhook_id}, sort=[("created_at", 1)], limit=over, projection=["state"]
    )
    await deliveries.delete_many({"_id": {"$in": [found["_id"] for found in oldest]}})
    unsent = sum(1 for found in oldest if found["state"] == "pending")
    if unsent:
        log.warning("webhook %s: %d unsent deliveries dropped (over the limit)", webhook_id, unsent)
        await store.collection(WEBHOOKS).update_one(
            {"_id": webhook_id}, {"$inc": {"dropped_deliveries": unsent}}
        )


# ---- the senders' side -----------------------------------------------------------------


async def due(store: Store, at: float, limit: int) -> list[str]:
    """The ids of up to ``limit`` deliveries due at ``at``, the longest waiting first."""
    found = await store.collection(DELIVERIES).find(
        {"state": "pending", "next_attempt_at": {"$lte": at}},
        sort=[("next_attempt_at", 1)],
        limit=limit,
        projection=["next_attempt_at"],
    )
    return [delivery["_id"] for delivery in found]


async def claim(
    store: Store, delivery: str, token: str, at: float, until: float
) -> DeliveryDocument | None:
    """Take a due delivery for one attempt, until ``until``; ``None`` if another sender
    has it (or it is no longer due)."""
    deliveries = store.collection(DELIVERIES)
    taken = await deliveries.update_one(
        {"_id": delivery, "state": "pending", "next_attempt_at": {"$lte": at}},
        {"$set": {"next_attempt_at": until, "claim": token}, "$inc": {"claims": 1}},
    )
    if not taken:
        return None
    found = await deliveries.find_one({"_id": delivery, "claim": token})
    return cast(DeliveryDocument | None, found)


async def settle(
    store: Store,
    delivery: DeliveryDocument,
    token: str,
    attempt: Attempt,
    schedule: Sequence[float],
) -> DeliveryState | None:
    """Record an attempt: delivered, due again after the schedule's next delay, or given
    up after its last; ``None`` if the claim was lost meanwhile (lapsed and taken)."""
    attempts = [*delivery["attempts"], attempt]
    fields: dict[str, Any] = {"attempts": attempts, "claim": None}
    state: DeliveryState
    if attempt["error"] is None:
        state = "delivered"
    elif len(attempts) <= len(schedule):
        state = "pending"
        fields["next_attempt_at"] = now() + schedule[len(attempts) - 1]
    else:
        state = "failed"
    if state != "pending":
        fields.update(next_attempt_at=None, finished_at=now())
    fields["state"] = state
    stored = await store.collection(DELIVERIES).update_one(
        {"_id": delivery["_id"], "claim": token}, {"$set": fields}
    )
    return state if stored else None


async def close(
    store: Store, delivery: DeliveryDocument, token: str, state: DeliveryState, note: str
) -> None:
    """End a delivery without an attempt (its webhook disabled, or it kept being lost)."""
    await store.collection(DELIVERIES).update_one(
        {"_id": delivery["_id"], "claim": token},
        {
            "$set": {
                "state": state,
                "note": note,
                "claim": None,
                "next_attempt_at": None,
                "finished_at": now(),
            }
        },
    )


async def forget(store: Store, delivery: str) -> None:
    await store.collection(DELIVERIES).delete_one({"_id": delivery})
