"""A MongoDB-compatible server for the tests: ``CODVID_TEST_MONGODB_URI`` when set (a real
``mongod``), else the jongodb binary that ``make test`` installs from npm, started on a free
port of 127.0.0.1 for the session and stopped after it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import REPO, free_port, wait_for_port

JONGODB = Path(
    os.environ.get(
        "CODVID_TEST_JONGODB",
        REPO / ".cache/jongodb/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb",
    )
)
START_TIMEOUT = 20.0


ONE_CONNECTION = "maxPoolSize=1"
"""jongodb's findAndModify is not atomic between connections: with 20 concurrent
read-modify-write loops on one document it lost updates in 4 of 30 trials, where
MongoDB guarantees one document's update atomic. Over one connection it serves commands
in order, and then loses none; the tests use one connection per client on it."""


def database_url(base: str, name: str) -> str:
    """The URL of database ``name`` on the test server (one connection on jongodb)."""
    if os.environ.get("CODVID_TEST_MONGODB_URI"):
        return f"{base}/{name}"
    return f"{base}/{name}?{ONE_CONNECTION}"


class NoServer(Exception):
    """No MongoDB-compatible server can be had here; the message says why."""


@contextmanager
def mongodb_server() -> Iterator[str]:
    """The base URL (``mongodb://host:port``) of a server for this session."""
    given = os.environ.get("CODVID_TEST_MONGODB_URI")
    if given:
        yield given.rstrip("/")
        return
    if not JONGODB.is_file():
        raise NoServer(
            f"no MongoDB-compatible server: {JONGODB} is missing (make test installs it)"
        )
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(jongodb())
        except RuntimeError as exc:  # it exited, or did not listen in time
            raise NoServer(str(exc)) from None
        yield url


@contextmanager
def jongodb() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A jongodb on a free port of 127.0.0.1: its base URL and its process (a test may
    stop and resume it); ended after, resumed first if it was stopped."""
    port = free_port()
    process = subprocess.Popen(
        [str(JONGODB), "--host=127.0.0.1", f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "jongodb", START_TIMEOUT)
        yield f"mongodb://127.0.0.1:{port}", process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
