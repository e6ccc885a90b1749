"""Another user's task id on every tracking route: 404, and nothing changes."""

from __future__ import annotations

import pytest

from tests.client import Api, Tracking, User, assert_error

pytestmark = pytest.mark.anyio

MISSING = "Task not found or access denied"


@pytest.fixture
async def owner(api: Api) -> User:
    return await api.signup()


@pytest.fixture
async def intruder(api: Api) -> User:
    return await api.signup()


async def snapshot(tracking: Tracking, owner: User, profile_id: str, project: str) -> object:
    profile = (await tracking.call("GET", "get_task", owner, profile_id)).json()
    reels = (
        await tracking.call("POST", "get_project_reel_tasks", owner, data={"project_name": project})
    ).json()
    status = await tracking.status(owner, profile_id)
    return profile, reels, status


async def test_every_route_refuses_someone_elses_task(
    api: Api, tracking: Tracking, owner: User, intruder: User
) -> None:
    project = await api.create_project(owner, "owner's project")
    profile_id = await tracking.create_profile(owner)
    reel_id = await tracking.create_reel(owner, project)
    before = await snapshot(tracking, owner, profile_id, project)
    attempts = [
        ("GET", "get_task", profile_id, None),
        ("PUT", "update_task", profile_id, {"status": "paused"}),
        ("DELETE", "delete_task", profile_id, None),
        ("POST", "force_scrape", profile_id, None),
        ("PUT", "update_scrape_interval", profile_id, {"scrape_interval_days": 9}),
        ("PUT", "update_scrape_interval", reel_id, {"scrape_interval_days": 9}),
        ("GET", "task_status", profile_id, None),
        ("GET", "task_status", reel_id, None),
        ("GET", "sentiment_summary", profile_id, None),
        ("GET", "sentiment_summary", reel_id, None),
        ("GET", "get_reel_tracking_task", reel_id, None),
        ("POST", "force_scrape_reel", reel_id, None),
        ("DELETE", "delete_reel_task", reel_id, None),
    ]
    for method, name, task_id, data in attempts:
        response = await tracking.call(method, name, intruder, task_id, data=data)
        assert_error(response, 404, MISSING)
    # Project-addressed reel routes: the intruder's view of the name is "no such project".
    url = "https://www.instagram.com/reel/Intruder123/"
    for method, name, data in [
        ("POST", "create_reel_task", {"project_name": project, "reel_url": url}),
        ("POST", "get_project_reel_tasks", {"project_name": project}),
    ]:
        assert_error(
            await tracking.call(method, name, intruder, data=data), 400, "Project not exists."
        )
    assert (await tracking.call("GET", "get_tasks", intruder)).json()["response"]["tasks"] == []
    assert await snapshot(tracking, owner, profile_id, project) == before
