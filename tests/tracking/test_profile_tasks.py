"""Profile tracking routes through the HTTP API, under both route generations (contract 2.6)."""

from __future__ import annotations

import time

import pytest

from tests.client import Api, Tracking, User, assert_error, new_username

pytestmark = pytest.mark.anyio

DAY = 86400


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


async def test_create_task(tracking: Tracking, user: User) -> None:
    username = new_username("Mixed.Case")
    before = time.time()
    response = await tracking.call(
        "POST", "create_task", user, data={"target_profile": f"@{username}", "is_competitor": True}
    )
    assert response.status_code == 200
    body = response.json()["response"]
    assert body["message"] == "Instagram tracking task created successfully"
    assert body["target_profile"] == username.lower()
    assert before + 2 * DAY <= body["next_scrape_due"] <= time.time() + 2 * DAY


async def test_list_tasks(tracking: Tracking, user: User) -> None:
    empty = await tracking.call("GET", "get_tasks", user)
    assert empty.json() == {"result": True, "response": {"tasks": [], "total_tasks": 0}}
    first = await tracking.create_profile(user, "first_one")
    second = await tracking.create_profile(user, "second_one", scrape_interval_days=0.5)
    body = (await tracking.call("GET", "get_tasks", user)).json()["response"]
    assert body["total_tasks"] == 2
    assert [t["_id"] for t in body["tasks"]] == [first, second]
    task = body["tasks"][1]
    assert set(task) == {
        "_id",
        "task_id",
        "target_profile",
        "is_competitor",
        "status",
        "created_at",
        "last_scraped",
        "next_scrape_due",
        "scrape_interval_days",
    }
    assert task["status"] == "active" and task["last_scraped"] is None
    assert task["scrape_interval_days"] == 0.5
    assert task["next_scrape_due"] == pytest.approx(task["created_at"] + 0.5 * DAY)


async def test_task_details_before_the_first_scrape(tracking: Tracking, user: User) -> None:
    task_id = await tracking.create_profile(user, "fresh_account")
    body = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]
    task = body["task"]
    assert task["_id"] == task_id and task["user_id"] == user.user_id
    assert task["schema_version"] == "1.0" and task["task_type"] == "profile_tracking"
    assert task["target_profile_data"]["scraped_posts"] == []
    assert task["target_profile_data"]["followers"] is None
    for field in ("target_profile", "is_competitor", "status", "target_profile_data"):
        assert body[field] == task[field]  # the update 6 mirror
    assert "active_run_id" not in task and "consecutive_failures" not in task


@pytest.mark.parametrize(
    "username",
    ["", "has space", "way_too_long_" + "x" * 20, "émile", "semi;colon", "a/b", "@", "x'--"],
)
async def test_invalid_usernames(tracking: Tracking, user: User, username: str) -> None:
    response = await tracking.call("POST", "create_task", user, data={"target_profile": username})
    assert_error(response, 400)
    assert response.json()["message"].startswith("Invalid target_profile")
    assert (await tracking.call("GET", "get_tasks", user)).json()["response"]["total_tasks"] == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Missing required field: target_profile"),
        ({"target_profile": 42}, "Invalid target_profile: must be a string"),
        (
            {"target_profile": "ok_name", "is_competitor": "yes"},
            "Invalid is_competitor: must be true or false",
        ),
        (
            {"target_profile": "ok_name", "scrape_interval_days": 0},
            "Invalid scrape_interval_days: must be a number from 0.5 to 30",
        ),
    ],
)
async def test_create_task_bad_bodies(
    tracking: Tracking, user: User, data: dict, message: str
) -> None:
    assert_error(await tracking.call("POST", "create_task", user, data=data), 400, message)


async def test_duplicate_profile_is_409(tracking: Tracking, user: User, api: Api) -> None:
    await tracking.create_profile(user, "same_name")
    again = await tracking.call("POST", "create_task", user, data={"target_profile": "SAME_NAME"})
    assert_error(again, 409, "A tracking task for this profile already exists")
    other = await api.signup()
    await tracking.create_profile(other, "same_name")  # another user may track it too


