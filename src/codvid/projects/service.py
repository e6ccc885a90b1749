"""Projects (contract 2.4, 3.2): the caller's named workspaces.

What other packages keep inside a project (reel tasks) is joined, and deleted with it,
by :mod:`codvid.workspace`, so projects knows nothing of them.
"""

from __future__ import annotations

from typing import cast

from codvid.errors import ProjectError
from codvid.kit.clock import day_month_year, now
from codvid.kit.ids import new_id
from codvid.projects.documents import CHATS, PROJECTS, ProjectDocument
from codvid.storage import DuplicateKeyError, Store
from codvid.storage.versioned import VersionedFields

INITIAL_MOD_COUNT = 1
NOT_EXISTS = "Project not exists."


async def list_names(store: Store, user_id: str) -> list[str]:
    """Names in creation order: clients open the last one as the newest (CR-14)."""
    projects = await store.collection(PROJECTS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)], projection=["name"]
    )
    return [project["name"] for project in projects]


async def create(store: Store, user_id: str, name: str) -> ProjectDocument:
    created = now()
    project: ProjectDocument = {
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
        await store.collection(PROJECTS).insert_one(dict(project))
    except DuplicateKeyError:
        raise ProjectError("Project already exists") from None
    return project


async def get(
    store: Store, user_id: str, name: str, *, missing: str = NOT_EXISTS
) -> ProjectDocument:
    """The caller's project by name; someone else's is as missing as a wrong name."""
    project = await store.collection(PROJECTS).find_one({"user_id": user_id, "name": name})
    if project is None:
        raise ProjectError(missing)
    return cast(ProjectDocument, project)


async def list_for_user(store: Store, user_id: str) -> list[ProjectDocument]:
    found = await store.collection(PROJECTS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)]
    )
    return cast(list[ProjectDocument], found)


async def mod_count(store: Store, user_id: str, name: str) -> int:
    project = await store.collection(PROJECTS).find_one(
        {"user_id": user_id, "name": name}, projection=["mod_count"]
    )
    if project is None:
        raise ProjectError(NOT_EXISTS)
    return int(project["mod_count"])


async def delete(store: Store, project_id: str) -> None:
    """The project and its chats (what other packages keep in it is deleted first)."""
    await store.collection(CHATS).delete_many({"project_id": project_id})
    await store.collection(PROJECTS).delete_one({"_id": project_id})


async def bump_mod_count(store: Store, project_id: str) -> int | None:
    """Add 1 to ``mod_count`` so clients know to reload (contract 2.4.6 and 7.2): per
    streamed chunk of an assistant turn, and per server-side change to a reel task or its
    results. The new count; ``None`` if the project is gone."""
    bumped = await store.collection(PROJECTS).find_one_and_update(
        {"_id": project_id}, {"$inc": {"mod_count": 1}}, projection=["mod_count"]
    )
    return None if bumped is None else int(bumped["mod_count"])


def notes_and_info(store: Store, project_id: str) -> VersionedFields:
    """The project's ``ai_memory`` and ``project_info``, for rewriting under optimistic
    concurrency (the assistant's data_mods)."""
    return VersionedFields(store.collection(PROJECTS), project_id, ("ai_memory", "project_info"))
