"""The assistant's history tool reads a bounded window: the latest snapshots' own
numbers, oldest first, however long the task's history has grown."""

from __future__ import annotations

import pytest

from codvid.ai import tools
from codvid.config import load_settings
from codvid.storage import Store
from codvid.tracking import history, profiles
from codvid.tracking.documents import SNAPSHOTS
from codvid.tracking.schemas import ProfileTaskCreate
from tests.doubles import Enqueued

pytestmark = pytest.mark.anyio
USER = "history-tool-user"


async def test_the_history_tool_answers_the_latest_snapshots_oldest_first(store: Store) -> None:
    task = await profiles.create(store, USER, ProfileTaskCreate(target_profile="long.history"))
    for day in range(tools.HISTORY_POINTS + 15):
        await store.collection(SNAPSHOTS).insert_one(
            {
                "_id": f"snap-{day:03d}",
                "task_id": task["_id"],
                "user_id": USER,
                "kind": "profile",
                "run_id": f"run-{day:03d}",
                "taken_at": 1_700_000_000.0 + day * 86_400,
                "followers": 1_000 + day,
                "follows_count": 10,
                "posts_count": 5,
                "posts": [{"post_id": "p", "published_at": 1.0, "likes": day}],
                **({"unavailable": ["follows_count"]} if day % 2 else {}),
            }
        )
    ctx = tools.ToolContext(store, Enqueued(), load_settings().scraping, USER, "project")

    outcome = await tools.run("get_task_history", {"task_id": task["_id"]}, ctx)

    shown = outcome.result["history"]
    first = 15
    assert [point["followers"] for point in shown] == [
        1_000 + day for day in range(first, first + tools.HISTORY_POINTS)
    ]
    assert all(set(point) <= set(history.NUMBERS) for point in shown)
    assert [("unavailable" in point) for point in shown[:2]] == [True, False]


async def test_another_users_task_has_no_history_for_the_tool(store: Store) -> None:
    task = await profiles.create(store, USER, ProfileTaskCreate(target_profile="someone.else"))
    ctx = tools.ToolContext(store, Enqueued(), load_settings().scraping, "intruder", "project")

    outcome = await tools.run("get_task_history", {"task_id": task["_id"]}, ctx)

    assert outcome.result["ok"] is False and "history" not in outcome.result
