"""Profile fetches of concurrent runs batched into shared Apify runs: 500 due profile tasks
against the fake Apify at a fixed 2 s per actor run, versus one actor run per task.

The real service: a ``codvid serve`` process per trial (all roles, as operators start it)
with ``CODVID_SCRAPER_PROVIDER=apify`` pointed at :class:`FakeApify` in this process, and
its scheduler picking up the due tasks. The tasks are created through the API on a seed
server (``seed.py``); each trial serves a private copy of that data directory in which the
tasks it measures are made due by writing ``next_scrape_due`` in the past through the
service's own storage layer (what the passing of time does), before the server starts.

Every username is known to the fake: 12 recent posts each (``CODVID_SCRAPE_MAX_POSTS``),
every post with comments, so each run also fetches its posts' comments as a first scrape
does (comment fetches are batched too; their runs are counted apart).

- batched: the defaults (``CODVID_SCRAPE_BATCH_SIZE`` 25, window 2 s), all 500 tasks;
- baseline: ``CODVID_SCRAPE_BATCH_SIZE=1`` (one profile run per task, and one comment run
  per task since the comment batch is the profile batch times the posts), the same job
  concurrency, on the first ``--baseline-tasks`` tasks only; its time is extrapolated
  linearly to all of them: with one run per task and every slot busy, the worker drains
  runs at a constant rate (``concurrency`` at a time, each taking the same fixed actor
  times), so the time grows in proportion to the number of tasks.

The same settings in both, beyond the batch size: ``CODVID_SCHEDULER_BATCH`` as large as
the due tasks, so one scheduler pass queues them all (the default 100 per 30 s pass would
pace both by the scheduler rather than the scraping), and ``CODVID_SCRAPER_RATE_LIMIT``
raised far above the Apify provider's default 30 calls a minute: the batched service makes
about 40 calls in all and never nears it, while one run per task makes two calls per task
and would be paced (and its runs failed as throttled) by the limit rather than measured.

The wall time is the service's own: from the first run created (the scheduler's claim) to
the last run finished, read from the run documents. Prints the summary rows, or with
``--json`` one JSON object (what ``run.py`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import seed as seeding
from apify_world import (
    COMMENT_SCRAPER,
    PROFILE_SCRAPER,
    FakeApify,
    FakeRun,
    apify_env,
    comments_for,
    iso,
    post_item,
    profile_item,
    runs_of,
    shortcode,
)
from report import batching_notes, batching_rows, emit
from servers import Server, start_codvid, stop, stop_on_sigterm

from codvid.jobs.settings import JobSettings
from codvid.kit.clock import now
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage.sqlite import SQLiteStore
from codvid.tracking.documents import PROFILE_TASKS

TASKS = 500
BASELINE_TASKS = 40
RUN_DURATION = 2.0
USERS = 8
POSTS = ScrapingSettings.model_fields["max_posts"].default
COMMENTS_PER_POST = 12
CONCURRENCY = JobSettings.model_fields["concurrency"].default
RATE_LIMIT = "100000/minute"
TERMINAL = ("succeeded", "failed", "cancelled")
DATABASE = "codvid.sqlite3"


def say(message: str) -> None:
    sys.stderr.write(f"[bench batching {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def username(index: int) -> str:
    return f"bench.p{index:07d}"  # what seed.create_tasks names task ``index``


def fill(fake: FakeApify, count: int) -> None:
    """Profiles ``0 .. count-1``, each with ``POSTS`` posts of the last weeks, all with
    comments."""
    moment = time.time()
    for index in range(count):
        posts = []
        for number in range(POSTS):
            code = shortcode(index, number)
            posted = moment - (number + 0.5) * 86400 * 1.7
            total = 20 + (index * 31 + number * 17) % 180
            posts.append(
                post_item(
                    code,
                    owner=username(index),
                    kind=("reel", "image", "carousel")[number % 3],
                    timestamp=iso(posted),
                    comments=total,
                    likes=total * 23,
                )
            )
            fake.add_comments(code, comments_for(code, min(total, COMMENTS_PER_POST), posted))
        fake.add_profile(profile_item(username(index), posts=posts, posts_count=300 + index))


async def _seed(port: int, count: int) -> None:
    async with seeding.Client(port) as client:
        tokens = await seeding.signup(client, USERS)
        await seeding.create_tasks(client, tokens, 0, count)


def seed(root: Path, count: int) -> Path:
    data_dir = root / "batching-seed"
    server = start_codvid(data_dir, "codvid batching seed")
    try:
        say(f"creating {count} profile tasks through the API (port {server.port})")
        asyncio.run(_seed(server.port, count))
    finally:
        stop(server)
    return data_dir


async def _make_due(data_dir: Path, count: int) -> None:
    """The first ``count`` tasks (by creation) due a minute ago, as if their interval had
    passed; the others stay idle."""
    store = SQLiteStore(data_dir / DATABASE)
    try:
        tasks = store.collection(PROFILE_TASKS)
        chosen = await tasks.find({}, sort=[("created_at", 1)], limit=count, projection=[])
        moment = now()
        for order, task in enumerate(chosen):
            await tasks.update_one(
                {"_id": task["_id"]}, {"$set": {"next_scrape_due": moment - 60 + order * 1e-3}}
            )
    finally:
        await store.close()


def _ended(connection: sqlite3.Connection) -> tuple[int, int]:
    rows = connection.execute(
        "SELECT json_extract(doc, '$.status'), count(*) FROM c_runs GROUP BY 1"
    ).fetchall()
    counts = dict(rows)
    return sum(counts.get(s, 0) for s in TERMINAL), sum(counts.values())


def wait_ended(server: Server, data_dir: Path, count: int, timeout: float) -> float:
    """Poll the database (read-only) until ``count`` runs have ended."""
    started = time.monotonic()
    deadline = started + timeout
    last_said = started
    connection = None
    try:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
            if connection is None and (data_dir / DATABASE).exists():
                connection = sqlite3.connect(f"file:{data_dir / DATABASE}?mode=ro", uri=True)
            ended, created = _ended(connection) if connection else (0, 0)
            if ended >= count:
                return time.monotonic() - started
            moment = time.monotonic()
            if moment > deadline:
                raise RuntimeError(
                    f"{server.name}: {ended} of {count} runs ended after {timeout:g} s "
                    f"({created} created)\n{server.log_tail()}"
                )
            if moment - last_said > 15:
                say(f"  {ended} of {count} runs ended ({created} created)")
                last_said = moment
            time.sleep(0.25)
    finally:
        if connection is not None:
            connection.close()


def _docs(connection: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    return [json.loads(doc) for (doc,) in connection.execute(f"SELECT doc FROM {table}")]


def _in_flight(runs: list[FakeRun]) -> int:
    """The most of ``runs`` running at once."""
    edges = []
    for run in runs:
        edges.append((run.started_at.timestamp(), 1))
        if run.finished_at is not None:
            edges.append((run.finished_at.timestamp(), -1))
    most = current = 0
    for _, step in sorted(edges):
        current += step
        most = max(most, current)
    return most


def _capped(fake: FakeApify, run: FakeRun) -> bool:
    """Whether the run stopped writing results at its ``maxTotalChargeUsd``."""
    cap, wanted = run.max_total_charge_usd, run.max_items
    return (
        cap is not None
        and wanted is not None
        and run.charged_items < wanted
        and run.usage_usd + fake.price_per_item > cap + 1e-9
    )


def measure(data_dir: Path, fake: FakeApify) -> dict[str, Any]:
    connection = sqlite3.connect(f"file:{data_dir / DATABASE}?mode=ro", uri=True)
    try:
        runs = _docs(connection, "c_runs")
        shared = [
            json.loads(doc).get("shared_fetch", 1)
            for (doc,) in connection.execute(
                "SELECT doc FROM c_run_events "
                "WHERE json_extract(doc, '$.event_type') = 'account_fetched'"
            )
        ]
        empty_posts = sum(
            1
            for (doc,) in connection.execute(f"SELECT doc FROM c_{PROFILE_TASKS}")
            for post in json.loads(doc)["target_profile_data"]["scraped_posts"]
            if post.get("comments_fetched_at") is not None and not post["top_comments"]
        )
    finally:
        connection.close()
    created = min(run["created_at"] for run in runs)
    finished = max(run["finished_at"] for run in runs if run["finished_at"] is not None)
    profile_runs = runs_of(fake, PROFILE_SCRAPER)
    comment_runs = runs_of(fake, COMMENT_SCRAPER)
    sizes = [len(run.input["usernames"]) for run in profile_runs]
    return {
        "runs": len(runs),
        "statuses": dict(Counter(run["status"] for run in runs)),
        "errors": dict(Counter(run["error"] for run in runs if run["error"]).most_common(3)),
        "wall_s": finished - created,
        "queued_s": max(run["created_at"] for run in runs) - created,
        "profile_runs": len(profile_runs),
        "profile_batch_sizes": dict(sorted(Counter(sizes).items())),
        "profile_in_flight_max": _in_flight(profile_runs),
        "comment_runs": len(comment_runs),
        "comment_runs_capped": sum(1 for run in comment_runs if _capped(fake, run)),
        "posts_stored_without_comments": empty_posts,
        "actor_runs": len(fake.runs),
        "shared_fetch_median": statistics.median(shared) if shared else None,
        "items_charged": fake.items_charged,
        "usage_usd": fake.usage_usd,
    }


def trial(
    seed_dir: Path,
    root: Path,
    name: str,
    known: int,
    due: int,
    concurrency: int,
    env: dict[str, str],
) -> dict[str, Any]:
    data_dir = root / name
    shutil.copytree(seed_dir, data_dir)
    try:
        asyncio.run(_make_due(data_dir, due))
        fake = FakeApify(run_duration=RUN_DURATION)
        fill(fake, known)  # every username known, also to the baseline
        with fake:
            settings = {
                **apify_env(fake),
                "CODVID_SCHEDULER_ENABLED": "true",
                "CODVID_SCHEDULER_BATCH": str(max(due, 100)),
                "CODVID_SCRAPER_RATE_LIMIT": RATE_LIMIT,
                "CODVID_JOB_CONCURRENCY": str(concurrency),
                **env,
            }
            server = start_codvid(data_dir, f"codvid {name}", settings)
            try:
                say(f"{name}: {due} due tasks, {' '.join(f'{k}={v}' for k, v in env.items())}")
                observed = wait_ended(server, data_dir, due, timeout=60 + due)
            finally:
                stop(server, grace=20)
            result = measure(data_dir, fake)
        result["observed_s"] = observed
        result["tasks"] = due
        say(
            f"  {name}: {result['runs']} runs in {result['wall_s']:.1f} s, "
            f"{result['profile_runs']} profile runs, {result['comment_runs']} comment runs, "
            f"statuses {result['statuses']}"
        )
        return result
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(tasks: int, baseline_tasks: int, trials: int, concurrency: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="codvid-bench-batching-"))
    try:
        seed_dir = seed(root, tasks)
        batched, baseline = [], []
        for number in range(1, trials + 1):
            batched.append(
                trial(seed_dir, root, f"batched-{number}", tasks, tasks, concurrency, {})
            )
            baseline.append(
                trial(
                    seed_dir,
                    root,
                    f"one-per-task-{number}",
                    tasks,
                    baseline_tasks,
                    concurrency,
                    {"CODVID_SCRAPE_BATCH_SIZE": "1"},
                )
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "tasks": tasks,
        "baseline_tasks": baseline_tasks,
        "run_duration_s": RUN_DURATION,
        "concurrency": concurrency,
        "posts": POSTS,
        "rate_limit": RATE_LIMIT,
        "batched": batched,
        "baseline": baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=TASKS)
    parser.add_argument("--baseline-tasks", type=int, default=BASELINE_TASKS)
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help="CODVID_JOB_CONCURRENCY of both (default: the service's default)",
    )
    args = parser.parse_args()
    stop_on_sigterm()
    result = run(args.tasks, args.baseline_tasks, args.trials, args.concurrency)
    emit(result, batching_rows, batching_notes, args.json)


if __name__ == "__main__":
    main()
