"""Reel tracking tasks, each inside a project of its owner (contract 2.7, 3.5)."""

from __future__ import annotations

from codvid.errors import BadRequest, Conflict
from codvid.jobs.cleanup import forget_task
from codvid.projects import service as projects
from codvid.storage import Document, DuplicateKeyError, Store
from codvid.tracking import reel_store
from codvid.tracking.collections import REEL_TASKS, new_task
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.schemas import ReelTaskCreate
from codvid.tracking.validation import reel_shortcode


class DuplicateReelTask(Conflict):
    message = "A tracking task for this reel already exists"


async def create(store: Store, user_id: str, data: ReelTaskCreate) -> Document:
    project = await projects.get(store, user_id, data.project_name)
    shortcode = reel_shortcode(data.reel_url)
    if data.reel_id is not None and data.reel_id != shortcode:
        raise BadRequest("Invalid reel_id: does not match the shortcode in reel_url")
    task = {
        **new_task("reel_tracking", user_id, data.scrape_interval_days),
        "project_id": project["_id"],
        "project_name": project["name"],
        "reel_url": data.reel_url,
        "reel_id": shortcode,
        "reel_data": {},
    }
    try:
        await store.collection(REEL_TASKS).insert_one(task)
    except DuplicateKeyError:
        raise DuplicateReelTask() from None
    await projects.bump_mod_count(store, project["_id"])
    return task


async def list_for_project(store: Store, user_id: str, project_name: str) -> list[Document]:
    project = await projects.get(store, user_id, project_name)
    return await reel_store.for_project(store, project["_id"])


async def get(store: Store, user_id: str, task_id: str) -> Document:
    task = await store.collection(REEL_TASKS).find_one({"_id": task_id, "user_id": user_id})
    if task is None:
        raise TaskNotFound()
    return task


async def delete(store: Store, user_id: str, task_id: str) -> None:
    task = await get(store, user_id, task_id)
    await store.collection(REEL_TASKS).delete_one({"_id": task_id})
    await forget_task(store, task_id)
    await projects.bump_mod_count(store, task["project_id"])
