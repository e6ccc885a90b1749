"""The storage contract suite runs against every adapter that can be reached here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codvid.storage import Store
from codvid.storage.sqlite import SQLiteStore


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "mongodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "mongodb":
        pytest.skip("MongoDB adapter: a later issue; no mongod can run on these machines")
    opened = SQLiteStore(tmp_path / "contract.sqlite3")
    yield opened
    await opened.close()
