"""Read a streamed answer: in this process as lines of JSON, or from a real server the
way the original clients do and as raw HTTP chunks.

``httpx.ASGITransport`` does not keep HTTP chunk boundaries, so :func:`read_stream`
splits the body by the service's framing (one JSON object and ``\\n`` per chunk). The
chunk framing itself is only visible over the network: :func:`stream_like_the_client`
and :func:`raw_post` are blocking and meant for a real ``codvid serve``, from a sync test
or from a worker thread (``anyio.to_thread.run_sync``).
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

import requests

from tests.client import Api, User, envelope

MEDIA_TYPE = "application/json; charset=utf-8"


async def read_stream(api: Api, user: User, path: str, data: dict[str, Any]) -> list[Any]:
    """The whole streamed body, one JSON object per ``\\n``-terminated line."""
    response = await api.http.post(f"/codvid-ai/{path}", json=envelope(data), headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    assert "content-length" not in response.headers  # streamed, not one body
    *lines, rest = response.content.decode("utf-8").split("\n")
    assert rest == "", f"the stream does not end with a newline: {rest!r}"
    return [json.loads(line) for line in lines]


def stream_like_the_client(base_url: str, user: User, path: str, data: dict[str, Any]) -> list[Any]:
    """``requests`` with ``iter_content(chunk_size=None, decode_unicode=True)`` and
    ``json.loads`` on each piece exactly as delivered (contract 2.5.4)."""
    response = requests.post(
        f"{base_url}/codvid-ai/{path}",
        json=envelope(data),
        headers=user.headers,
        stream=True,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return [
        json.loads(piece) for piece in response.iter_content(chunk_size=None, decode_unicode=True)
    ]


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    chunks: list[bytes]


def raw_post(base_url: str, user: User, path: str, data: dict[str, Any]) -> RawAnswer:
    """POST over a plain socket and split the chunked body by its chunk framing."""
    host, port = base_url.removeprefix("http://").split(":")
    body = json.dumps(envelope(data)).encode()
    request = (
        f"POST /codvid-ai/{path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {user.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    chunks = []
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            chunks.append(rest[:size])
            rest = rest[size + 2 :]
    else:
        chunks.append(rest)
    return RawAnswer(int(status_line.split()[1]), headers, chunks)
