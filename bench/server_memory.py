"""Server memory with 10k tracked profiles and 100k snapshots, on SQLite and on the
MongoDB-compatible server: the resident set of a ``codvid serve`` process after it
answered a mix of requests over all of them.

A ``codvid serve`` on SQLite (scheduler off, so that what is measured is the data and the
requests, not scrapes) gets 8 users and 10,000 profile tasks through the API; then the
server is stopped and 10 snapshots per task are written in bulk beside them (what 10
scrapes leave; no route reads them yet). A fresh server on that data, and then one on the
same data copied onto the MongoDB-compatible server with ``codvid migrate``, each answer
every user's get_tasks (1,250 tasks each) 25 times, then get_task and task_status of
2,000 tasks. ``VmRSS`` (now) and ``VmHWM`` (the peak) come from ``/proc/<pid>/status``.

``make bench`` measures SQLite; ``--mongodb`` adds the MongoDB-compatible test server,
which is slow to fill (its inserts take longer as a collection grows: copying the 110k
documents onto it had not finished after 5 minutes), so its figure wants a real server.

Prints a table, or with ``--json`` one JSON object (what ``run.py`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import seed as seeding
from report import emit, memory_notes, memory_rows
from servers import (
    BIN,
    JONGODB,
    Server,
    free_port,
    memory_of,
    spawned,
    start_codvid,
    stop,
    stop_on_sigterm,
)

from codvid.kit.ids import new_id
from codvid.storage.sqlite import SQLiteStore
from codvid.storage.sqlite.store import _dumps, _table
from codvid.tracking.documents import SNAPSHOTS

USERS = 8
TASKS = 10_000
SNAPSHOTS_PER_TASK = 10
GET_TASKS_ROUNDS = 25
SINGLE_READS = 2_000


def say(message: str) -> None:
    sys.stderr.write(f"[memory {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def snapshot_documents(
    tasks: list[seeding.Task], user_of: dict[str, str]
) -> Iterator[dict[str, Any]]:
    moment = time.time()
    rng = random.Random(7)
    for task in tasks:
        followers = rng.randint(1_000, 5_000_000)
        for index in range(SNAPSHOTS_PER_TASK):
            yield {
                "_id": new_id(),
                "task_id": task.task_id,
                "user_id": user_of[task.token],
                "kind": "profile",
                "run_id": new_id(),
                "taken_at": moment - (SNAPSHOTS_PER_TASK - index) * 2 * 86_400,
                "followers": followers + index * 37,
                "follows": 400,
                "posts": 300 + index,
                "engagement": {"likes": 1200 + index, "comments": 40},
            }


def write_snapshots(data_dir: Path, documents: Iterator[dict[str, Any]]) -> int:
    store = SQLiteStore(data_dir / "codvid.sqlite3")
    rows = [(d["_id"], _dumps(d)) for d in documents]
    with store.database.transaction() as db:
        db.executemany(f"INSERT INTO {_table(SNAPSHOTS)} (id, doc) VALUES (?, ?)", rows)
    asyncio.run(store.close())
    return len(rows)


async def create(port: int) -> tuple[list[str], list[seeding.Task]]:
    async with seeding.Client(port) as client:
        tokens = await seeding.signup(client, USERS)
        tasks = await seeding.create_tasks(client, tokens, 0, TASKS)
    return tokens, tasks


async def requests(port: int, tokens: list[str], tasks: list[seeding.Task]) -> int:
    answered = 0
    async with seeding.Client(port, connections=8) as client:
        for _ in range(GET_TASKS_ROUNDS):
            for token in tokens:
                await client.expect(200, "GET", "/ig-tracking/get_tasks", token)
                answered += 1
        picked = random.Random(3).sample(tasks, SINGLE_READS)

        async def read(task: seeding.Task) -> None:
            await client.expect(200, "GET", f"/ig-tracking/get_task/{task.task_id}", task.token)
            await client.expect(200, "GET", f"/ig-tracking/task_status/{task.task_id}", task.token)

        for start in range(0, len(picked), 64):
            await asyncio.gather(*(read(task) for task in picked[start : start + 64]))
        answered += 2 * len(picked)
    return answered


def user_ids(tokens: list[str]) -> dict[str, str]:
    """Each token's user (its ``sub``; the bench has no need to check the signature)."""
    import jwt

    return {
        token: str(jwt.decode(token, options={"verify_signature": False})["sub"])
        for token in tokens
    }


