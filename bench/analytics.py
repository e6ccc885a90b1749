"""Analytics over long histories: how fast history, engagement and the comparison answer
at two years of daily snapshots for 100 tasks, and how flat a CSV export's memory stays
as a task's history grows tenfold.

The data is what scrapes leave: a ``codvid serve`` on SQLite (scheduler off) signs one
user up through the API and is stopped; then 100 profile tasks of that user (20 of them
flagged competitors) made by ``profiles.create``, and for each 730 daily snapshots, are
written in bulk beside them (``bulk.py``). Every snapshot is the document
``history.record`` writes for the numbers ``results.profile_snapshot`` makes of a
simulated profile: followers drifting day by day, a post every 1.5-2.5 days (two in five
reels) whose likes, comments, plays and views grow through its first days, each scrape
seeing the latest 12. Each task holds what its latest scrape stored
(``results.profile_data``: its 12 posts with 10 top comments each, ``last_scraped``,
``next_scrape_due``).

Latency: per trial, a fresh ``codvid serve`` on that data (the user logs in through the
API; the first server's snapshot compaction pass, which marks every task, is waited for,
as a long-running server has done it already), a warm-up, then per route many requests
one at a time on one connection, then in a closed loop of 4 clients: history (90 days,
the default, and 730), engagement, and compare (100 rows). Latency is from sending a
request to the last byte of its answer; every answer is 200, and the first of each route
per trial is checked against the data written (points, posts, rows, followers).

Export memory: one task with 5,000 hourly snapshots and one with 50,000 (posts included,
as above; compaction off, ``CODVID_SNAPSHOT_COMPACT_AFTER_DAYS=0``, so none is merged).
Each export runs on a fresh server, after a warm-up export of its last day, while a
thread samples the server's ``VmRSS`` every few milliseconds; the whole body is read and
its rows checked against the snapshots written. Trials alternate between the sizes.

Prints a table, or with ``--json`` one JSON object (what ``run.py`` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bulk
import seed as seeding
from load import Connection, build_request
from report import analytics_notes, analytics_rows, emit
from servers import HOST, Server, memory_of, start_codvid, stop, stop_on_sigterm

from codvid.kit.clock import now
from codvid.scrapers import ProfileResult, ScrapedComment, ScrapedPost
from codvid.sentiment import SentimentAnalyzer, get_analyzer
from codvid.storage.sqlite.store import _table
from codvid.tracking import results
from codvid.tracking.documents import COMPACTED, PROFILE_TASKS, SNAPSHOTS
from codvid.tracking.results import TopComments

DAY = 86_400.0
HOUR = 3_600.0
TASKS = 100
COMPETITORS = 20
HISTORY_DAYS = 730
POSTS = 12
"""Posts per scrape (``CODVID_SCRAPE_MAX_POSTS``' default)."""
TOP_COMMENTS = 10
"""Top comments per stored post (``CODVID_SCRAPE_MAX_COMMENTS``' default)."""
CLIENTS = 4
SEQUENTIAL = 200
"""Requests per route per trial, one at a time."""
CONCURRENT = 400
"""Requests per route per trial in the closed loop (``CLIENTS`` at once)."""
WARM_UP = 10
"""Requests per route before a trial's figures (first-call costs)."""
TRIALS = 3
EXPORT_SIZES = (5_000, 50_000)
EXPORT_TRIALS = 3
SAMPLE_SECONDS = 0.002
"""How often the server's resident set is read during an export."""
COMPACTION_WAIT = 300.0
ROUTES = ("history", "history_730", "engagement", "compare")
BASE = "/codvid-ai/ig-tracking"
SEED = 20250801
WORDS = ("love", "this", "wow", "great", "shot", "linda", "foto", "🔥", "😍", "👏")


def say(message: str) -> None:
    sys.stderr.write(f"[analytics {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# ---- the data ------------------------------------------------------------------------


@dataclass
class Post:
    post_id: str
    published_at: float
    is_reel: bool
    likes: int
    comments: int
    plays: int
    views: int

    def seen(self, at: float, caption: str) -> ScrapedPost:
        """The post as a scrape at ``at`` finds it: its counts grow through its first
        days (likes and comments within about 1.5 days, plays within 3)."""
        age = (at - self.published_at) / DAY
        engaged = 1 - math.exp(-age / 1.5)
        played = 1 - math.exp(-age / 3)
        return ScrapedPost(
            post_id=self.post_id,
            post_url=f"https://www.instagram.com/{'reel' if self.is_reel else 'p'}/{self.post_id}/",
            timestamp=self.published_at,
            type="reel" if self.is_reel else "image",
            is_reel=self.is_reel,
            caption=caption,
            likes_count=round(self.likes * engaged),
            comments_count=round(self.comments * engaged),
            video_view_count=round(self.views * played),
            video_play_count=round(self.plays * played),
            hashtags=("codvid", "bench"),
            mentions=(),
        )


@dataclass
class Profile:
    """A simulated Instagram profile, scraped every ``step`` seconds."""

    username: str
    rng: random.Random
    followers: float
    follows: int
    posts_count: int
    growth: float
    posts: list[Post] = field(default_factory=list)

    @classmethod
    def new(cls, username: str, seed: int) -> Profile:
        rng = random.Random(seed)
        return cls(
            username=username,
            rng=rng,
            followers=min(rng.lognormvariate(10, 1.5), 20_000_000),
            follows=rng.randint(100, 2_000),
            posts_count=rng.randint(50, 3_000),
            growth=rng.uniform(-0.0003, 0.002),
        )

    def publish_until(self, at: float) -> None:
        """The posts published up to ``at``: one every 1.5-2.5 days."""
        last = self.posts[-1].published_at if self.posts else at - POSTS * 2 * DAY
        while (next_at := last + self.rng.uniform(1.5, 2.5) * DAY) <= at:
            is_reel = self.rng.random() < 0.4
            likes = self.followers * self.rng.uniform(0.005, 0.06)
            plays = likes * self.rng.uniform(8, 30) if is_reel else 0
            self.posts.append(
                Post(
                    post_id=uuid.UUID(int=self.rng.getrandbits(128)).hex[:11],
                    published_at=next_at,
                    is_reel=is_reel,
                    likes=round(likes),
                    comments=round(likes * self.rng.uniform(0.01, 0.05)),
                    plays=round(plays),
                    views=round(plays * self.rng.uniform(0.5, 0.9)),
                )
            )
            self.posts_count += 1
            last = next_at

    def scrape(self, at: float, step: float) -> ProfileResult:
        """What a scrape at ``at`` finds, ``step`` seconds after the previous one."""
        self.followers *= 1 + (self.growth + self.rng.gauss(0, 0.002)) * step / DAY
        self.publish_until(at)
        latest = [p.seen(at, f"Post {p.post_id} #codvid") for p in reversed(self.posts[-POSTS:])]
        return ProfileResult(
            username=self.username,
            full_name=self.username.title(),
            biography="A profile of the analytics bench",
            icon_pic_url=f"https://example.com/{self.username}.jpg",
            followers=round(self.followers),
            follows_count=self.follows,
            posts_count=self.posts_count,
            igtv_video_count=0,
            posts=tuple(latest),
            provider="apify",
            is_demo=False,
            raw={},
        )


def top_comments(
    analyzer: SentimentAnalyzer, rng: random.Random, post: ScrapedPost, at: float
) -> TopComments:
    """A post's top comments as a scrape at ``at`` fetched and labelled them."""
    items = [
        ScrapedComment(
            text=" ".join(rng.choices(WORDS, k=rng.randint(1, 8))),
            owner_username=f"fan.{rng.randint(0, 99_999)}",
            timestamp=post.timestamp + rng.uniform(0, at - post.timestamp),
            likes_count=rng.randint(0, 500),
        )
        for _ in range(min(TOP_COMMENTS, post.comments_count))
    ]
    labels = analyzer.label_many([item.text for item in items])
    return TopComments.fetched(items, labels, at, post.comments_count)


@dataclass
class Written:
    """What was written for one task: its snapshots' times and followers, and its posts
    of the latest scrape (what the answers are checked against)."""

    task_id: str
    times: list[float]
    followers: list[int]
    latest_posts: int


async def scraped_task(
    task: dict[str, Any], count: int, step: float, last_at: float, seed: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The task as its latest of ``count`` scrapes (``step`` apart, the last at
    ``last_at``) left it, and the snapshots they left."""
    profile = Profile.new(task["target_profile"], seed)
    scrapes = []
    result = None
    for index in range(count):
        at = last_at - (count - 1 - index) * step + profile.rng.uniform(-0.02, 0.02) * step
        result = profile.scrape(at, step)
        scrapes.append((at, results.profile_snapshot(result)))
    assert result is not None
    at = scrapes[-1][0]
    analyzer = get_analyzer()
    tops = [top_comments(analyzer, profile.rng, post, at) for post in result.posts]
    # what a scrape's results update sets (pipelines._store_results)
    done = {
        **task,
        "target_profile_data": results.profile_data(result, tops, at),
        "last_scraped": at,
        "next_scrape_due": at + task["scrape_interval_days"] * DAY,
        "consecutive_failures": 0,
        "scrape_hold": None,
    }
    return done, await bulk.snapshots(task, scrapes)


def write_tasks(
    database: Path,
    user_id: str,
    prefix: str,
    counts: list[int],
    step: float,
    competitors: int = 0,
) -> list[Written]:
    """One profile task of ``user_id`` per entry of ``counts``, with that many scrapes
    ``step`` apart, the latest an hour ago; tasks and snapshots written in bulk."""
    tasks = asyncio.run(bulk.profile_tasks([user_id], len(counts), prefix, competitors))
    last_at = now() - HOUR
    written, done_tasks = [], []
    for index, (task, count) in enumerate(zip(tasks, counts, strict=True)):
        done, snapshots = asyncio.run(scraped_task(task, count, step, last_at, SEED + index))
        bulk.insert_sqlite(database, snapshots, SNAPSHOTS)
        done_tasks.append(done)
        written.append(
            Written(
                task["_id"],
                [s["taken_at"] for s in snapshots],
                [s["followers"] for s in snapshots],
                len(snapshots[-1]["posts"]),
            )
        )
    bulk.insert_sqlite(database, done_tasks, PROFILE_TASKS)
    return written


def rows_of(database: Path, name: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {_table(name)}").fetchone()[0])


@dataclass
class Seeded:
    data_dir: Path
    email: str
    written: list[Written]
    build_s: float


def seed_user(data_dir: Path) -> tuple[str, str]:
    """A user signed up through the API of a server on ``data_dir``: its email and id."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"

    async def signup(port: int) -> str:
        async with seeding.Client(port, connections=1) as client:
            data = {"auth_type": "email", "email": email, "password": seeding.PASSWORD}
            body = await client.expect(201, "POST", "/auth/signup", data=data)
        return str(body["user_id"])

    server = start_codvid(data_dir, "codvid seed")
    try:
        return email, asyncio.run(signup(server.port))
    finally:
        stop(server)


def seed(data_dir: Path, counts: list[int], step: float, competitors: int) -> Seeded:
    started = time.perf_counter()
    email, user_id = seed_user(data_dir)
    database = data_dir / "codvid.sqlite3"
    written = write_tasks(database, user_id, "bench.a", counts, step, competitors)
    took = time.perf_counter() - started
    say(f"wrote {len(written)} tasks and {rows_of(database, SNAPSHOTS)} snapshots in {took:.0f} s")
    return Seeded(data_dir, email, written, took)


def login(port: int, email: str) -> str:
    async def call() -> str:
        async with seeding.Client(port, connections=1) as client:
            data = {"auth_type": "email", "email": email, "password": seeding.PASSWORD}
            body = await client.expect(201, "POST", "/auth/login", data=data)
        return str(body["token"])

    return asyncio.run(call())


@contextlib.contextmanager
def serving(seeded: Seeded, name: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start_codvid(seeded.data_dir, name, env)
    try:
        yield server
    finally:
        stop(server)


# ---- part 1: answer times ------------------------------------------------------------


def path_of(route: str, task_id: str) -> str:
    return {
        "history": f"{BASE}/history/{task_id}",
        "history_730": f"{BASE}/history/{task_id}?days={HISTORY_DAYS}",
        "engagement": f"{BASE}/engagement/{task_id}",
        "compare": f"{BASE}/compare",
    }[route]


def expected_points(times: list[float], days: int, started: float, ended: float) -> range:
    """How many snapshots a window of ``days`` can hold, its start taken by the server
    between ``started`` and ``ended``."""
    low = sum(t >= ended - days * DAY for t in times)
    return range(low, sum(t >= started - days * DAY for t in times) + 1)


def check(
    route: str, written: Written, every: list[Written], body: bytes, started: float, ended: float
) -> None:
    """That an answer holds what was written (raises if not); the server read its clock
    between ``started`` and ``ended``."""
    answer = json.loads(body)["response"]
    problems = []
    if route.startswith("history"):
        days = HISTORY_DAYS if route == "history_730" else 90
        window = expected_points(written.times, days, started, ended)
        if len(answer["points"]) not in window:
            problems.append(f"{len(answer['points'])} points, expected {window}")
        if answer["points"][-1]["values"]["followers"] != written.followers[-1]:
            problems.append("the latest followers differ")
        if any(answer["growth"]["followers"][f"days_{d}"] is None for d in (7, 30, 90)):
            problems.append("a growth is missing")
        if not answer["posts"]:
            problems.append("no post history")
    elif route == "engagement":
        if len(answer["posts"]) != written.latest_posts:
            problems.append(f"{len(answer['posts'])} posts, expected {written.latest_posts}")
        if answer["summary"]["by_followers"]["median"] is None:
            problems.append("no median engagement")
    else:
        latest = {w.task_id: w.followers[-1] for w in every}
        found = {row["task_id"]: row["followers"] for row in answer["rows"]}
        if found != latest:
            problems.append(f"{len(found)} rows, or followers that differ from the snapshots")
    if problems:
        raise SystemExit(f"bench: {route} answered wrong: {'; '.join(problems)}")


async def closed_loop(
    port: int,
    token: str,
    route: str,
    seeded: Seeded,
    clients: int,
    requests: int,
    checked: bool,
) -> list[float]:
    """``requests`` of ``route`` from ``clients`` connections, each sending its next
    request when its answer has come; each answer's latency in ms. Task routes cycle over
    the tasks. ``checked``: every answer is checked against the data written."""
    host = f"{HOST}:{port}"
    tasks = seeded.written
    latencies: list[float] = []
    counter = iter(range(requests))

    async def client() -> None:
        connection = await Connection.open(HOST, port)
        try:
            for index in counter:
                written = tasks[index % len(tasks)]
                raw = build_request("GET", path_of(route, written.task_id), host, token)
                started = time.perf_counter()
                wall = now()
                status, body = await connection.request(raw)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise SystemExit(f"bench: {route} answered {status}: {body[:300]!r}")
                if checked:
                    check(route, written, tasks, body, wall, now())
                if not connection.usable:
                    connection.close()
                    connection = await Connection.open(HOST, port)
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
        "max_ms": max(latencies),
        "requests": len(latencies),
    }


def wait_compaction(database: Path, tasks: int, server: Server) -> float:
    """Until the server's first compaction pass has marked every task; how long it took."""
    started = time.monotonic()
    while rows_of(database, COMPACTED) < tasks:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log_tail()}")
        if time.monotonic() - started > COMPACTION_WAIT:
            raise RuntimeError(f"compaction did not mark {tasks} tasks in {COMPACTION_WAIT:g} s")
        time.sleep(0.2)
    return time.monotonic() - started


def trial(seeded: Seeded, index: int, sequential: int, concurrent: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"sequential": {}, "concurrent": {}}
    with serving(seeded, f"codvid analytics-{index}") as server:
        token = login(server.port, seeded.email)
        database = seeded.data_dir / "codvid.sqlite3"
        compacting = wait_compaction(database, len(seeded.written), server)
        if compacting > 1:
            say(f"  the first compaction pass took {compacting:.1f} s (before any figure)")
        for route in ROUTES:
            asyncio.run(closed_loop(server.port, token, route, seeded, 1, WARM_UP, True))
        for mode, clients, count in (
            ("sequential", 1, sequential),
            ("concurrent", CLIENTS, concurrent),
        ):
            for route in ROUTES:
                latencies = asyncio.run(
                    closed_loop(server.port, token, route, seeded, clients, count, False)
                )
                figures[mode][route] = percentiles(latencies)
        figures["rss_mib"] = memory_of(server.process.pid)["VmRSS"]
    for mode in ("sequential", "concurrent"):
        say(
            f"  {mode}: "
            + ", ".join(f"{r} p99 {figures[mode][r]['p99_ms']:.1f} ms" for r in ROUTES)
        )
    return figures


def latency(
    root: Path, tasks: int, trials: int, sequential: int, concurrent: int
) -> dict[str, Any]:
    say(f"part 1: {tasks} tasks x {HISTORY_DAYS} daily snapshots, written in bulk")
    seeded = seed(root / "history", [HISTORY_DAYS] * tasks, DAY, min(COMPETITORS, tasks // 5))
    runs = []
    for index in range(1, trials + 1):
        say(
            f"part 1, trial {index}/{trials}: {sequential} requests per route one at a time, "
            f"{concurrent} by {CLIENTS} clients"
        )
        runs.append(trial(seeded, index, sequential, concurrent))
    return {
        "tasks": tasks,
        "snapshots": tasks * HISTORY_DAYS,
        "clients": CLIENTS,
        "build_s": seeded.build_s,
        "trials": runs,
    }


# ---- part 2: export memory -----------------------------------------------------------


class Sampler:
    """The highest ``VmRSS`` of a process, read every ``SAMPLE_SECONDS`` in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_of(self.pid)["VmRSS"])
            self.samples += 1
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def export(port: int, token: str, task_id: str, query: str = "") -> tuple[int, float, float]:
    """Read the whole CSV export of a task; its data rows, and its first and last epoch
    times (the second column)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        path = f"{BASE}/export/{task_id}.csv{query}"
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        answer = connection.getresponse()
        if answer.status != 200:
            raise SystemExit(f"bench: export answered {answer.status}: {answer.read()[:300]!r}")
        lines, first, last, rest = 0, math.nan, math.nan, b""
        while chunk := answer.read(65_536):
            *complete, rest = (rest + chunk).split(b"\r\n")
            for line in complete:
                if lines and math.isnan(first):
                    first = float(line.split(b",")[1])
                lines += 1
            if complete and lines > 1:
                last = float(complete[-1].split(b",")[1])
        if rest:
            raise SystemExit("bench: the export's last line has no line end")
        return lines - 1, first, last
    finally:
        connection.close()


def export_once(seeded: Seeded, written: Written) -> dict[str, Any]:
    env = {"CODVID_SNAPSHOT_COMPACT_AFTER_DAYS": "0"}
    with serving(seeded, f"codvid export-{len(written.times)}", env) as server:
        token = login(server.port, seeded.email)
        export(server.port, token, written.task_id, "?days=1")
        before = memory_of(server.process.pid)["VmRSS"]
        started = time.perf_counter()
        with Sampler(server.process.pid) as sampler:
            rows, first, last = export(server.port, token, written.task_id)
        took = time.perf_counter() - started
        after = memory_of(server.process.pid)
    if (rows, first, last) != (len(written.times), written.times[0], written.times[-1]):
        raise SystemExit(
            f"bench: the export of {len(written.times)} snapshots had {rows} rows "
            f"from {first} to {last}"
        )
    return {
        "snapshots": len(written.times),
        "rows": rows,
        "seconds": took,
        "before_mib": before,
        "peak_mib": max(sampler.peak, after["VmRSS"]),
        "hwm_mib": after["VmHWM"],
        "samples": sampler.samples,
    }


def export_memory(root: Path, sizes: list[int], trials: int) -> dict[str, Any]:
    say(f"part 2: tasks of {' and '.join(map(str, sizes))} hourly snapshots, written in bulk")
    seeded = seed(root / "export", sizes, HOUR, 0)
    runs: dict[str, list[dict[str, Any]]] = {str(size): [] for size in sizes}
    for index in range(1, trials + 1):
        for written in seeded.written:
            found = export_once(seeded, written)
            runs[str(found["snapshots"])].append(found)
            say(
                f"  trial {index}/{trials}: {found['rows']} rows in {found['seconds']:.1f} s, "
                f"RSS {found['before_mib']:.1f} -> peak {found['peak_mib']:.1f} MiB"
            )
    return {"sizes": sizes, "build_s": seeded.build_s, "trials": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tasks", type=int, default=TASKS)
    parser.add_argument("--trials", type=int, default=TRIALS)
    parser.add_argument("--sequential", type=int, default=SEQUENTIAL)
    parser.add_argument("--concurrent", type=int, default=CONCURRENT)
    parser.add_argument(
        "--export-sizes", default=",".join(map(str, EXPORT_SIZES)), help="two history sizes"
    )
    parser.add_argument("--export-trials", type=int, default=EXPORT_TRIALS)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.export_sizes.split(","))
    if len(set(sizes)) != 2 or args.tasks < 5:
        parser.error("--export-sizes needs two sizes, --tasks at least 5")
    stop_on_sigterm()
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="codvid-analytics-"))
    result: dict[str, Any] = {}
    try:
        if not args.skip_latency:
            result["latency"] = latency(
                root, args.tasks, args.trials, args.sequential, args.concurrent
            )
        if not args.skip_export:
            result["export"] = export_memory(root, sizes, args.export_trials)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result["elapsed_s"] = time.perf_counter() - started
    emit(result, analytics_rows, analytics_notes, args.json)


if __name__ == "__main__":
    main()
