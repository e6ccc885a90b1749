"""Small contract details a client sees: fields only the right answers carry, messages in
the service's words, singular and plural, CORS and 405 answers, documented bodies."""

from __future__ import annotations

import pytest

from tests.client import Api, Tracking, assert_error
from tests.conftest import MakeService

pytestmark = pytest.mark.anyio


async def test_a_reel_task_answer_carries_no_profile_fields(api: Api) -> None:
    user = await api.signup()
    project = await api.create_project(user)
    data = {"project_name": project, "reel_url": "https://www.instagram.com/reel/Abcdef12/"}
    created = await api.call("POST", "ig-tracking/create_reel_task", user, data)
    assert set(created.json()["response"]) == {"task_id", "message"}
    profile = await api.call("POST", "ig-tracking/create_task", user, {"target_profile": "p1"})
    assert {"target_profile", "next_scrape_due"} <= set(profile.json()["response"])


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        (
            "ig-tracking/create_task",
            {"target_profile": 7},
            "Invalid target_profile: must be a string",
        ),
        (
            "ig-tracking/create_task",
            {"target_profile": "ok", "is_competitor": "yes"},
            "Invalid is_competitor: must be true or false",
        ),
        (
            "project/create-project",
            {"project_name": ["x"]},
            "Invalid project_name: must be a string",
        ),
    ],
)
async def test_validation_messages_are_the_services_own_words(
    api: Api, path: str, data: dict, message: str
) -> None:
    user = await api.signup()
    answer = await api.call("POST", path, user, data)
    assert_error(answer, 400, message)
    assert "Input should" not in answer.text and "String should" not in answer.text


async def test_a_status_outside_the_two_is_named_plainly(tracking: Tracking) -> None:
    user = await tracking.api.signup()
    task_id = await tracking.create_profile(user)
    answer = await tracking.call("PUT", "update_task", user, task_id, data={"status": "gone"})
    assert_error(answer, 400, "Invalid status: must be 'active' or 'paused'")


async def test_one_day_is_singular(tracking: Tracking) -> None:
    user = await tracking.api.signup()
    task_id = await tracking.create_profile(user)
    for days, word in ((1, "day"), (1.5, "days"), (2, "days")):
        answer = await tracking.call(
            "PUT", "update_scrape_interval", user, task_id, data={"scrape_interval_days": days}
        )
        assert answer.json()["response"]["message"].endswith(f"updated to {days:g} {word}.")


async def test_a_refused_cors_preflight_is_an_envelope(make_service: MakeService) -> None:
    service = await make_service(cors_origins=["https://app.example"])
    async with service.client() as http:
        refused = await http.options(
            "/codvid-ai/ping",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        allowed = await http.options(
            "/codvid-ai/ping",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
    assert_error(refused, 400, "CORS preflight refused: Disallowed CORS origin")
    assert refused.headers["content-type"] == "application/json"
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
async def test_every_delete_account_alias_takes_every_method(api: Api, method: str) -> None:
    for path in ("user/delete-account", "user/delete_account"):
        user = await api.signup()
        answer = await api.call(method, path, user)
        assert answer.status_code == 200, (method, path)
        assert (await api.call("POST", "project/get-project-list", user)).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "project/get-project-data", "GET, POST"),
        ("PATCH", "ig-tracking/update_scrape_interval/some-id", "POST, PUT"),
        ("PUT", "user/delete-account", "DELETE, GET, POST"),
    ],
)
async def test_a_405_lists_every_method_the_path_takes(
    api: Api, method: str, path: str, allowed: str
) -> None:
    answer = await api.http.request(method, f"/codvid-ai/{path}")
    assert_error(answer, 405, "Method not allowed")
    assert answer.headers["allow"] == allowed


async def test_get_routes_that_read_a_body_document_it(api: Api) -> None:
    schema = (await api.http.get("/codvid-ai/openapi.json")).json()
    for path in (
        "/codvid-ai/project/get-project-data",
        "/codvid-ai/project/get-project-list",
        "/codvid-ai/ig-tracking/get_project_reel_tasks",
    ):
        operations = schema["paths"][path]
        assert operations["get"].get("requestBody") == operations["post"].get("requestBody")
