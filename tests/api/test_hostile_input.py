"""Input built to break the service, unauthenticated or not: each gets a 400 in the
envelope naming the problem, no traceback is logged for it, and nothing is stored."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.client import Api, Tracking, assert_error, envelope

pytestmark = pytest.mark.anyio


def nested(depth: int) -> str:
    return '{"schema_version": "4.0", "data": {"x": ' + "[" * depth + "]" * depth + "}}"


@pytest.mark.parametrize("depth", [40, 10_000])
async def test_deep_nesting_is_refused_before_anything_reads_it(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    with caplog.at_level(logging.WARNING):
        answer = await http.post("/codvid-ai/auth/login", content=nested(depth))
    assert_error(answer, 400, "Invalid request body: nested deeper than 32 levels")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("digits", "message"),
    [
        (4000, "Invalid scrape_interval_days: must be a number from 0.5 to 30"),
        (5000, "Invalid JSON request body"),  # past Python's limit for int from text
    ],
)
async def test_a_number_of_thousands_of_digits_is_out_of_range(
    api: Api, caplog: pytest.LogCaptureFixture, digits: int, message: str
) -> None:
    user = await api.signup()
    body = (
        '{"schema_version": "4.0", "data": {"target_profile": "digits", '
        f'"scrape_interval_days": {"9" * digits}}}}}'
    )
    with caplog.at_level(logging.WARNING):
        answer = await api.http.post(
            "/codvid-ai/ig-tracking/create_task", content=body, headers=user.headers
        )
    assert_error(answer, 400, message)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    listed = await Tracking(api).call("GET", "get_tasks", user)
    assert listed.json()["response"]["tasks"] == []


async def test_a_lone_surrogate_in_chat_text_is_invalid_text(api: Api) -> None:
    user = await api.signup()
    project = await api.create_project(user)
    body = (
        '{"schema_version": "4.0", "data": {"project_name": "' + project + '", '
        '"message": {"role": "user", "type": "text", "text": "hi \\ud800 there"}}}'
    )
    answer = await api.http.post("/codvid-ai/ai/respond", content=body, headers=user.headers)
    assert_error(answer, 400, "Invalid text in the request body: it contains a lone surrogate")
    data = await api.call("POST", "project/get-project-data", user, {"project_name": project})
    stored = data.json()["response"]["project_data"]
    assert stored["chats"] == [] and stored["mod_count"] == 1


@pytest.mark.parametrize(
    "name", ["evil\u202etxt.exe", "zero\u200bwidth", "\ufeffbom", "soft\u00adhyphen"]
)
async def test_invisible_and_direction_changing_characters_are_refused(api: Api, name: str) -> None:
    user = await api.signup()
    answer = await api.call("POST", "project/create-project", user, {"project_name": name})
    assert_error(
        answer,
        400,
        "Invalid project_name: must not contain invisible or direction-changing characters",
    )
    listed = await api.call("GET", "project/get-project-list", user)
    assert listed.json()["response"]["project_list"] == []


@pytest.mark.parametrize("username", ["\u202enatgeo", "nat\u200bgeo"])
async def test_usernames_with_format_characters_are_refused(api: Api, username: str) -> None:
    user = await api.signup()
    answer = await Tracking(api).call(
        "POST", "create_task", user, data={"target_profile": username}
    )
    assert_error(answer, 400, "Invalid target_profile: Invalid Instagram username format")


async def test_an_envelope_that_is_deep_only_in_data_is_refused_the_same(
    http: httpx.AsyncClient,
) -> None:
    deep: object = "leaf"
    for _ in range(40):
        deep = {"k": deep}
    answer = await http.post("/codvid-ai/auth/signup", json=envelope({"email": deep}))
    assert_error(answer, 400, "Invalid request body: nested deeper than 32 levels")
