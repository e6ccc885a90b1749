"""Project routes over real HTTP (contract 2.4, CR-14, CR-20, CR-22)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.client import Api, User, assert_error

pytestmark = pytest.mark.anyio


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


async def names(api: Api, user: User, method: str = "POST") -> list[str]:
    response = await api.call(method, "project/get-project-list", user)
    assert response.status_code == 200
    return list(response.json()["response"]["project_list"])


async def test_new_user_has_no_projects(api: Api, user: User) -> None:
    assert await names(api, user) == [] == await names(api, user, "GET")


async def test_create_project_answers_bare_success(api: Api, user: User) -> None:
    response = await api.call("POST", "project/create-project", user, {"project_name": "c1"})
    assert response.status_code == 200
    assert response.json() == {"result": True, "message": "Project created successfully"}


async def test_project_list_keeps_creation_order(api: Api, user: User) -> None:
    created = ["zeta", "@qdqwdqw aaaaa", "alpha", "reel_tracking_demo", "émoji 🎬 name"]
    for name in created:
        await api.create_project(user, name)
    assert await names(api, user) == created


async def test_new_project_data(api: Api, user: User) -> None:
    await api.create_project(user, "fresh")
    for method in ("POST", "GET"):
        response = await api.call(
            method, "project/get-project-data", user, {"project_name": "fresh"}
        )
        assert response.status_code == 200
        today = datetime.now(UTC)
        assert response.json() == {
            "result": True,
            "response": {
                "project_data": {
                    "schema_version": "1.0",
                    "mod_count": 1,
                    "date": f"{today.day}-{today.month}-{today.year}",
                    "project_info": {"description": "", "keywords": []},
                    "ai_memory": {},
                    "chats": [],
                    "reel_tracking_tasks": [],
                }
            },
        }


async def test_mod_count(api: Api, user: User) -> None:
    await api.create_project(user, "counted")
    response = await api.call(
        "POST", "project/get-project-mod-count", user, {"project_name": "counted"}
    )
    assert response.json() == {"result": True, "response": {"mod_count": 1}}


async def test_duplicate_project_is_400(api: Api, user: User) -> None:
    await api.create_project(user, "twice")
    again = await api.call("POST", "project/create-project", user, {"project_name": "twice"})
    assert_error(again, 400, "Project already exists")
    trimmed = await api.call("POST", "project/create-project", user, {"project_name": "  twice "})
    assert_error(trimmed, 400, "Project already exists")
    assert await names(api, user) == ["twice"]


@pytest.mark.parametrize("path", ["get-project-data", "get-project-mod-count"])
async def test_missing_project_is_400(api: Api, user: User, path: str) -> None:
    response = await api.call("POST", f"project/{path}", user, {"project_name": "ghost"})
    assert_error(response, 400, "Project not exists.")


@pytest.mark.parametrize("method", ["POST", "DELETE", "GET"])
async def test_delete_project(api: Api, user: User, method: str) -> None:
    await api.create_project(user, "keep")
    await api.create_project(user, "drop")
    response = await api.call(method, "project/delete-project", user, {"project_name": "drop"})
    assert response.status_code == 200
    assert response.json() == {"result": True, "message": "Project deleted successfully"}
    assert await names(api, user) == ["keep"]
    gone = await api.call("POST", "project/get-project-data", user, {"project_name": "drop"})
    assert_error(gone, 400, "Project not exists.")
    again = await api.call(method, "project/delete-project", user, {"project_name": "drop"})
    assert_error(again, 400, "Project not found")


async def test_a_deleted_name_can_be_used_again(api: Api, user: User) -> None:
    await api.create_project(user, "phoenix")
    await api.call("POST", "project/delete-project", user, {"project_name": "phoenix"})
    await api.create_project(user, "phoenix")
    assert await names(api, user) == ["phoenix"]


@pytest.mark.parametrize(
    "name",
    [
        "'; DROP TABLE c_projects; --",
        '{"$ne": null}',
        "$where",
        "a.b.c",
        "x' OR '1'='1",
        "../../etc/passwd",
        "名前 with ünïcode",
    ],
)
async def test_hostile_names_are_plain_text(api: Api, user: User, name: str) -> None:
    await api.create_project(user, "before")
    await api.create_project(user, name)
    assert await names(api, user) == ["before", name]
    data = await api.call("POST", "project/get-project-data", user, {"project_name": name})
    assert data.json()["response"]["project_data"]["mod_count"] == 1
    await api.call("POST", "project/delete-project", user, {"project_name": name})
    assert await names(api, user) == ["before"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Invalid project_name: must not be empty"),
        ("x" * 101, "Invalid project_name: must be at most 100 characters"),
        ("bad\x00name", "Invalid project_name: must not contain control characters"),
        ("line\nbreak", "Invalid project_name: must not contain control characters"),
        (True, "Invalid project_name: must be a string"),
        ({"$gt": ""}, "Invalid project_name: must be a string"),
    ],
)
async def test_invalid_project_names(api: Api, user: User, value: object, message: str) -> None:
    response = await api.call("POST", "project/create-project", user, {"project_name": value})
    assert_error(response, 400, message)
    assert await names(api, user) == []


async def test_users_never_see_each_others_projects(api: Api) -> None:
    alice, bob = await api.signup(), await api.signup()
    await api.create_project(alice, "secret plans")
    assert await names(api, bob) == []
    for path in ("get-project-data", "get-project-mod-count"):
        response = await api.call("POST", f"project/{path}", bob, {"project_name": "secret plans"})
        assert_error(response, 400, "Project not exists.")
    delete = await api.call("POST", "project/delete-project", bob, {"project_name": "secret plans"})
    assert_error(delete, 400, "Project not found")
    # Bob may use the same name for his own project; Alice's is untouched.
    await api.create_project(bob, "secret plans")
    assert await names(api, alice) == ["secret plans"]
    assert await names(api, bob) == ["secret plans"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "get-project-list"),
        ("GET", "get-project-list"),
        ("POST", "create-project"),
        ("POST", "get-project-data"),
        ("POST", "get-project-mod-count"),
        ("POST", "delete-project"),
    ],
)
async def test_project_routes_need_a_token(api: Api, method: str, path: str) -> None:
    response = await api.call(method, f"project/{path}", None, {"project_name": "x"})
    assert response.status_code == 401
