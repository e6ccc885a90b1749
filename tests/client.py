"""A thin async client for the API's envelope, over any ``httpx.AsyncClient``: one on
``httpx.ASGITransport`` (the app in this process) or one on the network (a real
``codvid serve``). Test data comes with keyword overrides."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx


def assert_error(response: httpx.Response, status: int, message: str | None = None) -> None:
    """An error envelope with this status (and message), and no stack trace."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["result"] is False
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if message is not None:
        assert body["message"] == message


PASSWORD = "correct-horse-battery"


def envelope(data: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"schema_version": "4.0", "data": {**(data or {}), **fields}}


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def credentials(**overrides: Any) -> dict[str, Any]:
    return {"auth_type": "email", "email": new_email(), "password": PASSWORD, **overrides}


@dataclass
class User:
    email: str
    token: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    http: httpx.AsyncClient

    async def signup(self, **overrides: Any) -> User:
        data = credentials(**overrides)
        response = await self.http.post("/codvid-ai/auth/signup", json=envelope(data))
        assert response.status_code == 201, response.text
        body = response.json()
        return User(data["email"].lower(), body["token"], body["user_id"])

    async def call(
        self, method: str, path: str, user: User | None = None, data: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.http.request(
            method,
            f"/codvid-ai/{path}",
            headers=user.headers if user else None,
            json=envelope(data) if data is not None else None,
        )

    async def login(self, user: User, password: str = PASSWORD) -> httpx.Response:
        data = {"auth_type": "email", "email": user.email, "password": password}
        return await self.call("POST", "auth/login", None, data)

    async def create_project(self, user: User, name: str | None = None) -> str:
        name = name or f"project {uuid.uuid4().hex[:8]}"
        response = await self.call("POST", "project/create-project", user, {"project_name": name})
        assert response.status_code == 200, response.text
        return name


PROFILE_ROUTES = {
    # update 6 name -> update 8 name (contract 2.10)
    "create_task": "create_profile_tracking_task",
    "get_tasks": "get_profile_tracking_tasks",
    "get_task": "get_profile_tracking_task",
    "update_task": "update_profile_tracking_task",
    "delete_task": "delete_profile_tracking_task",
    "force_scrape": "force_scrape_profile_tracking_task",
    "update_scrape_interval": "update_profile_tracking_scrape_interval",
    "task_status": "profile_tracking_task_status",
}


def new_username(prefix: str = "acct") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@dataclass
class Tracking:
    """Tracking calls by their update 6 names, or their update 8 names when ``update8``."""

    api: Api
    update8: bool = False

    def path(self, name: str, task_id: str | None = None) -> str:
        route = PROFILE_ROUTES[name] if self.update8 and name in PROFILE_ROUTES else name
        return f"ig-tracking/{route}" + (f"/{task_id}" if task_id else "")

    async def call(
        self,
        method: str,
        name: str,
        user: User,
        task_id: str | None = None,
        data: dict[str, Any] | None = None,
        **params: Any,
    ) -> httpx.Response:
        return await self.api.http.request(
            method,
            f"/codvid-ai/{self.path(name, task_id)}",
            headers=user.headers,
            json=envelope(data) if data is not None else None,
            params=params or None,
        )

    async def create_profile(self, user: User, username: str | None = None, **data: Any) -> str:
        body = {"target_profile": username or new_username(), "is_competitor": False, **data}
        response = await self.call("POST", "create_task", user, data=body)
        assert response.status_code == 200, response.text
        return str(response.json()["response"]["task_id"])

    async def create_reel(self, user: User, project: str, shortcode: str | None = None) -> str:
        code = shortcode or f"C{uuid.uuid4().hex[:10]}"
        body = {"project_name": project, "reel_url": f"https://www.instagram.com/reels/{code}/"}
        response = await self.call("POST", "create_reel_task", user, data=body)
        assert response.status_code == 200, response.text
        return str(response.json()["response"]["task_id"])

    async def status(self, user: User, task_id: str, **params: Any) -> dict[str, Any]:
        response = await self.call("GET", "task_status", user, task_id, **params)
        assert response.status_code == 200, response.text
        return dict(response.json()["response"])

    async def wait_idle(
        self, user: User, task_id: str, timeout: float = 30, poll: float = 0.1
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = await self.status(user, task_id)
            if not status["is_processing"]:
                return status
            await asyncio.sleep(poll)
        raise AssertionError(f"task {task_id} still processing after {timeout}s")
