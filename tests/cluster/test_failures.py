"""What the cluster does when a part of it fails: a worker killed mid-run, the broker
restarted under load, the database gone mid-request."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from codvid.jobs.process import ProcessId
from tests.client import Api, Tracking, User, assert_error
from tests.cluster.conftest import (
    RABBITMQ,
    REDIS,
    Cluster,
    MakeCluster,
    need,
    private_mongodb,
    private_redis,
    run_of,
)

pytestmark = pytest.mark.anyio
FINAL = {"succeeded", "failed", "cancelled"}


def wait_stopped(pid: int, timeout: float = 10) -> None:
    """Until every thread of ``pid`` shows as stopped: a stop signal takes effect
    asynchronously, thread by thread."""
    deadline = time.monotonic() + timeout
    while True:
        states = {
            (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            for task in Path(f"/proc/{pid}/task").iterdir()
        }
        if states <= {"T", "t"}:
            return
        assert time.monotonic() < deadline, f"pid {pid} not stopped: thread states {states}"
        time.sleep(0.01)


def all_runs(cluster: Cluster) -> list[dict[str, Any]]:
    client, db = cluster.db()
    with client:
        return list(db.runs.find({}, {"status": 1, "error": 1, "task_id": 1}))


@pytest.mark.parametrize("fault", ["killed", "frozen"])
async def test_a_worker_lost_mid_run_fails_its_run_in_time_and_nothing_is_lost(
    make_cluster: MakeCluster, broker_url: str, fault: str
) -> None:
    """Killed: the process is provably gone (this machine), so the next sweeper pass fails
    its run, within two heartbeat periods. Frozen (SIGSTOP, as a hung worker or one on a
    machine cut off): only its silence tells, after ``CODVID_STALE_AFTER``."""
    # Each demo step takes 0.5 s: the run is still going when its worker is lost.
    with make_cluster(
        broker_url,
        apis=1,
        workers=2,
        schedulers=1,
        CODVID_SCRAPER_STEP_DELAY="0.5",
        CODVID_HEARTBEAT_INTERVAL="1",
        CODVID_STALE_AFTER="2.5",
    ) as cluster:
        async with httpx.AsyncClient(base_url=cluster.apis[0].url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user, "creator.daily")
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            assert (await tracking.wait_idle(user, task_id))["last_run"]["status"] == "succeeded"
            before = (await tracking.call("GET", "get_task", user, task_id)).json()

            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
            run = await run_of(cluster, task_id, "processing")
            worker = ProcessId.parse(run["worker"])
            assert worker is not None
            (victim,) = [w for w in cluster.workers if w.process.pid == worker.pid]
            sig = signal.SIGKILL if fault == "killed" else signal.SIGSTOP
            os.killpg(victim.process.pid, sig)
            lost_at = time.monotonic()
            try:
                failed = await run_of(cluster, task_id, "failed", timeout=10)
                took = time.monotonic() - lost_at
                heartbeat = float(cluster.env["CODVID_HEARTBEAT_INTERVAL"])
                stale_after = float(cluster.env["CODVID_STALE_AFTER"])
                sweep = float(cluster.env["CODVID_SWEEPER_INTERVAL"])
                assert failed["_id"] == run["_id"]
                if fault == "killed":
                    assert took <= 2 * heartbeat, took
                    assert "worker process ended" in failed["error"]
                else:
                    # Its last heartbeat was at most one interval before it froze.
                    assert took <= stale_after + 2 * sweep + 1.0, took
                    assert "stopped responding" in failed["error"]

                status = await tracking.status(user, task_id)
                assert status["is_processing"] is False
                after = (await tracking.call("GET", "get_task", user, task_id)).json()
                assert (
                    after["response"]["task"]["target_profile_data"]
                    == (before["response"]["task"]["target_profile_data"])
                )
                # The task is scrapable again, and the other worker runs it.
                again = await tracking.call("POST", "force_scrape", user, task_id)
                assert again.status_code == 200
                assert (await tracking.wait_idle(user, task_id))["last_run"]["status"] == (
                    "succeeded"
                )
                latest = (await tracking.call("GET", "get_task", user, task_id)).json()
            finally:
                if fault == "frozen":
                    os.killpg(victim.process.pid, signal.SIGCONT)
            if fault == "frozen":
                # Woken, the worker finds its run taken from it: nothing it had is written.
                await asyncio.sleep(3)
                woken = (await tracking.call("GET", "get_task", user, task_id)).json()
                assert woken == latest
        runs = all_runs(cluster)
        assert len(runs) == 3
        assert sorted(r["status"] for r in runs) == ["failed", "succeeded", "succeeded"]
        assert [r["_id"] for r in runs if r["status"] == "failed"] == [run["_id"]]


async def _force_many(tracking: Tracking, user: User, count: int) -> list[str]:
    tasks = [await tracking.create_profile(user) for _ in range(count)]
    for task_id in tasks:
        assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    return tasks


async def _all_settle(cluster: Cluster, tracking: Tracking, user: User, tasks: list[str]) -> None:
    """Every run ends, succeeded or failed with its reason; none stays queued or running."""
    for task_id in tasks:
        await tracking.wait_idle(user, task_id, timeout=60)
    runs = all_runs(cluster)
    assert {r["status"] for r in runs} <= FINAL, runs
    assert all(r["error"] for r in runs if r["status"] != "succeeded"), runs
    assert {r["task_id"] for r in runs} == set(tasks)


UNDER_LOAD = {"CODVID_JOB_CONCURRENCY": "2", "CODVID_SCRAPER_STEP_DELAY": "0.2"}
"""Two workers take four runs at once, each of a few seconds: most of 12 wait queued."""


def _unfinished(cluster: Cluster) -> int:
    return sum(run["status"] not in FINAL for run in all_runs(cluster))


def restart_rabbitmq() -> None:
    ctl = ["rabbitmqctl", "-q"]
    try:
        subprocess.run([*ctl, "stop_app"], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"rabbitmqctl cannot restart the local RabbitMQ here: {exc}")
    try:
        time.sleep(1)
    finally:
        subprocess.run([*ctl, "start_app"], check=True, capture_output=True, timeout=60)


async def _restart_under_load(cluster: Cluster, restart: Callable[[], None]) -> None:
    """12 runs, most of them queued, when ``restart`` restarts the broker: every run ends,
    and the cluster works on."""
    async with httpx.AsyncClient(base_url=cluster.apis[0].url, timeout=30) as http:
        tracking = Tracking(Api(http))
        user = await tracking.api.signup()
        tasks = await _force_many(tracking, user, 12)
        assert _unfinished(cluster) > 4  # more runs than the workers take at once
        await asyncio.to_thread(restart)
        await _all_settle(cluster, tracking, user, tasks)
        again = await tracking.call("POST", "force_scrape", user, tasks[0])
        assert again.status_code == 200, (again.text, cluster.logs())
        assert (await tracking.wait_idle(user, tasks[0]))["last_run"]["status"] == "succeeded"


async def test_rabbitmq_restarted_under_load_delivers_or_ends_every_run(
    make_cluster: MakeCluster,
) -> None:
    need(RABBITMQ, "rabbitmq")
    with make_cluster(RABBITMQ, apis=1, workers=2, schedulers=1, **UNDER_LOAD) as cluster:
        await _restart_under_load(cluster, restart_rabbitmq)


async def test_redis_restarted_under_load_loses_its_stream_and_every_run_still_ends(
    make_cluster: MakeCluster,
) -> None:
    need(REDIS, "redis")
    with (
        private_redis() as (url, restart),  # it keeps nothing on disk: queued jobs are lost
        make_cluster(url, apis=1, workers=2, schedulers=1, **UNDER_LOAD) as cluster,
    ):
        await _restart_under_load(cluster, restart)


async def test_the_database_gone_mid_request_is_a_clear_500_and_the_service_recovers(
    make_cluster: MakeCluster,
) -> None:
    need(REDIS, "redis")
    with (
        private_mongodb() as (base, server),
        make_cluster(
            REDIS,
            apis=1,
            workers=1,
            schedulers=1,
            database=f"{base}/codvid?maxPoolSize=1",
            CODVID_STORAGE_BUSY_TIMEOUT="1",
        ) as cluster,
    ):
        async with httpx.AsyncClient(base_url=cluster.apis[0].url, timeout=30) as http:
            tracking = Tracking(Api(http))
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user, "creator.daily")
            server.send_signal(signal.SIGSTOP)
            try:
                wait_stopped(server.pid)
                answers = await asyncio.gather(
                    tracking.call("GET", "get_tasks", user),
                    tracking.call("POST", "force_scrape", user, task_id),
                    tracking.api.http.post(
                        "/codvid-ai/auth/login",
                        json={
                            "schema_version": "4.0",
                            "data": {
                                "auth_type": "email",
                                "email": user.email,
                                "password": "x" * 12,
                            },
                        },
                    ),
                )
            finally:
                server.send_signal(signal.SIGCONT)
            port = base.rsplit(":", 1)[1]
            for answer in answers:
                assert_error(answer, 500)
                text = answer.text.lower()
                for leak in ("127.0.0.1", port, "pymongo", "serverselection", "timeout:"):
                    assert leak not in text, answer.text
            # Back: the same requests work, and nothing stored was lost.
            deadline = time.monotonic() + 20
            while True:
                listed = await tracking.call("GET", "get_tasks", user)
                if listed.status_code == 200 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert listed.status_code == 200, listed.text
            assert task_id in listed.text
            assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code in (
                200,
                409,
            )
            assert (await tracking.wait_idle(user, task_id))["is_processing"] is False
