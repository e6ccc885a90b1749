"""Domain test data with keyword overrides: tasks made through the real services, and
reads of what storage holds (runs, events, history)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from codvid.bootstrap import ScrapeWorker, scrape_worker
from codvid.config import Settings
from codvid.jobs.worker import Worker
from codvid.projects import service as projects
from codvid.projects.documents import PROJECTS
from codvid.scrapers import ScraperProvider
from codvid.storage import Document, Store
from codvid.tracking import profiles, reels, runs, scrape
from codvid.tracking.documents import (
    RAW_PAYLOADS,
    RUNS,
    SNAPSHOTS,
    TASK_COLLECTIONS,
    TaskKind,
)
from codvid.tracking.pipelines import ScrapeContext
from codvid.tracking.schemas import ProfileTaskCreate, ReelTaskCreate
from codvid.users import service as users
from codvid.workspace import service as workspace

USER = "user-jobs"
OTHER_USER = "someone-else"
PROJECT = "Launch"
REEL_SHORTCODE = "Reel0001"  # demo data with hashtags and ten comments
REEL_URL = f"https://www.instagram.com/reel/{REEL_SHORTCODE}/"
DAY = 86_400


async def profile_task(
    store: Store, name: str = "natgeo", *, user_id: str = USER, **fields: Any
) -> Document:
    """A profile task made by the service; ``fields`` are then written as stored state
    (``next_scrape_due``, ``active_run_id``...) that only time or a run would set."""
    task = await profiles.create(store, user_id, ProfileTaskCreate(target_profile=name))
    return await _with_fields(store, "profile", task, fields)


async def reel_task(
    store: Store,
    shortcode: str = REEL_SHORTCODE,
    *,
    user_id: str = USER,
    project: str = PROJECT,
    **fields: Any,
) -> Document:
    existing = await store.collection(PROJECTS).find_one({"user_id": user_id, "name": project})
    if existing is None:
        await projects.create(store, user_id, project)
    url = f"https://www.instagram.com/reel/{shortcode}/"
    task = await reels.create(store, user_id, ReelTaskCreate(project_name=project, reel_url=url))
    return await _with_fields(store, "reel", task, fields)


async def _with_fields(
    store: Store, kind: TaskKind, task: Mapping[str, Any], fields: dict[str, Any]
) -> Document:
    if fields:
        await store.collection(TASK_COLLECTIONS[kind]).update_one(
            {"_id": task["_id"]}, {"$set": fields}
        )
    return await read_task(store, kind, task["_id"])


async def read_task(store: Store, kind: TaskKind, task_id: str) -> Document:
    task = await store.collection(TASK_COLLECTIONS[kind]).find_one({"_id": task_id})
    assert task is not None, f"{kind} task {task_id} is gone"
    return task


async def read_run(store: Store, run_id: str) -> Document:
    run = await runs.get(store, run_id)
    assert run is not None, f"run {run_id} is gone"
    return dict(run)


async def set_run(store: Store, run_id: str, **fields: Any) -> None:
    """Put a run in a state only a crash or the passing of time leaves behind."""
    assert await store.collection(RUNS).update_one({"_id": run_id}, {"$set": fields})


async def events(store: Store, run_id: str) -> list[Document]:
    return [dict(event) for event in await runs.latest_events(store, run_id, 1000)]


async def event_types(store: Store, run_id: str) -> list[str]:
    return [event["event_type"] for event in await events(store, run_id)]


async def runs_of(store: Store, task_id: str) -> list[Document]:
    return await store.collection(RUNS).find({"task_id": task_id})


async def count(store: Store, collection: str, task_id: str) -> int:
    return await store.collection(collection).count_documents({"task_id": task_id})


async def history_counts(store: Store, task_id: str) -> tuple[int, int]:
    return (
        await count(store, SNAPSHOTS, task_id),
        await count(store, RAW_PAYLOADS, task_id),
    )


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Executor:
    """Runs executed as the worker role executes them: through a real
    :class:`~codvid.jobs.worker.Worker` (its slots, its stop) with the scraper double."""

    context: ScrapeContext
    worker: Worker
    scraping: ScrapeWorker

    @classmethod
    def build(cls, store: Store, settings: Settings, provider: ScraperProvider) -> Executor:
        scraping = scrape_worker(settings, store, provider, "test-worker")
        return cls(scraping.context, scraping.worker, scraping)

    async def __call__(self, run_id: str) -> None:
        await self.worker.run(lambda: scrape.execute(self.context, run_id))


async def client_tree(store: Store, user_id: str) -> dict[str, Any]:
    """The client's whole cache root for a user, as ``data_mods`` address it, read from
    storage through the owners' functions."""
    user = await users.get_user(store, user_id, ["global_data"])
    assert user is not None
    return {
        "global_data": user["global_data"],
        "projects": {
            project["name"]: (await workspace.project_data(store, project)).model_dump()
            for project in await projects.list_for_user(store, user_id)
        },
    }
