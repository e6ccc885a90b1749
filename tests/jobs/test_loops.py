"""Periodic loops: each pass runs at its interval, a failing pass does not end the loop,
and stop ends every loop."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from codvid.jobs.loops import Loops

pytestmark = pytest.mark.anyio


async def test_a_loop_runs_at_once_then_every_interval_and_survives_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passes = 0

    async def flaky() -> None:
        nonlocal passes
        passes += 1
        if passes == 2:
            raise RuntimeError("one bad pass")

    loops = Loops()
    loops.every("flaky", 0.01, flaky)
    with caplog.at_level(logging.ERROR, logger="codvid.jobs.loops"):
        await asyncio.sleep(0.2)
        await loops.stop()

    assert passes >= 4, "the loop stopped after the failing pass"
    assert any("flaky failed" in record.getMessage() for record in caplog.records)
    stopped_at = passes
    await asyncio.sleep(0.05)
    assert passes == stopped_at, "a loop ran after stop"


async def test_stop_ends_a_loop_in_the_middle_of_a_pass() -> None:
    entered = asyncio.Event()

    async def slow() -> None:
        entered.set()
        await asyncio.sleep(60)

    loops = Loops()
    loops.every("slow", 60, slow)
    await asyncio.wait_for(entered.wait(), 2)
    await asyncio.wait_for(loops.stop(), 2)


async def test_stop_ends_a_loop_whose_pass_turned_the_cancellation_into_an_error() -> None:
    """A driver may report the operation it abandoned on cancellation as an error of its
    own (PyMongo does); the loop must still end, not log it and sleep on."""
    entered = asyncio.Event()

    async def reports_cancellation_as_failure() -> None:
        entered.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise ConnectionError("operation cancelled") from None

    loops = Loops()
    loops.every("converting", 60, reports_cancellation_as_failure)
    await asyncio.wait_for(entered.wait(), 2)
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == "converting"]
    began = time.monotonic()
    await asyncio.wait_for(loops.stop(), 5)
    assert task.done() and time.monotonic() - began < 1, "the loop slept on after stop"
