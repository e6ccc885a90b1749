"""Request ``data`` and response shapes of the webhook routes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from codvid.alerts.addresses import MAX_URL_LENGTH
from codvid.alerts.documents import DeliveryState, EventType, WebhookStatus
from codvid.kit.schemas import Schema, documented

MAX_EVENTS = 6
MAX_TASK_IDS = 100
MAX_MILESTONES = 20
MAX_MILESTONE = 10_000_000_000
TASK_ID_MAX = 64


def _unique(values: list[Any] | None) -> list[Any] | None:
    """In order, without repeats (asking twice for the same thing is asking once)."""
    return None if values is None else list(dict.fromkeys(values))


def _sorted_unique(values: list[int] | None) -> list[int] | None:
    return None if values is None else sorted(set(values))


TaskId = Annotated[str, Field(min_length=1, max_length=TASK_ID_MAX)]
Milestone = Annotated[int, Field(ge=1, le=MAX_MILESTONE)]


class WebhookCreate(Schema):
    """``data`` of ``webhooks/create``: where to send, which events, about which tasks."""

    model_config = documented(
        {
            "url": "https://hooks.example.com/codvid",
            "events": ["run.failed", "post.new", "milestone"],
            "task_ids": ["5f0c7a1e-8c55-4e0a-9d8b-2f3c1e4b6a7d"],
            "follower_milestones": [10_000, 50_000],
        },
        {"url": "https://hooks.example.com/codvid", "events": ["run.succeeded"]},
    )

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        examples=["https://hooks.example.com/codvid"],
        description="https, to a host whose addresses are all public",
    )
    events: Annotated[
        list[EventType], Field(min_length=1, max_length=MAX_EVENTS), AfterValidator(_unique)
    ] = Field(examples=[["run.failed", "post.new"]])
    task_ids: Annotated[
        list[TaskId] | None, Field(max_length=MAX_TASK_IDS), AfterValidator(_unique)
    ] = Field(
        None,
        examples=[["5f0c7a1e-8c55-4e0a-9d8b-2f3c1e4b6a7d"]],
        description="Only these tasks of yours; left out: every task, also later ones",
    )
    follower_milestones: Annotated[
        list[Milestone] | None, Field(max_length=MAX_MILESTONES), AfterValidator(_sorted_unique)
    ] = Field(
        None,
        examples=[[10_000, 100_000]],
        description="Follower counts to be told of when passed; left out: round numbers "
        "(1, 2 and 5 times a power of ten, from 100)",
    )


class WebhookFields(BaseModel):
    webhook_id: str = Field(examples=["0b6f3c1e-2a4d-4e8f-9c1b-7d5e3f2a1b0c"])
    url: str
    events: list[EventType]
    task_ids: list[str] | None
    follower_milestones: list[int] | None
    status: WebhookStatus
    created_at: float


class WebhookCreated(WebhookFields):
    secret: str = Field(
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        description="The signing secret, shown this once: keep it to verify deliveries",
    )
    message: str


class Webhook(WebhookFields):
    disabled_reason: str | None = Field(description="Why deliveries stopped, once disabled")
    disabled_at: float | None
    consecutive_failures: int
    last_attempt_at: float | None
    last_status_code: int | None
    last_success_at: float | None
    dropped_deliveries: int


class WebhookList(BaseModel):
    webhooks: list[Webhook]
    total_webhooks: int


class DeliveryAttempt(BaseModel):
    at: float
    status_code: int | None = Field(description="The receiver's answer; null when none came")
    error: str | None
    duration_ms: float


class Delivery(BaseModel):
    delivery_id: str = Field(description="Also the webhook-id header of every attempt")
    type: EventType
    task_id: str
    state: DeliveryState
    created_at: float
    next_attempt_at: float | None
    finished_at: float | None
    note: str | None
    attempts: list[DeliveryAttempt]
    payload: dict[str, Any] = Field(description="The body sent: type, timestamp and data")


class DeliveryList(BaseModel):
    webhook_id: str
    deliveries: list[Delivery]
    total_deliveries: int = Field(description="Deliveries kept for this webhook")
