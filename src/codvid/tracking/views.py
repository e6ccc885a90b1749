"""Tracked objects as the contract shows them (section 3): typed, so the OpenAPI schema
lists every field, built from the stored documents.

A task shows a chosen set of its fields: internal bookkeeping (claims, run ids, failure
counters) never leaves the server, and ``task_id`` repeats ``_id`` for update 8 readers.
What a scrape stored on it (profile data, posts, comments, reel data) is shown as it is
stored, typed by the same shapes as the documents (:mod:`.documents`); fields a task only
has once it was scraped are left out until then.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codvid.kit.schemas import omitted_if_none
from codvid.sentiment import SentimentCounts
from codvid.tracking.documents import (
    LastRun,
    ProfileData,
    ProfileTaskDocument,
    ReelData,
    ReelTaskDocument,
    ScrapeHold,
)


class View(BaseModel):
    """A response object: ``_id`` by its wire name, every field declared."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class TaskCommon(View):
    id: str = Field(alias="_id", examples=["5f0c7a1e-8c55-4e0a-9d8b-2f3c1e4b6a7d"])
    created_at: float
    last_scraped: float | None
    next_scrape_due: float
    scrape_interval_days: float
    status: Literal["active", "paused"]
    last_run: LastRun | None = omitted_if_none(
        description="How the last run ended, and what it cost (once a run has ended)"
    )
    scrape_hold: ScrapeHold | None = omitted_if_none(
        description="Why the scheduler leaves the task alone: a permanent failure (until "
        "the task is changed or force-scraped) or a spent budget (until the month turns)"
    )


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
    shared_fetch: int | None = omitted_if_none(
        description="`account_fetched`: how many profiles the one provider call served"
    )


def _task_id(document: ProfileTaskDocument | ReelTaskDocument) -> dict[str, Any]:
    return {**document, "task_id": document["_id"]}


def profile_summary(task: ProfileTaskDocument) -> ProfileTaskSummary:
    return ProfileTaskSummary.model_validate(_task_id(task))


def profile_task(task: ProfileTaskDocument) -> ProfileTask:
    return ProfileTask.model_validate(_task_id(task))


def reel_task(task: ReelTaskDocument) -> ReelTask:
    return ReelTask.model_validate(_task_id(task))
