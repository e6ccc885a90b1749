"""The webhook routes over HTTP on each store: create (the secret shown once), list,
delete, deliveries; every bad input a 400 naming the field, another user's webhook or
task the contract's 404, and the bounds."""

from __future__ import annotations

from typing import Any

import pytest

from codvid.alerts import outbox
from codvid.alerts import service as alerts
from codvid.alerts.documents import DELIVERIES, WEBHOOKS
from codvid.alerts.events import Event
from codvid.alerts.schemas import WebhookCreate
from codvid.config import load_settings
from codvid.storage import Store
from codvid.workspace import service as workspace
from tests.client import Api, Tracking, User, assert_error
from tests.conftest import MakeService
from tests.factories import USER, profile_task

pytestmark = pytest.mark.anyio

URL = "https://93.184.215.14/codvid-hook"
"""A public address written as one: nothing is resolved, and the tests run no scrape a
webhook here would hear of, so nothing is ever sent to it."""
WEBHOOK_NOT_FOUND = "Webhook not found or access denied"


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


async def create(api: Api, user: User, **data: Any) -> Any:
    return await api.call(
        "POST", "webhooks/create", user, {"url": URL, "events": ["run.failed"], **data}
    )


async def test_a_webhook_is_created_with_its_secret_shown_once(api: Api, user: User) -> None:
    task_id = await Tracking(api).create_profile(user)
    response = await create(
        api,
        user,
        events=["run.failed", "post.new", "run.failed"],
        task_ids=[task_id, task_id],
        follower_milestones=[50_000, 10_000, 50_000],
    )
    assert response.status_code == 200, response.text
    created = response.json()["response"]
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["run.failed", "post.new"]  # repeats dropped
    assert created["task_ids"] == [task_id]
    assert created["follower_milestones"] == [10_000, 50_000]
    assert created["status"] == "active" and created["url"] == URL

    listed = await api.call("GET", "webhooks/list", user)
    assert listed.status_code == 200
    body = listed.json()["response"]
    assert body["total_webhooks"] == 1
    (shown,) = body["webhooks"]
    assert shown["webhook_id"] == created["webhook_id"]
    assert shown["status"] == "active" and shown["disabled_reason"] is None
    assert "secret" not in shown and created["secret"] not in listed.text


async def test_without_task_ids_or_milestones_every_task_and_round_numbers(
    api: Api, user: User
) -> None:
    created = (await create(api, user)).json()["response"]
    assert created["task_ids"] is None and created["follower_milestones"] is None


async def test_deleting_a_webhook_takes_its_deliveries(api: Api, user: User) -> None:
    webhook_id = (await create(api, user)).json()["response"]["webhook_id"]
    empty = await api.call("GET", f"webhooks/deliveries/{webhook_id}", user)
    assert empty.json() == {
        "result": True,
        "response": {"webhook_id": webhook_id, "deliveries": [], "total_deliveries": 0},
    }
    deleted = await api.call("DELETE", f"webhooks/delete/{webhook_id}", user)
    assert deleted.json() == {
        "result": True,
        "response": {"message": "Webhook deleted successfully"},
    }
    assert (await api.call("GET", "webhooks/list", user)).json()["response"]["webhooks"] == []
    again = await api.call("DELETE", f"webhooks/delete/{webhook_id}", user)
    assert_error(again, 404, WEBHOOK_NOT_FOUND)


async def test_another_users_webhook_is_not_found(api: Api, user: User) -> None:
    webhook_id = (await create(api, user)).json()["response"]["webhook_id"]
    other = await api.signup()
    for method, path in (
        ("DELETE", f"webhooks/delete/{webhook_id}"),
        ("GET", f"webhooks/deliveries/{webhook_id}"),
        ("GET", "webhooks/deliveries/no-such-webhook"),
    ):
        assert_error(await api.call(method, path, other), 404, WEBHOOK_NOT_FOUND)
    assert (await api.call("GET", "webhooks/list", other)).json()["response"]["webhooks"] == []
    assert len((await api.call("GET", "webhooks/list", user)).json()["response"]["webhooks"]) == 1


async def test_another_users_task_is_not_found(api: Api, user: User) -> None:
    other = await api.signup()
    theirs = await Tracking(api).create_profile(other)
    mine = await Tracking(api).create_profile(user)
    for task_ids in ([theirs], [mine, theirs], ["no-such-task"]):
        response = await create(api, user, task_ids=task_ids)
        assert_error(response, 404, "Task not found or access denied")
    assert (await api.call("GET", "webhooks/list", user)).json()["response"]["webhooks"] == []


