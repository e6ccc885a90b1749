"""The tools the assistant may call: their schemas and their implementations, over the
caller's own data only (every lookup is filtered by the caller's user id).

A tool returns a JSON-serialisable result for the model and, for tools that write to the
project, the data_mods that make the write (applied and streamed by the caller).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from codvid.ai.mods import DataMod
from codvid.ai.providers.base import ToolSpec
from codvid.errors import CodvidError
from codvid.jobs.ports import Enqueue
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import Store
from codvid.tracking import history, profiles, reels
from codvid.tracking import service as tracking
from codvid.tracking.documents import ProfileTaskDocument, ReelTaskDocument

UUID_SCHEMA = {"type": "string", "description": "A task id (UUID) from list_tracked"}
SPECS = (
    ToolSpec(
        "list_tracked",
        "List the user's tracked Instagram profiles and reels with their latest metrics.",
        {"type": "object", "properties": {}, "additionalProperties": False},
    ),
    ToolSpec(
        "get_task_history",
        "History of one tracked profile or reel (metrics at each scrape) and the sentiment "
        "summary of its comments.",
        {
            "type": "object",
            "properties": {"task_id": UUID_SCHEMA},
            "required": ["task_id"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        "start_scrape",
        "Start a fresh scrape of a tracked profile or reel; it runs in the background.",
        {
            "type": "object",
            "properties": {"task_id": UUID_SCHEMA},
            "required": ["task_id"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        "save_memory_note",
        "Save a short note about this project for later conversations.",
        {
            "type": "object",
            "properties": {
                "key": {"type": "string", "description": "A short name for the note"},
                "text": {"type": "string", "description": "The note"},
            },
            "required": ["key", "text"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        "update_project_info",
        "Set the project's description and/or keywords.",
        {
            "type": "object",
            "properties": {
                "description": {"type": "string"},
                "keywords": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": False,
        },
    ),
)

#: What the ``tool_calling`` event says while a tool works.
PROGRESS = {
    "list_tracked": "Looking up your tracked profiles and reels",
    "get_task_history": "Reading the history of task {task_id}",
    "start_scrape": "Starting a scrape of task {task_id}",
    "save_memory_note": "Saving a note",
    "update_project_info": "Updating the project information",
}


@dataclass(frozen=True)
class ToolContext:
    store: Store
    enqueue: Enqueue
    scraping: ScrapingSettings
    user_id: str
    project_name: str


@dataclass
class ToolOutcome:
    result: dict[str, Any]
    mods: list[DataMod] = field(default_factory=list)


class ToolArgumentsError(ValueError):
    pass


def progress_text(name: str, arguments: dict[str, Any]) -> str:
    template = PROGRESS.get(name, f"Calling {name}")
    try:
        return template.format(**arguments)
    except (KeyError, IndexError):
        return template


def parse_arguments(raw: str) -> dict[str, Any]:
    try:
        arguments = json.loads(raw or "{}")
    except ValueError:
        raise ToolArgumentsError("the arguments are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise ToolArgumentsError("the arguments must be a JSON object")
    return arguments


async def run(name: str, arguments: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
    """Run one tool; a failure the model can react to is a result with ``error``."""
    tool = TOOLS.get(name)
    if tool is None:
        return ToolOutcome({"ok": False, "error": f"unknown tool {name!r}"})
    try:
        return await tool(ctx, arguments)
    except ToolArgumentsError as exc:
        return ToolOutcome({"ok": False, "error": f"invalid arguments: {exc}"})
    except CodvidError as exc:
        return ToolOutcome({"ok": False, "error": exc.message})


def _string(arguments: dict[str, Any], key: str, limit: int = 4000) -> str:
    value = arguments.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolArgumentsError(f"{key} must be a non-empty string")
    if len(value) > limit:
        raise ToolArgumentsError(f"{key} must be at most {limit} characters")
    return value.strip()


def _profile_item(task: ProfileTaskDocument) -> dict[str, Any]:
    data = task.get("target_profile_data") or {}
    return {
        "task_id": task["_id"],
        "username": task["target_profile"],
        "is_competitor": task["is_competitor"],
        "status": task["status"],
        "last_scraped": task["last_scraped"],
        "followers": data.get("followers"),
        "posts_count": data.get("posts_count"),
        "recent_posts": len(data.get("scraped_posts") or []),
        "is_demo": data.get("is_demo", False),
    }


def _reel_item(task: ReelTaskDocument) -> dict[str, Any]:
    data = task["reel_data"]
    sentiment = data.get("sentiment_analysis")
    return {
        "task_id": task["_id"],
        "reel_id": task["reel_id"],
        "project_name": task["project_name"],
        "status": task["status"],
        "last_scraped": task["last_scraped"],
        "views": data.get("views"),
        "likes": data.get("likes"),
        "comments": data.get("comments"),
        "overall_sentiment": sentiment["overall_sentiment"] if sentiment else None,
        "is_demo": data.get("is_demo", False),
    }


async def list_tracked(ctx: ToolContext, _: dict[str, Any]) -> ToolOutcome:
    owned = await profiles.list_for_user(ctx.store, ctx.user_id)
    reel_tasks = await reels.list_for_user(ctx.store, ctx.user_id)
    return ToolOutcome(
        {
            "profiles": [_profile_item(task) for task in owned],
            "reels": [_reel_item(task) for task in reel_tasks],
        }
    )


HISTORY_POINTS = 30
"""The latest snapshots a history answer shows the model."""


async def get_task_history(ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutcome:
    task_id = _string(arguments, "task_id", 64)
    task = await tracking.get(ctx.store, ctx.user_id, task_id)
    item = _profile_item(task) if task["task_type"] == "profile_tracking" else _reel_item(task)
    return ToolOutcome(
        {
            "task": item,
            "history": await history.latest_numbers(ctx.store, task_id, HISTORY_POINTS),
            "sentiment_summary": await tracking.sentiment(ctx.store, ctx.user_id, task_id),
        }
    )


async def start_scrape(ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutcome:
    task_id = _string(arguments, "task_id", 64)
    kind, _ = await tracking.find_owned(ctx.store, ctx.user_id, task_id, [])
    await tracking.force_scrape(ctx.store, ctx.enqueue, ctx.scraping, kind, ctx.user_id, task_id)
    return ToolOutcome({"ok": True, "task_id": task_id, "status": "processing"})


async def save_memory_note(ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutcome:
    key = _string(arguments, "key", 100)
    text = _string(arguments, "text")
    mod = DataMod(("projects", ctx.project_name, "ai_memory", key), "create", text)
    return ToolOutcome({"ok": True, "saved": key}, [mod])


async def update_project_info(ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutcome:
    mods = []
    if "description" in arguments:
        description = arguments["description"]
        if not isinstance(description, str) or len(description) > 4000:
            raise ToolArgumentsError("description must be a string of at most 4000 characters")
        mods.append(
            DataMod(
                ("projects", ctx.project_name, "project_info", "description"), "create", description
            )
        )
    if "keywords" in arguments:
        keywords = arguments["keywords"]
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ToolArgumentsError("keywords must be a list of strings")
        mods.append(
            DataMod(
                ("projects", ctx.project_name, "project_info", "keywords"), "create", keywords[:50]
            )
        )
    if not mods:
        raise ToolArgumentsError("give a description or keywords")
    return ToolOutcome({"ok": True, "updated": [m.key_path[-1] for m in mods]}, mods)


TOOLS: dict[str, Callable[[ToolContext, dict[str, Any]], Awaitable[ToolOutcome]]] = {
    "list_tracked": list_tracked,
    "get_task_history": get_task_history,
    "start_scrape": start_scrape,
    "save_memory_note": save_memory_note,
    "update_project_info": update_project_info,
}
