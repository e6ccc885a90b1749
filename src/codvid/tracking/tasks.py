"""Tracking's jobs and periodic work, declared for the process roles to run.

The composition root plugs these in: a worker process registers :func:`handlers`, every
process sends :data:`SCRAPE_RUN` jobs, a scheduler process runs :func:`loops` after
:func:`~codvid.tracking.scheduled.recover`. Nothing here knows which roles share a
process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from codvid.jobs.ports import Enqueue, Handler
from codvid.jobs.settings import JobSettings, is_in_process
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import Store
from codvid.tracking import history, scheduled, scrape
from codvid.tracking.pipelines import ScrapeContext
from codvid.tracking.ports import RunObserver

SCRAPE_RUN = "codvid.tracking.scrape_run"
"""Execute one run, by its id."""

Loop = tuple[str, float, Callable[[], Awaitable[object]]]
EXPIRY_INTERVAL = 3600.0
"""Seconds between sweeps of expired raw payloads."""
COMPACTION_INTERVAL = 86_400.0
"""Seconds between compactions of old snapshots (each pass reads only what aged since)."""


def handlers(ctx: ScrapeContext) -> dict[str, Handler]:
    return {SCRAPE_RUN: partial(scrape.execute, ctx)}


def loops(
    store: Store,
    enqueue: Enqueue,
    settings: JobSettings,
    scraping: ScrapingSettings,
    observer: RunObserver | None = None,
) -> list[Loop]:
    """``(name, interval, pass)`` of each periodic job; ``observer`` hears of the runs the
    sweeper fails."""
    sweeper: Loop = (
        "sweeper",
        settings.sweeper_interval,
        partial(
            scheduled.sweep,
            store,
            enqueue,
            settings.stale_after,
            in_process=is_in_process(settings),
            observer=observer,
        ),
    )
    expiry: Loop = (
        "raw payload expiry",
        EXPIRY_INTERVAL,
        partial(history.expire_payloads, store, scraping.raw_retention_days),
    )
    compaction: Loop = (
        "snapshot compaction",
        COMPACTION_INTERVAL,
        partial(history.compact_snapshots, store, scraping.snapshot_compact_after_days),
    )
    if not settings.scheduler_enabled:
        return [sweeper, expiry, compaction]
    due: Loop = (
        "scheduler",
        settings.scheduler_interval,
        partial(scheduled.schedule_due, store, enqueue, settings.scheduler_batch, scraping),
    )
    return [sweeper, expiry, compaction, due]
