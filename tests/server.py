"""Start the service exactly as operators do: ``codvid serve`` in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CODVID = Path(sys.executable).with_name("codvid")


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


@contextmanager
def start_server(
    data_dir: Path, env: Mapping[str, str] | None = None, *, timeout: float = 20
) -> Iterator[RunningServer]:
    port = free_port()
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    environment = {**os.environ, "CODVID_DATA_DIR": str(data_dir), **(env or {})}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(CODVID), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    running = RunningServer(f"http://127.0.0.1:{port}", data_dir, process, log_path)
    try:
        _wait_ready(running, timeout)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(running: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"codvid serve exited early:\n{running.log()}")
        try:
            if httpx.get(f"{running.url}/codvid-ai/ping", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"codvid serve did not answer within {timeout}s:\n{running.log()}")
