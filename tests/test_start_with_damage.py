"""Starting on damaged data: a bad document is logged with its id and skipped, the rest
starts and works; a database that cannot be used is one line and exit code 2."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from codvid.bootstrap import INDEXES
from codvid.storage.sqlite import SQLiteStore
from codvid.tracking.documents import RUNS
from tests.client import Api, Tracking
from tests.conftest import TEST_ENV
from tests.processes import gone_process
from tests.server import CODVID, free_port, start_server
from tests.storage.test_sqlite_faults import damage

pytestmark = pytest.mark.anyio


async def test_a_damaged_document_does_not_keep_the_service_from_starting(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "codvid.sqlite3"
    store = SQLiteStore(database)
    await store.ensure_indexes(INDEXES)
    # Runs whose JSON is fine but whose fields are not what a run has.
    await store.collection(RUNS).insert_one(
        {"_id": "odd-run", "status": "processing", "worker": gone_process()}
    )
    await store.collection(RUNS).insert_one(
        {"_id": "odder-run", "status": "processing", "worker": 42, "heartbeat_at": "yesterday"}
    )
    await store.close()
    damage(database, "c_runs", {"torn-run": '{"_id": "torn-run", "status": "process'})

    with start_server(data_dir, TEST_ENV) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user)
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            assert (await tracking.wait_idle(user, task_id))["last_run"]["status"] == "succeeded"
        log = await asyncio.to_thread(server.log)
    assert "document torn-run of runs is unreadable" in log
    assert "run odd-run skipped at start" in log
    assert "Traceback" not in log


@pytest.mark.parametrize("kind", ["garbage", "directory"])
def test_an_unusable_database_is_one_line_and_exit_code_2(tmp_path: Path, kind: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "codvid.sqlite3"
    if kind == "garbage":
        database.write_bytes(b"not a database\n" * 500)
    else:
        database.mkdir()
    env = {**os.environ, **TEST_ENV, "CODVID_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [str(CODVID), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"codvid: database: cannot use SQLite database {database}: ")
