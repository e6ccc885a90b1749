"""The events one finished run raises, read from its task's recent snapshots.

:func:`gather` reads what a run's end says (one bounded read of the latest snapshots,
through tracking's history functions); :func:`raised` turns it into the events one
webhook asked for, each with a key that names what it is about, so the same thing never
makes two deliveries to one webhook:

* ``run.succeeded`` / ``run.failed``: the run (its numbers, or the reason);
* ``post.new``: a post in the latest scrape that no earlier scrape in the window had,
  published after the oldest post of the scrape before (an old post coming back into
  the recent list is not new); the task's first scrape is the baseline and raises none;
* ``milestone``: followers passing one of the webhook's milestones (or a round number)
  since the scrape before;
* ``growth.anomaly`` (followers) and ``reel.surge`` (a reel task's plays, or each reel
  among a profile's recent posts): the rules of :mod:`.rules`, at most once a UTC day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from codvid.alerts import rules
from codvid.alerts.documents import EventType
from codvid.analytics.metrics import METRICS, day_of, known, values
from codvid.kit.clock import iso
from codvid.scrapers.text import post_link
from codvid.storage import Store
from codvid.tracking import history
from codvid.tracking import service as tracking
from codvid.tracking.documents import REEL_NUMBERS, RunDocument
from codvid.tracking.errors import TaskNotFound
from codvid.tracking.ports import RunOutcome

HISTORY_WINDOW = 60
"""Snapshots read per finished run (the latest ones): what the rules judge against."""
MAX_NEW_POSTS = 50
"""``post.new`` events one run may raise per webhook."""
HISTORY_EVENTS: frozenset[EventType] = frozenset(
    {"post.new", "milestone", "growth.anomaly", "reel.surge"}
)
SNAPSHOT_FIELDS = (*history.WITH_POSTS, "run_id")


@dataclass(frozen=True)
class Event:
    type: EventType
    key: str
    """What it is about (a run, a post, a day): one delivery per webhook and key."""
    data: dict[str, Any]


@dataclass(frozen=True)
class Finished:
    """What a finished run says: the run, how it ended, its task's target, and the latest
    snapshots (oldest first; the run's own last, when it left one)."""

    run: RunDocument
    outcome: RunOutcome
    reason: str | None
    target: dict[str, str] = field(default_factory=dict)
    snapshots: Sequence[dict[str, Any]] = ()

    @property
    def current(self) -> dict[str, Any] | None:
        """The snapshot this run left, if it is the latest."""
        if self.snapshots and self.snapshots[-1].get("run_id") == self.run["_id"]:
            return self.snapshots[-1]
        return None

    @property
    def base(self) -> dict[str, Any]:
        return {
            "task_id": self.run["task_id"],
            "task_type": self.run["kind"],
            "run_id": self.run["_id"],
            **self.target,
        }


async def gather(
    store: Store, run: RunDocument, outcome: RunOutcome, reason: str | None, *, window: int
) -> Finished:
    """The run's end with its task's ``window`` latest snapshots (none for a failure)."""
    target: dict[str, str] = {}
    try:
        kind, task = await tracking.find_owned(
            store, run["user_id"], run["task_id"], ["target_profile", "reel_id"]
        )
        if kind == "profile" and task.get("target_profile"):
            target = {"username": task["target_profile"]}
        elif task.get("reel_id"):
            target = {"shortcode": task["reel_id"]}
    except TaskNotFound:
        pass  # deleted since: its run's end is still news
    snapshots: list[dict[str, Any]] = []
    if outcome == "succeeded":
        snapshots = await history.between(
            store, run["task_id"], limit=window, fields=SNAPSHOT_FIELDS
        )
    return Finished(run, outcome, reason, target, snapshots)


def raised(
    finished: Finished, wanted: Iterable[EventType], milestones: Sequence[int] | None
) -> list[Event]:
    """The events of ``finished`` that a webhook subscribed to ``wanted`` gets."""
    chosen = set(wanted)
    events: list[Event] = []
    if finished.outcome == "failed":
        if "run.failed" in chosen:
            data = {**finished.base, "trigger": finished.run["trigger"], "reason": finished.reason}
            events.append(Event("run.failed", finished.run["_id"], data))
        return events
    current = finished.current
    if "run.succeeded" in chosen:
        data = {**finished.base, "trigger": finished.run["trigger"]}
        if current is not None:
            data["numbers"] = values(current, METRICS[finished.run["kind"]])
        events.append(Event("run.succeeded", finished.run["_id"], data))
    if current is None or not chosen & HISTORY_EVENTS:
        return events
    profile = finished.run["kind"] == "profile"
    if profile and "post.new" in chosen:
        events += new_posts(finished, current)
    if profile and "milestone" in chosen:
        events += milestone(finished, current, milestones)
    if profile and "growth.anomaly" in chosen:
        events += anomaly(finished, current)
    if "reel.surge" in chosen:
        events += surges(finished, current)
    return events


def new_posts(finished: Finished, current: dict[str, Any]) -> list[Event]:
    earlier = finished.snapshots[:-1]
    if not earlier:
        return []  # the first scrape is the baseline
    seen = {post["post_id"] for snapshot in earlier for post in snapshot.get("posts", ())}
    before = [post["published_at"] for post in earlier[-1].get("posts", ())]
    oldest = min(before) if before else None
    found = [
        post
        for post in current.get("posts", ())
        if post["post_id"] not in seen and (oldest is None or post["published_at"] > oldest)
    ]
    events = []
    for post in found[:MAX_NEW_POSTS]:
        data = {
            **finished.base,
            "post_id": post["post_id"],
            "post_url": post_link(post["post_id"]),
            "published_at": iso(post["published_at"]),
            "is_reel": post.get("is_reel"),
            **values(post, REEL_NUMBERS),
        }
        key = f"{finished.run['task_id']}:{post['post_id']}"
        events.append(Event("post.new", key, data))
    return events


def milestone(
    finished: Finished, current: dict[str, Any], milestones: Sequence[int] | None
) -> list[Event]:
    earlier = finished.snapshots[:-1]
    now_count = known(current, "followers")
    before = known(earlier[-1], "followers") if earlier else None
    if now_count is None or before is None:
        return []
    previous, followers = int(before), int(now_count)
    if milestones:
        passed = rules.crossed(previous, followers, milestones)
    else:
        passed = rules.round_milestones(previous, followers)
    if not passed:
        return []
    data = {
        **finished.base,
        "metric": "followers",
        "milestone": passed[-1],
        "crossed": passed,
        "round_number": not milestones,
        "previous": previous,
        "followers": followers,
    }
    return [Event("milestone", f"{finished.run['_id']}:{passed[-1]}", data)]


def _points(snapshots: Iterable[dict[str, Any]], name: str) -> list[rules.Point]:
    points = []
    for snapshot in snapshots:
        value = known(snapshot, name)
        if value is not None:
            points.append(rules.Point(snapshot["taken_at"], value))
    return points


def anomaly(finished: Finished, current: dict[str, Any]) -> list[Event]:
    found = rules.growth_anomaly(_points(finished.snapshots, "followers"))
    if found is None:
        return []
    data = {
        **finished.base,
        "metric": "followers",
        "direction": "up" if found.change_per_day > found.median_per_day else "down",
        "change_per_day": round(found.change_per_day, 2),
        "median_change_per_day": round(found.median_per_day, 2),
        "mad_per_day": round(found.mad_per_day, 2),
        "score": round(found.score, 2),
        "threshold": rules.ANOMALY_THRESHOLD,
        "since": iso(found.since),
        "previous": found.previous,
        "followers": found.current,
        "history_changes": found.history,
    }
    key = f"{finished.run['task_id']}:{day_of(current['taken_at'])}"
    return [Event("growth.anomaly", key, data)]


def surges(finished: Finished, current: dict[str, Any]) -> list[Event]:
    day = day_of(current["taken_at"])
    task_id = finished.run["task_id"]
    if finished.run["kind"] == "reel":
        found = rules.reel_surge(_points(finished.snapshots, "plays"))
        return [] if found is None else [_surge(finished, found, f"{task_id}::{day}", {})]
    events = []
    for post in current.get("posts", ()):
        if post.get("is_reel") is False or known(post, "plays") is None:
            continue
        series = [
            {**seen, "taken_at": snapshot["taken_at"]}
            for snapshot in finished.snapshots
            for seen in snapshot.get("posts", ())
            if seen["post_id"] == post["post_id"]
        ]
        found = rules.reel_surge(_points(series, "plays"))
        if found is not None:
            key = f"{task_id}:{post['post_id']}:{day}"
            events.append(_surge(finished, found, key, {"post_id": post["post_id"]}))
    return events


def _surge(finished: Finished, found: rules.Surge, key: str, about: dict[str, str]) -> Event:
    data = {
        **finished.base,
        **about,
        "metric": "plays",
        "plays_per_day": round(found.plays_per_day, 2),
        "recent_plays_per_day": round(found.recent_per_day, 2),
        "factor": None if found.factor is None else round(found.factor, 2),
        "threshold_factor": rules.SURGE_FACTOR,
        "since": iso(found.since),
        "previous_plays": found.previous,
        "plays": found.current,
    }
    return Event("reel.surge", key, data)
