"""User documents (contract 3.1). Services take the store as an argument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codvid.errors import BadRequest
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.projects import service as projects
from codvid.storage import Document, DuplicateKeyError, IndexSpec, Store
from codvid.tracking import profiles

USERS = "users"
INDEXES = {USERS: [IndexSpec("email", (("profile.email", 1),), unique=True)]}


class EmailTaken(BadRequest):
    message = "Email is already linked to an account"


async def create_user(store: Store, email: str, password_hash: str) -> Document:
    user: dict[str, Any] = {
        "_id": new_id(),
        "schema_version": "1.2",
        "profile": {"email": email},
        "auth_methods": [{"method": "password", "password_hash": password_hash}],
        "global_data": {"ai_memory": {}, "video_reflections": {}},
        "created_at": now(),
    }
    try:
        await store.collection(USERS).insert_one(user)
    except DuplicateKeyError:
        raise EmailTaken() from None
    return user


async def get_user(
    store: Store, user_id: str, fields: Sequence[str] | None = None
) -> Document | None:
    """The user document, or only ``fields`` of it (``_id`` always comes)."""
    return await store.collection(USERS).find_one({"_id": user_id}, projection=fields)


async def find_by_email(store: Store, email: str) -> Document | None:
    return await store.collection(USERS).find_one({"profile.email": email})


def password_hash(user: Document) -> str | None:
    for method in user.get("auth_methods", []):
        if method.get("method") == "password":
            return str(method["password_hash"])
    return None


async def delete_account(store: Store, user_id: str) -> None:
    """Remove everything the user owns, then the user (so a retry after a crash
    finishes the job; the token stops working once the user document is gone)."""
    await profiles.delete_all(store, user_id)
    await projects.delete_all(store, user_id)
    await store.collection(USERS).delete_one({"_id": user_id})
