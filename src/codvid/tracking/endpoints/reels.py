"""Reel tracking tasks, inside a project."""

from __future__ import annotations

from typing import Annotated

from codvid.api.deps import StoreDep, envelope
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.tracking import reels, views
from codvid.tracking.endpoints.router import DUPLICATE, NOT_FOUND, router
from codvid.tracking.schemas import (
    Message,
    ProjectReels,
    ReelTaskCreate,
    ReelTaskDetails,
    ReelTaskList,
    TaskCreated,
)

# ---- reel tasks ---------------------------------------------------------------------


@route(
    router,
    ["/create_reel_task"],
    ["POST"],
    responses=DUPLICATE,
    summary="Track a reel inside a project",
    description=(
        "Starts tracking a reel (`reel_url`: `https://(www.)instagram.com/{reel|reels|p}/"
        "<shortcode>/`) inside one of the caller's projects, scraped every "
        "`scrape_interval_days` (0.5 to 30, default 2); answers `response.task_id` and "
        "`message` `Instagram reel tracking task created successfully`. Needs "
        "`Authorization: Bearer <token>`; the body is `ReelTaskCreate` in the envelope. A bad "
        "URL is 400 `Invalid reel_url: Invalid Instagram reel URL format`, a `reel_id` other "
        "than the URL's shortcode 400, an unknown project 400 `Project not exists.`, the same "
        "reel twice in one project 409 `A tracking task for this reel already exists`."
    ),
)
async def create_reel_task(
    data: Annotated[ReelTaskCreate, envelope(ReelTaskCreate)], user: CurrentUser, store: StoreDep
) -> Ok[TaskCreated]:
    task = await reels.create(store, user["_id"], data)
    return Ok(
        response=TaskCreated(
            task_id=task["_id"], message="Instagram reel tracking task created successfully"
        )
    )


@route(
    router,
    ["/get_project_reel_tasks"],
    ["POST", "GET"],
    summary="A project's reel tasks",
    description=(
        "Lists the reel tracking tasks of one of the caller's projects, oldest first, with "
        "their scraped data, as `response.tasks` with `total_tasks`. Needs "
        "`Authorization: Bearer <token>`; the body is `ProjectReels` in the envelope (GET "
        "reads it too). An unknown project, or another user's, is 400 `Project not exists.`."
    ),
)
async def get_project_reel_tasks(
    data: Annotated[ProjectReels, envelope(ProjectReels)], user: CurrentUser, store: StoreDep
) -> Ok[ReelTaskList]:
    tasks = await reels.list_for_project(store, user["_id"], data.project_name)
    shown = [views.reel_task(t) for t in tasks]
    return Ok(response=ReelTaskList(tasks=shown, total_tasks=len(shown)))


@route(
    router,
    ["/get_reel_tracking_task/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="A reel task with its scraped data",
    description=(
        "Answers the reel task as `response.task`: its settings, project and `reel_data` "
        "(views, plays, likes, top comments labelled with sentiment; empty until the first "
        "successful scrape). Needs "
        "`Authorization: Bearer <token>`; no body. A reel task that is missing or another "
        "user's is 404 `Task not found or access denied`."
    ),
)
async def get_reel_tracking_task(
    task_id: str, user: CurrentUser, store: StoreDep
) -> Ok[ReelTaskDetails]:
    task = await reels.get(store, user["_id"], task_id)
    return Ok(response=ReelTaskDetails(task=views.reel_task(task)))


@route(
    router,
    ["/delete_reel_task/{task_id}"],
    ["DELETE"],
    responses=NOT_FOUND,
    summary="Stop tracking a reel",
    description=(
        "Deletes the reel task with its runs, events and history (its project's `mod_count` "
        "goes up) and answers `response.message` `Reel tracking task deleted successfully`. "
        "Needs `Authorization: Bearer <token>`; no body. A reel task that is missing or "
        "another user's is 404 `Task not found or access denied`."
    ),
)
async def delete_reel_task(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[Message]:
    await reels.delete(store, user["_id"], task_id)
    return Ok(response=Message(message="Reel tracking task deleted successfully"))
