"""Start and stop the servers the bench talks to, each in its own process on 127.0.0.1.

``codvid serve`` is started exactly as operators start it (the tests do the same, see
``tests/server.py``); its output goes to a log file in its temporary directory.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
JONGODB = (
    BENCH.parent
    / ".cache/jongodb/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb"
)
"""The MongoDB-compatible test server ``make test`` installs."""
HOST = "127.0.0.1"
UNLIMITED = "1000000/minute"
CODVID_ENV = {
    "CODVID_LOGIN_RATE_PER_EMAIL_CLIENT": UNLIMITED,
    "CODVID_LOGIN_RATE_PER_EMAIL": UNLIMITED,
    "CODVID_LOGIN_RATE_PER_CLIENT": UNLIMITED,
    "CODVID_LOOKUP_RATE_PER_CLIENT": UNLIMITED,
    "CODVID_SIGNUP_RATE_PER_CLIENT": UNLIMITED,
    "CODVID_SCHEDULER_ENABLED": "false",
}


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _spawn(name: str, argv: list[str], env: dict[str, str], log_path: Path, ready: str) -> Server:
    port = int(argv[argv.index("--port") + 1])
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Server(name, port, process, log_path)
    try:
        _wait_ready(server, ready, timeout=30)
    except BaseException:
        stop(server)
        raise
    return server


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        try:
            connection = http.client.HTTPConnection(HOST, server.port, timeout=1)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not answer within {timeout:g} s:\n{server.log_tail()}")


def start_codvid(
    data_dir: Path, name: str = "codvid", env: dict[str, str] | None = None, workers: int = 1
) -> Server:
    """``env`` adds to (and wins over) the bench's settings, e.g. to turn the scheduler on;
    ``workers`` above 1 is ``codvid serve --workers`` (it needs a broker in ``env``)."""
    port = free_port()
    argv = [str(BIN / "codvid"), "serve", "--host", HOST, "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    env = {**CODVID_ENV, "CODVID_DATA_DIR": str(data_dir), **(env or {})}
    log_path = data_dir.parent / f"{data_dir.name}.log"
    return _spawn(name, argv, env, log_path, "/codvid-ai/ping")


def wait_role_ready(log: Path, role: str, timeout: float = 60) -> None:
    """Until ``codvid <role>`` (worker, scheduler) says in ``log`` that it is ready."""
    deadline = time.monotonic() + timeout
    while f"codvid: {role} ready" not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{role} not ready:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)


def memory_of(pid: int) -> dict[str, float]:
    """``VmRSS`` (now) and ``VmHWM`` (the peak) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def start_bare(work_dir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, str(BENCH / "bare_app.py"), "--host", HOST, "--port", str(port)]
    return _spawn("bare", argv, {}, work_dir / "bare.log", "/ping")


def stop(server: Server, grace: float = 10) -> None:
    """SIGTERM (uvicorn's graceful stop), then SIGKILL if it is not gone after ``grace``."""
    stop_process(server.process, grace)


def stop_process(process: subprocess.Popen[Any], grace: float = 10) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_port(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Until ``process`` listens on ``port`` of 127.0.0.1."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited at start")
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s")


@contextlib.contextmanager
def spawned(argv: list[str], port: int | None = None, **popen: Any) -> Iterator[Any]:
    """A process of ``argv`` (ready once it listens on ``port``, if given), stopped after."""
    process = subprocess.Popen(argv, **popen)
    try:
        if port is not None:
            wait_port(port, process)
        yield process
    finally:
        stop_process(process, grace=30)


def stop_on_sigterm() -> None:
    """Make SIGTERM (what ``run.py`` sends a part that ran out of time) end this process
    through its ``finally`` blocks, so that every server it started is stopped."""

    def terminate(*_: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup
        raise SystemExit("stopped by SIGTERM")

    signal.signal(signal.SIGTERM, terminate)
