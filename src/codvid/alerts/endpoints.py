"""Webhook routes: subscribe to a task's events, list, delete, and see the deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from codvid.alerts import service, views
from codvid.alerts.schemas import DeliveryList, WebhookCreate, WebhookCreated, WebhookList
from codvid.alerts.settings import AlertSettings
from codvid.api.deps import StoreDep, envelope
from codvid.api.envelope import ErrorBody, Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.kit.schemas import MessageBody

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Webhook not found or access denied"}
}
MAX_DELIVERIES_SHOWN = 100


async def get_alerts(request: Request) -> AlertSettings:
    alerts: AlertSettings = request.state.settings.alerts
    return alerts


AlertsDep = Annotated[AlertSettings, Depends(get_alerts)]


@route(
    router,
    "/create",
    ["POST"],
    responses={
        404: {"model": ErrorBody, "description": "Task not found or access denied"},
        409: {"model": ErrorBody, "description": "Webhook limit reached"},
    },
    summary="Subscribe a URL to tracking events",
    description=(
        "Creates a webhook: the events named in `events` (`run.succeeded`, `run.failed`, "
        "`post.new`, `milestone`, `growth.anomaly`, `reel.surge`) of the caller's tasks "
        "(`task_ids`, or every task when left out) are POSTed to `url`, signed as Standard "
        "Webhooks specifies, and retried for about a day. Answers `response.webhook_id` and "
        "`response.secret` (`whsec_...`), the signing secret, shown only in this answer. "
        "Needs `Authorization: Bearer <token>`; the body is `WebhookCreate` in the envelope. "
        "A URL that is not https, not a URL, or whose host resolves to a loopback, private, "
        "link-local or other non-public address is 400 `Invalid url: ...`; another bad field "
        "is 400 naming it; a task that is missing or another user's is 404 `Task not found "
        "or access denied`; more webhooks than allowed per account is 409."
    ),
)
async def create_webhook(
    data: Annotated[WebhookCreate, envelope(WebhookCreate)],
    user: CurrentUser,
    store: StoreDep,
    alerts: AlertsDep,
) -> Ok[WebhookCreated]:
    hook = await service.create(store, alerts, user["_id"], data)
    return Ok(response=views.created(hook))


@route(
    router,
    "/list",
    ["GET"],
    summary="The caller's webhooks",
    description=(
        "Lists the caller's webhooks, oldest first, as `response.webhooks` with "
        "`total_webhooks`: each one's URL, events, tasks and milestones, `status` (`active`, "
        "or `disabled` with `disabled_reason` once its receiver failed for a whole retry "
        "schedule) and its last answer; never the secret. Needs `Authorization: Bearer "
        "<token>`; no body."
    ),
)
async def list_webhooks(user: CurrentUser, store: StoreDep) -> Ok[WebhookList]:
    hooks = [views.webhook(hook) for hook in await service.list_for_user(store, user["_id"])]
    return Ok(response=WebhookList(webhooks=hooks, total_webhooks=len(hooks)))


@route(
    router,
    "/delete/{webhook_id}",
    ["DELETE"],
    responses=NOT_FOUND,
    summary="Delete a webhook",
    description=(
        "Deletes the webhook and its deliveries (nothing more is sent to it) and answers "
        "`response.message` `Webhook deleted successfully`. Needs `Authorization: Bearer "
        "<token>`; no body. A webhook that is missing or another user's is 404 `Webhook not "
        "found or access denied`."
    ),
)
async def delete_webhook(webhook_id: str, user: CurrentUser, store: StoreDep) -> Ok[MessageBody]:
    await service.delete(store, user["_id"], webhook_id)
    return Ok(response=MessageBody(message="Webhook deleted successfully"))


@route(
    router,
    "/deliveries/{webhook_id}",
    ["GET"],
    responses=NOT_FOUND,
    summary="A webhook's recent deliveries",
    description=(
        "Answers the webhook's newest deliveries (`limit`, 1-100, default 20) as "
        "`response.deliveries`, each with its event `type`, `state` (`pending`, "
        "`delivered`, `failed` after its last retry, `cancelled`), the body sent "
        "(`payload`) and every attempt with the receiver's `status_code` (null when no "
        "answer came) and `error`. Needs `Authorization: Bearer <token>`; no body. A "
        "webhook that is missing or another user's is 404 `Webhook not found or access "
        "denied`."
    ),
)
async def webhook_deliveries(
    webhook_id: str,
    user: CurrentUser,
    store: StoreDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_DELIVERIES_SHOWN, description="How many, the newest (1-100)")
    ] = 20,
) -> Ok[DeliveryList]:
    found, total = await service.deliveries(store, user["_id"], webhook_id, limit)
    shown = [views.delivery(delivery) for delivery in found]
    return Ok(
        response=DeliveryList(webhook_id=webhook_id, deliveries=shown, total_deliveries=total)
    )
