"""Bad input at the envelope level, over real HTTP: always a clear envelope, never a
stack trace, and nothing stored changes."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.client import Api, User, assert_error, envelope
from tests.server import RunningServer

PROTECTED_POST = "/codvid-ai/project/create-project"


@pytest.fixture
def user(api: Api) -> User:
    return api.signup()


def post_raw(http: httpx.Client, user: User, content: bytes) -> httpx.Response:
    headers = {**user.headers, "Content-Type": "application/json"}
    return http.post(PROTECTED_POST, content=content, headers=headers)


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
            "Invalid project_name: Input should be a valid string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": null}}',
            "Invalid project_name: Input should be a valid string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": ["a"]}}',
            "Invalid project_name: Input should be a valid string",
        ),
        (
            b'{"schema_version": "4.0", "data": {"project_name": "   "}}',
            "Invalid project_name: must not be empty",
        ),
    ],
)
def test_bad_envelopes_are_400_with_a_clear_message(
    http: httpx.Client, api: Api, user: User, content: bytes, message: str
) -> None:
    before = api.call("POST", "project/get-project-list", user).json()
    assert_error(post_raw(http, user, content), 400, message)
    assert api.call("POST", "project/get-project-list", user).json() == before


def test_bodyless_requests_need_no_envelope_or_content_type(http: httpx.Client, user: User) -> None:
    response = http.post("/codvid-ai/project/get-project-list", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {"result": True, "response": {"project_list": []}}


def test_missing_field_without_body_names_the_field(http: httpx.Client, user: User) -> None:
    assert_error(
        http.post(PROTECTED_POST, headers=user.headers), 400, "Missing required field: project_name"
    )


def test_unknown_fields_are_ignored(api: Api, user: User) -> None:
    response = api.call("POST", "project/create-project", user, {"project_name": "p", "x": 1})
    assert response.json()["result"] is True


def test_oversized_body_is_413(http: httpx.Client, user: User) -> None:
    big = b'{"schema_version": "4.0", "data": {"project_name": "' + b"a" * (1024 * 1024) + b'"}}'
    assert_error(post_raw(http, user, big), 413)


def test_oversized_chunked_body_is_413(http: httpx.Client, user: User) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"schema_version": "4.0", "data": {"project_name": "'
        for _ in range(40):
            yield b"a" * 32768
        yield b'"}}'

    headers = {**user.headers, "Content-Type": "application/json"}
    response = http.post(PROTECTED_POST, content=chunks(), headers=headers)
    assert_error(response, 413)


def test_a_body_just_under_the_limit_is_read(http: httpx.Client, user: User) -> None:
    padding = "x" * (1024 * 1024 - 200)
    body = envelope(project_name="under the limit", padding=padding)
    response = http.post(PROTECTED_POST, json=body, headers=user.headers)
    assert response.status_code == 200


def test_unknown_route_is_404_envelope(http: httpx.Client) -> None:
    assert_error(http.get("/codvid-ai/nope"), 404, "Not found")
    assert_error(http.get("/health"), 404, "Not found")
    assert_error(http.get("/codvid-ai/ping/"), 404, "Not found")


def test_wrong_method_is_405_envelope(http: httpx.Client, user: User) -> None:
    response = http.put("/codvid-ai/ping")
    assert_error(response, 405, "Method not allowed")
    assert "GET" in response.headers["allow"]
    assert_error(http.get("/codvid-ai/auth/signup"), 405)
    assert_error(http.delete(PROTECTED_POST, headers=user.headers), 405)


def test_huge_headers_are_431_envelope(http: httpx.Client) -> None:
    response = http.get("/codvid-ai/ping", headers={"X-Big": "a" * 20000})
    assert_error(response, 431, "Request headers too large")


def test_huge_bearer_token_is_401(http: httpx.Client) -> None:
    response = http.post(
        "/codvid-ai/project/get-project-list", headers={"Authorization": "Bearer " + "a" * 8000}
    )
    assert_error(response, 401, "Unauthorized: invalid or expired token")


def raw_request(server: RunningServer, request: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_non_utf8_headers_get_an_envelope(server: RunningServer) -> None:
    answer = raw_request(
        server,
        b"POST /codvid-ai/project/get-project-list HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer \xff\xfe\xc3\x28\r\nX-Odd: \xe9\xe8\r\n"
        b"Connection: close\r\nContent-Length: 0\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401")
    assert b'"result":false' in body


def test_malformed_http_gets_a_json_400(server: RunningServer) -> None:
    answer = raw_request(server, b"GARBAGE \x00\x01 nonsense\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert b'"result": false' in body


def test_every_response_has_a_request_id(http: httpx.Client) -> None:
    ok = http.get("/codvid-ai/ping")
    missing = http.get("/codvid-ai/missing")
    assert len(ok.headers["x-request-id"]) == 16
    assert ok.headers["x-request-id"] != missing.headers["x-request-id"]


def test_log_lines_carry_the_request_id(http: httpx.Client, server: RunningServer) -> None:
    request_id = http.get("/codvid-ai/ping").headers["x-request-id"]
    # The access line is written once the response has gone out, so it may trail it.
    deadline = time.monotonic() + 5
    while not any(
        f"[{request_id}]" in line and "GET /codvid-ai/ping 200" in line
        for line in server.log().splitlines()
    ):
        assert time.monotonic() < deadline, "no access line with the request id"
        time.sleep(0.02)


def test_ping_get_and_post(http: httpx.Client) -> None:
    for method in ("GET", "POST"):
        response = http.request(method, "/codvid-ai/ping")
        assert response.status_code == 200
        assert response.json() == {"message": "pong"}


def test_a_missing_token_wins_over_a_bad_body(http: httpx.Client) -> None:
    for path in ("project/create-project", "ig-tracking/create_task", "ai/respond"):
        response = http.post(f"/codvid-ai/{path}", content=b"{not json")
        assert_error(response, 401)
