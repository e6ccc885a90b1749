"""The storage contract suite runs against every adapter that can be reached here."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from codvid.storage import Store
from codvid.storage.sqlite import SQLiteStore

MONGODB_URL = os.environ.get("CODVID_TEST_MONGODB_URL")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "mongodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "mongodb":
        pytest.skip(
            "the MongoDB adapter arrives in a later issue; no mongod can be installed on these "
            "machines (set CODVID_TEST_MONGODB_URL to a wire-compatible server to run it)"
            if MONGODB_URL is None
            else "the MongoDB adapter arrives in a later issue"
        )
    opened = SQLiteStore(tmp_path / "contract.sqlite3")
    yield opened
    await opened.close()
