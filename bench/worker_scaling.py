"""Scrape throughput as workers are added: 500 due profile tasks with the demo provider at
a fixed 200 ms per fetch step, drained by one ``codvid worker`` and then by two, beside
the concurrency-bound ideal.

The real processes, as operators start them: a ``codvid scheduler`` and the workers, on a
MongoDB-compatible server (the jongodb binary ``make test`` installs) and a Redis server
of this benchmark's own (streams broker), both on free ports of 127.0.0.1 and stopped
after. The tasks are written through tracking's own functions, not yet due; once every
process is ready they are all made due at once (what the passing of time does), and one
scheduler pass (``CODVID_SCHEDULER_BATCH`` as large as the tasks) queues them all.

Batching is off (``CODVID_SCRAPE_BATCH_SIZE=1``, no window): each run is its own
provider call, so the figure is the workers' and not the batches' (``scrape_batching.py``
measures those). The ideal is what ``workers x CODVID_JOB_CONCURRENCY`` slots busy all
the time would take: ``ceil(tasks / slots)`` times the median run's own duration, read
from the run documents like the wall time (first run created to last run finished).

Prints a table, or with ``--json`` one JSON object (what ``run.py`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from report import emit, worker_notes, worker_rows
from servers import BIN, JONGODB, free_port, spawned, stop_on_sigterm, wait_role_ready

from codvid.bootstrap import INDEXES
from codvid.kit.ids import new_id
from codvid.storage.mongodb import MongoStore
from codvid.tracking import profiles
from codvid.tracking.documents import PROFILE_TASKS, RUNS
from codvid.tracking.schemas import ProfileTaskCreate

TASKS = 500
STEP = 0.2
CONCURRENCY = 4


def say(message: str) -> None:
    sys.stderr.write(f"[workers {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


@contextlib.contextmanager
def role(name: str, env: dict[str, str], log: Path) -> Iterator[Any]:
    """``codvid <name>`` with its output in ``log``, stopped after."""
    with (
        log.open("ab") as handle,
        spawned(
            [str(BIN / "codvid"), name],
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        yield process


async def seed(url: str, count: int) -> list[str]:
    store = MongoStore(url)
    try:
        await store.ensure_indexes(INDEXES)
        users = [new_id() for _ in range(8)]
        ids = []
        for i in range(count):
            data = ProfileTaskCreate(target_profile=f"bench.worker.{i}", scrape_interval_days=7)
            ids.append((await profiles.create(store, users[i % len(users)], data))["_id"])
        return ids
    finally:
        await store.close()


async def make_due(url: str) -> None:
    store = MongoStore(url)
    try:
        await store.collection(PROFILE_TASKS).update_many(
            {}, {"$set": {"next_scrape_due": time.time() - 1}}
        )
    finally:
        await store.close()


async def finished_runs(url: str) -> list[dict[str, Any]]:
    store = MongoStore(url)
    try:
        return await store.collection(RUNS).find({})
    finally:
        await store.close()


def trial(workers: int, tasks: int, mongodb: str, redis: str, root: Path) -> dict[str, Any]:
    url = f"{mongodb}/workers_{uuid.uuid4().hex[:10]}?maxPoolSize=4"
    asyncio.run(seed(url, tasks))
    env = {
        "CODVID_DATABASE_URL": url,
        "CODVID_BROKER_URL": redis,
        "CODVID_BROKER_QUEUE": f"bench.{uuid.uuid4().hex[:10]}",
        "CODVID_JWT_SECRET": uuid.uuid4().hex * 2,
        "CODVID_SCRAPER_STEP_DELAY": str(STEP),
        "CODVID_SCRAPE_BATCH_SIZE": "1",
        "CODVID_SCRAPE_BATCH_WINDOW": "0",
        "CODVID_JOB_CONCURRENCY": str(CONCURRENCY),
        "CODVID_SCHEDULER_BATCH": str(tasks),
        "CODVID_SCHEDULER_INTERVAL": "0.5",
        "CODVID_LOG_LEVEL": "warning",
    }
    with contextlib.ExitStack() as stack:
        logs = []
        for i in range(workers):
            log = root / f"w{workers}-worker{i}.log"
            stack.enter_context(
                role("worker", {**env, "CODVID_DATA_DIR": str(root / f"w{i}")}, log)
            )
            logs.append(("worker", log))
        log = root / f"w{workers}-scheduler.log"
        stack.enter_context(role("scheduler", {**env, "CODVID_DATA_DIR": str(root / "s")}, log))
        logs.append(("scheduler", log))
        for name, path in logs:
            wait_role_ready(path, name)
        asyncio.run(make_due(url))
        deadline = time.monotonic() + 30 + 2 * tasks * STEP * 10 / CONCURRENCY
        while True:
            runs = asyncio.run(finished_runs(url))
            if len(runs) >= tasks and all(r["finished_at"] for r in runs):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{workers} worker(s): runs unfinished after the deadline")
            time.sleep(1)
    durations = [r["finished_at"] - r["started_at"] for r in runs]
    wall = max(r["finished_at"] for r in runs) - min(r["created_at"] for r in runs)
    slots = workers * CONCURRENCY
    ideal = math.ceil(tasks / slots) * statistics.median(durations)
    statuses: dict[str, int] = {}
    for r in runs:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    say(f"{workers} worker(s): {wall:.1f} s for {tasks} runs (ideal {ideal:.1f} s) {statuses}")
    return {
        "workers": workers,
        "wall": wall,
        "ideal": ideal,
        "run_median": statistics.median(durations),
        "statuses": statuses,
    }


def measure(tasks: int) -> dict[str, Any]:
    if not JONGODB.is_file():
        raise SystemExit(f"bench: {JONGODB} is missing (make test installs it)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise SystemExit("bench: redis-server is not installed")
    root = Path(tempfile.mkdtemp(prefix="codvid-workers-"))
    mongo_port, redis_port = free_port(), free_port()
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        with (
            spawned(
                [str(JONGODB), "--host=127.0.0.1", f"--port={mongo_port}"], mongo_port, **quiet
            ),
            spawned(
                [redis_server, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""],
                redis_port,
                **quiet,
            ),
        ):
            mongodb, redis = (
                f"mongodb://127.0.0.1:{mongo_port}",
                f"redis://127.0.0.1:{redis_port}/0",
            )
            trials = [trial(n, tasks, mongodb, redis, root) for n in (1, 2)]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"tasks": tasks, "step": STEP, "concurrency": CONCURRENCY, "trials": trials}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tasks", type=int, default=TASKS)
    args = parser.parse_args()
    stop_on_sigterm()
    emit(measure(args.tasks), worker_rows, worker_notes, args.json)


if __name__ == "__main__":
    main()
