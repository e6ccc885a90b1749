"""Profile tracking tasks, under their update 6 and update 8 names."""

from __future__ import annotations

from typing import Annotated

from codvid.api.deps import StoreDep, envelope
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.tracking import profiles, views
from codvid.tracking.endpoints.router import DUPLICATE, NOT_FOUND, router
from codvid.tracking.schemas import (
    Message,
    ProfileTaskCreate,
    ProfileTaskDetails,
    ProfileTaskList,
    ProfileTaskUpdate,
    TaskCreated,
)

# ---- profile tasks ------------------------------------------------------------------


@route(
    router,
    ["/create_task", "/create_profile_tracking_task"],
    ["POST"],
    responses=DUPLICATE,
    summary="Track an Instagram profile",
    description=(
        "Starts tracking a profile (yours, or a competitor's with `is_competitor: true`), "
        "scraped every `scrape_interval_days` (0.5 to 30, default 2); answers `task_id`, "
        "`message` `Instagram tracking task created successfully`, the stored (lowercase, "
        "without `@`) `target_profile` and `next_scrape_due`. Needs "
        "`Authorization: Bearer <token>`; the body is `ProfileTaskCreate` in the envelope. "
        "A bad username is 400 `Invalid target_profile: Invalid Instagram username format`, "
        "an interval out of range 400 `Invalid scrape_interval_days: must be a number from "
        "0.5 to 30`, the same profile twice for one user 409 `A tracking task for this "
        "profile already exists`. `create_task` is the update 6 name and "
        "`create_profile_tracking_task` the update 8 name of the same route."
    ),
)
async def create_task(
    data: Annotated[ProfileTaskCreate, envelope(ProfileTaskCreate)],
    user: CurrentUser,
    store: StoreDep,
) -> Ok[TaskCreated]:
    task = await profiles.create(store, user["_id"], data)
    return Ok(
        response=TaskCreated(
            task_id=task["_id"],
            message="Instagram tracking task created successfully",
            target_profile=task["target_profile"],
            next_scrape_due=task["next_scrape_due"],
        )
    )


@route(
    router,
    ["/get_tasks", "/get_profile_tracking_tasks"],
    ["GET"],
    summary="The caller's profile tasks",
    description=(
        "Lists the caller's profile tracking tasks, oldest first, as `response.tasks` (each "
        "without its scraped data; read that with `get_task`) with `total_tasks`. Needs "
        "`Authorization: Bearer <token>` (401 without a valid one); no body. `get_tasks` is "
        "the update 6 name and `get_profile_tracking_tasks` the update 8 name of the same "
        "route."
    ),
)
async def get_tasks(user: CurrentUser, store: StoreDep) -> Ok[ProfileTaskList]:
    tasks = [views.profile_summary(t) for t in await profiles.list_for_user(store, user["_id"])]
    return Ok(response=ProfileTaskList(tasks=tasks, total_tasks=len(tasks)))


@route(
    router,
    ["/get_task/{task_id}", "/get_profile_tracking_task/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="A profile task with its scraped data",
    description=(
        "Answers the profile task as `response.task`: its settings and "
        "`target_profile_data` (the profile, its recent posts with metrics, top comments "
        "labelled with sentiment; `is_demo: true` from the demo provider). For update 6 "
        "readers `target_profile`, `is_competitor`, `status` and `target_profile_data` are "
        "repeated at `response` level. Needs `Authorization: Bearer <token>`; no body. A "
        "profile task that is missing or another user's is 404 `Task not found or access "
        "denied`. `get_task` is the update 6 name and `get_profile_tracking_task` the update "
        "8 name of the same route."
    ),
)
async def get_task(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[ProfileTaskDetails]:
    task = views.profile_task(await profiles.get(store, user["_id"], task_id))
    return Ok(
        response=ProfileTaskDetails(
            task=task,
            target_profile=task.target_profile,
            is_competitor=task.is_competitor,
            status=task.status,
            target_profile_data=task.target_profile_data,
        )
    )


@route(
    router,
    ["/update_task/{task_id}", "/update_profile_tracking_task/{task_id}"],
    ["PUT"],
    responses=NOT_FOUND,
    summary="Change a profile task",
    description=(
        "Changes `is_competitor` and/or `status` (`active`, or `paused`: the scheduler skips "
        "it) of a profile task and answers `response.message` `Tracking task updated "
        "successfully`. Needs `Authorization: Bearer <token>`; the body is "
        "`ProfileTaskUpdate` in the envelope. Neither field given is 400 `No updatable "
        "fields provided`; a profile task that is missing or another user's is 404 `Task "
        "not found or access denied`. `update_task` is the update 6 name and "
        "`update_profile_tracking_task` the update 8 name of the same route."
    ),
)
async def update_task(
    task_id: str,
    data: Annotated[ProfileTaskUpdate, envelope(ProfileTaskUpdate)],
    user: CurrentUser,
    store: StoreDep,
) -> Ok[Message]:
    await profiles.update(store, user["_id"], task_id, data)
    return Ok(response=Message(message="Tracking task updated successfully"))


@route(
    router,
    ["/delete_task/{task_id}", "/delete_profile_tracking_task/{task_id}"],
    ["DELETE"],
    responses=NOT_FOUND,
    summary="Stop tracking a profile",
    description=(
        "Deletes the profile task with its runs, events and history, and answers "
        "`response.message` `Tracking task deleted successfully`; a run in flight writes "
        "nothing. Needs `Authorization: Bearer <token>`; no body. A profile task that is "
        "missing or another user's is 404 `Task not found or access denied`. `delete_task` "
        "is the update 6 name and `delete_profile_tracking_task` the update 8 name of the "
        "same route."
    ),
)
async def delete_task(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[Message]:
    await profiles.delete(store, user["_id"], task_id)
    return Ok(response=Message(message="Tracking task deleted successfully"))
