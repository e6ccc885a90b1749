"""The ``users`` collection: one document per account (contract 3.1)."""

from __future__ import annotations

from typing import Any, TypedDict

from codvid.storage import IndexSpec

USERS = "users"
INDEXES = {USERS: [IndexSpec("email", (("profile.email", 1),), unique=True)]}


class AuthMethod(TypedDict):
    method: str
    password_hash: str


class UserProfile(TypedDict):
    email: str


class GlobalData(TypedDict):
    """What the assistant keeps about the user across projects."""

    ai_memory: dict[str, Any]
    video_reflections: dict[str, Any]


class UserDocument(TypedDict):
    _id: str
    schema_version: str
    profile: UserProfile
    auth_methods: list[AuthMethod]
    global_data: GlobalData
    created_at: float
