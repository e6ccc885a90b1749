"""Profile tracking tasks (contract 2.6, 3.3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from codvid.errors import BadRequest, Conflict
from codvid.storage import DuplicateKeyError, Store
from codvid.tracking.documents import (
    EMPTY_PROFILE_DATA,
    PROFILE_TASKS,
    ProfileTaskDocument,
    new_task,
)
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.schemas import ProfileTaskCreate, ProfileTaskUpdate
from codvid.tracking.service import RELEASED, forget_task


class DuplicateProfileTask(Conflict):
    message = "A tracking task for this profile already exists"


async def create(store: Store, user_id: str, data: ProfileTaskCreate) -> ProfileTaskDocument:
    task: ProfileTaskDocument = {
        **new_task(user_id, data.scrape_interval_days),
        "task_type": "profile_tracking",
        "target_profile": data.target_profile,
        "is_competitor": data.is_competitor,
        "target_profile_data": {**EMPTY_PROFILE_DATA, "scraped_posts": []},
    }
    try:
        await store.collection(PROFILE_TASKS).insert_one(dict(task))
    except DuplicateKeyError:
        raise DuplicateProfileTask() from None
    return task


async def list_for_user(
    store: Store, user_id: str, *, fields: Sequence[str] | None = None, limit: int = 0
) -> list[ProfileTaskDocument]:
    """The caller's profile tasks, oldest first (only ``fields`` of each, when given; the
    first ``limit``, when given)."""
    found = await store.collection(PROFILE_TASKS).find(
        {"user_id": user_id}, sort=[("created_at", 1), ("_id", 1)], projection=fields, limit=limit
    )
    return cast(list[ProfileTaskDocument], found)


async def get(store: Store, user_id: str, task_id: str) -> ProfileTaskDocument:
    task = await store.collection(PROFILE_TASKS).find_one({"_id": task_id, "user_id": user_id})
    if task is None:
        raise TaskNotFound()
    return cast(ProfileTaskDocument, task)


async def update(store: Store, user_id: str, task_id: str, data: ProfileTaskUpdate) -> None:
    changes = data.model_dump(exclude_none=True)
    if not changes:
        raise BadRequest("No updatable fields provided")
    matched = await store.collection(PROFILE_TASKS).update_one(
        {"_id": task_id, "user_id": user_id}, {"$set": {**changes, **RELEASED}}
    )
    if not matched:
        raise TaskNotFound()


async def delete(store: Store, user_id: str, task_id: str) -> None:
    if not await store.collection(PROFILE_TASKS).delete_one({"_id": task_id, "user_id": user_id}):
        raise TaskNotFound()
    await forget_task(store, task_id)


async def delete_all(store: Store, user_id: str) -> None:
    for task in await store.collection(PROFILE_TASKS).find({"user_id": user_id}, projection=[]):
        await forget_task(store, task["_id"])
    await store.collection(PROFILE_TASKS).delete_many({"user_id": user_id})


OWNER_SEARCH_LIMIT = 500
"""Profile tasks of a user searched for a reel's owner (a user tracks far fewer)."""


async def owner_of_post(store: Store, user_id: str, shortcode: str) -> str | None:
    """The tracked profile of ``user_id`` among whose stored posts ``shortcode`` is."""
    tasks = await store.collection(PROFILE_TASKS).find(
        {"user_id": user_id},
        projection=["target_profile", "target_profile_data"],
        limit=OWNER_SEARCH_LIMIT,
    )
    for task in tasks:
        posts = task.get("target_profile_data", {}).get("scraped_posts", [])
        if any(post.get("post_id") == shortcode for post in posts):
            return str(task["target_profile"])
    return None
