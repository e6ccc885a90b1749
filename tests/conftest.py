"""Shared fixtures: a real ``codvid serve`` process over real HTTP, and clients for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import Api, Tracking
from tests.server import RunningServer, make_run_command, start_server

# Generous throttles for the shared server; throttling has its own server in its tests.
TEST_ENV = {
    "CODVID_LOGIN_RATE_PER_EMAIL": "10000/minute",
    "CODVID_LOGIN_RATE_PER_CLIENT": "100000/minute",
    "CODVID_SIGNUP_RATE_PER_CLIENT": "100000/minute",
}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir: Path = tmp_path_factory.mktemp("codvid-data")
    with start_server(data_dir, TEST_ENV) as running:
        yield running


@pytest.fixture(scope="session")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The service as a user starts it: ``make run`` (host and port from the environment)."""
    data_dir = tmp_path_factory.mktemp("make-run")
    with start_server(data_dir, TEST_ENV, command=make_run_command, timeout=120) as running:
        yield running


@pytest.fixture(scope="session")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def api(http: httpx.Client) -> Api:
    return Api(http)


@pytest.fixture(autouse=True)
def _no_proxy() -> None:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(params=[False, True], ids=["update6", "update8"])
def tracking(request: pytest.FixtureRequest, api: Api) -> Tracking:
    """Runs a test under both generations of profile-tracking paths (CR-2)."""
    return Tracking(api, update8=request.param)
