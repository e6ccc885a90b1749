"""``make bench``: measure codvid against its performance goals in one run, print a summary.

1. force_scrape latency under a steady open-loop offered load (``load.py``), beside the same
   generator against the bare app (what the generator and uvicorn alone cost).
2. The highest sustained rate of task_status and force_scrape (``wrk``, closed loop) as a
   ratio to a bare FastAPI route served the same way (``bare_app.py``), interleaved per
   trial so machine noise hits all three alike.
3. ``pick_due`` of 100 tasks on 10k vs 1M tracked tasks, on SQLite and on MongoDB (jongodb,
   whose large store is capped at what it fills in about 10 minutes) (``pick_due.py``).
4. Profile fetches batched into shared Apify runs: 500 due tasks against the fake Apify at
   2 s per actor run, vs one run per task (``scrape_batching.py``).
5. A month of comment costs for 100 profiles, incremental vs every post's comments on
   every scrape, from the fake Apify's bill (``comment_costs.py``).
6. 500 scrapes drained by one ``codvid worker`` and by two, beside the concurrency-bound
   ideal (``worker_scaling.py``).
7. A server's memory over 10k tasks and 100k snapshots on SQLite (``server_memory.py``;
   ``--mongodb`` there adds the MongoDB-compatible server, slow to fill).
8. The cluster (two API processes, the MongoDB-compatible server, RabbitMQ): force_scrape
   at 500 req/s beside the embedded default, and a 10-minute soak of mixed traffic with
   workers scraping (``cluster_load.py``).
9. Analytics: history, engagement and compare answer times over 100 tasks with two years
   of daily snapshots each, one request at a time and 4 at once, and the CSV export's peak
   memory at 5,000 vs 50,000 snapshots (``analytics.py``).

Every server runs in its own process on 127.0.0.1 with a temporary data directory, and is
stopped on the way out whatever happens. Users and tasks are created once through the
API on a seed server; each trial then serves a fresh copy of that data directory, so
every trial starts with the same idle tasks and no runs queued by a previous trial.
Nothing is written into the repository.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import load
import seed as seeding
from report import Setup, summary
from servers import BENCH, HOST, Server, start_bare, start_codvid, stop

TRIALS = 3
USERS = 8
OPEN_RATE = 100
OPEN_SECONDS = 20
OPEN_BARE_SECONDS = 10
WRK_SECONDS = 10
WRK_THREADS = 1
WRK_CONNECTIONS = 32
WARM_TASKS = 4
# force_scrape tasks to create per second of wrk, per task created per second while
# seeding: force_scrape does about the work of create_task (auth, one insert, one
# atomic update, an enqueue), so it cannot sustain much more than twice its rate.
POOL_PER_CREATE_RATE = 2.0
SEED_BUDGET_SECONDS = 90
LUA = BENCH / "lua"
BASE = "/codvid-ai/ig-tracking"


def say(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def running(start: Callable[[], Server], grace: float = 10) -> Iterator[Server]:
    server = start()
    try:
        yield server
    finally:
        stop(server, grace)


# ---- seeding ----------------------------------------------------------------------


@dataclass
class Seeded:
    data_dir: Path
    tasks: list[seeding.Task]
    status_task: seeding.Task
    create_rate: float
    force_seconds: float
    notes: list[str] = field(default_factory=list)


async def _seed(port: int, first: int) -> tuple[list[seeding.Task], seeding.Task, float, float]:
    async with seeding.Client(port) as client:
        tokens = await seeding.signup(client, USERS)
        started = time.perf_counter()
        tasks = await seeding.create_tasks(client, tokens, 0, first)
        create_rate = first / (time.perf_counter() - started)
        wanted = math.ceil(POOL_PER_CREATE_RATE * create_rate * WRK_SECONDS)
        affordable = int(create_rate * SEED_BUDGET_SECONDS)
        pool = max(first, min(wanted, affordable)) + WARM_TASKS
        force_seconds = max(1, min(WRK_SECONDS, int(WRK_SECONDS * (pool - WARM_TASKS) / wanted)))
        say(
            f"created {first} tasks at {create_rate:.0f}/s; creating {pool - first} more "
            f"for force_scrape under wrk"
        )
        tasks += await seeding.create_tasks(client, tokens, first, pool - first)
        status_task = await seeding.scraped_task(client, tokens[0])
    return tasks, status_task, create_rate, force_seconds


def seed(root: Path) -> Seeded:
    data_dir = root / "seed"
    first = OPEN_RATE * OPEN_SECONDS + 100
    with running(lambda: start_codvid(data_dir, "codvid seed")) as server:
        say(f"seeding through the API: {USERS} users, profile tasks (port {server.port})")
        tasks, status_task, rate, force_seconds = asyncio.run(_seed(server.port, first))
    seeded = Seeded(data_dir, tasks, status_task, rate, force_seconds)
    if force_seconds < WRK_SECONDS:
        seeded.notes.append(
            f"force_scrape under wrk ran {force_seconds:g} s instead of {WRK_SECONDS} s: "
            f"tasks were created at only {rate:.0f}/s"
        )
    say(f"seeded {len(tasks)} idle tasks over {USERS} users")
    return seeded


@contextlib.contextmanager
def fresh_codvid(seeded: Seeded, root: Path, name: str) -> Iterator[Server]:
    """A codvid server on a private copy of the seeded data (tokens stay valid: the JWT
    secret is in the copied directory)."""
    data_dir = root / name
    shutil.copytree(seeded.data_dir, data_dir)
    try:
        with running(lambda: start_codvid(data_dir, name), grace=5) as server:
            yield server
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _call(connection: http.client.HTTPConnection, method: str, path: str, token: str) -> bytes:
    headers = {"Authorization": f"Bearer {token}"}
    if method != "GET":
        headers["Content-Length"] = "0"
    connection.request(method, path, headers=headers)
    return connection.getresponse().read()


def warm(server: Server, seeded: Seeded, tasks: list[seeding.Task], timeout: float = 20) -> None:
    """A few requests on each route, so first-call costs stay out of the figures; then
    wait for the scrapes they started, so those do not run during a measurement."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    status = seeded.status_task
    try:
        for _ in range(20):
            _call(connection, "GET", f"{BASE}/task_status/{status.task_id}", status.token)
        for task in tasks:
            _call(connection, "POST", f"{BASE}/force_scrape/{task.task_id}", task.token)
        deadline = time.monotonic() + timeout
        for task in tasks:
            path = f"{BASE}/task_status/{task.task_id}"
            while json.loads(_call(connection, "GET", path, task.token))["response"][
                "is_processing"
            ]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"warm-up scrapes still running after {timeout:g} s")
                time.sleep(0.1)
    finally:
        connection.close()


