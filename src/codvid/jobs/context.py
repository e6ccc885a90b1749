"""What a job needs, built once per process and handed to every run."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from codvid.config import Settings
from codvid.scrapers import ScraperProvider, build_provider
from codvid.sentiment import SentimentAnalyzer, get_analyzer
from codvid.storage import Store


@dataclass
class JobContext:
    store: Store
    settings: Settings
    provider: ScraperProvider
    analyzer: SentimentAnalyzer
    slots: asyncio.Semaphore
    worker_id: str
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)
    stopping: bool = False


def build_context(store: Store, settings: Settings) -> JobContext:
    provider = build_provider(settings.scraper_provider, **provider_options(settings))
    return JobContext(
        store=store,
        settings=settings,
        provider=provider,
        analyzer=get_analyzer(),
        slots=asyncio.Semaphore(settings.job_concurrency),
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
    )


def provider_options(settings: Settings) -> dict[str, object]:
    if settings.scraper_provider == "demo":
        return {"step_delay": settings.scraper_step_delay}
    return {}
