"""Tracking routes under both their update 6 and update 8 names (contract 2.6-2.10, CR-2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from codvid.api.deps import EnqueueDep, StoreDep, envelope
from codvid.api.envelope import ErrorBody, Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.tracking import profiles, reels, service, views
from codvid.tracking.schemas import (
    IntervalUpdate,
    Message,
    ProfileTaskCreate,
    ProfileTaskDetails,
    ProfileTaskList,
    ProfileTaskUpdate,
    ProjectReels,
    ReelTaskCreate,
    ReelTaskDetails,
    ReelTaskList,
    ScrapeStarted,
    SentimentBody,
    TaskCreated,
    TaskStatusBody,
)

router = APIRouter(prefix="/ig-tracking", tags=["ig-tracking"])
NOT_FOUND = {404: {"model": ErrorBody, "description": "Task not found or access denied"}}
BUSY = {409: {"model": ErrorBody, "description": "Task is already being processed"}}
DUPLICATE = {409: {"model": ErrorBody, "description": "Already tracked"}}


# ---- the routes clients poll and hit hardest come first: routes match in order


@route(
    router,
    ["/task_status/{task_id}", "/profile_tracking_task_status/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
)
async def task_status(
    task_id: str,
    user: CurrentUser,
    store: StoreDep,
    logs_count: Annotated[int, Query(description="How many latest log entries (1-100)")] = 10,
) -> Ok[TaskStatusBody]:
    body = await service.status(store, user["_id"], task_id, logs_count)
    return Ok(response=TaskStatusBody.model_validate(body))


@route(
    router,
    ["/force_scrape/{task_id}", "/force_scrape_profile_tracking_task/{task_id}"],
    ["POST"],
    responses={**NOT_FOUND, **BUSY},
)
async def force_scrape(
    task_id: str, user: CurrentUser, store: StoreDep, enqueue: EnqueueDep
) -> ScrapeStarted:
    await service.force_scrape(store, enqueue, "profile", user["_id"], task_id)
    return ScrapeStarted(message="Task scraping initiated successfully", task_id=task_id)


@route(router, ["/force_scrape_reel/{task_id}"], ["POST"], responses={**NOT_FOUND, **BUSY})
async def force_scrape_reel(
    task_id: str, user: CurrentUser, store: StoreDep, enqueue: EnqueueDep
) -> ScrapeStarted:
    await service.force_scrape(store, enqueue, "reel", user["_id"], task_id)
    return ScrapeStarted(
        message="Reel tracking task scraping initiated successfully", task_id=task_id
    )


# ---- profile tasks ------------------------------------------------------------------


@route(router, ["/create_task", "/create_profile_tracking_task"], ["POST"], responses=DUPLICATE)
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


@route(router, ["/get_tasks", "/get_profile_tracking_tasks"], ["GET"])
async def get_tasks(user: CurrentUser, store: StoreDep) -> Ok[ProfileTaskList]:
    tasks = [views.profile_summary(t) for t in await profiles.list_for_user(store, user["_id"])]
    return Ok(response=ProfileTaskList(tasks=tasks, total_tasks=len(tasks)))


@route(
    router,
    ["/get_task/{task_id}", "/get_profile_tracking_task/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
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
)
async def delete_task(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[Message]:
    await profiles.delete(store, user["_id"], task_id)
    return Ok(response=Message(message="Tracking task deleted successfully"))


# ---- either kind --------------------------------------------------------------------


@route(
    router,
    ["/update_scrape_interval/{task_id}", "/update_profile_tracking_scrape_interval/{task_id}"],
    ["PUT", "POST"],
    responses=NOT_FOUND,
)
async def update_scrape_interval(
    task_id: str,
    data: Annotated[IntervalUpdate, envelope(IntervalUpdate)],
    user: CurrentUser,
    store: StoreDep,
) -> Ok[Message]:
    days = data.scrape_interval_days
    await service.set_interval(store, user["_id"], task_id, days)
    return Ok(
        response=Message(
            message=f"Scrape interval for task {task_id} updated to {days:g} "
            f"{'day' if days == 1 else 'days'}."
        )
    )


@route(router, ["/sentiment_summary/{task_id}"], ["GET"], responses=NOT_FOUND)
async def sentiment_summary(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[SentimentBody]:
    summary = await service.sentiment(store, user["_id"], task_id)
    return Ok(response=SentimentBody(sentiment_summary=summary))


# ---- reel tasks ---------------------------------------------------------------------


@route(router, ["/create_reel_task"], ["POST"], responses=DUPLICATE)
async def create_reel_task(
    data: Annotated[ReelTaskCreate, envelope(ReelTaskCreate)], user: CurrentUser, store: StoreDep
) -> Ok[TaskCreated]:
    task = await reels.create(store, user["_id"], data)
    return Ok(
        response=TaskCreated(
            task_id=task["_id"], message="Instagram reel tracking task created successfully"
        )
    )


@route(router, ["/get_project_reel_tasks"], ["POST", "GET"])
async def get_project_reel_tasks(
    data: Annotated[ProjectReels, envelope(ProjectReels)], user: CurrentUser, store: StoreDep
) -> Ok[ReelTaskList]:
    tasks = await reels.list_for_project(store, user["_id"], data.project_name)
    shown = [views.reel_task(t) for t in tasks]
    return Ok(response=ReelTaskList(tasks=shown, total_tasks=len(shown)))


@route(router, ["/get_reel_tracking_task/{task_id}"], ["GET"], responses=NOT_FOUND)
async def get_reel_tracking_task(
    task_id: str, user: CurrentUser, store: StoreDep
) -> Ok[ReelTaskDetails]:
    task = await reels.get(store, user["_id"], task_id)
    return Ok(response=ReelTaskDetails(task=views.reel_task(task)))


@route(router, ["/delete_reel_task/{task_id}"], ["DELETE"], responses=NOT_FOUND)
async def delete_reel_task(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[Message]:
    await reels.delete(store, user["_id"], task_id)
    return Ok(response=Message(message="Reel tracking task deleted successfully"))
