"""Tracking's collections, their indexes, and the shape of every document in them.

Tracking owns tasks (profile and reel), their runs and run events, the snapshots each
successful scrape leaves, and the providers' raw payloads; no other package queries
these collections. Field names follow the contract (section 3); internal bookkeeping
(claims, run ids, failure counters) is stored beside them and never shown.

What a scrape stores on a task (profile data, posts, comments, reel data) is shown to
clients as it is stored, so these shapes are also the response schemas (``views``);
they are ``typing_extensions.TypedDict`` because pydantic validates and documents those.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.scrapers import PostType
from codvid.sentiment import Label, SentimentCounts, Source
from codvid.storage import IndexSpec

TaskKind = Literal["profile", "reel"]
TaskStatus = Literal["active", "paused"]
RunStatus = Literal["queued", "processing", "succeeded", "failed", "cancelled"]
Trigger = Literal["force", "schedule"]

PROFILE_TASKS = "profile_tasks"
REEL_TASKS = "reel_tasks"
TASK_COLLECTIONS: dict[TaskKind, str] = {"profile": PROFILE_TASKS, "reel": REEL_TASKS}
RUNS = "runs"
EVENTS = "run_events"
SNAPSHOTS = "snapshots"
COMPACTED = "snapshot_compaction"
"""Per task: up to when its snapshots were compacted to one a day (``history``)."""
RAW_PAYLOADS = "raw_payloads"
USAGE = "scrape_usage"

_DUE = IndexSpec("due", (("status", 1), ("next_scrape_due", 1)))
INDEXES = {
    PROFILE_TASKS: [
        IndexSpec("owner_created", (("user_id", 1), ("created_at", 1))),
        IndexSpec("owner_profile", (("user_id", 1), ("target_profile", 1)), unique=True),
        _DUE,
    ],
    REEL_TASKS: [
        IndexSpec("project_created", (("project_id", 1), ("created_at", 1))),
        IndexSpec("project_reel", (("project_id", 1), ("reel_id", 1)), unique=True),
        IndexSpec("owner", (("user_id", 1),)),
        _DUE,
    ],
    RUNS: [
        IndexSpec("task_created", (("task_id", 1), ("created_at", 1))),
        IndexSpec("active", (("status", 1), ("heartbeat_at", 1))),
    ],
    EVENTS: [IndexSpec("run_seq", (("run_id", 1), ("seq", 1)))],
    SNAPSHOTS: [IndexSpec("task_taken", (("task_id", 1), ("taken_at", 1)))],
    COMPACTED: [],
    RAW_PAYLOADS: [
        IndexSpec("task", (("task_id", 1),)),
        IndexSpec("fetched", (("fetched_at", 1),)),
    ],
    USAGE: [IndexSpec("owner_month", (("user_id", 1), ("month", 1)))],
}


# ---- what a scrape stores on its task (contract 3.3-3.5) -------------------------------


class Comment(TypedDict):
    text: str
    sentiment: Label
    owner_username: str
    username: Annotated[str, Field(description="Same as owner_username (update 8 name)")]
    timestamp: float
    likes_count: int
    likes: Annotated[int, Field(description="Same as likes_count")]
    # Absent on comments stored before languages were detected:
    language: NotRequired[
        Annotated[
            str,
            Field(
                description="ISO 639-1 code of the comment's language; zxx when it has no "
                "words (emoji only)",
                examples=["pt"],
            ),
        ]
    ]
    sentiment_source: NotRequired[
        Annotated[
            Source,
            Field(
                description="What scored it: vader (English), lexicon (its language's), "
                "emoji (no words, or only its emoji could be scored), or unknown (no lexicon "
                "for its language: `sentiment` then says neutral, not a guess)"
            ),
        ]
    ]


class Post(TypedDict):
    post_id: Annotated[str, Field(description="The shortcode")]
    post_url: str
    timestamp: float
    type: PostType
    is_reel: bool
    caption: str
    likes_count: int
    likes: int
    comments_count: int
    comments: int
    video_view_count: int
    video_play_count: int
    hashtags: list[str]
    mentions: list[str]
    top_comments: list[Comment]
    comments_fetched_at: NotRequired[
        Annotated[
            float,
            Field(
                description="When top_comments were fetched: comments are fetched again only "
                "for new posts and posts whose comment count moved, else carried over"
            ),
        ]
    ]
    comments_count_at_fetch: NotRequired[int]
    unavailable_metrics: NotRequired[list[str]]
    """Count fields the provider cannot give: their 0 means unknown, not zero."""


class ProfileData(TypedDict):
    """``target_profile_data``; counts are ``None`` and provenance absent until the first
    successful scrape."""

    username: str
    full_name: str
    biography: str
    icon_pic_url: str
    followers: int | None
    following: int | None
    follows_count: int | None
    posts_count: int | None
    igtv_video_count: int | None
    ig_tv_video_count: int | None
    scraped_posts: list[Post]
    unavailable_metrics: NotRequired[list[str]]
    data_source: NotRequired[Annotated[str, Field(description="The provider, e.g. demo")]]
    is_demo: NotRequired[Annotated[bool, Field(description="Synthetic data, not Instagram's")]]
    scraped_at: NotRequired[float]


class ReelData(TypedDict, total=False):
    """``reel_data``: empty until the first successful scrape, then every field."""

    caption: str
    likes: int
    comments: int
    views: int
    plays: int
    timestamp: float
    hashtags: list[str]
    mentions: list[str]
    owner_username: str
    top_comments: list[Comment]
    comments_fetched_at: float
    comments_count_at_fetch: int
    sentiment_analysis: SentimentCounts
    unavailable_metrics: list[str]
    data_source: str
    is_demo: bool
    scraped_at: float


EMPTY_PROFILE_DATA: ProfileData = {
    "username": "",
    "full_name": "",
    "biography": "",
    "icon_pic_url": "",
    "followers": None,
    "following": None,
    "follows_count": None,
    "posts_count": None,
    "igtv_video_count": None,
    "ig_tv_video_count": None,
    "scraped_posts": [],
}


# ---- tasks ---------------------------------------------------------------------------


class RunCost(TypedDict):
    """What a run cost: dollars when the provider charges, results charged, calls made."""

    usd: float
    items: int
    calls: int


class LastRun(TypedDict):
    status: RunStatus
    finished_at: float | None
    error: str | None
    cost: NotRequired[RunCost]


HoldCause = Literal["permanent_failure", "budget"]


class ScrapeHold(TypedDict):
    """Why the scheduler leaves a task alone: a permanent failure (a private, missing or
    non-business profile, a deleted reel) until the user changes the task, or a spent
    monthly budget until the month turns."""

    cause: HoldCause
    reason: str
    since: float


class TaskDocument(TypedDict):
    """The fields every tracking task has, whatever it tracks."""

    _id: str
    schema_version: str
    user_id: str
    status: TaskStatus
    created_at: float
    last_scraped: float | None
    next_scrape_due: float
    scrape_interval_days: float
    active_run_id: str | None
    """The run holding the task's claim (see :mod:`.runs`)."""
    last_run_id: str | None
    consecutive_failures: int
    last_run: NotRequired[LastRun]
    scrape_hold: NotRequired[ScrapeHold | None]


