"""The routes clients poll and hit hardest, task status and force scrapes, and those
that serve both kinds of task (the interval, the sentiment summary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from codvid.api.deps import EnqueueDep, StoreDep, envelope
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.tracking import service
from codvid.tracking.endpoints.router import BUDGET, BUSY, NOT_FOUND, ScrapingDep, router
from codvid.tracking.schemas import (
    ForceScrape,
    IntervalUpdate,
    Message,
    ScrapeStarted,
    SentimentBody,
    TaskStatusBody,
)

# ---- the routes clients poll and hit hardest come first: routes match in order


@route(
    router,
    ["/task_status/{task_id}", "/profile_tracking_task_status/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="A task's scrape progress",
    description=(
        "Answers the progress of a profile or reel task's current or last run: "
        "`is_processing`, its latest `logs_count` events (1-100, default 10) with "
        "`latest_event`, and once the task has run `status`, `started_at`, `updated_at` and "
        "`last_run` (`status`, `finished_at`, `error`). Clients poll it every 2 s until "
        "`is_processing` is false. Needs `Authorization: Bearer <token>`; no body. A task "
        "that is missing or another user's is 404 `Task not found or access denied`. "
        "`task_status` is the update 6 name and `profile_tracking_task_status` the update 8 "
        "name of the same route."
    ),
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
    responses={**NOT_FOUND, **BUSY, **BUDGET},
    summary="Scrape a profile task now",
    description=(
        "Starts a scrape of the profile task and answers at once, all at top level: "
        "`message` `Task scraping initiated successfully`, `task_id` and `status` "
        "`processing`; the run goes on in the background, read its progress from "
        "`task_status`. Needs `Authorization: Bearer <token>`; no body. A profile task that "
        "is missing or another user's is 404 `Task not found or access denied`; one with a "
        "run queued or processing is 409 `Task is already being processed` (of concurrent "
        "calls exactly one gets 200). An optional body `ForceScrape` with `full` true "
        "fetches every recent post's comments again (by default only those of new posts "
        "and posts whose comment count moved). When the caller's or the deployment's "
        "monthly scraping budget is spent the answer is 429 `Monthly scraping budget "
        "reached` with `Retry-After` (the month's end). `force_scrape` is the update 6 name "
        "and `force_scrape_profile_tracking_task` the update 8 name of the same route."
    ),
)
async def force_scrape(
    task_id: str,
    data: Annotated[ForceScrape, envelope(ForceScrape)],
    user: CurrentUser,
    store: StoreDep,
    enqueue: EnqueueDep,
    scraping: ScrapingDep,
) -> ScrapeStarted:
    await service.force_scrape(
        store, enqueue, scraping, "profile", user["_id"], task_id, full=data.full
    )
    return ScrapeStarted(message="Task scraping initiated successfully", task_id=task_id)


@route(
    router,
    ["/force_scrape_reel/{task_id}"],
    ["POST"],
    responses={**NOT_FOUND, **BUSY, **BUDGET},
    summary="Scrape a reel task now",
    description=(
        "Starts a scrape of the reel task and answers at once, all at top level: `message` "
        "`Reel tracking task scraping initiated successfully`, `task_id` and `status` "
        "`processing`; read its progress from `task_status`, which serves reel tasks too. "
        "Needs `Authorization: Bearer <token>`; the body is optional (`ForceScrape`: `full` "
        "fetches the comments again even if the comment count has not moved). A reel task "
        "that is missing or another user's is 404 `Task not found or access denied`; one "
        "with a run queued or processing is 409 `Task is already being processed`; a spent "
        "monthly scraping budget is 429 `Monthly scraping budget reached`."
    ),
)
async def force_scrape_reel(
    task_id: str,
    data: Annotated[ForceScrape, envelope(ForceScrape)],
    user: CurrentUser,
    store: StoreDep,
    enqueue: EnqueueDep,
    scraping: ScrapingDep,
) -> ScrapeStarted:
    await service.force_scrape(
        store, enqueue, scraping, "reel", user["_id"], task_id, full=data.full
    )
    return ScrapeStarted(
        message="Reel tracking task scraping initiated successfully", task_id=task_id
    )


# ---- either kind --------------------------------------------------------------------


@route(
    router,
    ["/update_scrape_interval/{task_id}", "/update_profile_tracking_scrape_interval/{task_id}"],
    ["PUT", "POST"],
    responses=NOT_FOUND,
    summary="Change a task's scrape interval",
    description=(
        "Sets `scrape_interval_days` (0.5 to 30) of a profile or reel task; the next "
        "scheduled scrape is then due that long after the last scrape (or now, if never "
        "scraped). Answers a `response.message` naming the task and the new interval "
        "(`Scrape interval for task <id> updated to 1.5 days.`). Needs "
        "`Authorization: Bearer <token>`; the body is `IntervalUpdate` "
        "in the envelope; PUT and POST do the same. An interval out of range is 400 "
        "`Invalid scrape_interval_days: must be a number from 0.5 to 30`, a task that is "
        "missing or another user's 404 `Task not found or access denied`. "
        "`update_scrape_interval` is the update 6 name and "
        "`update_profile_tracking_scrape_interval` the update 8 name of the same route."
    ),
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


@route(
    router,
    ["/sentiment_summary/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="Comment sentiment of a task",
    description=(
        "Answers `response.sentiment_summary` over every stored comment of a profile or reel "
        "task: `total_comments`, `sentiment_distribution` and `sentiment_percentages` "
        "(positive, negative, neutral) and `overall_sentiment`; a never-scraped task gives "
        "zeros. Needs `Authorization: Bearer <token>`; no body. A task that is missing or "
        "another user's is 404 `Task not found or access denied`."
    ),
)
async def sentiment_summary(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[SentimentBody]:
    summary = await service.sentiment(store, user["_id"], task_id)
    return Ok(response=SentimentBody(sentiment_summary=summary))
