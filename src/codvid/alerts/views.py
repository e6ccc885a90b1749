"""Stored webhooks and deliveries as the routes show them: never the secret, except in
the answer that creates it."""

from __future__ import annotations

from codvid.alerts.documents import DeliveryDocument, WebhookDocument
from codvid.alerts.schemas import Delivery, DeliveryAttempt, Webhook, WebhookCreated

CREATED = "Webhook created: keep the secret, it is not shown again"


def _fields(hook: WebhookDocument) -> dict[str, object]:
    return {
        "webhook_id": hook["_id"],
        "url": hook["url"],
        "events": hook["events"],
        "task_ids": hook["task_ids"],
        "follower_milestones": hook["follower_milestones"],
        "status": hook["status"],
        "created_at": hook["created_at"],
    }


def created(hook: WebhookDocument) -> WebhookCreated:
    return WebhookCreated.model_validate(
        {**_fields(hook), "secret": hook["secret"], "message": CREATED}
    )


def webhook(hook: WebhookDocument) -> Webhook:
    return Webhook.model_validate(
        {
            **_fields(hook),
            "disabled_reason": hook["disabled_reason"],
            "disabled_at": hook["disabled_at"],
            "consecutive_failures": hook["consecutive_failures"],
            "last_attempt_at": hook["last_attempt_at"],
            "last_status_code": hook["last_status_code"],
            "last_success_at": hook["last_success_at"],
            "dropped_deliveries": hook["dropped_deliveries"],
        }
    )


def delivery(found: DeliveryDocument) -> Delivery:
    return Delivery(
        delivery_id=found["_id"],
        type=found["event_type"],
        task_id=found["task_id"],
        state=found["state"],
        created_at=found["created_at"],
        next_attempt_at=found["next_attempt_at"],
        finished_at=found["finished_at"],
        note=found.get("note"),
        attempts=[DeliveryAttempt.model_validate(attempt) for attempt in found["attempts"]],
        payload=found["payload"],
    )
