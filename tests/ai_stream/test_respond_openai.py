"""``/ai/respond`` with the OpenAI-compatible provider, against a local fake
chat-completions server that speaks the real streaming wire format, so the real
``openai`` client code runs inside a started service.

The service runs in this process (``make_service``) and its streamed body is read as
lines of JSON; one test keeps the original client's ``requests`` reading code against a
real ``codvid serve`` backed by the same fake model server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio import to_thread

from tests.ai_providers.fake_openai import (
    MODEL,
    FakeOpenAI,
    error_mid_stream,
    hang,
    http_error,
    text,
    tool_call,
)
from tests.ai_stream.streaming import read_stream, stream_like_the_client
from tests.client import Api, User
from tests.conftest import TEST_ENV, MakeService
from tests.server import RunningServer, start_server

pytestmark = pytest.mark.anyio

AI_SETTINGS = {
    "ai_provider": "openai",
    "ai_api_key": "sk-test",
    "ai_model": MODEL,
    "ai_timeout": 1.5,
    "ai_max_iterations": 2,
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Session:
    """A user with a project on a service whose model is the fake; ``server_url`` is set
    when the service is a real ``codvid serve`` read with the original client's code."""

    api: Api
    user: User
    project: str
    server_url: str | None = None

    async def ask(self, words: str) -> list[Any]:
        data = {"project_name": self.project, "message": {"text": words}}
        if self.server_url is None:
            return await read_stream(self.api, self.user, "ai/respond", data)
        return await to_thread.run_sync(
            stream_like_the_client, self.server_url, self.user, "ai/respond", data
        )

    async def project_data(self) -> dict[str, Any]:
        response = await self.api.call(
            "POST", "project/get-project-data", self.user, {"project_name": self.project}
        )
        return dict(response.json()["response"]["project_data"])

    async def chats(self) -> list[dict[str, Any]]:
        return list((await self.project_data())["chats"])


async def start_session(http: httpx.AsyncClient, server_url: str | None = None) -> Session:
    api = Api(http)
    user = await api.signup()
    return Session(api, user, await api.create_project(user, "ai project"), server_url)


@pytest.fixture
async def session(fake: FakeOpenAI, make_service: MakeService) -> AsyncIterator[Session]:
    """In this process."""
    service = await make_service(ai_base_url=fake.base_url, **AI_SETTINGS)
    async with service.client() as http:
        yield await start_session(http)


@pytest.fixture(scope="module")
def ai_server(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        **TEST_ENV,
        **{f"CODVID_{name.upper()}": str(value) for name, value in AI_SETTINGS.items()},
        "CODVID_AI_BASE_URL": fake.base_url,
    }
    data_dir: Path = tmp_path_factory.mktemp("ai-openai")
    with start_server(data_dir, env) as running:
        yield running


@pytest.fixture
async def server_session(ai_server: RunningServer) -> AsyncIterator[Session]:
    """A real ``codvid serve`` process, over the network."""
    async with httpx.AsyncClient(base_url=ai_server.url, timeout=30) as http:
        yield await start_session(http, ai_server.url)


async def test_plain_answer_read_by_the_original_client(
    fake: FakeOpenAI, server_session: Session
) -> None:
    session = server_session
    project = session.project
    fake.script(text("Your reels grew 12% this week."))
    chunks = await session.ask("How did my reels do?")
    assert chunks == [
        {
            "result": True,
            "response": {
                "data_mods": [
                    {
                        "key_path": ["projects", project, "chats"],
                        "mode": "append",
                        "value": {
                            "role": "assistant",
                            "type": "text",
                            "text": "Your reels grew 12% this week.",
                        },
                    }
                ]
            },
        }
    ]
    sent = fake.requests[-1]
    assert sent["stream"] is True and sent["model"] == MODEL
    assert sent["messages"][0]["role"] == "system"
    assert sent["messages"][-1] == {"role": "user", "content": "How did my reels do?"}
    assert {tool["function"]["name"] for tool in sent["tools"]} >= {"list_tracked", "start_scrape"}
    assert [m["role"] for m in await session.chats()] == ["user", "assistant"]


async def test_tool_call_round_trip(fake: FakeOpenAI, session: Session) -> None:
    fake.script(
        tool_call("save_memory_note", {"key": "goal", "text": "10k followers by June"}),
        text("Noted: 10k followers by June."),
    )
    chunks = await session.ask("My goal is 10k followers by June")
    appended = [
        m["value"] for c in chunks for m in c["response"]["data_mods"] if m["mode"] == "append"
    ]
    assert [(m["role"], m.get("event_type"), m.get("tool_name")) for m in appended] == [
        ("assistant", "tool_calling", None),
        ("tool", None, "save_memory_note"),
        ("assistant", "loading", None),
        ("assistant", None, None),
    ]
    # The second request carries the assistant's tool call and the tool's result.
    second = fake.requests[-1]["messages"]
    call = second[-2]["tool_calls"][0]
    assert call["function"]["name"] == "save_memory_note"
    assert json.loads(call["function"]["arguments"]) == {
        "key": "goal",
        "text": "10k followers by June",
    }
    assert second[-1]["role"] == "tool" and second[-1]["tool_call_id"] == call["id"]
    assert json.loads(second[-1]["content"]) == {"ok": True, "saved": "goal"}
    assert (await session.project_data())["ai_memory"] == {"goal": "10k followers by June"}


async def test_iteration_limit_ends_with_the_continue_notice(
    fake: FakeOpenAI, session: Session
) -> None:
    fake.script(tool_call("list_tracked", {}), tool_call("list_tracked", {}))
    chunks = await session.ask("Keep checking")
    last = chunks[-1]["response"]["data_mods"][0]["value"]
    assert last == {
        "role": "assistant",
        "type": "event",
        "event_type": "info",
        "text": "AI have worked for 2 extra times. You can say 'continue' to allow me to continue",
    }


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (error_mid_stream(), "AI model error:"),
        (http_error(500, "overloaded"), "AI model error:"),
        (http_error(401, "bad key"), "AI model error:"),
        (hang(5), "AI model error:"),
    ],
)
async def test_model_failures_end_the_stream_with_an_error_chunk(
    fake: FakeOpenAI, session: Session, response: Any, message: str
) -> None:
    fake.script(response)
    chunks = await session.ask("Hello?")
    assert chunks[-1]["result"] is False
    assert chunks[-1]["message"].startswith(message)
    assert all(chunk["result"] is True for chunk in chunks[:-1])
    # The user's message is kept; nothing half-made was stored for the failed answer.
    assert [m["role"] for m in await session.chats()] == ["user"]
