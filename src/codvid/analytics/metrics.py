"""The numbers analytics derives from snapshots: pure functions, no storage, no HTTP.

A snapshot (``tracking.history``) holds the counts of one successful scrape; a count the
provider could not give is named in its ``unavailable`` list and is *unknown* here
(``None``), never 0. Every derived number is ``None`` when what it needs is unknown or
missing (a history too short for a 30-day growth has none): never a made-up number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import fmean, median
from typing import Any, Final, Literal, TypeVar

from codvid.kit import clock
from codvid.tracking.documents import PROFILE_NUMBERS, REEL_NUMBERS, TaskKind

DAY: Final = 86_400
GROWTH_WINDOWS: Final = (7, 30, 90)
"""The spans (days) growth is given over, each ending at the latest scrape."""

METRICS: Final[dict[TaskKind, tuple[str, ...]]] = {
    "profile": PROFILE_NUMBERS,
    "reel": REEL_NUMBERS,
}
"""The counts a task's history follows, by kind."""

POST_METRICS: Final = REEL_NUMBERS
"""A post's counts in a snapshot (a post is counted like a reel)."""

BY_FOLLOWERS: Final = (
    "100 * (likes + comments) / followers, followers taken at the scrape nearest the "
    "post's publication"
)
PER_PLAY: Final = "100 * (likes + comments) / plays"
PER_VIEW: Final = "100 * (likes + comments) / views"
RATE_DIGITS: Final = 4

S = TypeVar("S", bound=Mapping[str, Any])


def iso(at: float | None) -> str | None:
    """``at`` (epoch seconds) as ISO 8601 in UTC (:func:`codvid.kit.clock.iso`), or
    ``None`` for a time that is not known."""
    return None if at is None else clock.iso(at)


def day_of(at: float) -> str:
    """The UTC calendar day of ``at``, ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def known(numbers: Mapping[str, Any] | None, metric: str) -> int | None:
    """``metric`` of a snapshot (or of a post in one), ``None`` when unknown: the provider
    could not give it, or the snapshot does not have it."""
    if numbers is None or metric in numbers.get("unavailable", ()):
        return None
    value = numbers.get(metric)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def values(numbers: Mapping[str, Any] | None, metrics: Iterable[str]) -> dict[str, int | None]:
    return {metric: known(numbers, metric) for metric in metrics}


def change(now: int | None, before: int | None) -> int | None:
    return None if now is None or before is None else now - before


def percent(part: float | None, whole: float | None) -> float | None:
    """``100 * part / whole``, rounded; unknown when either is, or when ``whole`` is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return round(100 * part / whole, RATE_DIGITS)


def growth_slack(days: int) -> float:
    """How much earlier than ``days`` before the latest scrape a growth's first snapshot
    may be: half the span, at least a day (a 7-day growth starts 7 to 10.5 days back)."""
    return max(DAY, days * DAY / 2)


@dataclass(frozen=True)
class Growth:
    """How a count moved over ``days`` up to the latest scrape: from the last snapshot
    taken ``days`` or more before it (and at most :func:`growth_slack` more)."""

    days: int
    start: int
    end: int
    start_at: float
    end_at: float

    @property
    def absolute(self) -> int:
        return self.end - self.start

    @property
    def percent(self) -> float | None:
        return percent(self.absolute, self.start)


def growth(
    latest: Mapping[str, Any] | None, base: Mapping[str, Any] | None, metric: str, days: int
) -> Growth | None:
    """The growth of ``metric`` from ``base`` (the last snapshot ``days`` before
    ``latest``) to ``latest``; ``None`` when there is no such snapshot (the history is
    shorter), it is too much older (a gap in the scrapes) or either count is unknown."""
    if latest is None or base is None:
        return None
    if base["taken_at"] < latest["taken_at"] - days * DAY - growth_slack(days):
        return None
    start, end = known(base, metric), known(latest, metric)
    if start is None or end is None:
        return None
    return Growth(days, start, end, float(base["taken_at"]), float(latest["taken_at"]))


@dataclass(frozen=True)
class Day:
    """A day's closing numbers (its last snapshot) and the change from the previous day
    that has one (``days_since`` later: more than 1 when scrapes skipped days)."""

    date: str
    taken_at: float
    values: dict[str, int | None]
    changes: dict[str, int | None]
    days_since: int | None