# ---- part 1: open-loop latency ----------------------------------------------------


def open_loop(port: int, requests: Path, seconds: float, cycle: bool) -> dict[str, Any]:
    return load.spawn(port, requests, OPEN_RATE, seconds, cycle)


def part1(seeded: Seeded, bare: Server, root: Path) -> dict[str, list[dict[str, Any]]]:
    bare_requests = root / "open-bare.txt"
    bare_requests.write_text("GET /ping\n")
    force_requests = root / "open-force.txt"
    count = OPEN_RATE * OPEN_SECONDS
    force_requests.write_text(
        "".join(f"POST {BASE}/force_scrape/{t.task_id} {t.token}\n" for t in seeded.tasks[:count])
    )
    results: dict[str, list[dict[str, Any]]] = {"bare": [], "force": []}
    for trial in range(1, TRIALS + 1):
        step = f"part 1, trial {trial}/{TRIALS}"
        say(f"{step}: bare GET, {OPEN_RATE} req/s for {OPEN_BARE_SECONDS} s")
        results["bare"].append(open_loop(bare.port, bare_requests, OPEN_BARE_SECONDS, True))
        with fresh_codvid(seeded, root, f"open-{trial}") as server:
            warm(server, seeded, seeded.tasks[-WARM_TASKS:])
            say(f"{step}: force_scrape, {OPEN_RATE} req/s for {OPEN_SECONDS} s")
            results["force"].append(open_loop(server.port, force_requests, OPEN_SECONDS, False))
        force = results["force"][-1]
        say(
            f"  force_scrape p50 {force['p50_ms']:.2f} ms, p99 {force['p99_ms']:.2f} ms, "
            f"statuses {force['statuses']}"
        )
    return results


# ---- part 2: highest sustained rate -----------------------------------------------


