"""Credential routes under attack: attempts are counted before any password is checked,
one address cannot lock an owner out, look-ups are counted apart, and password hashing
is bounded so a flood of logins costs neither unbounded memory nor an endless queue."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from codvid.auth.passwords import BUSY
from tests.client import PASSWORD, assert_error, credentials, envelope, new_email
from tests.conftest import GENEROUS, TEST_ENV, MakeService
from tests.server import start_server
from tests.service import Service

pytestmark = pytest.mark.anyio

LOGIN = "/codvid-ai/auth/login"
SIGNUP = "/codvid-ai/auth/signup"
WRONG = "wrong password."
Clients = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def clients(make_service: MakeService) -> AsyncIterator[Callable[..., Any]]:
    """``await clients(**settings)`` -> a function giving a client from any address."""
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Clients:
            service: Service = await make_service(**overrides)

            def at(address: str) -> httpx.AsyncClient:
                client = service.client(address)
                stack.push_async_callback(client.aclose)
                return client

            return at

        yield make


async def sign_up(client: httpx.AsyncClient) -> str:
    email = new_email()
    answer = await client.post(SIGNUP, json=envelope(credentials(email=email)))
    assert answer.status_code == 201, answer.text
    return email


def login(email: str, password: str = PASSWORD) -> dict[str, Any]:
    return envelope(credentials(email=email, password=password))


async def test_parallel_wrong_guesses_are_counted_before_any_is_checked(
    clients: Callable[..., Any],
) -> None:
    at = await clients(login_rate_per_email_client="10/minute", password_hash_concurrency=16)
    attacker = at("10.0.0.1")
    email = await sign_up(attacker)

    answers = await asyncio.gather(
        *(attacker.post(LOGIN, json=login(email, "not-it")) for _ in range(50))
    )

    verified = [a for a in answers if a.status_code == 400]
    assert all(a.json()["message"] == WRONG for a in verified)
    assert len(verified) <= 10, f"{len(verified)} guesses were checked against a limit of 10"
    assert Counter(a.status_code for a in answers) == {400: len(verified), 429: 50 - len(verified)}


async def test_an_attackers_failures_never_lock_the_owner_out(clients: Callable[..., Any]) -> None:
    at = await clients(login_rate_per_email_client="10/minute", login_rate_per_email="100/minute")
    owner, attacker = at("192.0.2.10"), at("198.51.100.7")
    email = await sign_up(owner)

    tries = [
        (await attacker.post(LOGIN, json=login(email, "guess"))).status_code for _ in range(15)
    ]

    assert tries == [400] * 10 + [429] * 5
    assert (await owner.post(LOGIN, json=login(email))).status_code == 201


async def test_the_per_email_limit_spans_addresses(clients: Callable[..., Any]) -> None:
    at = await clients(login_rate_per_email_client="10/minute", login_rate_per_email="5/minute")
    email = await sign_up(at("192.0.2.1"))
    statuses = [
        (await at(f"203.0.113.{n}").post(LOGIN, json=login(email, "guess"))).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]


async def test_a_success_clears_its_own_address_only(clients: Callable[..., Any]) -> None:
    at = await clients(login_rate_per_email_client="3/minute")
    here = at("192.0.2.20")
    email = await sign_up(here)
    for _ in range(2):
        assert (await here.post(LOGIN, json=login(email, "typo"))).status_code == 400
    assert (await here.post(LOGIN, json=login(email))).status_code == 201
    again = [(await here.post(LOGIN, json=login(email, "typo"))).status_code for _ in range(4)]
    assert again == [400, 400, 400, 429]


async def test_look_ups_are_counted_apart_from_logins(clients: Callable[..., Any]) -> None:
    at = await clients(lookup_rate_per_client="5/minute", login_rate_per_client="5/minute")
    shared = at("100.64.0.1")  # many users behind one address
    email = await sign_up(shared)
    lookups = [
        (await shared.get("/codvid-ai/auth/get_uuid", params={"email": email})).status_code
        for _ in range(6)
    ]
    assert lookups == [200] * 5 + [429]
    assert (await shared.post(LOGIN, json=login(email))).status_code == 201


async def test_login_is_throttled_per_client_address(clients: Callable[..., Any]) -> None:
    at = await clients(login_rate_per_client="4/minute")
    client = at("192.0.2.30")
    statuses = [
        (await client.post(LOGIN, json=envelope(credentials()))).status_code for _ in range(5)
    ]
    assert statuses == [400] * 4 + [429]
    throttled = await client.post(LOGIN, json=envelope(credentials()))
    assert_error(throttled, 429, "Too many attempts, please try again later")
    assert int(throttled.headers["retry-after"]) >= 1
    assert (await at("192.0.2.31").post(LOGIN, json=envelope(credentials()))).status_code == 400


async def test_signup_is_throttled_per_client(clients: Callable[..., Any]) -> None:
    client = (await clients(signup_rate_per_client="4/minute"))("192.0.2.40")
    statuses = [
        (await client.post(SIGNUP, json=envelope(credentials()))).status_code for _ in range(5)
    ]
    assert statuses == [201, 201, 201, 201, 429]


async def test_logins_beyond_what_can_be_hashed_are_refused_at_once(
    clients: Callable[..., Any],
) -> None:
    at = await clients(password_hash_concurrency=1)
    client = at("192.0.2.50")
    email = await sign_up(client)

    began = time.monotonic()
    answers = await asyncio.gather(*(client.post(LOGIN, json=login(email)) for _ in range(40)))
    took = time.monotonic() - began

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) == {201, 429} and statuses[201] >= 1
    busy = [a for a in answers if a.status_code == 429]
    assert all(a.json()["message"] == BUSY and a.headers["retry-after"] == "1" for a in busy)
    assert statuses[201] <= 5, "more logins were let in than one slot and its waiting room"
    assert took < 10


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


async def test_forty_concurrent_logins_cost_a_bounded_amount_of_memory(tmp_path: Path) -> None:
    """Measured on a real ``codvid serve`` process with the default hash concurrency."""
    with start_server(tmp_path / "data", TEST_ENV) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            email = await sign_up(client)
            assert (await client.post(LOGIN, json=login(email))).status_code == 201
            before = await asyncio.to_thread(peak_rss_mb, server.process.pid)
            answers = await asyncio.gather(
                *(client.post(LOGIN, json=login(email)) for _ in range(40))
            )
            after = await asyncio.to_thread(peak_rss_mb, server.process.pid)
    assert {a.status_code for a in answers} <= {201, 429}
    assert after - before <= 300, f"peak RSS grew by {after - before:.0f} MB"


def test_generous_test_settings_cover_every_credential_limit() -> None:
    names = {"login_rate_per_email_client", "login_rate_per_email", "login_rate_per_client"}
    assert names | {"lookup_rate_per_client", "signup_rate_per_client"} == set(GENEROUS)
