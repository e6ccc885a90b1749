"""Time ``pick_due(store, "profile", 100)`` on stores of 10k and 1M profile tasks, on
SQLite and on MongoDB (the ``MongoStore`` adapter against the jongodb server ``make test``
installs, started here on a free port of 127.0.0.1 and stopped after).

Every document is the one ``codvid.tracking.profiles.create`` writes: it is called with a
capturing store while the clock reads the creation time the task would have had. Pausing
and claiming apply the very updates ``profiles.update`` and ``runs.claim`` make. The
documents of each size are made once and written to both stores; only the insert is done
in bulk to build the stores quickly: on SQLite in one transaction (``executemany``), on
MongoDB by ``insert_many`` of large batches. The indexes (``bootstrap.INDEXES``) are in
place before the first insert, as in service.

The mix: intervals of 0.5-7 days; 1% of tasks due, but at least 150 so that both stores
have more than 100 pickable tasks and every call returns exactly 100; 5% paused (due or
not); 2% of the due ones claimed by a run. Calls alternate between the two sizes of one
store kind, so machine noise hits both alike.

jongodb keeps a collection as a plain list: each insert command checks every unique
index against the whole collection (quadratic in its size), and every find scans it all.
Building 1M documents there would take days, so its large store is capped
(``--mongodb-max``, noted in the output); SQLite keeps the full size.

Prints a table, or with ``--json`` one JSON object (what ``run.py`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, cast
from unittest import mock

from bulk import CapturingStore, encoded
from pymongo import errors as mongo_errors
from report import emit, pick_rows
from servers import HOST, JONGODB, free_port, spawned, stop_on_sigterm

from codvid.bootstrap import INDEXES
from codvid.kit.clock import now
from codvid.kit.ids import new_id
from codvid.storage import Store
from codvid.storage.mongodb import MongoStore
from codvid.storage.mongodb.store import MongoCollection
from codvid.storage.sqlite import SQLiteStore
from codvid.storage.sqlite.store import _dumps, _table
from codvid.tracking import profiles
from codvid.tracking.documents import PROFILE_TASKS
from codvid.tracking.scheduled import pick_due
from codvid.tracking.schemas import ProfileTaskCreate

DAY = 86400.0
INTERVALS = [0.5, 1.0, 2.0, 7.0]
LIMIT = 100
WARM_ROUNDS = 20
SEED = 20250718
STORES = ("sqlite", "mongodb")
# The largest MongoDB store, what jongodb fills in about 10 minutes: one insert command of
# 60k documents took 400 s here (2 shared cores), and the time grows with the square of
# the size (1M: days).
MONGODB_MAX = 70_000
# As few insert commands as possible (jongodb's cost is per command, over the whole
# collection): 80k documents of ~563 bytes of BSON fit one 48 MB message.
MONGODB_BATCH = 80_000
# Every wait of the MongoDB client, a one-command insert included (socket timeout x6).
MONGODB_TIMEOUT = 600.0
Documents = list[dict[str, Any]]


def say(message: str) -> None:
    sys.stderr.write(f"[pick_due {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


async def task_documents(count: int, rng: random.Random) -> Documents:
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
            # the capturing store has all profiles.create calls of a store
            await profiles.create(cast(Store, capture), rng.choice(users), data)
    documents = capture.documents
    for index, document in enumerate(documents):
        if rng.random() < 0.05:
            documents[index] = {**document, "status": "paused"}  # what profiles.update sets
        elif index in due and rng.random() < 0.02:
            run_id = new_id()
            # what runs.claim sets
            documents[index] = {**document, "active_run_id": run_id, "last_run_id": run_id}
    return documents


class Generated:
    """The documents of each size, made once (a size's own rng, whatever the order)."""

    def __init__(self) -> None:
        self.documents: dict[int, Documents] = {}
        self.seconds: dict[int, float] = {}

    async def get(self, count: int) -> Documents:
        if count not in self.documents:
            say(f"making {count} task documents with profiles.create")
            started = time.perf_counter()
            self.documents[count] = await task_documents(count, random.Random(SEED + count))
            self.seconds[count] = time.perf_counter() - started
        return self.documents[count]

    def keep_only(self, counts: list[int]) -> None:
        for count in [c for c in self.documents if c not in counts]:
            del self.documents[count]


async def build_sqlite(path: Path, documents: Documents) -> SQLiteStore:
    store = SQLiteStore(path)
    await store.ensure_indexes(INDEXES)
    with store.database.transaction() as db:
        db.executemany(
            f"INSERT INTO {_table(PROFILE_TASKS)} (id, doc) VALUES (?, ?)",
            ((document["_id"], _dumps(document)) for document in documents),
        )
    return store


async def build_mongodb(url: str, documents: Documents) -> MongoStore:
    store = MongoStore(url, timeout=MONGODB_TIMEOUT)
    try:
        await store.ensure_indexes(INDEXES)
        # The adapter has no bulk insert (only insert_one, which stores keys.encode of the
        # document): the same encoding, then PyMongo's insert_many on the collection the
        # adapter wraps, so each document is stored exactly as insert_one would store it.
        collection = store.collection(PROFILE_TASKS)._collection
        for batch in encoded(documents, MONGODB_BATCH):
            await collection.insert_many(batch)
    except BaseException:
        await store.close()
        raise
    return store


async def timed_picks(stores: dict[int, Store], rounds: int) -> dict[int, list[float]]:
    """Alternate between the stores so machine noise hits both alike."""
    times: dict[int, list[float]] = {count: [] for count in stores}
    for round_index in range(rounds + WARM_ROUNDS):
        for count, store in stores.items():
            started = time.perf_counter()
            picked = await pick_due(store, "profile", LIMIT)
            elapsed = time.perf_counter() - started
            if len(picked) != LIMIT:
                raise SystemExit(f"{count} tasks: picked {len(picked)}, expected {LIMIT}")
            if round_index >= WARM_ROUNDS:  # the first rounds warm caches
                times[count].append(elapsed)
    return times


async def sqlite_plan(store: Store) -> str | None:
    assert isinstance(store, SQLiteStore)
    statements: list[str] = []
    store.database.connection.set_trace_callback(statements.append)
    await pick_due(store, "profile", LIMIT)
    store.database.connection.set_trace_callback(None)
    rows = store.database.connection.execute("EXPLAIN QUERY PLAN " + statements[-1]).fetchall()
    return "; ".join(str(row[-1]) for row in rows)


async def mongodb_plan(store: Store) -> str | None:
    """The winning plan of the very find ``pick_due`` sends (stages from the top), or
    None when the server has no explain (jongodb has none)."""
    assert isinstance(store, MongoStore)
    calls: list[tuple[MongoCollection, dict[str, Any], dict[str, Any]]] = []
    find = MongoCollection.find

    async def recorded(self: MongoCollection, filter: Any, **options: Any) -> Any:
        calls.append((self, dict(filter), options))
        return await find(self, filter, **options)

    with mock.patch.object(MongoCollection, "find", recorded):
        await pick_due(store, "profile", LIMIT)
    collection, filter, options = calls[-1]
    cursor = collection._collection.find(filter, sort=list(options["sort"]), limit=options["limit"])
    try:
        explained = await cursor.explain()
    except mongo_errors.OperationFailure:
        return None
    stages = []
    node: dict[str, Any] | None = explained["queryPlanner"]["winningPlan"]
    while node is not None:
        index = node.get("indexName")
        stages.append(f"{node['stage']} {index}" if index else str(node["stage"]))
        inputs = node.get("inputStages") or [node.get("inputStage")]
        node = inputs[0]
    return " <- ".join(stages)


def figures(times: list[float], build_s: float) -> dict[str, float]:
    deciles = statistics.quantiles(times, n=10)
    return {
        "median_ms": statistics.median(times) * 1000,
        "p10_ms": deciles[0] * 1000,
        "p90_ms": deciles[-1] * 1000,
        "build_s": build_s,
    }


Build = Callable[[int, Documents], Awaitable[Store]]
Plan = Callable[[Store], Awaitable[str | None]]


async def measure_store(
    kind: str, counts: list[int], rounds: int, generated: Generated, build: Build, plan: Plan
) -> dict[str, Any]:
    """Build a store of ``kind`` per size (``build``), time the picks alternating between
    them, and ask the largest for its plan."""
    stores: dict[int, Store] = {}
    build_seconds: dict[int, float] = {}
    try:
        for count in counts:
            documents = await generated.get(count)
            say(f"{kind}: building a store of {count} tasks")
            started = time.perf_counter()
            stores[count] = await build(count, documents)
            build_seconds[count] = time.perf_counter() - started
            say(f"{kind}: {count} tasks in {build_seconds[count]:.1f} s")
        say(f"{kind}: timing {rounds} calls per size, alternating")
        times = await timed_picks(stores, rounds)
        largest = await plan(stores[counts[-1]])
    finally:
        for store in stores.values():
            await store.close()
    return {
        "plan": largest,
        "sizes": {str(c): figures(times[c], build_seconds[c]) for c in counts},
    }


@contextlib.contextmanager
def jongodb(log: Path) -> Iterator[str]:
    """A jongodb server of this run's own, stopped after whatever happens."""
    if not JONGODB.is_file():
        raise SystemExit(f"bench: {JONGODB} is missing (make test installs it)")
    port = free_port()
    argv = [str(JONGODB), f"--host={HOST}", f"--port={port}"]
    with (
        log.open("ab") as handle,
        spawned(argv, port, stdout=handle, stderr=subprocess.STDOUT),
    ):
        yield f"mongodb://{HOST}:{port}"


def measure(
    kinds: list[str], counts: list[int], mongodb_max: int, rounds: int, directory: Path
) -> dict[str, Any]:
    generated = Generated()
    stores: dict[str, Any] = {}
    mongodb_counts = sorted({min(count, mongodb_max) for count in counts})
    if "sqlite" in kinds:

        async def sqlite(count: int, documents: Documents) -> Store:
            return await build_sqlite(directory / f"tasks-{count}.sqlite3", documents)

        stores["sqlite"] = asyncio.run(
            measure_store("sqlite", counts, rounds, generated, sqlite, sqlite_plan)
        )
    if "mongodb" in kinds:
        generated.keep_only(mongodb_counts)  # the 1M documents are SQLite's alone
        with jongodb(directory / "jongodb.log") as url:

            async def mongodb(count: int, documents: Documents) -> Store:
                return await build_mongodb(f"{url}/pick_{count}", documents)

            result = asyncio.run(
                measure_store("mongodb", mongodb_counts, rounds, generated, mongodb, mongodb_plan)
            )
        result["server"] = "jongodb 0.1.6 (make test's MongoDB-compatible server)"
        notes = []
        if mongodb_counts != counts:
            large = mongodb_counts[-1]
            built = result["sizes"][str(large)]["build_s"]
            notes.append(
                f"{large} tasks, not {counts[-1]}: jongodb checks each unique index (_id, "
                "owner_profile) over the whole collection at every insert command, by a list "
                f"scan, so filling it is quadratic in its size ({large} took {built:.0f} s; "
                f"{counts[-1]} would take some {duration(built * (counts[-1] / large) ** 2)} by "
                "that square law)"
            )
        notes.append(
            "jongodb has no explain, and no indexes to search (it keeps the documents as a "
            "list; its createIndexes only records them for uniqueness checks): every find "
            "scans the whole collection and sorts the matches, so its ratio grows with the "
            "collection whatever the indexes; a real MongoDB would use the due index "
            "(status, next_scrape_due)"
            if result["plan"] is None
            else "plan from the server's explain"
        )
        result["note"] = "; ".join(notes)
        stores["mongodb"] = result
    return {
        "limit": LIMIT,
        "rounds": rounds,
        "generate_s": {str(c): s for c, s in sorted(generated.seconds.items())},
        "stores": stores,
    }


def duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def notes(result: dict[str, Any]) -> list[str]:
    return [
        f"pick_due ({kind}): {store['plan'] or 'no plan'}"
        + (f"; note: {store['note']}" if store.get("note") else "")
        for kind, store in result["stores"].items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--counts", default="10000,1000000", help="store sizes, comma-separated")
    parser.add_argument(
        "--stores", default=",".join(STORES), help=f"store kinds, comma-separated: {STORES}"
    )
    parser.add_argument(
        "--mongodb-max",
        type=int,
        default=MONGODB_MAX,
        help="the largest MongoDB store (jongodb fills quadratically slower)",
    )
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per store")
    args = parser.parse_args()
    counts = sorted(int(part) for part in args.counts.split(","))
    kinds = [kind.strip() for kind in args.stores.split(",") if kind.strip()]
    if len(set(counts)) != 2 or not kinds or any(kind not in STORES for kind in kinds):
        parser.error(f"--counts needs two sizes, --stores some of {STORES}")
    if "mongodb" in kinds and counts[0] >= args.mongodb_max:
        parser.error("--mongodb-max must be above the smaller count")
    stop_on_sigterm()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="codvid-bench-pick-") as directory:
        result = measure(kinds, counts, args.mongodb_max, args.rounds, Path(directory))
    result["elapsed_s"] = time.perf_counter() - started
    emit(result, pick_rows, notes, args.json)


if __name__ == "__main__":
    main()
