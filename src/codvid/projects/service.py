"""Projects (contract 2.4, 3.2), one document each, unique by (user, name).

The contract nests projects in the user document keyed by name; names are free text
(dots, ``$``, spaces), which cannot be document keys in MongoDB, so each project is its
own document and the nested view is assembled when read.
"""

from __future__ import annotations

from typing import Any

from codvid.errors import ProjectError
from codvid.kit.clock import day_month_year, now
from codvid.kit.ids import new_id
from codvid.storage import Document, DuplicateKeyError, IndexSpec, Store
from codvid.tracking import reel_store, views

PROJECTS = "projects"
CHATS = "chat_messages"
INDEXES = {
    PROJECTS: [
        IndexSpec("owner_name", (("user_id", 1), ("name", 1)), unique=True),
        IndexSpec("owner_created", (("user_id", 1), ("created_at", 1))),
    ],
    CHATS: [IndexSpec("project_seq", (("project_id", 1), ("seq", 1)))],
}
INITIAL_MOD_COUNT = 1
NOT_EXISTS = "Project not exists."


async def list_names(store: Store, user_id: str) -> list[str]:
    """Names in creation order: clients open the last one as the newest (CR-14)."""
    projects = await store.collection(PROJECTS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)]
    )
    return [project["name"] for project in projects]


async def create(store: Store, user_id: str, name: str) -> None:
    created = now()
    project: dict[str, Any] = {
        "_id": new_id(),
        "user_id": user_id,
        "name": name,
        "schema_version": "1.0",
        "mod_count": INITIAL_MOD_COUNT,
        "date": day_month_year(created),
        "project_info": {"description": "", "keywords": []},
        "ai_memory": {},
        "created_at": created,
    }
    try:
        await store.collection(PROJECTS).insert_one(project)
    except DuplicateKeyError:
        raise ProjectError("Project already exists") from None


async def get(store: Store, user_id: str, name: str, *, missing: str = NOT_EXISTS) -> Document:
    """The caller's project by name; someone else's is as missing as a wrong name."""
    project = await store.collection(PROJECTS).find_one({"user_id": user_id, "name": name})
    if project is None:
        raise ProjectError(missing)
    return project


async def get_data(store: Store, user_id: str, name: str) -> dict[str, Any]:
    project = await get(store, user_id, name)
    return {
        "schema_version": project["schema_version"],
        "mod_count": project["mod_count"],
        "date": project["date"],
        "project_info": project["project_info"],
        "ai_memory": project["ai_memory"],
        "chats": await chats(store, project["_id"]),
        "reel_tracking_tasks": [
            views.reel_task(task) for task in await reel_store.for_project(store, project["_id"])
        ],
    }


async def mod_count(store: Store, user_id: str, name: str) -> int:
    return int((await get(store, user_id, name))["mod_count"])


async def delete(store: Store, user_id: str, name: str) -> None:
    project = await get(store, user_id, name, missing="Project not found")
    await _delete_contents(store, project["_id"])
    await store.collection(PROJECTS).delete_one({"_id": project["_id"]})


async def delete_all(store: Store, user_id: str) -> None:
    for project in await store.collection(PROJECTS).find({"user_id": user_id}):
        await _delete_contents(store, project["_id"])
    await store.collection(PROJECTS).delete_many({"user_id": user_id})


async def _delete_contents(store: Store, project_id: str) -> None:
    await reel_store.delete_for_project(store, project_id)
    await store.collection(CHATS).delete_many({"project_id": project_id})


async def chats(store: Store, project_id: str) -> list[dict[str, Any]]:
    """The project's chat messages, oldest first."""
    stored = await store.collection(CHATS).find({"project_id": project_id}, sort=[("seq", 1)])
    return [chat["message"] for chat in stored]


async def bump_mod_count(store: Store, project_id: str) -> int | None:
    """Add 1 to ``mod_count`` so clients know to reload (contract 2.4.6 and 7.2): per
    streamed chunk of an assistant turn, and per server-side change to a reel task or its
    results. The new count; ``None`` if the project is gone."""
    bumped = await store.collection(PROJECTS).find_one_and_update(
        {"_id": project_id}, {"$inc": {"mod_count": 1}}, projection=["mod_count"]
    )
    return None if bumped is None else int(bumped["mod_count"])
