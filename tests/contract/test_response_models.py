"""Every documented route's 200 answer is exactly its response model: it validates, it
says nothing the model does not declare, and the model gives back the same JSON. The
models are what the OpenAPI schema shows, so the schema lists every field clients get.

The answers come from a real service in this process with real data in it: a scraped
profile task and a scraped reel task (posts, comments, events, last_run), and a chat the
assistant wrote to (user, assistant, tool and event messages).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from codvid import app as app_module
from codvid.ai.schemas import StreamChunk
from tests.client import Api, Tracking, User, new_username
from tests.conftest import MakeService
from tests.service import api_routes

pytestmark = pytest.mark.anyio

STREAMED = {"respond", "respond_stream_test"}  # chunk by chunk, below
PROJECT = "models"


def assert_declared(value: Any, where: str = "answer") -> None:
    """No field anywhere in ``value`` is one its model does not declare."""
    if isinstance(value, BaseModel):
        assert not value.model_extra, f"{where}: undeclared fields {sorted(value.model_extra)}"
        for name in type(value).model_fields:
            assert_declared(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_declared(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_declared(item, f"{where}.{key}")


def assert_is_its_model(route: APIRoute, body: Any) -> None:
    model = route.response_model
    assert isinstance(model, type) and issubclass(model, BaseModel), route.path
    parsed = model.model_validate(body)
    assert_declared(parsed, route.endpoint.__name__)
    assert parsed.model_dump(mode="json", by_alias=True) == body, route.path


@dataclass
class World:
    api: Api
    user: User
    profile_id: str
    reel_id: str

    @property
    def tracking(self) -> Tracking:
        return Tracking(self.api)


async def scraped_world(api: Api) -> World:
    user = await api.signup()
    await api.create_project(user, PROJECT)
    tracking = Tracking(api)
    profile_id = await tracking.create_profile(user, "models_profile", is_competitor=True)
    reel_id = await tracking.create_reel(user, PROJECT, "Reel0001")
    for name, task_id in (("force_scrape", profile_id), ("force_scrape_reel", reel_id)):
        assert (await tracking.call("POST", name, user, task_id)).status_code == 200
        status = await tracking.wait_idle(user, task_id)
        assert status["last_run"]["status"] == "succeeded", status
    # A chat with every kind of message: the user's, tool progress events, tool results.
    for text in ("What do I track?", "remember the audience is 18-24"):
        data = {"project_name": PROJECT, "message": {"text": text}}
        answer = await api.call("POST", "ai/respond", user, data)
        assert answer.status_code == 200
    return World(api, user, profile_id, reel_id)


Call = Callable[[World, str, str], Awaitable[Any]]


async def fresh_profile(world: World, method: str, path: str) -> Any:
    task_id = await world.tracking.create_profile(world.user, new_username())
    return await world.api.call(method, path.format(task_id=task_id), world.user)


async def fresh_reel(world: World, method: str, path: str) -> Any:
    code = f"C{new_username()[-10:]}"
    task_id = await world.tracking.create_reel(world.user, PROJECT, code)
    return await world.api.call(method, path.format(task_id=task_id), world.user)


async def fresh_project(world: World, method: str, path: str) -> Any:
    name = await world.api.create_project(world.user)
    return await world.api.call(method, path, world.user, {"project_name": name})


async def fresh_account(world: World, method: str, path: str) -> Any:
    return await world.api.call(method, path, await world.api.signup())


async def login(world: World, method: str, path: str) -> Any:
    data = {"auth_type": "email", "email": world.user.email, "password": "correct-horse-battery"}
    return await world.api.call(method, path, None, data)


def on(task: str, data: dict[str, Any] | None = None) -> Call:
    async def call(world: World, method: str, path: str) -> Any:
        task_id = world.profile_id if task == "profile" else world.reel_id
        return await world.api.call(method, path.format(task_id=task_id), world.user, data)

    return call


def plain(data: dict[str, Any] | None = None, *, public: bool = False) -> Call:
    async def call(world: World, method: str, path: str) -> Any:
        return await world.api.call(method, path, None if public else world.user, data)

    return call


def webhook(use: str) -> Call:
    """A webhook on a public address written as one (nothing resolved), for the reel task
    failing only, which no recipe scrapes again: nothing is ever sent to it."""

    async def call(world: World, method: str, path: str) -> Any:
        data = {"url": "https://93.184.215.14/codvid", "events": ["run.failed"]}
        created = await world.api.call(
            "POST", "webhooks/create", world.user, {**data, "task_ids": [world.reel_id]}
        )
        if use == "create":
            return created
        webhook_id = created.json()["response"]["webhook_id"]
        return await world.api.call(method, path.format(webhook_id=webhook_id), world.user)

    return call


# How to get a 200 (or the documented 201) from each route, by endpoint.
RECIPES: dict[str, Call] = {
    "task_status": on("profile"),
    "force_scrape": fresh_profile,
    "force_scrape_reel": fresh_reel,
    "create_task": plain({"target_profile": "x"}),  # replaced per call below
    "get_tasks": plain(),
    "get_task": on("profile"),
    "update_task": on("profile", {"is_competitor": True}),
    "delete_task": fresh_profile,
    "update_scrape_interval": on("reel", {"scrape_interval_days": 2}),
    "sentiment_summary": on("profile"),
    "scraping_usage": plain(),
    "create_reel_task": plain(),  # replaced per call below
    "get_project_reel_tasks": plain({"project_name": PROJECT}),
    "get_reel_tracking_task": on("reel"),
    "delete_reel_task": fresh_reel,
    "get_project_list": plain(),
    "create_project": plain(),  # replaced per call below
    "get_project_mod_count": plain({"project_name": PROJECT}),
    "get_project_data": plain({"project_name": PROJECT}),
    "delete_project": fresh_project,
    "delete_account": fresh_account,
    "ping": plain(public=True),
    "live": plain(public=True),
    "ready": plain(public=True),
    "signup": plain(public=True),  # replaced per call below
    "login": login,
    "get_uuid": plain(),
    "task_history": on("profile"),
    "task_engagement": on("reel"),
    "compare": plain(),
    "export_compare": plain(),
    "export_task": on("reel"),
    "chart": on("profile"),
    "create_webhook": webhook("create"),
    "list_webhooks": plain(),
    "delete_webhook": webhook("delete"),
    "webhook_deliveries": webhook("deliveries"),
}
FILES = {"export_compare": "text/csv", "export_task": "text/csv", "chart": "image/svg+xml"}
"""Routes that answer a file, by its media type, not a model."""


async def unique_body(world: World, name: str, method: str, path: str) -> Any:
    """The creating routes need a new name on every call."""
    unique = new_username()
    data = {
        "create_task": {"target_profile": unique},
        "create_reel_task": {
            "project_name": PROJECT,
            "reel_url": f"https://www.instagram.com/reel/C{unique[-10:]}/",
        },
        "create_project": {"project_name": unique},
        "signup": {"auth_type": "email", "email": f"{unique}@example.com", "password": "x" * 12},
    }[name]
    user = None if name == "signup" else world.user
    return await world.api.call(method, path, user, data)


async def test_every_routes_answer_is_exactly_its_model(make_service: MakeService) -> None:
    service = await make_service(scraper_step_delay=0)
    async with service.client() as http:
        world = await scraped_world(Api(http))
        answered: set[tuple[str, str]] = set()
        for route in api_routes():
            name = route.endpoint.__name__
            if name in STREAMED:
                continue
            (method,) = route.methods or set()
            path = route.path.removeprefix("/")
            if name in {"create_task", "create_reel_task", "create_project", "signup"}:
                response = await unique_body(world, name, method, path)
            else:
                response = await RECIPES[name](world, method, path)
            assert response.status_code == (route.status_code or 200), (path, response.text)
            if name in FILES:
                assert response.headers["content-type"].startswith(FILES[name]), path
            else:
                assert_is_its_model(route, response.json())
            answered.add((method, f"{app_module.BASE_PATH}{route.path}"))

        schema = (await http.get(f"{app_module.BASE_PATH}/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if not path.startswith(f"{app_module.BASE_PATH}/ai/")
    }
    assert documented == answered


async def test_streamed_chunks_are_each_a_stream_chunk(make_service: MakeService) -> None:
    service = await make_service(scraper_step_delay=0)
    async with service.client() as http:
        api = Api(http)
        world = await scraped_world(api)
        data = {"project_name": PROJECT, "message": {"text": "scrape " + world.profile_id}}
        answer = await api.call("POST", "ai/respond", world.user, data)
    chunks = [json.loads(line) for line in answer.text.splitlines()]
    assert len(chunks) >= 3
    for chunk in chunks:
        parsed = StreamChunk.model_validate(chunk)
        assert parsed.result is True and parsed.response is not None


@pytest.mark.parametrize(
    ("component", "fields"),
    [
        ("ProfileTask", {"_id", "target_profile", "target_profile_data", "task_id"}),
        ("ProfileTaskSummary", {"_id", "target_profile", "next_scrape_due", "task_id"}),
        ("ReelTask", {"_id", "reel_url", "reel_id", "reel_data", "project_name"}),
        ("ProfileData", {"followers", "scraped_posts", "is_demo"}),
        ("ReelData", {"views", "plays", "top_comments", "sentiment_analysis"}),
        ("Post", {"post_id", "likes_count", "top_comments", "hashtags"}),
        ("Comment", {"text", "sentiment", "owner_username", "likes_count"}),
        ("Event", {"timestamp", "event_type", "message"}),
        ("TaskStatusBody", {"task_id", "is_processing", "logs", "latest_event", "last_run"}),
        ("LastRun", {"status", "finished_at", "error"}),
        ("ChatMessage", {"role", "type", "text", "event_type", "tool_name"}),
    ],
)
async def test_the_schema_lists_the_fields_of_the_objects_clients_use(
    api: Api, component: str, fields: set[str]
) -> None:
    schema = (await api.http.get(f"{app_module.BASE_PATH}/openapi.json")).json()
    properties = schema["components"]["schemas"][component]["properties"]
    assert fields <= set(properties)


async def test_no_schema_is_left_without_fields(api: Api) -> None:
    """A custom serializer once made the task_status answer an empty schema ``{}``."""
    schema = (await api.http.get(f"{app_module.BASE_PATH}/openapi.json")).json()
    empty = {
        name
        for name, component in schema["components"]["schemas"].items()
        if not component.get("properties")
    }
    assert empty == {"StreamTestRequest"}  # its data is an empty object by design
