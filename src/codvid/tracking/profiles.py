"""Profile tracking tasks (contract 2.6, 3.3)."""

from __future__ import annotations

from codvid.errors import BadRequest, Conflict
from codvid.jobs.cleanup import forget_task
from codvid.storage import Document, DuplicateKeyError, Store
from codvid.tracking.collections import PROFILE_TASKS, new_task
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.schemas import ProfileTaskCreate, ProfileTaskUpdate
from codvid.tracking.views import EMPTY_PROFILE_DATA


class DuplicateProfileTask(Conflict):
    message = "A tracking task for this profile already exists"


async def create(store: Store, user_id: str, data: ProfileTaskCreate) -> Document:
    task = {
        **new_task("profile_tracking", user_id, data.scrape_interval_days),
        "target_profile": data.target_profile,
        "is_competitor": data.is_competitor,
        "target_profile_data": dict(EMPTY_PROFILE_DATA),
    }
    try:
        await store.collection(PROFILE_TASKS).insert_one(task)
    except DuplicateKeyError:
        raise DuplicateProfileTask() from None
    return task


async def list_for_user(store: Store, user_id: str) -> list[Document]:
    return await store.collection(PROFILE_TASKS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)]
    )


async def get(store: Store, user_id: str, task_id: str) -> Document:
    task = await store.collection(PROFILE_TASKS).find_one({"_id": task_id, "user_id": user_id})
    if task is None:
        raise TaskNotFound()
    return task


async def update(store: Store, user_id: str, task_id: str, data: ProfileTaskUpdate) -> None:
    changes = data.model_dump(exclude_none=True)
    if not changes:
        raise BadRequest("No updatable fields provided")
    matched = await store.collection(PROFILE_TASKS).update_one(
        {"_id": task_id, "user_id": user_id}, {"$set": changes}
    )
    if not matched:
        raise TaskNotFound()


async def delete(store: Store, user_id: str, task_id: str) -> None:
    if not await store.collection(PROFILE_TASKS).delete_one({"_id": task_id, "user_id": user_id}):
        raise TaskNotFound()
    await forget_task(store, task_id)


async def delete_all(store: Store, user_id: str) -> None:
    for task in await list_for_user(store, user_id):
        await forget_task(store, task["_id"])
    await store.collection(PROFILE_TASKS).delete_many({"user_id": user_id})
