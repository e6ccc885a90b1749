"""User accounts. Services take the store as an argument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from codvid.errors import BadRequest
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Document, DuplicateKeyError, Store
from codvid.storage.versioned import VersionedFields
from codvid.users.documents import USERS, UserDocument


class EmailTaken(BadRequest):
    message = "Email is already linked to an account"


async def create_user(store: Store, email: str, password_hash: str) -> UserDocument:
    user: UserDocument = {
        "_id": new_id(),
        "schema_version": "1.2",
        "profile": {"email": email},
        "auth_methods": [{"method": "password", "password_hash": password_hash}],
        "global_data": {"ai_memory": {}, "video_reflections": {}},
        "created_at": now(),
    }
    try:
        await store.collection(USERS).insert_one(dict(user))
    except DuplicateKeyError:
        raise EmailTaken() from None
    return user


async def get_user(
    store: Store, user_id: str, fields: Sequence[str] | None = None
) -> Document | None:
    """The user document, or only ``fields`` of it (``_id`` always comes)."""
    return await store.collection(USERS).find_one({"_id": user_id}, projection=fields)


async def find_by_email(store: Store, email: str) -> UserDocument | None:
    return cast(
        UserDocument | None, await store.collection(USERS).find_one({"profile.email": email})
    )


def password_hash(user: UserDocument) -> str | None:
    for method in user.get("auth_methods", []):
        if method.get("method") == "password":
            return str(method["password_hash"])
    return None


def global_data(store: Store, user_id: str) -> VersionedFields:
    """The user's ``global_data``, for rewriting under optimistic concurrency."""
    return VersionedFields(store.collection(USERS), user_id, ("global_data",))


async def delete_user(store: Store, user_id: str) -> None:
    """The account itself; what it owns elsewhere is deleted first (``workspace``)."""
    await store.collection(USERS).delete_one({"_id": user_id})
