"""Clusters of real processes for the scale-out tests: ``codvid serve`` (API only),
``codvid worker`` and ``codvid scheduler`` as operators start them, on one
MongoDB-compatible database and one broker on 127.0.0.1 (RabbitMQ or Redis; ``.ci/run``
starts them when they are not up). Each cluster has a database and a queue of its own,
removed after it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from tests.conftest import TEST_ENV
from tests.mongo import JONGODB, database_url, jongodb
from tests.server import RunningServer, free_port, start_role, start_server, wait_for_port

RABBITMQ = os.environ.get("CODVID_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS = os.environ.get("CODVID_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BROKERS = {"rabbitmq": RABBITMQ, "redis": REDIS}
TIMING = {
    "CODVID_HEARTBEAT_INTERVAL": "0.5",
    "CODVID_STALE_AFTER": "1.5",
    "CODVID_SWEEPER_INTERVAL": "0.25",
    "CODVID_SCHEDULER_INTERVAL": "0.3",
    "CODVID_SHUTDOWN_GRACE": "2",
}
"""A dead worker's run is failed after 1.5 s of silence; the scheduler looks every 0.3 s."""


def reachable(url: str) -> bool:
    host_port = url.split("@")[-1].split("//")[-1].split("/")[0]
    host, _, port = host_port.partition(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, int(port))) == 0


def need(url: str, name: str) -> None:
    if not reachable(url):
        pytest.skip(f"{name} is not running on {url.split('@')[-1]} (.ci/run starts it)")


@dataclass
class Cluster:
    env: dict[str, str]
    database: str
    apis: list[RunningServer] = field(default_factory=list)
    workers: list[RunningServer] = field(default_factory=list)
    schedulers: list[RunningServer] = field(default_factory=list)

    def db(self) -> Any:
        client: MongoClient[dict[str, Any]] = MongoClient(self.database)
        return client, client.get_default_database()

    def logs(self) -> str:
        every = [*self.apis, *self.workers, *self.schedulers]
        return "\n".join(f"--- {p.log_path.name}\n{p.log()[-3000:]}" for p in every)


MakeCluster = Callable[..., AbstractContextManager[Cluster]]


@pytest.fixture(params=sorted(BROKERS))
def broker_url(request: pytest.FixtureRequest) -> str:
    """Each broker in turn (skipped, saying so, when it is not running)."""
    url = BROKERS[request.param]
    need(url, request.param)
    return url


async def run_of(cluster: Cluster, task_id: str, status: str, timeout: float = 20) -> Any:
    """The first run of ``task_id`` in ``status``, once there is one."""
    client, db = cluster.db()
    with client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = db.runs.find_one({"task_id": task_id, "status": status})
            if run is not None:
                return run
            await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} run of {task_id} within {timeout}s\n{cluster.logs()}")


@pytest.fixture
def make_cluster(mongodb_url: str, tmp_path: Path) -> MakeCluster:
    """``make_cluster(broker_url, apis=2, workers=2, schedulers=2, database=None, **env)``."""

    @contextmanager
    def make(
        broker_url: str,
        *,
        apis: int = 2,
        workers: int = 2,
        schedulers: int = 2,
        database: str | None = None,
        **env: str,
    ) -> Iterator[Cluster]:
        name = f"cluster_{uuid.uuid4().hex[:12]}"
        url = database or database_url(mongodb_url, name)
        queue = f"test.{name}"
        settings = {
            **TEST_ENV,
            **TIMING,
            "CODVID_DATABASE_URL": url,
            "CODVID_BROKER_URL": broker_url,
            "CODVID_BROKER_QUEUE": queue,
            "CODVID_JWT_SECRET": uuid.uuid4().hex * 2,
            "CODVID_SCRAPER_STEP_DELAY": "0.02",
            **env,
        }
        cluster = Cluster(settings, url)
        starts: list[tuple[list[RunningServer], AbstractContextManager[RunningServer]]] = [
            (cluster.apis, start_server(tmp_path / f"api{i}", settings, timeout=60))
            for i in range(apis)
        ]
        starts += [
            (cluster.workers, start_role("worker", tmp_path / f"worker{i}", settings, timeout=60))
            for i in range(workers)
        ]
        starts += [
            (
                cluster.schedulers,
                start_role("scheduler", tmp_path / f"scheduler{i}", settings, timeout=60),
            )
            for i in range(schedulers)
        ]
        with ExitStack() as stack:
            stack.callback(_remove_queue, broker_url, queue)
            with ThreadPoolExecutor(len(starts)) as pool:
                entered = [(group, pool.submit(stack.enter_context, cm)) for group, cm in starts]
            for group, future in entered:
                group.append(future.result())
            yield cluster

    return make


def _remove_queue(broker_url: str, queue: str) -> None:
    if broker_url.startswith("redis://"):
        import redis

        with redis.Redis.from_url(broker_url) as client:
            client.delete(queue)
        return
    # The tests run in an event loop of their own: this one gets a thread.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _remove_rabbitmq_queue(broker_url, queue)).result()


async def _remove_rabbitmq_queue(broker_url: str, queue: str) -> None:
    import aio_pika

    with contextlib.suppress(Exception):
        connection = await aio_pika.connect(broker_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            for name in (queue, f"{queue}.dead"):
                await channel.queue_delete(name)
            await channel.exchange_delete(queue)


@contextmanager
def private_redis() -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis server of this test's own (it keeps nothing on disk) and a function that
    restarts it on the same port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    command = [
        server,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
    ]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, process, "redis-server", 20)
        return process

    current = [start()]

    def restart() -> None:
        current[0].kill()
        current[0].wait()
        current[0] = start()

    try:
        yield f"redis://127.0.0.1:{port}/0", restart
    finally:
        current[0].kill()
        current[0].wait()


@contextmanager
def private_mongodb() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A MongoDB-compatible server of this test's own, to stop and resume."""
    if os.environ.get("CODVID_TEST_MONGODB_URI") or not JONGODB.is_file():
        pytest.skip("needs the jongodb binary (make test installs it) to stop it mid-test")
    with jongodb() as server:
        yield server
