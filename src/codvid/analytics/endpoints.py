"""Analytics routes beside the contract's tracking routes: history, engagement, the
comparison, CSV exports and the growth chart. Same envelope, auth and isolation rule
(another user's task is 404 ``Task not found or access denied``); files are answered as
they are, errors still as envelopes."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from codvid.analytics import exports, service
from codvid.analytics.chart import render_chart
from codvid.analytics.schemas import CompareBody, EngagementBody, HistoryBody
from codvid.api.deps import StoreDep
from codvid.api.envelope import ErrorBody, Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser

router = APIRouter(prefix="/ig-tracking", tags=["analytics"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Task not found or access denied"}
}
Days = Annotated[int, Query(ge=1, le=3650, description="The window: the last N days (1-3650)")]
Metric = Literal["followers", "follows_count", "posts_count", "plays", "views", "likes", "comments"]
CSV: Final = "text/csv; charset=utf-8"
SVG: Final = "image/svg+xml"
# A chart is an image: nothing in it may run or load anything, even opened on its own.
SVG_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=60",
}


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}, "description": what}}


def _download(name: str, chunks: Any) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@route(
    router,
    ["/history/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="A task's counts over time",
    description=(
        "Answers `response` with the counts of a profile task (followers, follows_count, "
        "posts_count) or a reel task (plays, views, likes, comments) at each scrape of the "
        "last `days` days (1-3650, default 90) in `points`, the closing numbers of each UTC "
        "day with the change from the previous day in `daily`, `growth` over 7, 30 and 90 "
        "days up to the latest scrape (absolute and percent; null where the history is "
        "shorter), `first_scrape_at`, `last_scrape_at`, `freshness_seconds`, and for a "
        "profile each recent post's counts over the scrapes that saw it (`posts`). A count "
        "the provider could not give is null, never 0. A task never scraped answers empty "
        "lists. Needs `Authorization: Bearer <token>`; another user's task is 404."
    ),
)
async def task_history(
    task_id: str, user: CurrentUser, store: StoreDep, days: Days = 90
) -> Ok[HistoryBody]:
    body = await service.history(store, user["_id"], task_id, days)
    return Ok(response=HistoryBody.model_validate(body))


@route(
    router,
    ["/engagement/{task_id}"],
    ["GET"],
    responses=NOT_FOUND,
    summary="Engagement rates of a task's posts or reel",
    description=(
        "Answers `response` with the engagement of the posts of a profile's latest scrape: "
        "per post `by_followers` = 100 * (likes + comments) / followers, the followers "
        "taken at the scrape nearest the post's publication; for reels also `per_play` and "
        "`per_view` = 100 * (likes + comments) / plays (views); the `summary` gives the mean "
        "and the median of each over the posts, and `top_posts` the three most engaging. A "
        "reel task gives its `per_play` and `per_view`. A rate whose counts the provider "
        "could not give is null (unknown), not 0. The formulas are in `formulas`. Needs "
        "`Authorization: Bearer <token>`; another user's task is 404."
    ),
)
async def task_engagement(task_id: str, user: CurrentUser, store: StoreDep) -> Ok[EngagementBody]:
    body = await service.engagement(store, user["_id"], task_id)
    return Ok(response=EngagementBody.model_validate(body))


@route(
    router,
    ["/compare"],
    ["GET"],
    summary="The caller's profiles and competitors side by side",
    description=(
        "Answers `response` with one row per profile task of the caller, own profiles "
        "first, then those flagged `is_competitor`, each by followers: followers, growth "
        "over 7 and 30 days, posts per week over the last `days` days (1-3650, default 30), "
        "engagement by followers (mean and median, percent), average plays per reel and "
        "the last scrape. At most 200 tasks (`truncated` says when there are more). Needs "
        "`Authorization: Bearer <token>`."
    ),
)
async def compare(user: CurrentUser, store: StoreDep, days: Days = 30) -> Ok[CompareBody]:
    body = await service.compare(store, user["_id"], days)
    return Ok(response=CompareBody.model_validate(body))


@route(
    router,
    ["/export/compare.csv"],
    ["GET"],
    response_class=StreamingResponse,
    responses=_file(CSV, "The comparison as CSV"),
    summary="The comparison as CSV",
    description=(
        "The rows of `compare` as a CSV file (RFC 4180, UTF-8, a header row; times in ISO "
        "8601 UTC and epoch seconds; unknown values empty). Needs `Authorization: Bearer "
        "<token>`."
    ),
)
async def export_compare(user: CurrentUser, store: StoreDep, days: Days = 30) -> Response:
    name, chunks = await exports.comparison(store, user["_id"], days)
    return _download(name, chunks)


@route(
    router,
    ["/export/{task_id}.csv"],
    ["GET"],
    response_class=StreamingResponse,
    responses={**_file(CSV, "The task's history as CSV"), **NOT_FOUND},
    summary="A task's history as CSV",
    description=(
        "Every scrape of the task (of the last `days` days, when given) as a CSV file, "
        "oldest first: `taken_at_utc` (ISO 8601), `taken_at_epoch` and the task's counts "
        "(unknown ones empty). Streamed: a history of any length. Needs `Authorization: "
        "Bearer <token>`; another user's task is 404."
    ),
)
async def export_task(
    task_id: str,
    user: CurrentUser,
    store: StoreDep,
    days: Annotated[
        int | None, Query(ge=1, le=3650, description="Only the last N days (default: all)")
    ] = None,
) -> Response:
    name, chunks = await exports.task_history(store, user["_id"], task_id, days)
    return _download(name, chunks)


@route(
    router,
    ["/chart/{task_id}.svg"],
    ["GET"],
    response_class=Response,
    responses={**_file(SVG, "The growth chart"), **NOT_FOUND},
    summary="A task's growth chart as SVG",
    description=(
        "A standalone SVG image (axes, dates, values; no script) of one count of the task "
        "at each scrape of the last `days` days (default 90): `metric` is followers "
        "(the default), follows_count or posts_count for a profile, plays (the default), "
        "views, likes or comments for a reel (another is 400). For a web page (`<img src>`) "
        "or an e-mail. Needs `Authorization: Bearer <token>`; another user's task is 404."
    ),
)
async def chart(
    task_id: str,
    user: CurrentUser,
    store: StoreDep,
    metric: Annotated[Metric | None, Query(description="The count to draw")] = None,
    days: Days = 90,
) -> Response:
    found = await service.series(store, user["_id"], task_id, metric, days)
    title = f"@{found.target}" if found.kind == "profile" else f"Reel {found.target}"
    svg = render_chart(found.points, metric=found.metric, title=f"{title}: {found.metric}")
    return Response(svg, media_type=SVG, headers=SVG_HEADERS)
