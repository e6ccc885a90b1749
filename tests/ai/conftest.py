"""The data_mods engine against a real SQLite store in ``tmp_path``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codvid.projects import service as projects
from codvid.storage import Store
from codvid.storage.sqlite import SQLiteStore
from codvid.users import service as users

INDEXES = {**users.INDEXES, **projects.INDEXES}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = SQLiteStore(tmp_path / "ai.sqlite3")
    await opened.ensure_indexes(INDEXES)
    yield opened
    await opened.close()
