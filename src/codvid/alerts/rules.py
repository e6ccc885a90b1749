"""When numbers are worth an alert: follower milestones, unusual growth, reels taking off.

Pure functions of a task's history (points of ``(taken_at, value)``, oldest first, the
scrape that just ended last), so each rule is tested on made-up histories. Too little
history gives no alert, never a guess.

Rates are per day over spans of at least a few hours: points closer than ``min_gap`` to
a later kept point are skipped (:func:`spaced`), so force scrapes minutes apart do not
turn a change of one follower into a rate of hundreds a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

DAY = 86_400.0

ROUND_STEPS = (1, 2, 5)
ROUND_FROM = 100
"""Round follower counts: 1, 2 and 5 times a power of ten, from 100 on (100, 200, 500,
1,000, 2,000, 5,000, 10,000, ..., 1,000,000, 2,000,000, ...)."""

ANOMALY_MIN_GAP = 8 * 3600.0
"""Seconds a change must span to count as a daily change for the growth rule."""
ANOMALY_MIN_HISTORY = 7
"""Earlier daily changes needed before a change can be judged unusual."""
ANOMALY_HISTORY = 60
"""The most earlier changes the growth rule looks at (the recent ones)."""
ANOMALY_THRESHOLD = 3.5
"""Modified z-score beyond which a change is unusual (Iglewicz and Hoaglin's cut-off)."""
MAD_TO_SIGMA = 0.6745
"""The modified z-score's constant: the MAD of a normal distribution is 0.6745 sigma."""
MAD_FLOOR_SHARE = 0.0001
"""The MAD is taken as at least 0.01 % of the followers a day (and at least one
follower a day), so a perfectly steady history does not make every wobble unusual."""

SURGE_MIN_GAP = 4 * 3600.0
"""Seconds an interval of plays must span for the surge rule."""
SURGE_RECENT = 3
"""The earlier intervals whose median is the reel's recent rate."""
SURGE_MIN_RECENT = 2
SURGE_FACTOR = 3.0
"""Plays a day must be at least this many times the recent rate."""
SURGE_MIN_PLAYS = 1000
"""...and the latest interval must have brought at least this many plays."""


@dataclass(frozen=True)
class Point:
    at: float
    value: float


def crossed(previous: int, current: int, milestones: Iterable[int]) -> list[int]:
    """The milestones passed on the way up from ``previous`` to ``current``, in order:
    ``previous < m <= current``. A fall crosses none."""
    return sorted(m for m in set(milestones) if previous < m <= current)


def round_milestones(previous: int, current: int) -> list[int]:
    """The round counts (see ``ROUND_STEPS``) passed from ``previous`` up to ``current``."""
    found: list[int] = []
    power = 1
    while power <= current:
        for step in ROUND_STEPS:
            value = step * power
            if value >= ROUND_FROM and previous < value <= current:
                found.append(value)
        power *= 10
    return sorted(found)


def spaced(points: Sequence[Point], min_gap: float) -> list[Point]:
    """The points kept from the newest back, each at least ``min_gap`` seconds before the
    one kept after it; oldest first. The newest point is always kept."""
    kept: list[Point] = []
    for point in reversed(points):
        if not kept or kept[-1].at - point.at >= min_gap:
            kept.append(point)
    return kept[::-1]


def rates(points: Sequence[Point]) -> list[float]:
    """The change per day between each two consecutive points."""
    return [
        (later.value - earlier.value) / ((later.at - earlier.at) / DAY)
        for earlier, later in pairwise(points)
        if later.at > earlier.at
    ]


@dataclass(frozen=True)
class Anomaly:
    change_per_day: float
    median_per_day: float
    mad_per_day: float
    """The median absolute deviation of the earlier changes, after its floor."""
    score: float
    """The modified z-score: 0.6745 (change - median) / MAD."""
    since: float
    """When the span of the unusual change began (the earlier scrape)."""
    previous: float
    current: float
    history: int
    """How many earlier changes it was judged against."""


def growth_anomaly(points: Sequence[Point]) -> Anomaly | None:
    """The latest daily change, if it lies far outside the task's own earlier changes:
    a modified z-score (median and median absolute deviation, which one earlier spike
    does not distort as it would a mean and a standard deviation) beyond
    ``ANOMALY_THRESHOLD``, up or down."""
    kept = spaced(points, ANOMALY_MIN_GAP)
    changes = rates(kept)
    if len(changes) < ANOMALY_MIN_HISTORY + 1:
        return None
    latest = changes[-1]
    earlier = changes[:-1][-ANOMALY_HISTORY:]
    middle = median(earlier)
    mad = median(abs(change - middle) for change in earlier)
    floor = max(1.0, MAD_FLOOR_SHARE * abs(kept[-1].value))
    scale = max(mad, floor)
    score = MAD_TO_SIGMA * (latest - middle) / scale
    if abs(score) <= ANOMALY_THRESHOLD:
        return None
    return Anomaly(
        change_per_day=latest,
        median_per_day=middle,
        mad_per_day=scale,
        score=score,
        since=kept[-2].at,
        previous=kept[-2].value,
        current=kept[-1].value,
        history=len(earlier),
    )


@dataclass(frozen=True)
class Surge:
    plays_per_day: float
    recent_per_day: float
    """The median rate of the intervals before (``SURGE_RECENT`` of them at most)."""
    factor: float | None
    """``plays_per_day / recent_per_day``; ``None`` when the recent rate was 0."""
    since: float
    previous: float
    current: float


def reel_surge(points: Sequence[Point]) -> Surge | None:
    """Plays growing much faster than the reel's own recent rate: the latest interval's
    plays a day at least ``SURGE_FACTOR`` times the median of the intervals before it,
    and at least ``SURGE_MIN_PLAYS`` plays gained in it."""
    kept = spaced(points, SURGE_MIN_GAP)
    speeds = rates(kept)
    if len(speeds) < SURGE_MIN_RECENT + 1:
        return None
    latest = speeds[-1]
    recent = median(speeds[:-1][-SURGE_RECENT:])
    gained = kept[-1].value - kept[-2].value
    if gained < SURGE_MIN_PLAYS or latest < SURGE_FACTOR * max(recent, 0.0) or latest <= 0:
        return None
    return Surge(
        plays_per_day=latest,
        recent_per_day=recent,
        factor=latest / recent if recent > 0 else None,
        since=kept[-2].at,
        previous=kept[-2].value,
        current=kept[-1].value,
    )
