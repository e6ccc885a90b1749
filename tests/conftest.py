"""Shared fixtures, one place: the async backend, settings, stores on every adapter, the
scraper double, run execution, the service in this process (``httpx.ASGITransport``),
and the service as its own process over real HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from codvid.bootstrap import INDEXES
from codvid.config import Settings, load_settings
from codvid.storage import Store
from codvid.storage.mongodb import MongoStore
from codvid.storage.sqlite import SQLiteStore
from tests.client import Api, Tracking
from tests.doubles import ScriptedProvider
from tests.factories import Executor
from tests.mongo import NoServer, database_url, mongodb_server
from tests.server import RunningServer, make_run_command, start_server
from tests.service import Service, serving
from tests.stores import YieldingStore

# Generous throttles for shared services; throttling has its own service in its tests.
GENEROUS = {
    "login_rate_per_email_client": "10000/minute",
    "login_rate_per_email": "10000/minute",
    "login_rate_per_client": "100000/minute",
    "lookup_rate_per_client": "100000/minute",
    "signup_rate_per_client": "100000/minute",
}
QUICK_SCRAPES = {"scrape_batch_window": "0", "scraper_retries": "1"}
"""No wait for other profiles to share a provider call, no retry: a test says so when it
wants either."""
TEST_SETTINGS = {**GENEROUS, **QUICK_SCRAPES}
TEST_ENV = {f"CODVID_{name.upper()}": value for name, value in TEST_SETTINGS.items()}
MakeSettings = Callable[..., Settings]
MakeExecutor = Callable[..., Executor]
MakeService = Callable[..., Awaitable[Service]]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    """Settings for a test: its own data directory, no scraping delays; ``overrides`` by
    their variable names without the prefix (``scrape_timeout=...``)."""

    def make(**overrides: Any) -> Settings:
        defaults: dict[str, Any] = {
            "data_dir": tmp_path,
            "scraper_step_delay": 0,
            "failure_backoff": 60,
            "scrape_batch_window": 0,
            "scraper_retries": 1,
        }
        return load_settings(**{**defaults, **overrides})

    return make


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """A MongoDB-compatible server for the session (see ``tests/mongo.py``)."""
    try:
        with mongodb_server() as url:
            yield url
    except NoServer as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "sqlite-yielding", "mongodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store with every domain's indexes, on each adapter that can be reached here; on
    MongoDB, a database of its own per test."""
    opened: Store
    if request.param == "mongodb":
        url = request.getfixturevalue("mongodb_url")
        opened = MongoStore(database_url(url, f"codvid_test_{uuid.uuid4().hex}"))
    else:
        opened = SQLiteStore(tmp_path / "test.sqlite3")
    if request.param == "sqlite-yielding":
        opened = YieldingStore(opened)
    await opened.ensure_indexes(INDEXES)
    yield opened
    await opened.close()


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


@pytest.fixture
def make_executor(
    store: Store, provider: ScriptedProvider, make_settings: MakeSettings
) -> MakeExecutor:
    def make(**overrides: Any) -> Executor:
        return Executor.build(store, make_settings(**overrides), provider)

    return make


@pytest.fixture
def execute(make_executor: MakeExecutor) -> Executor:
    return make_executor()


# ---- the service in this process, through httpx.ASGITransport -------------------------


@pytest.fixture(scope="session", params=["sqlite", "mongodb"])
async def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    """One service per storage adapter for the session, as the shared server was: each
    test signs up its own users, so tests do not see each other's data."""
    storage: dict[str, str] = {}
    if request.param == "mongodb":
        url = request.getfixturevalue("mongodb_url")
        storage = {"database_url": database_url(url, f"codvid_service_{uuid.uuid4().hex}")}
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("service"), **TEST_SETTINGS, **storage
    )
    async with serving(settings) as running:
        yield running


@pytest.fixture
async def make_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[MakeService]:
    """A service of its own, with settings ``overrides`` (variable names without the
    prefix); stopped after the test."""
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Service:
            data_dir = tmp_path_factory.mktemp("own-service")
            settings = load_settings(**{"data_dir": data_dir, **TEST_SETTINGS, **overrides})
            return await stack.enter_async_context(serving(settings))

        yield make


@pytest.fixture
async def http(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client() as client:
        yield client
    service.app.dependency_overrides.clear()


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


@pytest.fixture(params=[False, True], ids=["update6", "update8"])
def tracking(request: pytest.FixtureRequest, api: Api) -> Tracking:
    """Runs a test under both generations of profile-tracking paths (CR-2)."""
    return Tracking(api, update8=request.param)


# ---- the service in its own process, over real HTTP ----------------------------------


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


@pytest.fixture
async def server_api(server: RunningServer) -> AsyncIterator[Api]:
    """The client helpers over the network, to the server process."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield Api(client)


@pytest.fixture(autouse=True)
def _no_proxy() -> None:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
