"""The scale-out commands as operators run them: ``codvid serve --workers N``,
``codvid worker`` and ``codvid scheduler``, their refusals at start (one line, exit 2),
and a worker's graceful stop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.client import Api, Tracking
from tests.cluster.conftest import REDIS, MakeCluster, need, run_of
from tests.conftest import TEST_ENV
from tests.mongo import database_url
from tests.server import CODVID, free_port, serve_command, start_server

pytestmark = pytest.mark.anyio


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        if (
            parent == pid
            and b"multiprocessing.spawn" in cmdline
            and b"resource_tracker" not in cmdline
        ):
            found.append(int(entry.name))
    return found


async def test_serve_workers_runs_that_many_api_processes_on_one_port(
    mongodb_url: str, tmp_path: Path
) -> None:
    need(REDIS, "redis")
    env = {
        **TEST_ENV,
        "CODVID_DATABASE_URL": database_url(mongodb_url, f"workers_{uuid.uuid4().hex[:12]}"),
        "CODVID_BROKER_URL": REDIS,
        "CODVID_BROKER_QUEUE": f"test.{uuid.uuid4().hex[:12]}",
    }
    port = free_port()

    def two(port: int) -> list[str]:
        return [*serve_command(port), "--workers", "2"]

    with start_server(tmp_path / "api", env, command=two, port=port, timeout=60) as server:
        deadline = time.monotonic() + 30
        while len(children(server.process.pid)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        processes = children(server.process.pid)
        assert len(processes) == 2, server.log()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            # A token from one process is good in the other: they share the secret file.
            answers = await asyncio.gather(
                *(tracking.call("GET", "get_tasks", user) for _ in range(40))
            )
            assert {answer.status_code for answer in answers} == {200}
            # A process that dies is replaced; the port keeps answering.
            os.kill(processes[0], signal.SIGKILL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                now = children(server.process.pid)
                if len(now) == 2 and processes[0] not in now:
                    break
                await asyncio.sleep(0.1)
            assert processes[0] not in children(server.process.pid)
            assert (await tracking.call("GET", "get_tasks", user)).status_code == 200


def run(command: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        env={**os.environ, "CODVID_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("command", "env", "line"),
    [
        (
            ["serve", "--port", "0", "--workers", "2"],
            {},
            "codvid: --workers needs CODVID_BROKER_URL (RabbitMQ or Redis) and a shared "
            "database: with memory:// the jobs run inside the one serving process",
        ),
        (
            ["worker"],
            {},
            "codvid: codvid worker needs CODVID_BROKER_URL (RabbitMQ or Redis): with memory:// "
            "the jobs run inside codvid serve",
        ),
        (
            ["scheduler"],
            {"CODVID_BROKER_URL": "redis://127.0.0.1:1/0"},
            "codvid: invalid setting CODVID_BROKER_URL: a broker between processes needs a "
            "database they all share (CODVID_DATABASE_URL=mongodb://...)",
        ),
    ],
)
def test_a_role_that_cannot_run_is_one_line_and_exit_code_2(
    tmp_path: Path, command: list[str], env: dict[str, str], line: str
) -> None:
    done = run([str(CODVID), *command], env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [line]


@pytest.mark.parametrize("command", [["worker"], ["scheduler"], ["serve", "--port", "0"]])
@pytest.mark.parametrize(
    "broker", ["redis://127.0.0.1:{port}/0", "amqp://guest:secret-word@127.0.0.1:{port}/"]
)
def test_an_unreachable_broker_at_start_is_one_line_without_its_address(
    mongodb_url: str, tmp_path: Path, command: list[str], broker: str
) -> None:
    port = free_port()
    env = {
        "CODVID_DATABASE_URL": database_url(mongodb_url, "unreachable_broker"),
        "CODVID_BROKER_URL": broker.format(port=port),
    }
    done = run([str(CODVID), *command], env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "codvid: CODVID_BROKER_URL: the job queue cannot be reached"
    ]
    assert str(port) not in done.stdout + done.stderr


async def test_a_worker_stopped_lets_its_run_finish_within_the_grace(
    make_cluster: MakeCluster,
) -> None:
    need(REDIS, "redis")
    with make_cluster(
        REDIS,
        apis=1,
        workers=1,
        schedulers=1,
        CODVID_SCRAPER_STEP_DELAY="0.3",
        CODVID_SHUTDOWN_GRACE="20",
    ) as cluster:
        async with httpx.AsyncClient(base_url=cluster.apis[0].url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user)
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            await run_of(cluster, task_id, "processing")
            (worker,) = cluster.workers
            os.killpg(worker.process.pid, signal.SIGTERM)
            assert await asyncio.to_thread(worker.process.wait, 30) == 0
            status = await tracking.status(user, task_id)
            assert status["is_processing"] is False
            assert status["last_run"]["status"] == "succeeded", (status, worker.log())
