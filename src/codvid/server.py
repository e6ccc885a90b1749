"""Run the application under uvicorn, with our envelope even for malformed HTTP."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import socket
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from codvid.app import create_app
from codvid.auth.tokens import jwt_secret
from codvid.bootstrap import open_indexed_store, start_errors
from codvid.config import Settings, load_settings
from codvid.errors import ConfigurationError
from codvid.jobs.broker import (
    build_broker,
    close_broker,
    open_broker,
)
from codvid.jobs.settings import is_in_process
from codvid.kit.logging import configure_logging
from codvid.storage.settings import MONGODB_SCHEMES
from codvid.storage.sqlite.lock import exclusive

log = logging.getLogger(__name__)


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """A request the HTTP parser rejects still gets a JSON error envelope, and a
    connection that does not finish a request head within ``head_timeout`` seconds (a
    silent one, or one trickling its headers byte by byte) is closed, so such
    connections cannot pile up. The timer runs from the connection's start and from the
    end of each answer until the next head is complete."""

    head_timeout: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # the next request's head is already complete
        super().on_response_complete()
        if not pipelined and not self.transport.is_closing():
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"result": False, "message": f"Bad request: {msg}"}).encode()
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()


def preflight(settings: Settings) -> None:
    """Fail before serving, with one clear line, if the data directory or the database
    cannot be used."""
    data_dir = settings.storage.data_dir
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"CODVID_DATA_DIR {data_dir}: {exc.strerror}") from None
    with start_errors():
        asyncio.run(_check_services(settings))
    try:
        jwt_secret(settings.auth, data_dir)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"CODVID_DATA_DIR {data_dir}: {exc}") from None
    warn_if_open_to_others([data_dir, *data_dir.iterdir()])


def warn_if_open_to_others(paths: list[Path]) -> None:
    """The data directory and its files hold every user's data and the JWT secret: the
    service creates them for its owner alone (umask 077), and says so when existing ones
    are open to others."""
    for path in paths:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("%s is open to other users (mode %03o); chmod go-rwx it", path, mode)


async def _check_services(settings: Settings) -> None:
    """Open the database and ensure every collection and index, as the service will, and
    reach the broker."""
    store = await open_indexed_store(settings)
    await store.close()
    broker = build_broker(settings.jobs)
    await open_broker(broker)
    await close_broker(broker)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is announced; a port in use (or any
    other bind failure) is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise ConfigurationError(f"cannot listen on {host}:{port}: {reason}") from None


class ServedProtocol(EnvelopeHttpToolsProtocol):
    """The protocol of the served API, its head timeout set from the settings by the
    process that serves (each of ``--workers N`` sets its own)."""


def run_uvicorn(
    app: ASGIApp | str, sock: socket.socket, head_timeout: float = 10.0, workers: int = 1
) -> None:
    """How the service is served (the benchmark's bare baseline is served the same way);
    ``workers`` > 1: that many processes on ``sock``, ``app`` naming their app factory."""
    ServedProtocol.head_timeout = head_timeout
    config = uvicorn.Config(
        app,
        http=ServedProtocol,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        workers=workers,
        factory=isinstance(app, str),
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def serve(settings: Settings, workers: int = 1) -> None:
    """Serve the API: in this process, or in ``workers`` processes sharing one port (then
    the jobs run in ``codvid worker`` processes, beside a broker between processes)."""
    configure_logging(settings.http.log_level)
    os.umask(0o077)  # what this process creates (database, WAL, secret) is its owner's alone
    http = settings.http
    if workers > 1 and is_in_process(settings.jobs):
        raise ConfigurationError(
            "--workers needs CODVID_BROKER_URL (RabbitMQ or Redis) and a shared database: "
            "with memory:// the jobs run inside the one serving process"
        )
    with owned_storage(settings), listen(http.host, http.port) as sock:
        preflight(settings)
        base = f"http://{http.host}:{http.port}/codvid-ai"
        sys.stdout.write(f"codvid: serving {base} (docs: {base}/docs)\n")
        sys.stdout.flush()
        if workers > 1:
            run_uvicorn(f"{__name__}:served_app", sock, http.request_head_timeout, workers)
        else:
            run_uvicorn(create_app(settings, freeze_heap=True), sock, http.request_head_timeout)


def served_app() -> FastAPI:
    """The app of one of ``codvid serve --workers N``'s processes, from the environment the
    parent checked."""
    settings = load_settings()
    configure_logging(settings.http.log_level)
    ServedProtocol.head_timeout = settings.http.request_head_timeout
    return create_app(settings, freeze_heap=True)


def owned_storage(settings: Settings) -> AbstractContextManager[None]:
    """The embedded default keeps its jobs in this process, so its database is this
    process's alone (see ``storage.sqlite.lock``); a shared database needs no lock."""
    if settings.storage.database_url.startswith(MONGODB_SCHEMES):
        return nullcontext()
    return exclusive(settings.storage.sqlite_path)