def wrk(url: str, script: str, seconds: float, *args: str) -> dict[str, Any]:
    argv = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA / script),
        url,
    ]
    if args:
        argv += ["--", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = result["duration_us"] / 1e6
    result["rate"] = result["requests"] / seconds_run
    result["ok_rate"] = (result["requests"] - result["non2xx"]) / seconds_run
    result["errors"] = sum(
        result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return result


def part2(seeded: Seeded, bare: Server, root: Path) -> dict[str, list[dict[str, Any]]]:
    ids = root / "force-ids.txt"
    ids.write_text("".join(f"{t.task_id} {t.token}\n" for t in seeded.tasks[:-WARM_TASKS]))
    bare_url = f"http://{HOST}:{bare.port}/ping"
    results: dict[str, list[dict[str, Any]]] = {"bare": [], "status": [], "force": []}
    status = seeded.status_task
    for trial in range(1, TRIALS + 1):
        with fresh_codvid(seeded, root, f"wrk-{trial}") as server:
            base = f"http://{HOST}:{server.port}{BASE}"
            status_url = f"{base}/task_status/{status.task_id}"
            warm(server, seeded, seeded.tasks[-WARM_TASKS:])
            wrk(bare_url, "bare.lua", 1)
            wrk(status_url, "status.lua", 1, status.token)
            say(f"part 2, trial {trial}/{TRIALS}: wrk bare, task_status, force_scrape")
            results["bare"].append(wrk(bare_url, "bare.lua", WRK_SECONDS))
            results["status"].append(wrk(status_url, "status.lua", WRK_SECONDS, status.token))
            results["force"].append(
                wrk(
                    f"{base}/force_scrape/",
                    "force.lua",
                    seeded.force_seconds,
                    str(ids),
                    str(WRK_THREADS),
                )
            )
        say(
            "  req/s: bare {:.0f}, task_status {:.0f}, force_scrape {:.0f}".format(
                *(results[k][-1]["rate"] for k in ("bare", "status", "force"))
            )
        )
    return results


# ---- part 3: pick_due -------------------------------------------------------------


def part3() -> dict[str, Any]:
    say(
        "part 3: pick_due(100) on 10k vs 1M tasks on SQLite, then on jongodb (10k vs 70k, "
        "it fills slowly) (about 15 minutes)"
    )
    return child("pick_due.py", timeout=1800)


# ---- parts 4 and 5: scraping through the fake Apify ---------------------------------


def child(script: str, timeout: float, *args: str) -> dict[str, Any]:
    """Run a benchmark module on its own (its progress shows on stderr) and read its JSON.
    On a timeout it gets SIGTERM, on which it stops what it started; on Ctrl-C (which it
    got too) it is given time to do so first."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / script), "--json", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end(process, 0)
        raise
    except BaseException:
        _end(process, 30)
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{script} failed ({process.returncode})")
    result: dict[str, Any] = json.loads(stdout.splitlines()[-1])
    return result


def _end(process: subprocess.Popen[str], patience: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=patience)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def part4() -> dict[str, Any]:
    say("part 4: batching, 500 due profile tasks against the fake Apify (about 3 minutes)")
    return child("scrape_batching.py", timeout=900)


def part5() -> dict[str, Any]:
    say("part 5: comment costs, a simulated month of 100 profiles (about 1 minute)")
    return child("comment_costs.py", timeout=600)


def part6() -> dict[str, Any]:
    say("part 6: 500 scrapes by one codvid worker, then two (about 3 minutes)")
    return child("worker_scaling.py", timeout=900)


def part7() -> dict[str, Any]:
    say("part 7: server memory over 10k tasks and 100k snapshots on SQLite (about 1 minute)")
    return child("server_memory.py", timeout=900)


def part8() -> dict[str, Any]:
    say(
        "part 8: the cluster (codvid serve --workers 2, jongodb, RabbitMQ): force_scrape at "
        "500 req/s beside the embedded default, then a 10-minute soak (about 15 minutes)"
    )
    return child("cluster_load.py", 1800, "--latency", "--soak")


def part9() -> dict[str, Any]:
    say(
        "part 9: analytics over 100 tasks x 730 daily snapshots, and CSV export memory at "
        "5,000 vs 50,000 snapshots (about 6 minutes)"
    )
    return child("analytics.py", timeout=1800)


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (make bench installs the Debian package)")
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="codvid-bench-"))
    try:
        with running(lambda: start_bare(root)) as bare:
            seeded = seed(root)
            latency = part1(seeded, bare, root)
            rates = part2(seeded, bare, root)
        picks = part3()
        batching = part4()
        comments = part5()
        workers = part6()
        memory = part7()
        cluster = part8()
        analytics = part9()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    setup = Setup(
        trials=TRIALS,
        users=USERS,
        tasks=len(seeded.tasks),
        open_rate=OPEN_RATE,
        open_seconds=OPEN_SECONDS,
        open_bare_seconds=OPEN_BARE_SECONDS,
        wrk_threads=WRK_THREADS,
        wrk_connections=WRK_CONNECTIONS,
        wrk_seconds=WRK_SECONDS,
        force_seconds=seeded.force_seconds,
        force_tasks=len(seeded.tasks) - WARM_TASKS,
        notes=seeded.notes,
    )
    elapsed = time.monotonic() - started
    figures = summary(
        setup,
        latency,
        rates,
        picks,
        elapsed,
        batching,
        comments,
        workers,
        memory,
        cluster,
        analytics,
    )
    for line in figures:
        out(line)


if __name__ == "__main__":
    main()
