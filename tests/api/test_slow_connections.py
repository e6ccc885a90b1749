"""Connections that never finish a request head are closed after the head timeout, on a
real server (the HTTP protocol, not the app, is what is tested)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server

pytestmark = pytest.mark.anyio
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir: Path = tmp_path_factory.mktemp("head-timeout")
    env = {**TEST_ENV, "CODVID_REQUEST_HEAD_TIMEOUT": str(TIMEOUT)}
    with start_server(data_dir, env) as running:
        yield running


async def closed_after(server: RunningServer, sent: bytes) -> float:
    """Seconds until the server closes a connection that sent ``sent`` and then nothing."""
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    began = time.monotonic()
    try:
        if sent:
            writer.write(sent)
            await writer.drain()
        async with asyncio.timeout(TIMEOUT * 10):
            assert await reader.read() == b"", "the server answered a request never finished"
        return time.monotonic() - began
    finally:
        writer.close()


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /codvid-ai/ping HTTP/1.1\r\nHost: x\r\n", b"POST /codvid-ai/auth/lo"],
    ids=["silent", "headers-never-end", "request-line-never-ends"],
)
async def test_a_head_that_never_completes_is_closed(
    quick_server: RunningServer, sent: bytes
) -> None:
    waited = await closed_after(quick_server, sent)
    assert TIMEOUT * 0.8 <= waited <= TIMEOUT * 5


async def test_many_slow_connections_are_all_closed(quick_server: RunningServer) -> None:
    waits = await asyncio.gather(
        *(closed_after(quick_server, b"GET / HTTP/1.1\r\nX-Slow: ") for _ in range(100))
    )
    assert max(waits) <= TIMEOUT * 5


async def test_a_connection_that_answers_in_time_is_served_and_kept_alive(
    quick_server: RunningServer,
) -> None:
    async with httpx.AsyncClient(base_url=quick_server.url) as client:
        for _ in range(3):
            assert (await client.get("/codvid-ai/ping")).status_code == 200
            await asyncio.sleep(TIMEOUT / 4)


async def test_a_client_gone_before_its_body_arrived_is_no_error(
    quick_server: RunningServer,
) -> None:
    """A client that times out while its body is still on the way (a load balancer
    giving up, a phone losing signal) is nobody to answer: one access line with 499, no
    traceback, and the server serves on."""
    host, port = quick_server.url.removeprefix("http://").split(":")
    for _ in range(5):
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /codvid-ai/auth/signup HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"schema_version": "4.0", "da'
        )
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
    async with httpx.AsyncClient(base_url=quick_server.url) as client:
        assert (await client.get("/codvid-ai/ping")).status_code == 200
    deadline = time.monotonic() + 5
    while quick_server.log().count("POST /codvid-ai/auth/signup 499") < 5:
        assert time.monotonic() < deadline, quick_server.log()[-3000:]
        await asyncio.sleep(0.05)
    log = quick_server.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
