"""Pure ASGI middleware: request context (id, access log, last-resort 500) and limits.

Pure ASGI rather than ``BaseHTTPMiddleware`` so streamed responses pass through untouched
and the per-request cost stays small.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codvid.api.envelope import error_body, error_response, internal_error_response
from codvid.errors import HeadersTooLarge, PayloadTooLarge
from codvid.kit.logging import request_id_var

access_log = logging.getLogger("codvid.access")
log = logging.getLogger("codvid.api")

MAX_HEADER_BYTES = 16 * 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]
# Answers carry tokens and users' data: no cache may keep them. The documentation pages
# are the same for everyone.
CACHEABLE = ("/codvid-ai/docs", "/codvid-ai/redoc", "/codvid-ai/openapi.json")
NO_STORE = (b"cache-control", b"no-store")
CLIENT_CLOSED = 499
"""The access log's status of a request whose client went away before it was read
whole (nobody is left to answer)."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escaped(text: str) -> str:
    """Request data as it may be logged: control characters (a newline that would forge a
    log line, ANSI escapes, NUL) written as ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class RequestContextMiddleware:
    """Give each request an id (``X-Request-ID``) and the security headers, log one
    access line, and turn any unhandled exception into the 500 envelope without leaking
    its text.

    The access line is written just before the last part of the answer is sent, so it is
    in the log by the time the client has the whole answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0
        logged = False

        def log_access() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            client = scope.get("client")
            access_log.info(
                "%s %s %s %d %.1fms",
                client[0] if client else "-",
                escaped(scope["method"]),
                escaped(scope["path"]),
                status or 500,
                (time.perf_counter() - started) * 1000,
            )

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                headers += [*SECURITY_HEADERS, (b"x-request-id", request_id.encode())]
                if not scope["path"].startswith(CACHEABLE):
                    headers.append(NO_STORE)
                message["headers"] = headers
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                log_access()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = status or CLIENT_CLOSED
        except Exception:
            log.exception(
                "unhandled error on %s %s", escaped(scope["method"]), escaped(scope["path"])
            )
            if status == 0:
                await internal_error_response()(scope, receive, send_with_id)
        finally:
            log_access()
            request_id_var.reset(token)


class LimitsMiddleware:
    """Refuse oversized headers (431) and bodies (413) in the error envelope.

    A declared ``Content-Length`` over the limit is refused before reading; a chunked body
    is counted as it arrives and refused the moment it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
            await error_response(HeadersTooLarge())(scope, receive, send)
            return
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_body_bytes:
                    await error_response(self._too_large())(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, counting_receive, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"Request body too large: the limit is {self.max_body_bytes} bytes")


class EnvelopeCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling, with a refused preflight in the error envelope."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        reason = bytes(response.body).decode(errors="replace")
        kept = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "content-type")
        }
        return JSONResponse(
            error_body(f"CORS preflight refused: {reason}"),
            status_code=response.status_code,
            headers=kept,
        )
