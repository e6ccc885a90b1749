"""Bad input at the envelope level: always a clear envelope, never a stack trace, and
nothing stored changes. On the service in this process, except what only a real server
sees (raw bytes on a socket, the HTTP parser, the log file)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.client import Api, User, assert_error, envelope
from tests.server import RunningServer

pytestmark = pytest.mark.anyio

PROTECTED_POST = "/codvid-ai/project/create-project"


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


async def post_raw(http: httpx.AsyncClient, user: User, content: bytes) -> httpx.Response:
    headers = {**user.headers, "Content-Type": "application/json"}
    return await http.post(PROTECTED_POST, content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "Invalid JSON request body"),
        (b'{"schema_version": "4.0", "data": {', "Invalid JSON request body"),
        (b"\xff\xfe\x00garbage", "Invalid JSON request body"),
        (b"[1, 2, 3]", "Invalid request body: expected a JSON object"),
        (b'"just a string"', "Invalid request body: expected a JSON object"),
        (b"42", "Invalid request body: expected a JSON object"),
        (b'{"data": {"project_name": "x"}}', "Missing schema_version field"),
        (b'{"schema_version": "4.0"}', "Missing data field"),
        (
            b'{"schema_version": "3.0", "data": {"project_name": "x"}}',
            "Schema version mismatch. Expected 4.0, got 3.0",
        ),
        (
            b'{"schema_version": 4.0, "data": {"project_name": "x"}}',
            "Schema version mismatch. Expected 4.0, got 4.0",
        ),
        (b'{"schema_version": "4.0", "data": []}', "Invalid data field: expected a JSON object"),
        (b'{"schema_version": "4.0", "data": "x"}', "Invalid data field: expected a JSON object"),
        (b'{"schema_version": "4.0", "data": {}}', "Missing required field: project_name"),
        (
            b'{"schema_version": "4.0", "data": {"project_name": 5}}',
            "Invalid project_name: must be a string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": null}}',
            "Invalid project_name: must be a string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": ["a"]}}',
            "Invalid project_name: must be a string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": "   "}}',
            "Invalid project_name: must not be empty",
        ),
    ],
)
async def test_bad_envelopes_are_400_with_a_clear_message(
    http: httpx.AsyncClient, api: Api, user: User, content: bytes, message: str
) -> None:
    before = (await api.call("POST", "project/get-project-list", user)).json()
    assert_error(await post_raw(http, user, content), 400, message)
    assert (await api.call("POST", "project/get-project-list", user)).json() == before


async def test_bodyless_requests_need_no_envelope_or_content_type(
    http: httpx.AsyncClient, user: User
) -> None:
    response = await http.post("/codvid-ai/project/get-project-list", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {"result": True, "response": {"project_list": []}}


async def test_missing_field_without_body_names_the_field(
    http: httpx.AsyncClient, user: User
) -> None:
    assert_error(
        await http.post(PROTECTED_POST, headers=user.headers),
        400,
        "Missing required field: project_name",
    )


async def test_unknown_fields_are_ignored(api: Api, user: User) -> None:
    response = await api.call("POST", "project/create-project", user, {"project_name": "p", "x": 1})
    assert response.json()["result"] is True


async def test_oversized_body_is_413(http: httpx.AsyncClient, user: User) -> None:
    big = b'{"schema_version": "4.0", "data": {"project_name": "' + b"a" * (1024 * 1024) + b'"}}'
    assert_error(await post_raw(http, user, big), 413)


async def test_oversized_chunked_body_is_413(http: httpx.AsyncClient, user: User) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"schema_version": "4.0", "data": {"project_name": "'
        for _ in range(40):
            yield b"a" * 32768
        yield b'"}}'

    headers = {**user.headers, "Content-Type": "application/json"}
    response = await http.post(PROTECTED_POST, content=chunks(), headers=headers)
    assert_error(response, 413)


async def test_a_body_just_under_the_limit_is_read(http: httpx.AsyncClient, user: User) -> None:
    padding = "x" * (1024 * 1024 - 200)
    body = envelope(project_name="under the limit", padding=padding)
    response = await http.post(PROTECTED_POST, json=body, headers=user.headers)
    assert response.status_code == 200


async def test_unknown_route_is_404_envelope(http: httpx.AsyncClient) -> None:
    assert_error(await http.get("/codvid-ai/nope"), 404, "Not found")
    assert_error(await http.get("/health"), 404, "Not found")
    assert_error(await http.get("/codvid-ai/ping/"), 404, "Not found")


async def test_wrong_method_is_405_envelope(http: httpx.AsyncClient, user: User) -> None:
    response = await http.put("/codvid-ai/ping")
    assert_error(response, 405, "Method not allowed")
    assert "GET" in response.headers["allow"]
    assert_error(await http.get("/codvid-ai/auth/signup"), 405)
    assert_error(await http.delete(PROTECTED_POST, headers=user.headers), 405)


async def test_huge_headers_are_431_envelope(http: httpx.AsyncClient) -> None:
    response = await http.get("/codvid-ai/ping", headers={"X-Big": "a" * 20000})
    assert_error(response, 431, "Request headers too large")


async def test_huge_bearer_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/codvid-ai/project/get-project-list", headers={"Authorization": "Bearer " + "a" * 8000}
    )
    assert_error(response, 401, "Unauthorized: invalid or expired token")


async def raw_request(server: RunningServer, request: bytes) -> bytes:
    """Bytes on a socket to the real server: what its HTTP parser makes of them."""
    host, port = server.url.removeprefix("http://").split(":")
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()


async def test_non_utf8_headers_get_an_envelope(server: RunningServer) -> None:
    """Header bytes that are not UTF-8, as sent on the wire to the real server."""
    answer = await raw_request(
        server,
        b"POST /codvid-ai/project/get-project-list HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer \xff\xfe\xc3\x28\r\nX-Odd: \xe9\xe8\r\n"
        b"Connection: close\r\nContent-Length: 0\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401")
    assert b'"result":false' in body


async def test_malformed_http_gets_a_json_400(server: RunningServer) -> None:
    """Rejected by the real server's HTTP parser, before any app sees it."""
    answer = await raw_request(server, b"GARBAGE \x00\x01 nonsense\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert b'"result": false' in body


async def test_every_response_has_a_request_id(http: httpx.AsyncClient) -> None:
    ok = await http.get("/codvid-ai/ping")
    missing = await http.get("/codvid-ai/missing")
    assert len(ok.headers["x-request-id"]) == 16
    assert ok.headers["x-request-id"] != missing.headers["x-request-id"]


async def test_log_lines_carry_the_request_id(server_api: Api, server: RunningServer) -> None:
    """The real server's log file: how ``codvid serve`` configures logging. The access
    line is written before the answer's last part is sent, so it is there, read at once,
    as soon as the client has the answer (read 20 times, the race would show)."""
    for _ in range(20):
        request_id = (await server_api.http.get("/codvid-ai/ping")).headers["x-request-id"]
        log = await asyncio.to_thread(server.log)
        assert any(
            f"[{request_id}]" in line and "GET /codvid-ai/ping 200" in line
            for line in log.splitlines()
        ), "the access line trails the answer"


async def test_request_data_cannot_forge_log_lines(server: RunningServer) -> None:
    """A newline, an ANSI escape and a NUL in the path are logged escaped, on one line."""
    forged = "/codvid-ai/x%0a2026-01-01 INFO [0] codvid.access: forged%1b[31m%00end"
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.get(forged)
    request_id = answer.headers["x-request-id"]
    (line,) = [
        line for line in (await asyncio.to_thread(server.log)).splitlines() if request_id in line
    ]
    assert "/codvid-ai/x\\x0a2026-01-01 INFO [0] codvid.access: forged\\x1b[31m\\x00end 404" in line
    assert not any(
        line.startswith("2026-01-01 INFO [0]")
        for line in (await asyncio.to_thread(server.log)).splitlines()
    )
    assert "\x1b" not in await asyncio.to_thread(server.log)


async def test_ping_get_and_post(http: httpx.AsyncClient) -> None:
    for method in ("GET", "POST"):
        response = await http.request(method, "/codvid-ai/ping")
        assert response.status_code == 200
        assert response.json() == {"message": "pong"}


async def test_a_missing_token_wins_over_a_bad_body(http: httpx.AsyncClient) -> None:
    for path in ("project/create-project", "ig-tracking/create_task", "ai/respond"):
        response = await http.post(f"/codvid-ai/{path}", content=b"{not json")
        assert_error(response, 401)


SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}


async def test_every_answer_has_the_security_headers(api: Api) -> None:
    user = await api.signup()
    answers = [
        await api.http.get("/codvid-ai/ping"),
        await api.login(user),
        await api.call("POST", "project/get-project-list", user),
        await api.call("POST", "project/get-project-list", None),  # 401
        await api.http.get("/codvid-ai/no-such-route"),  # 404
        await api.http.get("/codvid-ai/docs"),
    ]
    for answer in answers:
        for name, value in SECURITY.items():
            assert answer.headers.get(name) == value, (answer.request.url, name)


async def test_answers_with_tokens_or_user_data_are_never_cached(api: Api) -> None:
    user = await api.signup()
    stored = [
        await api.login(user),
        await api.call("POST", "project/get-project-list", user),
        await api.call("POST", "ai/respond-stream-test", user, {}),
    ]
    for answer in stored:
        assert answer.headers["cache-control"] == "no-store", answer.request.url
    docs = await api.http.get("/codvid-ai/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "cache-control" not in docs.headers
