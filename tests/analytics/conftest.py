"""What the analytics tests share: the service's own store (opened beside it, on the same
database), and snapshots written as a scrape stores them at any time in the past."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from codvid.storage import Document, Store, open_store
from codvid.tracking.documents import SNAPSHOTS, TaskKind
from tests.service import Service

DAY = 86_400


@pytest.fixture
async def service_store(service: Service) -> AsyncIterator[Store]:
    """The database of the session's service, opened a second time."""
    store = open_store(service.settings.storage)
    try:
        yield store
    finally:
        await store.close()


async def add_snapshot(
    store: Store,
    task_id: str,
    user_id: str,
    taken_at: float,
    kind: TaskKind = "profile",
    **numbers: Any,
) -> Document:
    """A snapshot as ``tracking.history.record`` keeps one, taken at ``taken_at``."""
    snapshot = {
        "_id": uuid.uuid4().hex,
        "task_id": task_id,
        "user_id": user_id,
        "kind": kind,
        "run_id": uuid.uuid4().hex,
        "taken_at": taken_at,
        **numbers,
    }
    await store.collection(SNAPSHOTS).insert_one(snapshot)
    return snapshot


def post(
    post_id: str,
    published_at: float,
    *,
    likes: int,
    comments: int,
    plays: int = 0,
    views: int = 0,
    is_reel: bool = False,
    unavailable: Sequence[str] = (),
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "post_id": post_id,
        "published_at": published_at,
        "is_reel": is_reel,
        "plays": plays,
        "views": views,
        "likes": likes,
        "comments": comments,
    }
    if unavailable:
        found["unavailable"] = list(unavailable)
    return found


async def stored_snapshots(store: Store, task_id: str) -> list[dict[str, Any]]:
    return await store.collection(SNAPSHOTS).find({"task_id": task_id}, sort=[("taken_at", 1)])


def days_ago(days: float, at: float | None = None) -> float:
    return (at if at is not None else time.time()) - days * DAY
