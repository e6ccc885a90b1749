"""Test data for the jobs package: tasks made through the real services, a scriptable
scraper provider (the one double: it stands in for Instagram), and storage reads."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codvid.jobs import history, runs
from codvid.projects import service as projects
from codvid.scrapers import ProfileResult, ReelResult
from codvid.scrapers.providers.demo import DemoProvider
from codvid.storage import Document, Store
from codvid.tracking import profiles, reels
from codvid.tracking.collections import TASK_COLLECTIONS, TaskKind
from codvid.tracking.schemas import ProfileTaskCreate, ReelTaskCreate

USER = "user-jobs"
OTHER_USER = "someone-else"
PROJECT = "Launch"
REEL_SHORTCODE = "Reel0001"  # demo data with hashtags and ten comments
REEL_URL = f"https://www.instagram.com/reel/{REEL_SHORTCODE}/"
DAY = 86_400


class ScriptedProvider:
    """The real demo provider (no delays) behind switches a test flips between calls.

    ``error`` is raised, ``malformed`` breaks a count, ``gate`` (see :meth:`hang`) holds
    every call until set, ``delay`` slows calls down. ``entered`` is set on each call.
    """

    name = "demo"

    def __init__(self) -> None:
        self._demo = DemoProvider(step_delay=0)
        self.error: BaseException | None = None
        self.malformed = False
        self.gate: asyncio.Event | None = None
        self.delay = 0.0
        self.calls = 0
        self.entered = asyncio.Event()
        self.last: ProfileResult | ReelResult | None = None

    def hang(self) -> asyncio.Event:
        """Hold every later call until the returned event is set."""
        self.gate = asyncio.Event()
        return self.gate

    def behave(self) -> None:
        self.error, self.malformed, self.gate, self.delay = None, False, None, 0.0

    async def _arrive(self) -> None:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error

    async def fetch_profile(
        self, username: str, *, max_posts: int, max_comments: int
    ) -> ProfileResult:
        await self._arrive()
        result = await self._demo.fetch_profile(
            username, max_posts=max_posts, max_comments=max_comments
        )
        if self.malformed:
            result = dataclasses.replace(result, followers=-1)
        self.last = result
        return result

    async def fetch_reel(self, shortcode: str, *, max_comments: int) -> ReelResult:
        await self._arrive()
        result = await self._demo.fetch_reel(shortcode, max_comments=max_comments)
        if self.malformed:
            result = dataclasses.replace(result, likes=-1)
        self.last = result
        return result


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
    existing = await store.collection(projects.PROJECTS).find_one(
        {"user_id": user_id, "name": project}
    )
    if existing is None:
        await projects.create(store, user_id, project)
    url = f"https://www.instagram.com/reel/{shortcode}/"
    task = await reels.create(store, user_id, ReelTaskCreate(project_name=project, reel_url=url))
    return await _with_fields(store, "reel", task, fields)


async def _with_fields(
    store: Store, kind: TaskKind, task: Document, fields: dict[str, Any]
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
    return run


async def set_run(store: Store, run_id: str, **fields: Any) -> None:
    """Put a run in a state only a crash or the passing of time leaves behind."""
    assert await store.collection(runs.RUNS).update_one({"_id": run_id}, {"$set": fields})


async def events(store: Store, run_id: str) -> list[Document]:
    return await runs.latest_events(store, run_id, 1000)


async def event_types(store: Store, run_id: str) -> list[str]:
    return [event["event_type"] for event in await events(store, run_id)]


async def runs_of(store: Store, task_id: str) -> list[Document]:
    return await store.collection(runs.RUNS).find({"task_id": task_id})


async def count(store: Store, collection: str, task_id: str) -> int:
    return await store.collection(collection).count_documents({"task_id": task_id})


async def history_counts(store: Store, task_id: str) -> tuple[int, int]:
    return (
        await count(store, history.SNAPSHOTS, task_id),
        await count(store, history.RAW_PAYLOADS, task_id),
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


class Enqueued:
    """A stand-in for the broker's enqueue: records the run ids it is given."""

    def __init__(self, *, yield_each: bool = False) -> None:
        self.run_ids: list[str] = []
        self._yield = yield_each

    async def __call__(self, run_id: str) -> None:
        self.run_ids.append(run_id)
        if self._yield:
            await asyncio.sleep(0)
