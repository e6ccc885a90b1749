"""A project's chat messages, oldest first (see :mod:`.documents`)."""

from __future__ import annotations

from typing import Any

from codvid.errors import ProjectError
from codvid.kit.ids import new_id
from codvid.projects.documents import CHATS, PROJECTS, ChatDocument
from codvid.projects.service import NOT_EXISTS
from codvid.storage import Store

CHAT_SEQ = "chat_seq"


async def messages(store: Store, project_id: str) -> list[dict[str, Any]]:
    stored = await store.collection(CHATS).find(
        {"project_id": project_id}, sort=[("seq", 1)], projection=["message"]
    )
    return [chat["message"] for chat in stored]


async def append(store: Store, user_id: str, project_id: str, message: dict[str, Any]) -> None:
    counted = await store.collection(PROJECTS).find_one_and_update(
        {"_id": project_id}, {"$inc": {CHAT_SEQ: 1}}, projection=[CHAT_SEQ]
    )
    if counted is None:
        raise ProjectError(NOT_EXISTS)
    chat: ChatDocument = {
        "_id": new_id(),
        "project_id": project_id,
        "user_id": user_id,
        "seq": counted[CHAT_SEQ],
        "message": message,
    }
    await store.collection(CHATS).insert_one(dict(chat))
