"""The one place that knows the wire envelopes (contract section 1).

Requests: ``{"schema_version": "4.0", "data": {...}}``, or no body at all (``data = {}``).
Responses: the shapes A-H of the contract, built from the models below. Errors: every
``CodvidError`` (and every framework error) becomes ``{"result": false, "message": ...}``
with its status code; 401 bodies also carry ``error`` (CR-16). No stack trace ever
reaches a body.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Generic, Literal, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from codvid.errors import (
    BadRequest,
    CodvidError,
    EnvelopeError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from codvid.kit.logging import request_id_var
from codvid.kit.messages import reason
from codvid.kit.schemas import Schema
from codvid.storage.base import StorageBusy, StorageError, StorageFull

SCHEMA_VERSION = "4.0"
MAX_DEPTH = 32
TOO_DEEP = f"Invalid request body: nested deeper than {MAX_DEPTH} levels"
_SURROGATE = re.compile("[\ud800-\udfff]")
log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=Schema)


# ---- response shapes ------------------------------------------------------------------


class Ok(BaseModel, Generic[T]):
    """Shape A: ``{"result": true, "response": {...}}``."""

    result: Literal[True] = True
    response: T


class ErrorBody(BaseModel):
    """Shape E: every error."""

    result: Literal[False] = False
    message: str


class AuthErrorBody(ErrorBody):
    """401: shape E plus the legacy ``error`` key (shape H, CR-16)."""

    error: str


def error_body(message: str, *, legacy_key: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"result": False, "message": message}
    if legacy_key:
        body["error"] = message
    return body


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid request"},
    413: {"model": ErrorBody, "description": "Request body over the size limit"},
    500: {"model": ErrorBody, "description": "Server fault"},
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": AuthErrorBody, "description": "Missing, invalid or expired token"},
}


# ---- request envelope -----------------------------------------------------------------


class EnvelopeParser(Generic[M]):
    """Dependency: read the body, check the envelope, validate ``data`` as ``model``.

    The custom OpenAPI generator (``api.openapi``) finds instances of this class among a
    route's dependencies and documents the request body from ``model``.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model

    async def __call__(self, request: Request) -> M:
        return parse_data(self.model, read_envelope(await request.body()))


def read_envelope(raw: bytes) -> dict[str, Any]:
    """The ``data`` object of a request body; an empty body means ``{}`` (CR-3)."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise EnvelopeError(
            f"Invalid request body: nested deeper than {MAX_DEPTH} levels"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeError("Invalid JSON request body") from None
    check_tree(body)
    if not isinstance(body, dict):
        raise EnvelopeError("Invalid request body: expected a JSON object")
    if "schema_version" not in body:
        raise EnvelopeError("Missing schema_version field")
    version = body["schema_version"]
    if version != SCHEMA_VERSION:
        shown = version if isinstance(version, str) else json.dumps(version)
        raise EnvelopeError(f"Schema version mismatch. Expected {SCHEMA_VERSION}, got {shown[:64]}")
    if "data" not in body:
        raise EnvelopeError("Missing data field")
    data = body["data"]
    if not isinstance(data, dict):
        raise EnvelopeError("Invalid data field: expected a JSON object")
    return data


def check_tree(value: Any) -> None:
    """Refuse what would break later, far from the request: nesting deeper than
    ``MAX_DEPTH`` and text that cannot be stored (a lone UTF-16 surrogate, which JSON's
    ``\\ud800`` escapes can carry but UTF-8 cannot)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise EnvelopeError(TOO_DEEP)
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise EnvelopeError("Invalid text in the request body: it contains a lone surrogate")


def parse_data(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors(), model)) from None
    except OverflowError:
        raise BadRequest("Invalid request: a number is out of range") from None


def validation_message(errors: Any, model: type[BaseModel] | None = None) -> str:
    """One clear sentence naming the first offending field."""
    first = errors[0]
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query")]
    field = ".".join(location) or "request"
    if first.get("type") == "missing":
        custom = getattr(model, "missing_messages", {}) if model else {}
        return str(custom.get(field, f"Missing required field: {field}"))
    return f"Invalid {field}: {reason(first)}"


# ---- error handlers -------------------------------------------------------------------


def error_response(exc: CodvidError) -> JSONResponse:
    headers = None
    if isinstance(exc, TooManyRequests | ServiceUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        error_body(exc.message, legacy_key=exc.legacy_key),
        status_code=exc.status_code,
        headers=headers,
    )


def internal_error_response() -> JSONResponse:
    return JSONResponse(
        error_body(f"Internal server error (request id {request_id_var.get()})"), status_code=500
    )


async def handle_codvid_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CodvidError)
    if exc.status_code >= 500:
        log.error("server fault: %s", exc.message)
    return error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(NotFound("Not found"))
    if exc.status_code == 405:
        response = error_response(MethodNotAllowed("Method not allowed"))
        response.headers.update(exc.headers or {})
        allowed = allowed_methods(request)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response
    return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)


def allowed_methods(request: Request) -> list[str]:
    """Every method the path answers: each alias and method is a route of its own, so the
    router knows only the first route that matched the path."""
    app = request.app
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "_allow", None)
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
                {method.upper() for method in operations},
            )
            for path, operations in app.openapi()["paths"].items()
        ]
        app.state._allow = table
    path = request.url.path
    return sorted(
        {method for pattern, methods in table if pattern.match(path) for method in methods}
    )


async def handle_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(BadRequest(validation_message(exc.errors())))


async def handle_storage_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, StorageBusy):
        log.warning("storage busy: a write waited for the database lock and gave up")
        return error_response(ServiceUnavailable(str(exc)))
    if isinstance(exc, StorageFull):
        log.error("storage is full")
        return error_response(CodvidError(str(exc)))
    log.error("storage fault: %s", exc)
    return error_response(CodvidError(f"Database error (request id {request_id_var.get()})"))


EXCEPTION_HANDLERS = {
    CodvidError: handle_codvid_error,
    StorageError: handle_storage_error,
    StarletteHTTPException: handle_http_exception,
    RequestValidationError: handle_validation_error,
}
