"""``/ai/respond`` with the OpenAI-compatible provider, against a local fake
chat-completions server that speaks the real streaming wire format, so the real
``openai`` client code runs inside a started service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ai_providers.fake_openai import (
    MODEL,
    FakeOpenAI,
    error_mid_stream,
    hang,
    http_error,
    text,
    tool_call,
)
from tests.ai_stream.client import stream_like_the_client
from tests.client import Api, User
from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ai_server(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        **TEST_ENV,
        "CODVID_AI_PROVIDER": "openai",
        "CODVID_AI_BASE_URL": fake.base_url,
        "CODVID_AI_API_KEY": "sk-test",
        "CODVID_AI_MODEL": MODEL,
        "CODVID_AI_TIMEOUT": "1.5",
        "CODVID_AI_MAX_ITERATIONS": "2",
    }
    data_dir: Path = tmp_path_factory.mktemp("ai-openai")
    with start_server(data_dir, env) as running:
        yield running


@pytest.fixture
def session(ai_server: RunningServer) -> Iterator[tuple[Api, User, str]]:
    with httpx.Client(base_url=ai_server.url, timeout=30) as http:
        api = Api(http)
        user = api.signup()
        yield api, user, api.create_project(user, "ai project")


def ask(ai_server: RunningServer, user: User, project: str, words: str) -> list[Any]:
    return stream_like_the_client(
        ai_server.url, user, "ai/respond", {"project_name": project, "message": {"text": words}}
    )


def chats(api: Api, user: User, project: str) -> list[dict[str, Any]]:
    response = api.call("POST", "project/get-project-data", user, {"project_name": project})
    return list(response.json()["response"]["project_data"]["chats"])


def test_plain_answer(fake: FakeOpenAI, ai_server: RunningServer, session: Any) -> None:
    api, user, project = session
    fake.script(text("Your reels grew 12% this week."))
    chunks = ask(ai_server, user, project, "How did my reels do?")
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
    assert [m["role"] for m in chats(api, user, project)] == ["user", "assistant"]


def test_tool_call_round_trip(fake: FakeOpenAI, ai_server: RunningServer, session: Any) -> None:
    api, user, project = session
    fake.script(
        tool_call("save_memory_note", {"key": "goal", "text": "10k followers by June"}),
        text("Noted: 10k followers by June."),
    )
    chunks = ask(ai_server, user, project, "My goal is 10k followers by June")
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
    data = api.call("POST", "project/get-project-data", user, {"project_name": project})
    assert data.json()["response"]["project_data"]["ai_memory"] == {"goal": "10k followers by June"}


def test_iteration_limit_ends_with_the_continue_notice(
    fake: FakeOpenAI, ai_server: RunningServer, session: Any
) -> None:
    _, user, project = session
    fake.script(tool_call("list_tracked", {}), tool_call("list_tracked", {}))
    chunks = ask(ai_server, user, project, "Keep checking")
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
def test_model_failures_end_the_stream_with_an_error_chunk(
    fake: FakeOpenAI, ai_server: RunningServer, session: Any, response: Any, message: str
) -> None:
    api, user, project = session
    fake.script(response)
    chunks = ask(ai_server, user, project, "Hello?")
    assert chunks[-1]["result"] is False
    assert chunks[-1]["message"].startswith(message)
    assert all(chunk["result"] is True for chunk in chunks[:-1])
    # The user's message is kept; nothing half-made was stored for the failed answer.
    assert [m["role"] for m in chats(api, user, project)] == ["user"]
