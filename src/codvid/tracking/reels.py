"""Reel tracking tasks, each inside a project of its owner (contract 2.7, 3.5)."""

from __future__ import annotations

from typing import cast

from codvid.errors import BadRequest, Conflict
from codvid.projects import service as projects
from codvid.storage import DuplicateKeyError, Store
from codvid.tracking.documents import REEL_TASKS, ReelTaskDocument, new_task
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.schemas import ReelTaskCreate
from codvid.tracking.service import forget_task
from codvid.tracking.validation import reel_shortcode


class DuplicateReelTask(Conflict):
    message = "A tracking task for this reel already exists"


async def create(store: Store, user_id: str, data: ReelTaskCreate) -> ReelTaskDocument:
    project = await projects.get(store, user_id, data.project_name)
    shortcode = reel_shortcode(data.reel_url)
    if data.reel_id is not None and data.reel_id != shortcode:
        raise BadRequest("Invalid reel_id: does not match the shortcode in reel_url")
    task: ReelTaskDocument = {
        **new_task(user_id, data.scrape_interval_days),
        "task_type": "reel_tracking",
        "project_id": project["_id"],
        "project_name": project["name"],
        "reel_url": data.reel_url,
        "reel_id": shortcode,
        "reel_data": {},
    }
    try:
        await store.collection(REEL_TASKS).insert_one(dict(task))
    except DuplicateKeyError:
        raise DuplicateReelTask() from None
    await projects.bump_mod_count(store, project["_id"])
    return task


async def for_project(store: Store, project_id: str) -> list[ReelTaskDocument]:
    """The reel tasks of a project, oldest first (the caller checked the project is the
    user's)."""
    found = await store.collection(REEL_TASKS).find(
        {"project_id": project_id}, sort=[("created_at", 1), ("_id", 1)]
    )
    return cast(list[ReelTaskDocument], found)


async def list_for_project(store: Store, user_id: str, project_name: str) -> list[ReelTaskDocument]:
    project = await projects.get(store, user_id, project_name)
    return await for_project(store, project["_id"])


async def list_for_user(store: Store, user_id: str) -> list[ReelTaskDocument]:
    """Every reel task of the user, across projects, oldest first."""
    found = await store.collection(REEL_TASKS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)]
    )
    return cast(list[ReelTaskDocument], found)


async def get(store: Store, user_id: str, task_id: str) -> ReelTaskDocument:
    task = await store.collection(REEL_TASKS).find_one({"_id": task_id, "user_id": user_id})
    if task is None:
        raise TaskNotFound()
    return cast(ReelTaskDocument, task)


async def delete(store: Store, user_id: str, task_id: str) -> None:
    task = await get(store, user_id, task_id)
    await store.collection(REEL_TASKS).delete_one({"_id": task_id})
    await forget_task(store, task_id)
    await projects.bump_mod_count(store, task["project_id"])


async def delete_for_project(store: Store, project_id: str) -> None:
    """Every reel task of a project that is being deleted, with its runs and history."""
    for task in await store.collection(REEL_TASKS).find({"project_id": project_id}, projection=[]):
        await forget_task(store, task["_id"])
    await store.collection(REEL_TASKS).delete_many({"project_id": project_id})
