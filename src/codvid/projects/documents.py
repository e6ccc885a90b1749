"""The ``projects`` and ``chat_messages`` collections.

The contract nests projects in the user document keyed by name; names are free text
(dots, ``$``, spaces), which cannot be document keys in MongoDB, so each project is its
own document, unique by (user, name), and the nested view is assembled when read. Chat
messages are documents of their own, numbered by an atomic counter on the project
(``chat_seq``), so appending never rewrites the conversation.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from codvid.storage import IndexSpec

PROJECTS = "projects"
CHATS = "chat_messages"
INDEXES = {
    PROJECTS: [
        IndexSpec("owner_name", (("user_id", 1), ("name", 1)), unique=True),
        IndexSpec("owner_created", (("user_id", 1), ("created_at", 1))),
    ],
    CHATS: [IndexSpec("project_seq", (("project_id", 1), ("seq", 1)))],
}


class ProjectInfo(TypedDict):
    description: str
    keywords: list[str]


class ProjectDocument(TypedDict):
    _id: str
    user_id: str
    name: str
    schema_version: str
    mod_count: int
    date: str
    project_info: ProjectInfo
    ai_memory: dict[str, Any]
    created_at: float
    chat_seq: NotRequired[int]
    data_version: NotRequired[int]


class ChatDocument(TypedDict):
    _id: str
    project_id: str
    user_id: str
    seq: int
    message: dict[str, Any]
    """The message object exactly as the client keeps it (role, type, text, ...)."""
