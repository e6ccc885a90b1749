"""Property-based checks of every route against its own OpenAPI schema (schemathesis).

Generated requests (valid and invalid ones) go over real HTTP to a started server; each
response must not be a 5xx, must use a documented status code and content type, and must
match the documented response schema. The module fails unless enough cases ran.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.client import User, credentials, envelope
from tests.server import RunningServer

MIN_CASES = 500
EXAMPLES_PER_OPERATION = 30
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
statuses: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module")
def api_schema(server: RunningServer) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({"generation": {"mode": "all"}})
    return schemathesis.openapi.from_url(f"{server.url}/codvid-ai/openapi.json", config=config)


@pytest.fixture(scope="module")
def server_http(server: RunningServer) -> Iterator[httpx.Client]:
    """Plain sync HTTP to the server process, for the accounts the cases run under (the
    test itself is sync: hypothesis drives it)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def signup(http: httpx.Client) -> User:
    data = credentials()
    response = http.post("/codvid-ai/auth/signup", json=envelope(data))
    assert response.status_code == 201, response.text
    body = response.json()
    return User(data["email"].lower(), body["token"], body["user_id"])


@pytest.fixture(scope="module")
def account(server_http: httpx.Client) -> User:
    user = signup(server_http)
    response = server_http.post(
        "/codvid-ai/project/create-project",
        json=envelope(project_name="schemathesis project"),
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    return user


@pytest.fixture(scope="module", autouse=True)
def enough_cases() -> Iterator[None]:
    yield
    total = sum(statuses.values())
    server_errors = sum(n for (_, status), n in statuses.items() if status >= 500)
    summary = ", ".join(f"{op} {status}: {n}" for (op, status), n in sorted(statuses.items()))
    print(f"\nschemathesis: {total} cases, {server_errors} server errors\n{summary}")  # noqa: T201
    assert server_errors == 0
    assert total >= MIN_CASES, f"only {total} generated cases ran"


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_route_matches_its_schema(
    case: schemathesis.Case, account: User, server_http: httpx.Client
) -> None:
    user = account
    if "delete-account" in case.path or "delete_account" in case.path:
        user = signup(server_http)  # each deletion gets its own account
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    response = case.call(headers={**headers, **user.headers})
    statuses[(f"{case.method} {case.path}", response.status_code)] += 1
    if case.path.startswith("/codvid-ai/ai/") and response.status_code == 200:
        # A stream of JSON objects, one per chunk and line, which OpenAPI cannot describe:
        # every piece must be an object of its own.
        case.validate_response(response, checks=CHECKS[:2])
        pieces = [json.loads(line) for line in response.text.splitlines()]
        assert pieces and all(isinstance(piece, dict) for piece in pieces)
        return
    case.validate_response(response, checks=CHECKS)
