"""What clients see when the storage cannot take a write: other requests keep being
answered while one waits for the lock, and the waiting one ends in a clear envelope."""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from codvid.api.deps import get_store
from codvid.storage.sqlite import SQLiteStore
from tests.client import Api, Tracking, assert_error, new_username
from tests.conftest import MakeService
from tests.storage.test_sqlite_faults import lock_held

pytestmark = pytest.mark.anyio


async def test_pings_are_answered_while_a_write_waits_for_the_lock(
    make_service: MakeService,
) -> None:
    service = await make_service(storage_busy_timeout=5)
    async with service.client() as http:
        tracking = Tracking(Api(http))
        user = await tracking.api.signup()
        latencies: list[float] = []

        async def ping() -> None:
            began = time.monotonic()
            assert (await http.get("/codvid-ai/ping")).status_code == 200
            latencies.append(time.monotonic() - began)

        with lock_held(service.settings.storage.sqlite_path, 1.0):
            write = asyncio.create_task(tracking.create_profile(user, new_username()))
            while not write.done():
                await ping()
                await asyncio.sleep(0.01)
        await write  # it waited for the lock, then went through

    assert len(latencies) >= 20
    p99 = statistics.quantiles(latencies, n=100)[98]
    assert p99 < 0.05, f"ping p99 {p99 * 1000:.0f} ms while a write waited"


async def test_a_write_that_waits_too_long_is_503_and_stores_nothing(
    make_service: MakeService,
) -> None:
    service = await make_service(storage_busy_timeout=0.2)
    async with service.client() as http:
        tracking = Tracking(Api(http))
        user = await tracking.api.signup()
        with lock_held(service.settings.storage.sqlite_path, 1.0):
            body = {"target_profile": "waited_out"}
            refused = await tracking.call("POST", "create_task", user, data=body)
        assert_error(refused, 503, "Storage busy, try again")
        assert refused.headers["retry-after"] == "1"
        listed = (await tracking.call("GET", "get_tasks", user)).json()["response"]
        assert listed["tasks"] == []


async def test_a_full_disk_is_500_storage_is_full(make_service: MakeService) -> None:
    """The routes' store is a second connection to the same file, limited to the pages the
    file has now (SQLite's max_page_count), as a disk that has filled up."""
    service = await make_service()
    full = SQLiteStore(service.settings.storage.sqlite_path)
    try:
        async with service.client() as http:
            api = Api(http)
            user = await api.signup()
            pages = full.database.connection.execute("PRAGMA page_count").fetchone()[0]
            full.database.connection.execute(f"PRAGMA max_page_count = {pages}")
            service.app.dependency_overrides[get_store] = lambda: full
            long_name = "x" * 100
            answers = [
                await api.call(
                    "POST",
                    "project/create-project",
                    user,
                    {"project_name": f"{n}{long_name}"[:100]},
                )
                for n in range(200)
            ]
        statuses = {answer.status_code for answer in answers}
        assert statuses <= {200, 500} and 500 in statuses
        assert_error(next(a for a in answers if a.status_code == 500), 500, "Storage is full")
    finally:
        service.app.dependency_overrides.clear()
        await full.close()