def daily(
    snapshots: Sequence[Mapping[str, Any]],
    metrics: Sequence[str],
    before: Mapping[str, Any] | None = None,
) -> list[Day]:
    """One row per UTC day that has a snapshot, oldest first; ``before`` is the last
    snapshot ahead of ``snapshots`` (the first day's change is from it)."""
    closing: dict[int, Mapping[str, Any]] = {}
    for snapshot in snapshots:
        closing[int(snapshot["taken_at"] // DAY)] = snapshot
    rows: list[Day] = []
    previous = before
    for day, snapshot in sorted(closing.items()):
        now = values(snapshot, metrics)
        earlier = values(previous, metrics) if previous is not None else None
        rows.append(
            Day(
                date=day_of(snapshot["taken_at"]),
                taken_at=float(snapshot["taken_at"]),
                values=now,
                changes={
                    metric: change(now[metric], earlier[metric]) if earlier else None
                    for metric in metrics
                },
                days_since=day - int(previous["taken_at"] // DAY) if previous else None,
            )
        )
        previous = snapshot
    return rows


# ---- engagement ------------------------------------------------------------------------


@dataclass(frozen=True)
class PostRates:
    """A post's engagement: the counts it was computed from and its rates (percent);
    each ``None`` when what it needs is unknown."""

    post_id: str
    published_at: float
    is_reel: bool
    likes: int | None
    comments: int | None
    plays: int | None
    views: int | None
    followers: int | None
    followers_taken_at: float | None
    by_followers: float | None
    per_play: float | None
    per_view: float | None


def interactions(numbers: Mapping[str, Any]) -> int | None:
    likes, comments = known(numbers, "likes"), known(numbers, "comments")
    return None if likes is None or comments is None else likes + comments


def post_rates(
    post: Mapping[str, Any], followers_at: Mapping[str, Any] | None, *, is_reel: bool
) -> PostRates:
    """``post`` is a post's numbers in a snapshot; ``followers_at`` the snapshot nearest
    its publication (the followers it is rated by)."""
    engaged = interactions(post)
    followers = known(followers_at, "followers")
    plays = known(post, "plays") if is_reel else None
    views = known(post, "views") if is_reel else None
    return PostRates(
        post_id=str(post["post_id"]),
        published_at=float(post["published_at"]),
        is_reel=is_reel,
        likes=known(post, "likes"),
        comments=known(post, "comments"),
        plays=plays,
        views=views,
        followers=followers,
        followers_taken_at=float(followers_at["taken_at"]) if followers_at else None,
        by_followers=percent(engaged, followers),
        per_play=percent(engaged, plays),
        per_view=percent(engaged, views),
    )


def nearest(at: float, candidates: Sequence[S | None]) -> S | None:
    """Of ``candidates`` (snapshots, some missing), the one taken nearest to ``at``; the
    earlier one on a tie."""
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    return min(found, key=lambda c: (abs(c["taken_at"] - at), c["taken_at"]))


@dataclass(frozen=True)
class Spread:
    """The mean and the median of some rates, and how many there were (unknown rates are
    left out; both ``None`` when none is known)."""

    mean: float | None
    median: float | None
    count: int


def spread(rates: Iterable[float | None]) -> Spread:
    found = [rate for rate in rates if rate is not None]
    if not found:
        return Spread(None, None, 0)
    return Spread(round(fmean(found), RATE_DIGITS), round(median(found), RATE_DIGITS), len(found))


RateName = Literal["by_followers", "per_play", "per_view"]


def top(posts: Sequence[PostRates], count: int) -> list[PostRates]:
    """The ``count`` posts with the highest engagement by followers (per play for a reel
    whose followers are unknown), the newer first on a tie."""
    rated = [p for p in posts if p.by_followers is not None or p.per_play is not None]
    return sorted(
        rated,
        key=lambda p: (
            p.by_followers if p.by_followers is not None else -1.0,
            p.per_play or 0.0,
            p.published_at,
        ),
        reverse=True,
    )[:count]


def is_reel_post(post: Mapping[str, Any]) -> bool:
    """Whether a post in a snapshot is a reel; a snapshot older than ``is_reel`` tells by
    its plays or views (photos and carousels have neither)."""
    if "is_reel" in post:
        return bool(post["is_reel"])
    unknown = post.get("unavailable", ())
    return bool(post.get("plays") or post.get("views") or "plays" in unknown or "views" in unknown)


def posts_per_week(
    latest: Mapping[str, Any] | None, base: Mapping[str, Any] | None
) -> float | None:
    """Posts published a week, from the profile's post count at ``base`` and at
    ``latest`` (at least a day apart)."""
    if latest is None or base is None:
        return None
    start, end = known(base, "posts_count"), known(latest, "posts_count")
    span = float(latest["taken_at"]) - float(base["taken_at"])
    if start is None or end is None or span < DAY:
        return None
    return round(max(0, end - start) * 7 * DAY / span, 2)
