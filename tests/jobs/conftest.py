"""Jobs run in this process against a real SQLite store in ``tmp_path``; the scraper
provider (the boundary to Instagram) is the only double."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from codvid.app import INDEXES
from codvid.config import Settings
from codvid.jobs.context import JobContext
from codvid.sentiment import get_analyzer
from codvid.storage import Store
from codvid.storage.sqlite import SQLiteStore
from tests.jobs.factories import ScriptedProvider

MakeSettings = Callable[..., Settings]
MakeContext = Callable[..., JobContext]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    def make(**overrides: Any) -> Settings:
        return Settings(
            **{"data_dir": tmp_path, "scraper_step_delay": 0, "failure_backoff": 60, **overrides}
        )

    return make


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = SQLiteStore(tmp_path / "jobs.sqlite3")
    await opened.ensure_indexes(INDEXES)
    yield opened
    await opened.close()


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


@pytest.fixture
def make_context(
    store: Store, provider: ScriptedProvider, make_settings: MakeSettings
) -> MakeContext:
    def make(**overrides: Any) -> JobContext:
        settings = make_settings(**overrides)
        return JobContext(
            store=store,
            settings=settings,
            provider=provider,
            analyzer=get_analyzer(),
            slots=asyncio.Semaphore(settings.job_concurrency),
            worker_id="test-worker",
        )

    return make


@pytest.fixture
def ctx(make_context: MakeContext) -> JobContext:
    return make_context()
