"""Tracked objects as the contract shows them (section 3): typed, so the OpenAPI schema
lists every field, built from the stored documents.

Internal bookkeeping (claims, run ids, failure counters) never leaves the server. Fields
a task only has once it was scraped are left out until then, as the stored object lacks
them; ``task_id`` repeats ``_id`` for update 8 readers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codvid.kit.schemas import omitted_if_none
from codvid.tracking.documents import ProfileTaskDocument, ReelTaskDocument


class View(BaseModel):
    """A response object: ``_id`` by its wire name, every field declared."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Comment(View):
    text: str
    sentiment: Literal["positive", "negative", "neutral"]
    owner_username: str
    username: str = Field(description="Same as owner_username (update 8 name)")
    timestamp: float
    likes_count: int
    likes: int = Field(description="Same as likes_count")


class Post(View):
    post_id: str = Field(description="The shortcode")
    post_url: str
    timestamp: float
    type: Literal["reel", "image", "carousel"]
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


class Provenance(View):
    data_source: str | None = omitted_if_none(description="The provider, e.g. demo")
    is_demo: bool | None = omitted_if_none(description="Synthetic demo data, not Instagram's")
    scraped_at: float | None = omitted_if_none()


class ProfileData(Provenance):
    """``target_profile_data``: counts are null until the first successful scrape."""

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


class SentimentCounts(View):
    positive: int
    negative: int
    neutral: int
    overall_sentiment: Literal["positive", "negative", "neutral"]


class ReelData(Provenance):
    """``reel_data``: an empty object until the first successful scrape."""

    caption: str | None = omitted_if_none()
    likes: int | None = omitted_if_none()
    comments: int | None = omitted_if_none()
    views: int | None = omitted_if_none()
    plays: int | None = omitted_if_none()
    timestamp: float | None = omitted_if_none()
    hashtags: list[str] | None = omitted_if_none()
    mentions: list[str] | None = omitted_if_none()
    owner_username: str | None = omitted_if_none()
    top_comments: list[Comment] | None = omitted_if_none()
    sentiment_analysis: SentimentCounts | None = omitted_if_none()


class TaskCommon(View):
    id: str = Field(alias="_id", examples=["5f0c7a1e-8c55-4e0a-9d8b-2f3c1e4b6a7d"])
    created_at: float
    last_scraped: float | None
    next_scrape_due: float
    scrape_interval_days: float
    status: Literal["active", "paused"]


class ProfileTaskSummary(TaskCommon):
    """A profile task in a list: no scraped data."""

    target_profile: str
    is_competitor: bool
    task_id: str


class ProfileTask(ProfileTaskSummary):
    schema_version: str
    user_id: str
    task_type: Literal["profile_tracking"]
    target_profile_data: ProfileData


class ReelTask(TaskCommon):
    reel_url: str
    reel_id: str
    project_name: str
    user_id: str
    reel_data: ReelData
    task_id: str


class Event(View):
    """One step of a run, as ``task_status`` lists it; some types carry details."""

    model_config = ConfigDict(extra="allow")

    timestamp: float
    event_type: str
    message: str
    reels_count: int | None = omitted_if_none()
    processing_progress: str | None = omitted_if_none()
    comments_analyzed: int | None = omitted_if_none()
    scraped_posts_count: int | None = omitted_if_none()
    comments_count: int | None = omitted_if_none()
    sentiment_analysis: SentimentCounts | None = omitted_if_none()


class LastRun(View):
    status: Literal["queued", "processing", "succeeded", "failed", "cancelled"]
    finished_at: float | None
    error: str | None


def _task_id(document: ProfileTaskDocument | ReelTaskDocument) -> dict[str, Any]:
    return {**document, "task_id": document["_id"]}


def profile_summary(task: ProfileTaskDocument) -> ProfileTaskSummary:
    return ProfileTaskSummary.model_validate(_task_id(task))


def profile_task(task: ProfileTaskDocument) -> ProfileTask:
    return ProfileTask.model_validate(_task_id(task))


def reel_task(task: ReelTaskDocument) -> ReelTask:
    return ReelTask.model_validate(_task_id(task))
