"""A second ``codvid serve`` on the same data directory is refused with one line, and the
first one's work goes on untouched; the lock goes with the process, even when killed."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.client import Api, Tracking
from tests.conftest import TEST_ENV
from tests.server import CODVID, free_port, start_server, stop

pytestmark = pytest.mark.anyio


def second_serve(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **TEST_ENV, "CODVID_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(CODVID), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_second_server_is_refused_and_the_first_keeps_its_run(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with start_server(data_dir, {**TEST_ENV, "CODVID_SCRAPER_STEP_DELAY": "0.5"}) as first:
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user)
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200

            refused = second_serve(data_dir)

            assert refused.returncode == 2
            (line,) = refused.stderr.splitlines()
            assert line.startswith("codvid: ") and "in use by another codvid process" in line
            assert f"pid {first.process.pid}" in line
            status = await tracking.wait_idle(user, task_id)
            assert status["last_run"]["status"] == "succeeded"
            task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]
            assert task["task"]["last_scraped"] is not None


def test_a_killed_server_leaves_no_lock_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with start_server(data_dir, TEST_ENV) as first:
        stop(first, signal.SIGKILL)
    with start_server(data_dir, TEST_ENV) as again:
        assert httpx.get(f"{again.url}/codvid-ai/ping").status_code == 200
