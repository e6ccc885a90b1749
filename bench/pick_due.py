"""Time ``pick_due(store, "profile", 100)`` on SQLite stores of 1k and 100k profile tasks.

Every document is the one ``codvid.tracking.profiles.create`` writes: it is called with a
capturing store while the clock reads the creation time the task would have had. Pausing
and claiming apply the very updates ``profiles.update`` and ``runs.claim`` make. Only the
insert is done in bulk (one transaction, ``executemany``) to build the stores quickly.

The mix: intervals of 0.5-7 days; 1% of tasks due, but at least 150 so that both stores
have more than 100 pickable tasks and every call returns exactly 100; 5% paused (due or
not); 2% of the due ones claimed by a run. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from codvid.bootstrap import INDEXES
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage.sqlite import SQLiteStore
from codvid.storage.sqlite.store import _dumps, _table
from codvid.tracking import profiles
from codvid.tracking.documents import PROFILE_TASKS
from codvid.tracking.scheduled import pick_due
from codvid.tracking.schemas import ProfileTaskCreate

DAY = 86400.0
INTERVALS = [0.5, 1.0, 2.0, 7.0]
LIMIT = 100


class CapturingStore:
    """Stands in for the store in ``profiles.create``: keeps the document it inserts."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def collection(self, _name: str) -> CapturingStore:
        return self

    async def insert_one(self, document: dict[str, Any]) -> None:
        self.documents.append(document)


async def task_documents(count: int, rng: random.Random) -> list[dict[str, Any]]:
    moment = now()
    due = set(rng.sample(range(count), max(count // 100, 150)))
    users = [new_id() for _ in range(max(1, count // 500))]
    capture = CapturingStore()
    created = moment
    with mock.patch("time.time", lambda: created):  # the service clock reads time.time
        for index in range(count):
            interval = rng.choice(INTERVALS)
            if index in due:  # created more than one interval ago, never scraped since
                created = moment - interval * DAY - rng.uniform(60, 3600)
            else:
                created = moment - rng.uniform(0, interval * DAY - 600)
            data = ProfileTaskCreate(target_profile=f"p{index:07d}", scrape_interval_days=interval)
            await profiles.create(capture, rng.choice(users), data)
    documents = capture.documents
    for index, document in enumerate(documents):
        if rng.random() < 0.05:
            documents[index] = {**document, "status": "paused"}  # what profiles.update sets
        elif index in due and rng.random() < 0.02:
            run_id = new_id()
            # what runs.claim sets
            documents[index] = {**document, "active_run_id": run_id, "last_run_id": run_id}
    return documents


async def build_store(path: Path, count: int, rng: random.Random) -> SQLiteStore:
    store = SQLiteStore(path)
    await store.ensure_indexes(INDEXES)
    documents = await task_documents(count, rng)
    with store.database.transaction() as db:
        db.executemany(
            f"INSERT INTO {_table(PROFILE_TASKS)} (id, doc) VALUES (?, ?)",
            ((document["_id"], _dumps(document)) for document in documents),
        )
    return store


async def timed_picks(stores: dict[int, SQLiteStore], rounds: int) -> dict[int, list[float]]:
    """Alternate between the stores so machine noise hits both alike."""
    times: dict[int, list[float]] = {count: [] for count in stores}
    for round_index in range(rounds + 20):
        for count, store in stores.items():
            started = time.perf_counter()
            picked = await pick_due(store, "profile", LIMIT)
            elapsed = time.perf_counter() - started
            if len(picked) != LIMIT:
                raise SystemExit(f"{count} tasks: picked {len(picked)}, expected {LIMIT}")
            if round_index >= 20:  # the first rounds warm caches
                times[count].append(elapsed)
    return times


async def explain(store: SQLiteStore) -> str:
    statements: list[str] = []
    store.database.connection.set_trace_callback(statements.append)
    await pick_due(store, "profile", LIMIT)
    store.database.connection.set_trace_callback(None)
    rows = store.database.connection.execute("EXPLAIN QUERY PLAN " + statements[-1]).fetchall()
    return "; ".join(str(row[-1]) for row in rows)


async def main_async(counts: list[int], rounds: int, directory: Path) -> dict[str, Any]:
    rng = random.Random(20250718)
    stores: dict[int, SQLiteStore] = {}
    build_seconds: dict[int, float] = {}
    try:
        for count in counts:
            started = time.perf_counter()
            stores[count] = await build_store(directory / f"tasks-{count}.sqlite3", count, rng)
            build_seconds[count] = time.perf_counter() - started
        times = await timed_picks(stores, rounds)
        plan = await explain(stores[counts[-1]])
    finally:
        for store in stores.values():
            await store.close()
    return {
        "limit": LIMIT,
        "rounds": rounds,
        "plan": plan,
        "stores": {
            str(count): {
                "median_ms": statistics.median(times[count]) * 1000,
                "p10_ms": statistics.quantiles(times[count], n=10)[0] * 1000,
                "p90_ms": statistics.quantiles(times[count], n=10)[-1] * 1000,
                "build_s": build_seconds[count],
            }
            for count in counts
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1000,100000", help="store sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per store")
    args = parser.parse_args()
    counts = [int(part) for part in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="codvid-bench-pick-") as directory:
        result = asyncio.run(main_async(counts, args.rounds, Path(directory)))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
