"""What tracking tells the packages above it, without knowing them.

A package that wants to hear of finished runs (alerts) hands the worker role an observer;
tracking calls it once a run's end is stored, and nothing about the run depends on what
the observer does: an error is logged, and a slow observer is cut off (``scrape``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal, Protocol

from codvid.tracking.documents import RunDocument

log = logging.getLogger(__name__)
OBSERVER_TIMEOUT = 5.0
"""Seconds the run observer may take (it records deliveries; sending happens elsewhere)."""

RunOutcome = Literal["succeeded", "failed"]


class RunObserver(Protocol):
    async def __call__(self, run: RunDocument, outcome: RunOutcome, reason: str | None) -> None:
        """``run`` (as it started) has ended with ``outcome``; ``reason`` says why a failed
        one failed. Called once per run, after its status is stored (and for a success,
        after its results and snapshot are)."""


async def tell(
    observer: RunObserver | None, run: RunDocument, outcome: RunOutcome, reason: str | None
) -> None:
    """Tell ``observer`` that ``run`` ended, however it ended (a worker's run, or one the
    sweeper failed); whatever the observer does, the run's end stays as stored and the
    caller goes on within ``OBSERVER_TIMEOUT``."""
    if observer is None:
        return
    try:
        await asyncio.wait_for(observer(run, outcome, reason), OBSERVER_TIMEOUT)
    except Exception:
        log.exception("the end of run %s was not passed on to its observer", run["_id"])