@dataclass
class Seeded:
    data_dir: Path
    env: dict[str, str]
    tokens: list[str]
    tasks: list[seeding.Task]
    snapshots: int


def seed_sqlite(root: Path) -> Seeded:
    data_dir = root / "sqlite"
    env = {"CODVID_JWT_SECRET": uuid.uuid4().hex * 2}
    server: Server = start_codvid(data_dir, "codvid seed", env)
    try:
        say(f"creating {USERS} users and {TASKS} tasks through the API (SQLite)")
        tokens, tasks = asyncio.run(create(server.port))
    finally:
        stop(server)
    written = write_snapshots(data_dir, snapshot_documents(tasks, user_ids(tokens)))
    return Seeded(data_dir, env, tokens, tasks, written)


def migrate(seeded: Seeded, database_url: str) -> None:
    """The same data onto the MongoDB-compatible server, with ``codvid migrate`` (the test
    server scans a collection for each unique check, so creating 10k tasks through the
    API there takes minutes)."""
    source = f"sqlite:///{seeded.data_dir / 'codvid.sqlite3'}"
    subprocess.run(
        [str(BIN / "codvid"), "migrate", "--from", source, "--to", database_url],
        check=True,
        capture_output=True,
        timeout=600,
    )


def serve(name: str, seeded: Seeded, env: dict[str, str]) -> dict[str, Any]:
    server = start_codvid(seeded.data_dir, f"codvid {name}", {**seeded.env, **env})
    try:
        idle = memory_of(server.process.pid)
        started = time.monotonic()
        answered = asyncio.run(requests(server.port, seeded.tokens, seeded.tasks))
        took = time.monotonic() - started
        loaded = memory_of(server.process.pid)
    finally:
        stop(server)
    say(f"{name}: {answered} answers in {took:.0f} s; RSS {loaded['VmRSS']:.0f} MiB")
    return {
        "store": name,
        "tasks": len(seeded.tasks),
        "snapshots": seeded.snapshots,
        "answers": answered,
        "idle_rss_mib": idle["VmRSS"],
        "rss_mib": loaded["VmRSS"],
        "peak_rss_mib": loaded["VmHWM"],
    }


def measure(mongodb: bool) -> dict[str, Any]:
    if mongodb and not JONGODB.is_file():
        raise SystemExit(f"bench: {JONGODB} is missing (make test installs it)")
    root = Path(tempfile.mkdtemp(prefix="codvid-memory-"))
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    port = free_port()
    try:
        seeded = seed_sqlite(root)
        results = [serve("sqlite", seeded, {})]
        if not mongodb:
            return {"stores": results}
        with spawned([str(JONGODB), "--host=127.0.0.1", f"--port={port}"], port, **quiet):
            url = f"mongodb://127.0.0.1:{port}/memory"
            say("copying it onto the MongoDB-compatible server (codvid migrate)")
            migrate(seeded, url)
            results.append(serve("mongodb", seeded, {"CODVID_DATABASE_URL": url}))
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(root)
    return {"stores": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--mongodb",
        action="store_true",
        help="also on the MongoDB-compatible test server (slow: its inserts take longer "
        "as a collection grows, and copying 110k documents onto it took over 5 minutes)",
    )
    args = parser.parse_args()
    stop_on_sigterm()
    emit(measure(args.mongodb), memory_rows, memory_notes, args.json)


if __name__ == "__main__":
    main()
