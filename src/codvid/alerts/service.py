"""The webhook routes' work: subscriptions made, listed and deleted, and their deliveries
shown; no HTTP here. A webhook that is not the caller's is "not found" like a missing one,
so ids cannot be probed."""

from __future__ import annotations

import base64
import secrets
from typing import cast

from codvid.alerts import addresses
from codvid.alerts.documents import DELIVERIES, WEBHOOKS, DeliveryDocument, WebhookDocument
from codvid.alerts.schemas import WebhookCreate
from codvid.alerts.settings import MOST_PER_USER, AlertSettings
from codvid.errors import BadRequest, Conflict, NotFound
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Store
from codvid.tracking import service as tracking

RESOLVE_TIMEOUT = 5.0
"""Seconds the check of a new webhook's host may take to resolve it."""
SECRET_BYTES = 32


class WebhookNotFound(NotFound):
    message = "Webhook not found or access denied"


class TooManyWebhooks(Conflict):
    pass


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and base64 key bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def check_url(url: str, settings: AlertSettings) -> None:
    """400 naming ``url`` unless it is an acceptable webhook address right now."""
    try:
        parsed = addresses.parse(url, allow_private=settings.allow_private)
        await addresses.resolve(
            parsed, allow_private=settings.allow_private, timeout=RESOLVE_TIMEOUT
        )
    except addresses.Refused as exc:
        raise BadRequest(f"Invalid url: {exc.reason}") from None


async def create(
    store: Store, settings: AlertSettings, user_id: str, data: WebhookCreate
) -> WebhookDocument:
    await check_url(data.url, settings)
    for task_id in data.task_ids or ():
        await tracking.find_owned(store, user_id, task_id, [])  # another's: 404
    webhooks = store.collection(WEBHOOKS)
    limit = settings.max_per_user
    full = TooManyWebhooks(f"Webhook limit reached: at most {limit} per account")
    if await webhooks.count_documents({"user_id": user_id}) >= limit:
        raise full
    hook: WebhookDocument = {
        "_id": new_id(),
        "user_id": user_id,
        "url": data.url,
        "events": data.events,
        "task_ids": data.task_ids,
        "follower_milestones": data.follower_milestones,
        "secret": new_secret(),
        "created_at": now(),
        "status": "active",
        "disabled_reason": None,
        "disabled_at": None,
        "failing_since": None,
        "consecutive_failures": 0,
        "last_attempt_at": None,
        "last_status_code": None,
        "last_success_at": None,
        "dropped_deliveries": 0,
    }
    await webhooks.insert_one(dict(hook))
    # Two creates at once may both have counted one short: the later one steps back.
    if await webhooks.count_documents({"user_id": user_id}) > limit:
        await webhooks.delete_one({"_id": hook["_id"]})
        raise full
    return hook


async def list_for_user(store: Store, user_id: str) -> list[WebhookDocument]:
    found = await store.collection(WEBHOOKS).find(
        {"user_id": user_id}, sort=[("created_at", 1)], limit=MOST_PER_USER
    )
    return cast(list[WebhookDocument], found)


async def get(store: Store, user_id: str, webhook_id: str) -> WebhookDocument:
    found = await store.collection(WEBHOOKS).find_one({"_id": webhook_id, "user_id": user_id})
    if found is None:
        raise WebhookNotFound()
    return cast(WebhookDocument, found)


async def delete(store: Store, user_id: str, webhook_id: str) -> None:
    """The webhook and its deliveries; one being sent right now finds it gone."""
    if not await store.collection(WEBHOOKS).delete_one({"_id": webhook_id, "user_id": user_id}):
        raise WebhookNotFound()
    await store.collection(DELIVERIES).delete_many({"webhook_id": webhook_id})


async def deliveries(
    store: Store, user_id: str, webhook_id: str, limit: int
) -> tuple[list[DeliveryDocument], int]:
    """The ``limit`` newest deliveries of the caller's webhook, and how many are kept."""
    await get(store, user_id, webhook_id)
    collection = store.collection(DELIVERIES)
    found = await collection.find(
        {"webhook_id": webhook_id}, sort=[("created_at", -1)], limit=limit
    )
    total = await collection.count_documents({"webhook_id": webhook_id})
    return cast(list[DeliveryDocument], found), total


async def delete_for_user(store: Store, user_id: str) -> None:
    """Everything of the alerts a user had (their account is being deleted)."""
    await store.collection(WEBHOOKS).delete_many({"user_id": user_id})
    await store.collection(DELIVERIES).delete_many({"user_id": user_id})
