"""Stored task documents as the contract shows them (``_id``, epoch numbers, aliases).

Internal bookkeeping (claims, run ids, failure counters) never leaves the server.
"""

from __future__ import annotations

from typing import Any

from codvid.storage import Document

PROFILE_SUMMARY = (
    "_id",
    "target_profile",
    "is_competitor",
    "status",
    "created_at",
    "last_scraped",
    "next_scrape_due",
    "scrape_interval_days",
)
PROFILE_DETAIL = (
    *PROFILE_SUMMARY[:1],
    "schema_version",
    "user_id",
    "task_type",
    *PROFILE_SUMMARY[1:],
    "target_profile_data",
)
REEL_FIELDS = (
    "_id",
    "reel_url",
    "reel_id",
    "created_at",
    "last_scraped",
    "next_scrape_due",
    "scrape_interval_days",
    "status",
    "project_name",
    "user_id",
    "reel_data",
)

EMPTY_PROFILE_DATA: dict[str, Any] = {
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


def _pick(document: Document, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: document.get(field) for field in fields}


def profile_summary(task: Document) -> dict[str, Any]:
    """The list form: no scraped data; ``task_id`` beside ``_id`` for update 8 readers."""
    return {**_pick(task, PROFILE_SUMMARY), "task_id": task["_id"]}


def profile_detail(task: Document) -> dict[str, Any]:
    return {**_pick(task, PROFILE_DETAIL), "task_id": task["_id"]}


def reel_task(task: Document) -> dict[str, Any]:
    return {**_pick(task, REEL_FIELDS), "task_id": task["_id"]}
