"""Test data with keyword overrides, and a thin client for the API's envelope."""

from __future__ import annotations

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
    http: httpx.Client

    def signup(self, **overrides: Any) -> User:
        data = credentials(**overrides)
        response = self.http.post("/codvid-ai/auth/signup", json=envelope(data))
        assert response.status_code == 201, response.text
        body = response.json()
        return User(data["email"].lower(), body["token"], body["user_id"])

    def call(
        self, method: str, path: str, user: User | None = None, data: dict[str, Any] | None = None
    ) -> httpx.Response:
        return self.http.request(
            method,
            f"/codvid-ai/{path}",
            headers=user.headers if user else None,
            json=envelope(data) if data is not None else None,
        )

    def create_project(self, user: User, name: str | None = None) -> str:
        name = name or f"project {uuid.uuid4().hex[:8]}"
        response = self.call("POST", "project/create-project", user, {"project_name": name})
        assert response.status_code == 200, response.text
        return name
