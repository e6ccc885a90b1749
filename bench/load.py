"""Open-loop load generator: requests go out on a fixed schedule, whatever the answers.

Each request's latency runs from its *scheduled* send time to the end of its answer, so a
slow answer cannot hide the requests that should have gone out meanwhile (no coordinated
omission). Requests use raw asyncio streams over a pool of keep-alive connections: a
request that finds no idle connection opens a new one instead of waiting.

Run as its own process (``python bench/load.py --help``); prints one JSON object.
The requests file has one request per line: ``METHOD PATH [TOKEN]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_CONNECTIONS = 256
DRAIN_SECONDS = 5.0


def build_request(method: str, path: str, host: str, token: str | None, body: bytes = b"") -> bytes:
    """One HTTP/1.1 request; a POST without a body says so with ``Content-Length: 0``."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body:
        lines.append("Content-Type: application/json")
    if body or method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """A keep-alive HTTP/1.1 connection that runs one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.usable = True

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.usable = False  # until the whole answer is read
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        keep_alive = True
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
            elif name == b"transfer-encoding":
                raise ValueError("chunked answers are not supported by this client")
        body = await self.reader.readexactly(length) if length else b""
        self.usable = keep_alive
        return status, body

    def close(self) -> None:
        self.usable = False
        self.writer.close()


class Pool:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.idle: list[Connection] = []
        self.opened = 0

    async def acquire(self) -> tuple[Connection, bool]:
        """An idle connection the server has not closed, else a new one; and whether it
        was reused."""
        while self.idle:
            connection = self.idle.pop()
            if not connection.reader.at_eof():
                return connection, True
            connection.close()
        self.opened += 1
        return await Connection.open(self.host, self.port), False

    def release(self, connection: Connection) -> None:
        if connection.usable and len(self.idle) < MAX_CONNECTIONS:
            self.idle.append(connection)
        else:
            connection.close()

    async def request(self, raw: bytes, timeout: float) -> tuple[int, bytes]:
        """Send on a keep-alive connection. If a reused one turns out closed before any
        byte of the answer (the server dropped it as idle just as we wrote), the request
        was not served: send it once more on a new connection."""
        connection, reused = await self.acquire()
        try:
            answer = await asyncio.wait_for(connection.request(raw), timeout)
        except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
            connection.close()
            partial = getattr(exc, "partial", b"")
            if not reused or partial:
                raise
            self.opened += 1
            connection = await Connection.open(self.host, self.port)
            try:
                answer = await asyncio.wait_for(connection.request(raw), timeout)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        self.release(connection)
        return answer

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)  # from the actual send
    offsets: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    send_lag: list[float] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def open_loop(
    host: str, port: int, requests: list[bytes], rate: float, timeout: float
) -> tuple[Outcome, float, int]:
    pool = Pool(host, port)
    outcome = Outcome()
    # Warm connections, so the first scheduled requests do not pay for the handshakes.
    warm = await asyncio.gather(*(pool.acquire() for _ in range(8)))
    for connection, _ in warm:
        pool.release(connection)

    async def one(raw: bytes, scheduled: float) -> None:
        sent = time.perf_counter()
        outcome.send_lag.append(sent - scheduled)
        try:
            status, _ = await pool.request(raw, timeout)
            outcome.statuses[str(status)] += 1
        except TimeoutError:
            outcome.statuses["timeout"] += 1
            return
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            outcome.statuses[type(exc).__name__] += 1
            return
        answered = time.perf_counter()
        outcome.latencies.append(answered - scheduled)
        outcome.service.append(answered - sent)
        outcome.offsets.append(scheduled - start)

    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter() + 0.05
    for index, raw in enumerate(requests):
        scheduled = start + index / rate
        while (delay := scheduled - time.perf_counter()) > 0:
            await asyncio.sleep(delay)  # timers may fire a little early
        tasks.append(asyncio.create_task(one(raw, scheduled)))
    sending = time.perf_counter() - start
    _, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS + timeout)
    for task in pending:
        task.cancel()
    outcome.statuses["unfinished"] += len(pending)
    if not outcome.statuses["unfinished"]:
        del outcome.statuses["unfinished"]
    pool.close()
    return outcome, sending, pool.opened


def summarize(outcome: Outcome, sending: float, opened: int, rate: float) -> dict[str, object]:
    ms = [value * 1000 for value in outcome.latencies]
    lag = [value * 1000 for value in outcome.send_lag]
    sent = len(outcome.send_lag)
    return {
        "offered_rate": rate,
        "sent": sent,
        "achieved_send_rate": round(sent / sending, 1) if sending > 0 else 0.0,
        "statuses": dict(outcome.statuses),
        "connections_opened": opened,
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms, default=0.0), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else 0.0,
        "send_lag_p99_ms": round(percentile(lag, 99), 3),
        "p99_from_send_ms": round(percentile([v * 1000 for v in outcome.service], 99), 3),
        # The slowest answers with when they were due (seconds into the run): spikes
        # that line up with a periodic job show up here.
        "slowest": [
            [round(offset, 2), round(ms, 1)]
            for ms, offset in sorted(zip(ms, outcome.offsets, strict=True), reverse=True)[:12]
        ],
    }


def read_requests(path: str, host: str, count: int, cycle: bool) -> list[bytes]:
    with open(path) as handle:
        lines = [line.split() for line in handle.read().splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"{path}: no requests")
    if len(lines) < count and not cycle:
        raise SystemExit(f"{path}: {len(lines)} requests, {count} needed (or pass --cycle)")
    chosen = [lines[i % len(lines)] for i in range(count)]
    return [build_request(p[0], p[1], host, p[2] if len(p) > 2 else None) for p in chosen]


def spawn(port: int, requests: Path, rate: float, seconds: float, cycle: bool) -> dict[str, Any]:
    """This generator run as a process of its own (so that it shares no interpreter with
    the caller), against 127.0.0.1:``port``; its summary."""
    argv = [sys.executable, __file__, "--port", str(port), "--rate", str(rate)]
    argv += ["--duration", str(seconds), "--requests", str(requests)]
    if cycle:
        argv.append("--cycle")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load.py failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds of sending")
    parser.add_argument("--requests", required=True, help="file: METHOD PATH [TOKEN] a line")
    parser.add_argument("--cycle", action="store_true", help="reuse the lines in turn")
    parser.add_argument("--timeout", type=float, default=5.0, help="per request, seconds")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only sends traffic to the local machine")
    count = int(args.rate * args.duration)
    host = f"{args.host}:{args.port}"
    requests = read_requests(args.requests, host, count, args.cycle)
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    outcome, sending, opened = run(
        open_loop(args.host, args.port, requests, args.rate, args.timeout)
    )
    sys.stdout.write(json.dumps(summarize(outcome, sending, opened, args.rate)) + "\n")


if __name__ == "__main__":
    main()
