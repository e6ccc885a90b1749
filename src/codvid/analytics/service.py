"""Growth history, engagement and competitors side by side, over the snapshots tracking
keeps (read through ``tracking.history``; tasks through tracking's own lookups, so
another user's task is the contract's "not found").

Every read is bounded: a window reads at most ``MAX_POINTS`` snapshots, growth one
snapshot per span, engagement a few per task (see :func:`followers_near`), a comparison
at most ``MAX_COMPARED`` tasks. The formulas are in :mod:`.metrics` and the README.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from codvid.analytics import metrics
from codvid.analytics.metrics import DAY, GROWTH_WINDOWS, METRICS, PostRates
from codvid.errors import BadRequest
from codvid.kit.caching import RecentlyUsed
from codvid.kit.clock import now
from codvid.storage import Store
from codvid.tracking import history as snapshots
from codvid.tracking import profiles
from codvid.tracking.documents import TaskKind
from codvid.tracking.service import find_owned

MAX_POINTS: Final = 4000
"""Snapshots a window shows at most (its latest); 10 years of daily scrapes fit."""
POST_SNAPSHOTS: Final = 60
"""The latest snapshots of a window whose posts' counts make the posts' history (two
months of daily scrapes: a post leaves a profile's latest 12 within weeks)."""
MAX_POSTS: Final = 50
"""Posts a history follows at most (the latest published)."""
SPAN_LIMIT: Final = 400
"""Snapshots read at once to find the followers near a set of posts' publication."""
MAX_COMPARED: Final = 200
"""Profile tasks a comparison has at most (the oldest first)."""
TOP_POSTS: Final = 3
CONCURRENCY: Final = 16
"""Tasks of a comparison read at once (MongoDB answers several reads in parallel)."""

TASK_FIELDS: Final = (
    "target_profile",
    "reel_id",
    "is_competitor",
    "last_scraped",
    "next_scrape_due",
    "scrape_interval_days",
    "created_at",
)
FOLLOWERS: Final = ("taken_at", "followers", "unavailable")

T = TypeVar("T")


def target(kind: TaskKind, task: Mapping[str, Any]) -> str:
    """What the task tracks: the profile's username or the reel's shortcode."""
    return str(task["target_profile"] if kind == "profile" else task["reel_id"])


async def latest(store: Store, task_id: str, fields: Sequence[str]) -> dict[str, Any] | None:
    found = await snapshots.between(store, task_id, limit=1, fields=fields)
    return found[0] if found else None


async def growth(
    store: Store,
    task_id: str,
    last: Mapping[str, Any] | None,
    metric_names: Sequence[str],
    windows: Sequence[int] = GROWTH_WINDOWS,
) -> dict[str, dict[str, dict[str, Any] | None]]:
    """Per metric, per span: how it moved up to the latest scrape (``None`` where the
    history is shorter than the span)."""
    return growth_of(last, await bases(store, task_id, last, windows), metric_names, windows)


async def bases(
    store: Store, task_id: str, last: Mapping[str, Any] | None, spans: Iterable[int]
) -> dict[int, dict[str, Any] | None]:
    """Per span (days): the task's last snapshot taken that long before ``last`` or
    earlier, where a growth over the span starts."""
    found: dict[int, dict[str, Any] | None] = {}
    for days in spans:
        found[days] = (
            await snapshots.at_or_before(store, task_id, last["taken_at"] - days * DAY)
            if last is not None
            else None
        )
    return found


def growth_of(
    last: Mapping[str, Any] | None,
    starts: Mapping[int, Mapping[str, Any] | None],
    metric_names: Sequence[str],
    windows: Sequence[int],
) -> dict[str, dict[str, dict[str, Any] | None]]:
    """What :func:`growth` answers, from the ``starts`` :func:`bases` found."""
    return {
        metric: {
            f"days_{days}": _growth_view(metrics.growth(last, starts[days], metric, days))
            for days in windows
        }
        for metric in metric_names
    }


def _growth_view(found: metrics.Growth | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "days": found.days,
        "start": found.start,
        "end": found.end,
        "absolute": found.absolute,
        "percent": found.percent,
        "start_at": found.start_at,
        "end_at": found.end_at,
    }


# ---- history ---------------------------------------------------------------------------


async def history(store: Store, user_id: str, task_id: str, days: int) -> dict[str, Any]:
    """The task's counts at each scrape of the last ``days`` days, their daily closes
    and changes, growth over 7/30/90 days, and (profiles) each post's counts over time."""
    kind, task = await find_owned(store, user_id, task_id, TASK_FIELDS)
    names = METRICS[kind]
    at = now()
    since = at - days * DAY
    found = await snapshots.between(store, task_id, since, limit=MAX_POINTS + 1)
    truncated = len(found) > MAX_POINTS
    window = found[-MAX_POINTS:]
    first = await snapshots.at_or_after(store, task_id, 0.0, ("taken_at",))
    last = window[-1] if window else await latest(store, task_id, snapshots.NUMBERS)
    before = (
        await snapshots.at_or_before(
            store, task_id, window[0]["taken_at"] // DAY * DAY, inclusive=False
        )
        if window
        else None
    )
    last_at = last["taken_at"] if last else None
    return {
        "task_id": task_id,
        "task_type": kind,
        "target": target(kind, task),
        "days": days,
        "since": since,
        "metrics": list(names),
        "first_scrape_at": first["taken_at"] if first else None,
        "last_scrape_at": last_at,
        "freshness_seconds": round(at - last_at, 3) if last_at is not None else None,
        "next_scrape_due": task.get("next_scrape_due"),
        "points": [
            {
                "taken_at": point["taken_at"],
                "taken_at_iso": metrics.iso(point["taken_at"]),
                "values": metrics.values(point, names),
            }
            for point in window
        ],
        "points_truncated": truncated,
        "daily": [fields_of(day) for day in metrics.daily(window, names, before)],
        "growth": await growth(store, task_id, last, names),
        "posts": await post_history(store, task_id, since) if kind == "profile" else [],
    }


async def post_history(store: Store, task_id: str, since: float) -> list[dict[str, Any]]:
    """Each post seen in the window's latest snapshots, with its counts at each: how a
    post grew in its first days. The latest published first."""
    seen: dict[str, dict[str, Any]] = {}
    for snapshot in await snapshots.between(
        store, task_id, since, limit=POST_SNAPSHOTS, fields=("taken_at", "posts")
    ):
        for post in snapshot.get("posts", ()):
            entry = seen.setdefault(
                post["post_id"],
                {
                    "post_id": post["post_id"],
                    "published_at": post["published_at"],
                    "is_reel": metrics.is_reel_post(post),
                    "points": [],
                },
            )
            entry["points"].append((snapshot["taken_at"], post))
    newest = sorted(seen.values(), key=lambda p: p["published_at"], reverse=True)[:MAX_POSTS]
    for entry in newest:  # counts for the posts shown only, not for the older ones dropped
        entry["points"] = [
            {"taken_at": at, **metrics.values(post, metrics.POST_METRICS)}
            for at, post in entry["points"]
        ]
        entry["first_seen_at"] = entry["points"][0]["taken_at"]
        entry["last_seen_at"] = entry["points"][-1]["taken_at"]
    return newest


# ---- engagement ------------------------------------------------------------------------


async def followers_near(
    store: Store, task_id: str, times: Sequence[float]
) -> list[dict[str, Any] | None]:
    """For each of ``times``, the task's snapshot (its followers) taken nearest to it.
    The snapshots between the earliest and the latest time are read at once, with the
    last one before and the first one after; a span of more than ``SPAN_LIMIT`` scrapes
    falls back to two point reads per time."""
    if not times:
        return []
    low, high = min(times), max(times)
    inside = await snapshots.between(
        store, task_id, low, high, limit=SPAN_LIMIT + 1, fields=FOLLOWERS
    )
    if len(inside) > SPAN_LIMIT:
        return [
            metrics.nearest(
                at,
                [
                    await snapshots.at_or_before(store, task_id, at, FOLLOWERS),
                    await snapshots.at_or_after(store, task_id, at, FOLLOWERS),
                ],
            )
            for at in times
        ]
    earlier = await snapshots.at_or_before(store, task_id, low, FOLLOWERS, inclusive=False)
    later = await snapshots.at_or_after(store, task_id, high, FOLLOWERS)
    timeline = [s for s in (earlier, *inside, later) if s is not None]
    # ``later`` may repeat the last of ``inside`` (taken exactly at ``high``): harmless.
    taken = [s["taken_at"] for s in timeline]
    found: list[dict[str, Any] | None] = []
    for at in times:
        index = bisect.bisect_left(taken, at)
        found.append(metrics.nearest(at, timeline[max(0, index - 1) : index + 1]))
    return found


async def rated_posts(
    store: Store, task_id: str, posts: Sequence[Mapping[str, Any]]
) -> list[PostRates]:
    near = await followers_near(store, task_id, [float(p["published_at"]) for p in posts])
    return [
        metrics.post_rates(post, followers, is_reel=metrics.is_reel_post(post))
        for post, followers in zip(posts, near, strict=True)
    ]


def _spread_view(found: metrics.Spread) -> dict[str, Any]:
    return {"mean": found.mean, "median": found.median, "posts": found.count}


async def engagement(store: Store, user_id: str, task_id: str) -> dict[str, Any]:
    """Engagement of the posts of the latest scrape (a profile), or of the reel itself:
    per post, and their mean and median."""
    kind, task = await find_owned(store, user_id, task_id, TASK_FIELDS)
    last = await latest(store, task_id, snapshots.WITH_POSTS)
    answer: dict[str, Any] = {
        "task_id": task_id,
        "task_type": kind,
        "target": target(kind, task),
        "scraped_at": last["taken_at"] if last else None,
        "formulas": {
            "by_followers": metrics.BY_FOLLOWERS,
            "per_play": metrics.PER_PLAY,
            "per_view": metrics.PER_VIEW,
        },
    }
    if kind == "reel":
        rates = (
            metrics.post_rates(
                {"post_id": task["reel_id"], "published_at": 0.0, **last}, None, is_reel=True
            )
            if last
            else None
        )
        return {
            **answer,
            "window": "the reel at its latest scrape",
            "reel": _reel_view(rates, last) if rates and last else None,
            "posts": [],
            "summary": None,
            "top_posts": [],
        }
    posts = list(last.get("posts", ())) if last else []
    rated = await rated_posts(store, task_id, posts)
    return {
        **answer,
        "window": "the posts of the latest scrape (the profile's latest posts)",
        "followers": metrics.known(last, "followers"),
        "reel": None,
        "posts": [_post_view(p) for p in rated],
        "summary": {
            "by_followers": _spread_view(metrics.spread(p.by_followers for p in rated)),
            "per_play": _spread_view(metrics.spread(p.per_play for p in rated)),
            "per_view": _spread_view(metrics.spread(p.per_view for p in rated)),
            "posts": len(rated),
            "from_published_at": min((p.published_at for p in rated), default=None),
            "to_published_at": max((p.published_at for p in rated), default=None),
        },
        "top_posts": [_post_view(p) for p in metrics.top(rated, TOP_POSTS)],
    }


def _post_view(rates: PostRates) -> dict[str, Any]:
    return fields_of(rates)


def fields_of(item: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, their values shared, not copied: ``asdict`` copies
    each one deeply, which took a quarter of a 730-day history's time; these values are
    made for the one answer and never changed."""
    return {field.name: getattr(item, field.name) for field in dataclasses.fields(item)}


def _reel_view(rates: PostRates, last: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "likes": rates.likes,
        "comments": rates.comments,
        "plays": rates.plays,
        "views": rates.views,
        "published_at": last.get("published_at"),
        "per_play": rates.per_play,
        "per_view": rates.per_view,
        "by_followers": None,
    }


# ---- competitors side by side ------------------------------------------------------------


async def compare(store: Store, user_id: str, days: int) -> dict[str, Any]:
    """One row per profile task of the caller, own and competitors'."""
    tasks = await profiles.list_for_user(store, user_id, fields=TASK_FIELDS, limit=MAX_COMPARED + 1)
    rows = await _bounded([_row(store, task, days) for task in tasks[:MAX_COMPARED]])
    rows.sort(
        key=lambda r: (r["is_competitor"], -(r["followers"] if r["followers"] is not None else -1))
    )
    return {
        "days": days,
        "rows": rows,
        "truncated": len(tasks) > MAX_COMPARED,
        "formulas": {
            "engagement": metrics.BY_FOLLOWERS,
            "posts_per_week": "posts_count change over the window, a week's worth; without "
            "history that long, the latest scrape's posts published in the window",
            "average_plays_per_reel": "mean plays of the reels among the latest scrape's posts",
        },
    }


async def _bounded(jobs: Sequence[Awaitable[T]]) -> list[T]:
    """Await ``jobs``, ``CONCURRENCY`` at a time, in order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return list(await asyncio.gather(*(one(job) for job in jobs)))


ROWS_KEPT: Final = 20_000
"""Comparison rows kept in a process (a few kB each)."""
_rows: RecentlyUsed[tuple[str, int, float], dict[str, Any]] = RecentlyUsed(ROWS_KEPT)


async def _row(store: Store, task: Mapping[str, Any], days: int) -> dict[str, Any]:
    """The task's comparison row. What it says of the snapshots changes only when a scrape
    adds one, so it is kept per (task, ``days``, ``last_scraped``) once it was computed
    from the scrape that ``last_scraped`` names (a scrape stores the task's results just
    before its snapshot: a row computed in between is not kept). The task's own fields
    are read afresh every time."""
    scraped = task.get("last_scraped")
    key = (str(task["_id"]), days, float(scraped or 0.0))
    found = _rows.get(key) if scraped is not None else None
    if found is None:
        found = await _compare_row(store, task, days)
        if scraped is not None and found["last_scraped"] == scraped:
            _rows.put(key, found)
    return {
        **found,
        "username": task["target_profile"],
        "is_competitor": bool(task.get("is_competitor")),
    }


async def _compare_row(store: Store, task: Mapping[str, Any], days: int) -> dict[str, Any]:
    task_id = task["_id"]
    last = await latest(store, task_id, snapshots.WITH_POSTS)
    # the window's start is read once when it is a growth's too (the default 30 days)
    starts = await bases(store, task_id, last, sorted({7, 30, days}))
    grown = growth_of(last, starts, ["followers"], (7, 30))
    posts = list(last.get("posts", ())) if last else []
    rated = await rated_posts(store, task_id, posts)
    rates = metrics.spread(p.by_followers for p in rated)
    plays = metrics.spread(p.plays for p in rated if p.is_reel)
    return {
        "task_id": task_id,
        "username": task["target_profile"],
        "is_competitor": bool(task.get("is_competitor")),
        "followers": metrics.known(last, "followers"),
        "growth_7d": grown["followers"]["days_7"],
        "growth_30d": grown["followers"]["days_30"],
        "posts_per_week": _posts_per_week(last, starts[days], days),
        "engagement_mean": rates.mean,
        "engagement_median": rates.median,
        "engagement_posts": rates.count,
        "average_plays_per_reel": plays.mean,
        "reels": plays.count,
        "last_scraped": last["taken_at"] if last else None,
    }


def _posts_per_week(
    last: Mapping[str, Any] | None, base: Mapping[str, Any] | None, days: int
) -> float | None:
    """``base``: the last snapshot ``days`` before ``last`` or earlier."""
    if last is None:
        return None
    start = float(last["taken_at"]) - days * DAY
    if base is not None:
        return metrics.posts_per_week(last, base)
    published = [float(p["published_at"]) for p in last.get("posts", ())]
    if not published or min(published) > start:
        return None  # the known posts do not reach back to the window's start
    return round(sum(at >= start for at in published) * 7 / days, 2)


# ---- chart ---------------------------------------------------------------------------


DEFAULT_METRIC: Final[dict[TaskKind, str]] = {"profile": "followers", "reel": "plays"}


@dataclass(frozen=True)
class Series:
    kind: TaskKind
    target: str
    metric: str
    points: list[tuple[float, float | None]]


async def series(store: Store, user_id: str, task_id: str, metric: str | None, days: int) -> Series:
    """The task's ``metric`` (its kind's default when ``None``) at each scrape of the
    last ``days`` days, ``None`` where unknown."""
    kind, task = await find_owned(store, user_id, task_id, TASK_FIELDS)
    chosen = metric or DEFAULT_METRIC[kind]
    if chosen not in METRICS[kind]:
        raise BadRequest(
            f"Invalid metric: a {kind} task has {', '.join(METRICS[kind])}, not {chosen}"
        )
    found = await snapshots.between(
        store,
        task_id,
        now() - days * DAY,
        limit=MAX_POINTS,
        fields=("taken_at", chosen, "unavailable"),
    )
    points: list[tuple[float, float | None]] = [
        (s["taken_at"], metrics.known(s, chosen)) for s in found
    ]
    return Series(kind, target(kind, task), chosen, points)