class ProfileTaskDocument(TaskDocument):
    task_type: Literal["profile_tracking"]
    target_profile: str
    is_competitor: bool
    target_profile_data: ProfileData


class ReelTaskDocument(TaskDocument):
    task_type: Literal["reel_tracking"]
    project_id: str
    project_name: str
    reel_url: str
    reel_id: str
    reel_data: ReelData


TrackedTask = ProfileTaskDocument | ReelTaskDocument


def new_task(user_id: str, interval_days: float) -> TaskDocument:
    """The fields every tracking task starts with, whatever it tracks."""
    created = now()
    return {
        "_id": new_id(),
        "schema_version": "1.0",
        "user_id": user_id,
        "status": "active",
        "created_at": created,
        "last_scraped": None,
        "next_scrape_due": created + interval_days * 86400,
        "scrape_interval_days": interval_days,
        "active_run_id": None,
        "last_run_id": None,
        "consecutive_failures": 0,
    }


# ---- runs, their events, and what a successful run leaves behind ----------------------


class RunDocument(TypedDict):
    _id: str
    task_id: str
    user_id: str
    kind: TaskKind
    trigger: Trigger
    status: RunStatus
    created_at: float
    started_at: float | None
    updated_at: float
    heartbeat_at: float
    finished_at: float | None
    error: str | None
    logs_count: int
    queued_by: str
    """The process that claimed the task and sent the run (``jobs.process``)."""
    worker: str | None
    """The process executing it, once it started."""
    full: NotRequired[bool]
    """A full refresh: every post's comments fetched again (force scrape ``full``)."""
    cost: NotRequired[RunCost]
    provider: NotRequired[str]


class EventDocument(TypedDict):
    """One step of a run; events of some types carry details beside these fields (e.g.
    ``reels_count``), which is why readers treat an event as a mapping."""

    _id: str
    run_id: str
    task_id: str
    seq: int
    timestamp: float
    event_type: str
    message: str


PROFILE_NUMBERS = ("followers", "follows_count", "posts_count")
REEL_NUMBERS = ("plays", "views", "likes", "comments")
"""The counts a snapshot keeps: a profile's, and a reel's (or a post's)."""


class SnapshotNumbers(TypedDict, total=False):
    """The numbers of one successful scrape: a profile's or a reel's. ``unavailable``
    names those of its numbers the provider could not give (stored as 0, read as
    unknown); a reel's ``published_at`` is when it was posted."""

    followers: int
    follows_count: int
    posts_count: int
    posts: list[PostNumbers]
    plays: int
    views: int
    likes: int
    comments: int
    published_at: float
    unavailable: list[str]


class PostNumbers(TypedDict):
    post_id: str
    published_at: float
    is_reel: NotRequired[bool]
    """Kept since engagement per play and per view came (older snapshots lack it)."""
    plays: int
    views: int
    likes: int
    comments: int
    unavailable: NotRequired[list[str]]


class SnapshotDocument(SnapshotNumbers):
    """A snapshot, kept for history."""

    _id: str
    task_id: str
    user_id: str
    kind: TaskKind
    run_id: str
    taken_at: float


class RawPayloadDocument(TypedDict):
    _id: str
    task_id: str
    user_id: str
    kind: TaskKind
    fetched_at: float
    payload: dict[str, Any]


class UsageDocument(TypedDict):
    """What one task's runs cost in one month (UTC), summed; ``_id`` is
    ``month|user_id|task_id``. A deployment-wide total has ``user_id`` and ``task_id``
    ``"*"``. Kept when the task is deleted: the money was spent."""

    _id: str
    month: str
    user_id: str
    task_id: str
    kind: TaskKind | Literal["*"]
    target: str
    runs: int
    usd: float
    items: int
    calls: int
