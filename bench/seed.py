"""Fill a codvid server with users and idle profile tasks, through its public API only."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass

from load import Connection, build_request

BASE = "/codvid-ai"
PASSWORD = "bench password 0123"


@dataclass(frozen=True)
class Task:
    task_id: str
    token: str


class Client:
    """A few keep-alive connections to one server, for setting it up."""

    def __init__(self, port: int, connections: int = 16) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.size = connections
        self.free: asyncio.Queue[Connection] = asyncio.Queue()

    async def __aenter__(self) -> Client:
        for _ in range(self.size):
            self.free.put_nowait(await Connection.open("127.0.0.1", self.port))
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self.free.empty():
            self.free.get_nowait().close()

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        data: dict[str, object] | None = None,
    ) -> tuple[int, dict[str, object]]:
        body = json.dumps({"schema_version": "4.0", "data": data}).encode() if data else b""
        raw = build_request(method, BASE + path, self.host, token, body)
        connection = await self.free.get()
        try:
            status, answer = await asyncio.wait_for(connection.request(raw), 30)
        except BaseException:
            connection.close()
            self.free.put_nowait(await Connection.open("127.0.0.1", self.port))
            raise
        if not connection.usable:
            connection.close()
            connection = await Connection.open("127.0.0.1", self.port)
        self.free.put_nowait(connection)
        return status, json.loads(answer) if answer else {}

    async def expect(
        self,
        expected: int,
        method: str,
        path: str,
        token: str | None = None,
        data: dict[str, object] | None = None,
    ) -> dict[str, object]:
        status, body = await self.call(method, path, token, data)
        if status != expected:
            raise RuntimeError(f"{method} {path}: expected {expected}, got {status}: {body}")
        return body


async def signup(client: Client, count: int) -> list[str]:
    """``count`` new accounts; returns their tokens."""

    async def one() -> str:
        email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        data = {"auth_type": "email", "email": email, "password": PASSWORD}
        body = await client.expect(201, "POST", "/auth/signup", data=data)
        return str(body["token"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def create_tasks(client: Client, tokens: list[str], first: int, count: int) -> list[Task]:
    """Tasks ``first .. first+count-1``, spread round robin over the users, created with
    as many requests in flight as the client has connections."""
    indices = iter(range(first, first + count))
    created: list[Task] = []

    async def worker() -> None:
        for index in indices:
            token = tokens[index % len(tokens)]
            data = {"target_profile": f"bench.p{index:07d}"}
            body = await client.expect(200, "POST", "/ig-tracking/create_task", token, data)
            response = body["response"]
            assert isinstance(response, dict)
            created.append(Task(str(response["task_id"]), token))

    await asyncio.gather(*(worker() for _ in range(client.size)))
    return created


async def scraped_task(client: Client, token: str, timeout: float = 30) -> Task:
    """A task with one finished run, so its status carries a run and its events (what a
    client polling ``task_status`` usually sees)."""
    body = await client.expect(
        200, "POST", "/ig-tracking/create_task", token, {"target_profile": "bench.status"}
    )
    response = body["response"]
    assert isinstance(response, dict)
    task = Task(str(response["task_id"]), token)
    await client.expect(200, "POST", f"/ig-tracking/force_scrape/{task.task_id}", token)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = await client.expect(200, "GET", f"/ig-tracking/task_status/{task.task_id}", token)
        state = status["response"]
        assert isinstance(state, dict)
        if not state["is_processing"] and state.get("status") == "succeeded":
            return task
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the scrape of the status task did not finish within {timeout:g} s")
