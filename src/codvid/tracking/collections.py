"""Where tracking documents live; shared by the tracking services and the jobs."""

from __future__ import annotations

from typing import Any, Literal

from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import IndexSpec

TaskKind = Literal["profile", "reel"]

PROFILE_TASKS = "profile_tasks"
REEL_TASKS = "reel_tasks"
TASK_COLLECTIONS: dict[TaskKind, str] = {"profile": PROFILE_TASKS, "reel": REEL_TASKS}

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
}


def new_task(task_type: str, user_id: str, interval_days: float) -> dict[str, Any]:
    """The fields every tracking task starts with, whatever it tracks."""
    created = now()
    return {
        "_id": new_id(),
        "schema_version": "1.0",
        "task_type": task_type,
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
