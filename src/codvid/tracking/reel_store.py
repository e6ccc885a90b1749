"""Reel tasks as parts of a project: what the project routes need, without the project
lookups of :mod:`codvid.tracking.reels` (which depends on the projects service)."""

from __future__ import annotations

from codvid.jobs.cleanup import forget_task
from codvid.storage import Document, Store
from codvid.tracking.collections import REEL_TASKS


async def for_project(store: Store, project_id: str) -> list[Document]:
    return await store.collection(REEL_TASKS).find(
        {"project_id": project_id}, sort=[("created_at", 1), ("_id", 1)]
    )


async def delete_for_project(store: Store, project_id: str) -> None:
    for task in await for_project(store, project_id):
        await forget_task(store, task["_id"])
    await store.collection(REEL_TASKS).delete_many({"project_id": project_id})
