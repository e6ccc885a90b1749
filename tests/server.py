"""Start the service exactly as operators do: ``codvid serve`` in its own process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from codvid.config import load_settings
from codvid.storage import Store, open_store

CODVID = Path(sys.executable).with_name("codvid")
REPO = Path(__file__).resolve().parent.parent


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    """Until ``process`` (a server called ``name``) listens on 127.0.0.1:``port``;
    ``RuntimeError`` if it exits or does not within ``timeout`` seconds, or if the port
    was taken by another process meanwhile (its own listener is what a test must reach:
    a test talking to another process's server would test nothing it means to)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} at start")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                if _listens(process.pid, port):
                    return
                if process.poll() is not None or time.monotonic() > deadline - 1:
                    raise RuntimeError(f"port {port} of {name} was taken by another process")
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port} within {timeout:g} s")


def _listens(pid: int, port: int) -> bool:
    """Whether a listening TCP socket on ``port`` is open in ``pid`` or its children
    (``/proc/net/tcp``: state 0A is LISTEN; the socket's inode among the fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for owner in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{owner}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return True
    return False


def _descendants(pid: int) -> list[int]:
    """``pid``'s children, theirs, and so on (``make run`` serves from a grandchild)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            found += [int(child) for child in children]
            pending += [int(child) for child in children]
    return found


def serve_command(port: int) -> list[str]:
    return [str(CODVID), "serve", "--host", "127.0.0.1", "--port", str(port)]


def make_run_command(port: int) -> list[str]:
    """``make run`` from the repository root; host and port come from the environment."""
    del port
    return ["make", "--no-print-directory", "-C", str(REPO), "run"]


@contextmanager
def start_server(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 20,
    command: Callable[[int], list[str]] = serve_command,
    port: int | None = None,
) -> Iterator[RunningServer]:
    """Start the service in its own process group and stop it (and its children) after."""
    port = port or free_port()
    place = {"CODVID_HOST": "127.0.0.1", "CODVID_PORT": str(port), **(env or {})}
    running = _spawn(command(port), data_dir, "server", place, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(running, timeout)
        yield running
    finally:
        stop(running)


def _spawn(
    argv: list[str], data_dir: Path, kind: str, env: Mapping[str, str], url: str
) -> RunningServer:
    """``argv`` in its own process group on ``data_dir``, its output in
    ``<data dir>-<kind>.log`` beside it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-{kind}.log"
    environment = {**os.environ, "CODVID_DATA_DIR": str(data_dir), **env}
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            argv,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return RunningServer(url, data_dir, process, log_path)


def stop(running: RunningServer, sig: signal.Signals = signal.SIGTERM) -> None:
    if running.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(running.process.pid, sig)
    try:
        running.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait()


@contextmanager
def start_role(
    role: str, data_dir: Path, env: Mapping[str, str], *, timeout: float = 20
) -> Iterator[RunningServer]:
    """``codvid worker`` or ``codvid scheduler`` in its own process group, ready once it
    said so; stopped (SIGTERM, then SIGKILL) after. Its ``url`` is empty: it serves no
    HTTP."""
    running = _spawn([str(CODVID), role], data_dir, role, env, "")
    try:
        deadline = time.monotonic() + timeout
        while f"codvid: {role} ready" not in running.log():
            if running.process.poll() is not None:
                raise RuntimeError(f"codvid {role} exited early:\n{running.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"codvid {role} not ready within {timeout}s:\n{running.log()}")
            time.sleep(0.05)
        yield running
    finally:
        stop(running)


def _wait_ready(running: RunningServer, timeout: float) -> None:
    """Until this process answers /ping on its port (another's answer does not count: it
    would exit, unable to bind, and say so)."""
    port = int(running.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"codvid serve exited early:\n{running.log()}")
        try:
            answer = httpx.get(f"{running.url}/codvid-ai/ping", timeout=1)
            if answer.status_code == 200 and _listens(running.process.pid, port):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"codvid serve did not answer within {timeout}s:\n{running.log()}")


@asynccontextmanager
async def store_beside(running: RunningServer) -> AsyncIterator[Store]:
    """The database of a server started on SQLite, opened a second time from the test (a
    test moves time by writing what only time would, e.g. ``next_scrape_due``)."""
    store = open_store(load_settings(data_dir=Path(running.data_dir)).storage)
    try:
        yield store
    finally:
        await store.close()