async def test_update_task(tracking: Tracking, user: User) -> None:
    task_id = await tracking.create_profile(user)
    response = await tracking.call(
        "PUT", "update_task", user, task_id, data={"is_competitor": True, "status": "paused"}
    )
    assert response.json() == {
        "result": True,
        "response": {"message": "Tracking task updated successfully"},
    }
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["is_competitor"] is True and task["status"] == "paused"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "No updatable fields provided"),
        ({"status": "deleted"}, None),
        ({"status": 1}, None),
        ({"is_competitor": "true"}, None),
    ],
)
async def test_update_task_bad_bodies(
    tracking: Tracking,
    user: User,
    data: dict,
    message: str | None,
) -> None:
    task_id = await tracking.create_profile(user)
    assert_error(await tracking.call("PUT", "update_task", user, task_id, data=data), 400, message)
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["status"] == "active" and task["is_competitor"] is False


async def test_delete_task(tracking: Tracking, user: User) -> None:
    keep, drop = await tracking.create_profile(user), await tracking.create_profile(user)
    response = await tracking.call("DELETE", "delete_task", user, drop)
    assert response.json() == {
        "result": True,
        "response": {"message": "Tracking task deleted successfully"},
    }
    listed = (await tracking.call("GET", "get_tasks", user)).json()["response"]["tasks"]
    assert [t["_id"] for t in listed] == [keep]
    assert_error(
        await tracking.call("GET", "get_task", user, drop), 404, "Task not found or access denied"
    )
    assert_error(await tracking.call("DELETE", "delete_task", user, drop), 404)


@pytest.mark.parametrize("days", [0.5, 3, 2.5, 30])
async def test_update_scrape_interval(tracking: Tracking, user: User, days: float) -> None:
    task_id = await tracking.create_profile(user)
    before = time.time()
    response = await tracking.call(
        "PUT", "update_scrape_interval", user, task_id, data={"scrape_interval_days": days}
    )
    assert response.status_code == 200
    assert response.json()["response"]["message"] == (
        f"Scrape interval for task {task_id} updated to {days:g} days."
    )
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["scrape_interval_days"] == days
    assert before + days * DAY <= task["next_scrape_due"] <= time.time() + days * DAY


@pytest.mark.parametrize("days", [0, -1, 0.49, 30.5, 1e308, "2", True, None, [2]])
async def test_invalid_intervals(tracking: Tracking, user: User, days: object) -> None:
    task_id = await tracking.create_profile(user)
    response = await tracking.call(
        "PUT", "update_scrape_interval", user, task_id, data={"scrape_interval_days": days}
    )
    assert_error(response, 400, "Invalid scrape_interval_days: must be a number from 0.5 to 30")
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["scrape_interval_days"] == 2


async def test_non_finite_interval_in_raw_json(api: Api, user: User) -> None:
    task_id = await Tracking(api).create_profile(user)
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        response = await api.http.put(
            f"/codvid-ai/ig-tracking/update_scrape_interval/{task_id}",
            content=b'{"schema_version": "4.0", "data": {"scrape_interval_days": '
            + literal
            + b"}}",
            headers={**user.headers, "Content-Type": "application/json"},
        )
        assert_error(response, 400)


async def test_interval_post_alias(api: Api, user: User) -> None:
    task_id = await Tracking(api).create_profile(user)
    response = await api.call(
        "POST", f"ig-tracking/update_scrape_interval/{task_id}", user, {"scrape_interval_days": 1}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "task_id", ["nope", "00000000-0000-4000-8000-000000000000", "%27%20OR%201"]
)
async def test_unknown_ids_are_404(tracking: Tracking, user: User, task_id: str) -> None:
    for method, name, data in [
        ("GET", "get_task", None),
        ("PUT", "update_task", {"status": "active"}),
        ("DELETE", "delete_task", None),
        ("POST", "force_scrape", None),
        ("PUT", "update_scrape_interval", {"scrape_interval_days": 2}),
        ("GET", "task_status", None),
    ]:
        response = await tracking.call(method, name, user, task_id, data=data)
        assert_error(response, 404, "Task not found or access denied")


async def test_task_routes_need_a_token(tracking: Tracking, api: Api) -> None:
    response = await api.http.get(f"/codvid-ai/{tracking.path('get_tasks')}")
    assert_error(response, 401)