async def test_the_routes_need_a_token(api: Api) -> None:
    for method, path in (
        ("POST", "webhooks/create"),
        ("GET", "webhooks/list"),
        ("DELETE", "webhooks/delete/x"),
        ("GET", "webhooks/deliveries/x"),
    ):
        response = await api.call(method, path, None, {"url": URL, "events": ["run.failed"]})
        assert response.status_code == 401


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": f"http://{URL[8:]}"}, "Invalid url: must be an https URL"),
        ({"url": "not a url"}, "Invalid url: must be an https URL"),
        ({"url": "https://[::1"}, "Invalid url: is not a valid URL"),
        ({"url": "https://exa mple.com/"}, "Invalid url: has an invalid host name"),
        ({"url": "https://93.184.215.14:0/"}, "Invalid url: has an invalid port"),
        ({"url": "https://a:b@93.184.215.14/"}, "Invalid url: must not contain a user name"),
        ({"url": "https://127.0.0.1/hook"}, "Invalid url: 127.0.0.1 is a loopback address"),
        ({"url": "https://localhost/hook"}, "Invalid url: localhost resolves to"),
        ({"url": "https://10.0.0.8/hook"}, "Invalid url: 10.0.0.8 is a private address"),
        ({"url": "https://169.254.169.254/"}, "Invalid url: 169.254.169.254 is a link-local"),
        ({"url": "https://[::ffff:192.168.1.1]/"}, "Invalid url: ::ffff:192.168.1.1 is a private"),
        ({"url": "https://no-such-host.invalid/"}, "Invalid url: the host no-such-host.invalid"),
        ({"url": ""}, "Invalid url: must not be empty"),
        ({"url": "https://x.example.com/" + "a" * 2048}, "Invalid url: must be at most 2048"),
        ({"url": 42}, "Invalid url: must be a string"),
        ({"url": None}, "Invalid url: must be a string"),
        ({"events": []}, "Invalid events: must have at least 1 items"),
        ({"events": ["run.exploded"]}, "Invalid events.0: must be 'run.succeeded'"),
        ({"events": "run.failed"}, "Invalid events: must be a list"),
        ({"events": ["run.failed"] * 7}, "Invalid events: must have at most 6 items"),
        ({"task_ids": "abc"}, "Invalid task_ids: must be a list"),
        ({"task_ids": [7]}, "Invalid task_ids.0: must be a string"),
        ({"task_ids": [""]}, "Invalid task_ids.0: must not be empty"),
        ({"task_ids": ["x" * 65]}, "Invalid task_ids.0: must be at most 64 characters"),
        ({"task_ids": [f"t{i}" for i in range(101)]}, "Invalid task_ids: must have at most 100"),
        ({"follower_milestones": [0]}, "Invalid follower_milestones.0: must be at least 1"),
        ({"follower_milestones": [1.5]}, "Invalid follower_milestones.0: must be an integer"),
        ({"follower_milestones": ["1000"]}, "Invalid follower_milestones.0: must be an integer"),
        ({"follower_milestones": [True]}, "Invalid follower_milestones.0: must be an integer"),
        ({"follower_milestones": [10**11]}, "Invalid follower_milestones.0: must be at most"),
        ({"follower_milestones": list(range(1, 22))}, "Invalid follower_milestones: must have at"),
    ],
)
async def test_every_bad_input_is_a_400_naming_the_field(
    api: Api, user: User, data: dict[str, Any], message: str
) -> None:
    response = await create(api, user, **data)
    assert_error(response, 400)
    assert response.json()["message"].startswith(message), response.json()["message"]


async def test_a_missing_field_is_named(api: Api, user: User) -> None:
    response = await api.call("POST", "webhooks/create", user, {"url": URL})
    assert_error(response, 400, "Missing required field: events")
    response = await api.call("POST", "webhooks/create", user, {"events": ["run.failed"]})
    assert_error(response, 400, "Missing required field: url")


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "Invalid limit: must be at least 1"),
        ("101", "Invalid limit: must be at most 100"),
        ("ten", "Invalid limit: must be an integer"),
    ],
)
async def test_a_bad_deliveries_limit_is_a_400(
    api: Api, user: User, limit: str, message: str
) -> None:
    webhook_id = (await create(api, user)).json()["response"]["webhook_id"]
    response = await api.http.get(
        f"/codvid-ai/webhooks/deliveries/{webhook_id}",
        params={"limit": limit},
        headers=user.headers,
    )
    assert_error(response, 400, message)


async def test_a_user_has_at_most_the_configured_number_of_webhooks(
    make_service: MakeService,
) -> None:
    service = await make_service(webhook_max_per_user=2)
    async with service.client() as http:
        api = Api(http)
        user = await api.signup()
        assert (await create(api, user)).status_code == 200
        assert (await create(api, user)).status_code == 200
        assert_error(await create(api, user), 409, "Webhook limit reached: at most 2 per account")
        other = await api.signup()
        assert (await create(api, other)).status_code == 200


async def test_private_addresses_and_http_are_accepted_when_allowed(
    make_service: MakeService,
) -> None:
    service = await make_service(webhook_allow_private=True)
    async with service.client() as http:
        api = Api(http)
        user = await api.signup()
        for url in ("http://127.0.0.1:9/hook", "https://localhost/x", "http://10.0.0.8/"):
            response = await create(api, user, url=url)
            assert response.status_code == 200, response.text


async def test_deleting_the_account_deletes_its_webhooks_and_deliveries(store: Store) -> None:
    settings = load_settings().alerts
    task = await profile_task(store, "owner_profile")
    data = WebhookCreate(url=URL, events=["run.succeeded"], task_ids=[task["_id"]])
    hook = await alerts.create(store, settings, USER, data)
    kept = await alerts.create(
        store, settings, "someone-else", WebhookCreate(url=URL, events=["run.failed"])
    )
    event = Event("run.succeeded", "run-1", {"task_id": task["_id"]})
    assert await outbox.record(store, hook, task["_id"], event, 1.0) == 1
    assert await outbox.record(store, kept, "their-task", event, 1.0) == 1

    await workspace.delete_account(store, USER)

    assert await store.collection(WEBHOOKS).count_documents({"user_id": USER}) == 0
    assert await store.collection(DELIVERIES).count_documents({"user_id": USER}) == 0
    assert await store.collection(WEBHOOKS).count_documents({}) == 1
    assert await store.collection(DELIVERIES).count_documents({}) == 1
