"""Reel tracking routes through the HTTP API (contract 2.7, CR-5, CR-15, decision 7.2)."""

from __future__ import annotations

import pytest

from tests.client import Api, Tracking, User, assert_error

pytestmark = pytest.mark.anyio


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


@pytest.fixture
def reels(api: Api) -> Tracking:
    return Tracking(api)


async def mod_count(api: Api, user: User, project: str) -> int:
    response = await api.call(
        "POST", "project/get-project-mod-count", user, {"project_name": project}
    )
    return int(response.json()["response"]["mod_count"])


@pytest.mark.parametrize(
    "url",
    [
        "https://www.instagram.com/reels/DNlP4Kayo5O/",
        "https://www.instagram.com/reel/DNlP4Kayo5O/",
        "https://instagram.com/reel/DNlP4Kayo5O",
        "https://www.instagram.com/p/DNlP4Kayo5O/?igsh=abc123",
    ],
)
async def test_create_reel_task_accepts_instagram_forms(
    api: Api, reels: Tracking, user: User, url: str
) -> None:
    project = await api.create_project(user)
    response = await reels.call(
        "POST", "create_reel_task", user, data={"project_name": project, "reel_url": url}
    )
    assert response.status_code == 200, response.text
    body = response.json()["response"]
    assert body["message"] == "Instagram reel tracking task created successfully"
    task = (await reels.call("GET", "get_reel_tracking_task", user, body["task_id"])).json()[
        "response"
    ]
    assert task["task"]["reel_id"] == "DNlP4Kayo5O"
    assert task["task"]["reel_url"] == url
    assert task["task"]["project_name"] == project
    assert task["task"]["reel_data"] == {}


@pytest.mark.parametrize(
    "url",
    [
        "hhh",
        "",
        "https://www.instagram.com/natgeo/",
        "https://www.instagram.com/reel/abc/",
        "http://www.instagram.com/reel/DNlP4Kayo5O/",
        "https://evil.example/reel/DNlP4Kayo5O/",
        "https://www.instagram.com.evil.example/reel/DNlP4Kayo5O/",
        "https://www.instagram.com/reel/DNlP4Kayo5O/ OR 1=1",
        "javascript:alert(1)",
    ],
)
async def test_create_reel_task_rejects_other_urls(
    api: Api, reels: Tracking, user: User, url: str
) -> None:
    project = await api.create_project(user)
    response = await reels.call(
        "POST", "create_reel_task", user, data={"project_name": project, "reel_url": url}
    )
    assert_error(response, 400)
    assert "Invalid Instagram reel URL format" in response.json()["message"]
    assert await mod_count(api, user, project) == 1


async def test_create_reel_task_errors(api: Api, reels: Tracking, user: User) -> None:
    project = await api.create_project(user)
    url = "https://www.instagram.com/reels/DNlP4Kayo5O/"
    cases: list[tuple[dict, str]] = [
        ({"project_name": "ghost", "reel_url": url}, "Project not exists."),
        ({"reel_url": url}, "Missing required field: project_name"),
        ({"project_name": project}, "Missing required field: reel_url"),
        (
            {"project_name": project, "reel_url": url, "scrape_interval_days": 31},
            "Invalid scrape_interval_days: must be a number from 0.5 to 30",
        ),
        (
            {"project_name": project, "reel_url": url, "reel_id": "Other12345"},
            "Invalid reel_id: does not match the shortcode in reel_url",
        ),
    ]
    for data, message in cases:
        assert_error(await reels.call("POST", "create_reel_task", user, data=data), 400, message)
    await reels.create_reel(user, project, "DNlP4Kayo5O")
    duplicate = await reels.call(
        "POST", "create_reel_task", user, data={"project_name": project, "reel_url": url}
    )
    assert_error(duplicate, 409, "A tracking task for this reel already exists")


async def test_list_reel_tasks_and_project_data(api: Api, reels: Tracking, user: User) -> None:
    project = await api.create_project(user)
    other = await api.create_project(user)
    first = await reels.create_reel(user, project)
    second = await reels.create_reel(user, project)
    await reels.create_reel(user, other)
    for method in ("POST", "GET"):
        response = await reels.call(
            method, "get_project_reel_tasks", user, data={"project_name": project}
        )
        body = response.json()["response"]
        assert body["total_tasks"] == 2
        assert [t["_id"] for t in body["tasks"]] == [first, second]
        task = body["tasks"][0]
        assert task["scrape_interval_days"] == 2 and task["status"] == "active"
        assert task["last_scraped"] is None and task["reel_data"] == {}
    data = await api.call("POST", "project/get-project-data", user, {"project_name": project})
    stored = data.json()["response"]["project_data"]
    assert [t["_id"] for t in stored["reel_tracking_tasks"]] == [first, second]
    assert stored["mod_count"] == 3  # 1 at creation + one per reel task created
    missing = await reels.call(
        "POST", "get_project_reel_tasks", user, data={"project_name": "ghost"}
    )
    assert_error(missing, 400, "Project not exists.")


async def test_reel_interval_through_the_profile_route(
    api: Api, reels: Tracking, user: User
) -> None:
    project = await api.create_project(user)
    task_id = await reels.create_reel(user, project)
    for update8 in (False, True):
        response = await Tracking(api, update8).call(
            "PUT", "update_scrape_interval", user, task_id, data={"scrape_interval_days": 1.5}
        )
        assert response.status_code == 200
    listed = await reels.call(
        "POST", "get_project_reel_tasks", user, data={"project_name": project}
    )
    assert listed.json()["response"]["tasks"][0]["scrape_interval_days"] == 1.5
    assert await mod_count(api, user, project) == 4


async def test_delete_reel_task(api: Api, reels: Tracking, user: User) -> None:
    project = await api.create_project(user)
    task_id = await reels.create_reel(user, project)
    response = await reels.call("DELETE", "delete_reel_task", user, task_id)
    assert response.json() == {
        "result": True,
        "response": {"message": "Reel tracking task deleted successfully"},
    }
    assert_error(await reels.call("GET", "get_reel_tracking_task", user, task_id), 404)
    assert_error(await reels.call("DELETE", "delete_reel_task", user, task_id), 404)
    assert await mod_count(api, user, project) == 3


async def test_deleting_a_project_deletes_its_reel_tasks(
    api: Api, reels: Tracking, user: User
) -> None:
    project = await api.create_project(user)
    task_id = await reels.create_reel(user, project)
    await api.call("POST", "project/delete-project", user, {"project_name": project})
    assert_error(await reels.call("GET", "get_reel_tracking_task", user, task_id), 404)
    await api.create_project(user, project)
    listed = await reels.call(
        "POST", "get_project_reel_tasks", user, data={"project_name": project}
    )
    assert listed.json()["response"]["tasks"] == []


async def test_profile_routes_do_not_serve_reel_ids(api: Api, reels: Tracking, user: User) -> None:
    task_id = await reels.create_reel(user, await api.create_project(user))
    assert_error(await reels.call("GET", "get_task", user, task_id), 404)
    assert_error(await reels.call("POST", "force_scrape", user, task_id), 404)
    profile_id = await reels.create_profile(user)
    assert_error(await reels.call("POST", "force_scrape_reel", user, profile_id), 404)
    assert_error(await reels.call("DELETE", "delete_reel_task", user, profile_id), 404)
