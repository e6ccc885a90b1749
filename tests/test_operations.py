"""What an operator relies on: the version, liveness and readiness probes, and a stop
that lets running scrapes finish and logs no error."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from codvid import __version__
from codvid.api.deps import get_store
from codvid.storage.sqlite import SQLiteStore
from tests.client import Api, Tracking, assert_error
from tests.conftest import TEST_ENV, MakeService
from tests.server import CODVID, start_server, stop

pytestmark = pytest.mark.anyio


def test_the_command_prints_its_version() -> None:
    done = subprocess.run([str(CODVID), "--version"], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (0, f"codvid {__version__}\n")


async def test_liveness_and_readiness_need_no_token(api: Api) -> None:
    live = await api.http.get("/codvid-ai/health/live")
    ready = await api.http.get("/codvid-ai/health/ready")
    assert live.json() == {"result": True, "response": {"status": "live"}}
    assert ready.json() == {
        "result": True,
        "response": {"status": "ready", "checks": {"storage": "ok"}},
    }


async def test_not_ready_when_the_storage_does_not_answer(
    make_service: MakeService, tmp_path: Path
) -> None:
    service = await make_service()
    gone = SQLiteStore(tmp_path / "gone.sqlite3")
    await gone.close()
    service.app.dependency_overrides[get_store] = lambda: gone
    async with service.client() as http:
        answer = await http.get("/codvid-ai/health/ready")
        live = await http.get("/codvid-ai/health/live")
    assert_error(answer, 503)
    assert answer.json()["message"].startswith("Not ready: storage: ")
    assert answer.headers["retry-after"] == "5"
    assert live.status_code == 200


async def test_a_stop_lets_the_running_scrape_finish_and_logs_no_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**TEST_ENV, "CODVID_SCRAPER_STEP_DELAY": "0.5", "CODVID_SHUTDOWN_GRACE": "10"}
    with start_server(data_dir, env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user)
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            await asyncio.sleep(0.3)  # under way: about 1.5 s of fetching to go
        await asyncio.to_thread(stop, server, signal.SIGTERM)
        log = await asyncio.to_thread(server.log)
    assert "ERROR" not in log and "Traceback" not in log, log
    assert "recovered" not in log
    with start_server(data_dir, TEST_ENV) as again:
        async with httpx.AsyncClient(base_url=again.url, timeout=30) as http:
            status = await Tracking(Api(http)).status(user, task_id)
    assert status["last_run"]["status"] == "succeeded"


async def test_a_stop_past_the_grace_period_ends_the_run_with_the_reason_quietly(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with start_server(data_dir, {**TEST_ENV, "CODVID_SHUTDOWN_GRACE": "0"}) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user, "demo_timeout_slowpoke")  # hangs 5 s
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            await asyncio.sleep(0.5)
        await asyncio.to_thread(stop, server, signal.SIGTERM)
        log = await asyncio.to_thread(server.log)
    assert "ERROR" not in log and "Traceback" not in log, log
    with start_server(data_dir, TEST_ENV) as again:
        async with httpx.AsyncClient(base_url=again.url, timeout=30) as http:
            status = await Tracking(Api(http)).status(user, task_id)
    assert status["last_run"] == {
        "status": "failed",
        "finished_at": status["last_run"]["finished_at"],
        "error": "Interrupted: the service stopped during the run",
    }
