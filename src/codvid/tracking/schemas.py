"""Request ``data`` models and response shapes of the tracking routes (contract 2.6-2.9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from codvid.kit.schemas import Schema, documented, omitted_if_none
from codvid.projects.schemas import ProjectName
from codvid.sentiment import TaskSentiment
from codvid.tracking.documents import LastRun, ProfileData, RunStatus, ScrapeHold
from codvid.tracking.validation import (
    INTERVAL_DEFAULT,
    Interval,
    ReelUrl,
    Shortcode,
    TaskStatus,
    Username,
)
from codvid.tracking.views import Event, ProfileTask, ProfileTaskSummary, ReelTask

# ---- requests ---------------------------------------------------------------------------


class ProfileTaskCreate(Schema):
    """``data`` of ``create_task``: the profile to follow and how often to scrape it."""

    model_config = documented(
        {"target_profile": "natgeo", "is_competitor": True, "scrape_interval_days": 2.0},
        {"target_profile": "@my.bakery"},
    )

    target_profile: Username = Field(examples=["natgeo"])
    is_competitor: bool = Field(False, examples=[True])
    scrape_interval_days: Interval = Field(INTERVAL_DEFAULT, examples=[2.0])


class ProfileTaskUpdate(Schema):
    """``data`` of ``update_task``: the fields to change (at least one)."""

    model_config = documented({"is_competitor": False, "status": "paused"}, {"status": "active"})

    is_competitor: bool | None = Field(None, examples=[False])
    status: TaskStatus | None = Field(None, examples=["paused"])


class IntervalUpdate(Schema):
    """``data`` of ``update_scrape_interval``: days between scheduled scrapes."""

    model_config = documented({"scrape_interval_days": 2.5})

    scrape_interval_days: Interval = Field(examples=[2.5])


class ForceScrape(Schema):
    """``data`` of a force scrape, optional (clients send no body): ``full`` fetches every
    recent post's comments again, not only those of new or changed posts."""

    model_config = documented({"full": True}, {})

    full: bool = Field(False, examples=[True])


class ReelTaskCreate(Schema):
    """``data`` of ``create_reel_task``: the reel to follow and the project it belongs to."""

    model_config = documented(
        {
            "project_name": "summer campaign",
            "reel_url": "https://www.instagram.com/reels/DNlP4Kayo5O/",
            "scrape_interval_days": 1.5,
            "reel_id": "DNlP4Kayo5O",
        },
        {"project_name": "summer campaign", "reel_url": "https://instagram.com/p/DNlP4Kayo5O/"},
    )

    project_name: ProjectName = Field(examples=["summer campaign"])
    reel_url: ReelUrl = Field(examples=["https://www.instagram.com/reels/DNlP4Kayo5O/"])
    scrape_interval_days: Interval = Field(INTERVAL_DEFAULT, examples=[1.5])
    reel_id: Shortcode | None = Field(None, examples=["DNlP4Kayo5O"])


class ProjectReels(Schema):
    """``data`` of ``get_project_reel_tasks``: the project whose reel tasks to list."""

    model_config = documented({"project_name": "summer campaign"})

    project_name: ProjectName = Field(examples=["summer campaign"])


# ---- responses --------------------------------------------------------------------------


class TaskCreated(BaseModel):
    task_id: str
    message: str
    # Profile tasks only (contract 2.6.1); a reel task's answer does not carry them.
    target_profile: str | None = omitted_if_none()
    next_scrape_due: float | None = omitted_if_none()


class ProfileTaskList(BaseModel):
    tasks: list[ProfileTaskSummary]
    total_tasks: int


class ReelTaskList(BaseModel):
    tasks: list[ReelTask]
    total_tasks: int


class ProfileTaskDetails(BaseModel):
    """``response.task`` plus the update 6 mirror of four fields at ``response`` level."""

    task: ProfileTask
    target_profile: str
    is_competitor: bool
    status: Literal["active", "paused"]
    target_profile_data: ProfileData


class ReelTaskDetails(BaseModel):
    task: ReelTask


class Message(BaseModel):
    message: str


class ScrapeStarted(BaseModel):
    """Shape D: every field at top level, no ``response``."""

    result: Literal[True] = True
    message: str
    task_id: str
    status: Literal["processing"] = "processing"


class TaskStatusBody(BaseModel):
    """Update 6 and update 7 readers alike (contract 2.8, CR-17)."""

    task_id: str
    is_processing: bool
    logs: list[Event]
    logs_count: int
    requested_logs_count: int
    latest_event: Event | None
    # Only once the task has had a run:
    status: RunStatus | None = omitted_if_none(
        description="The run's status; a queued run reads as processing (update 6 readers)"
    )
    started_at: float | None = omitted_if_none()
    updated_at: float | None = omitted_if_none()
    last_run: LastRun | None = omitted_if_none()
    scrape_hold: ScrapeHold | None = omitted_if_none(
        description="Why the scheduler leaves the task alone, until its user changes it "
        "(a permanent failure) or the month turns (a spent budget)"
    )


class SentimentBody(BaseModel):
    """The contract's ``sentiment_summary`` fields, unchanged, with two more in it: the
    comments whose sentiment is unknown, and the breakdown by language."""

    sentiment_summary: TaskSentiment


class TaskUsage(BaseModel):
    task_id: str
    task_type: Literal["profile", "reel"]
    target: str = Field(description="The profile (@name) or the reel's shortcode")
    runs: int
    usd: float
    items: int
    calls: int


class UsageBody(BaseModel):
    """``usage``: this month's scraping spend of the caller, in total and per task."""

    month: str = Field(examples=["2026-12"])
    provider: str
    usd: float
    items: int
    calls: int
    runs: int
    budget_usd: float | None
    budget_left_usd: float | None
    resets_at: float
    tasks: list[TaskUsage]
