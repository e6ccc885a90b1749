"""The test doubles, at the one boundary that cannot be reached from here: Instagram
(through the scraper provider) and, for code that sends jobs, the queue."""

from __future__ import annotations

import asyncio
import dataclasses

from codvid.scrapers import ProfileResult, ReelResult
from codvid.scrapers.providers.demo import DemoProvider


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

    async def close(self) -> None:
        await self._demo.close()


class Enqueued:
    """A stand-in for the broker's enqueue: records the run ids it is given."""

    def __init__(self, *, yield_each: bool = False) -> None:
        self.run_ids: list[str] = []
        self._yield = yield_each

    async def __call__(self, run_id: str) -> None:
        self.run_ids.append(run_id)
        if self._yield:
            await asyncio.sleep(0)
