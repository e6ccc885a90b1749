"""What tracking tells the packages above it, without knowing them.

A package that wants to hear of finished runs (alerts) hands the worker role an observer;
tracking calls it once a run's end is stored, and nothing about the run depends on what
the observer does: an error is logged, and a slow observer is cut off (``scrape``).
"""

from __future__ import annotations

from typing import Literal, Protocol

from codvid.tracking.documents import RunDocument

RunOutcome = Literal["succeeded", "failed"]


class RunObserver(Protocol):
    async def __call__(self, run: RunDocument, outcome: RunOutcome, reason: str | None) -> None:
        """``run`` (as it started) has ended with ``outcome``; ``reason`` says why a failed
        one failed. Called once per run, after its status is stored (and for a success,
        after its results and snapshot are)."""
