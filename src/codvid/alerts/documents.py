"""The alerts package's collections, their indexes, and the shape of their documents.

``webhooks`` holds each user's subscriptions; ``webhook_deliveries`` is the outbox: one
document per event and webhook, written when a run ends and updated by whichever
scheduler process claims it, with every attempt's answer kept on it.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from typing_extensions import TypedDict

from codvid.storage import IndexSpec

EventType = Literal[
    "run.succeeded", "run.failed", "post.new", "milestone", "growth.anomaly", "reel.surge"
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
WebhookStatus = Literal["active", "disabled"]
DeliveryState = Literal["pending", "delivered", "failed", "cancelled"]
"""``pending`` until an attempt succeeds (``delivered``), the retries run out
(``failed``), or its webhook is disabled (``cancelled``)."""

WEBHOOKS = "webhooks"
DELIVERIES = "webhook_deliveries"
INDEXES = {
    WEBHOOKS: [IndexSpec("owner_created", (("user_id", 1), ("created_at", 1)))],
    DELIVERIES: [
        IndexSpec("due", (("state", 1), ("next_attempt_at", 1))),
        IndexSpec("webhook_created", (("webhook_id", 1), ("created_at", 1))),
        IndexSpec("owner", (("user_id", 1),)),
    ],
}


class WebhookDocument(TypedDict):
    _id: str
    user_id: str
    url: str
    events: list[EventType]
    task_ids: list[str] | None
    """Only these tasks' events; ``None``: every task of the user."""
    follower_milestones: list[int] | None
    """``None``: round numbers (:func:`~codvid.alerts.rules.round_milestones`)."""
    secret: str
    """``whsec_`` and the base64 of the signing key; shown once, at creation."""
    created_at: float
    status: WebhookStatus
    disabled_reason: str | None
    disabled_at: float | None
    failing_since: float | None
    """The first failed attempt since the last success; ``None`` after a success."""
    consecutive_failures: int
    last_attempt_at: float | None
    last_status_code: int | None
    last_success_at: float | None
    dropped_deliveries: int
    """Deliveries deleted unsent to keep at most ``CODVID_WEBHOOK_DELIVERIES_KEPT``."""


class Attempt(TypedDict):
    at: float
    status_code: int | None
    """The receiver's HTTP status; ``None`` when no answer came (refused, timed out)."""
    error: str | None
    duration_ms: float


class DeliveryDocument(TypedDict):
    _id: str
    """``msg_`` and a hash of (webhook, event, what it is about): also the
    ``webhook-id`` header, the same on every retry, so receivers can drop duplicates."""
    webhook_id: str
    user_id: str
    task_id: str
    event_type: EventType
    payload: dict[str, Any]
    """The body sent: ``{"type", "timestamp", "data"}``."""
    state: DeliveryState
    created_at: float
    next_attempt_at: float | None
    """When it is due; while an attempt is under way, when its claim lapses."""
    claim: str | None
    """The token of the attempt under way: only its holder may record the outcome."""
    claims: int
    """Times it was claimed: an attempt that never records its outcome (its process
    keeps dying on it) is still counted, so it cannot come back for ever."""
    attempts: list[Attempt]
    finished_at: float | None
    note: str | None
    """Why it ended without being delivered, when no attempt says it."""
