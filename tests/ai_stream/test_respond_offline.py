"""``/ai/respond`` with the offline provider.

Content (what is stored, ``mod_count``, tools, errors) is checked in this process, reading
the streamed body as lines of JSON. The wire framing, and the original client's own
reading code (``requests``, one ``json.loads`` per chunk), need a real server process:
``httpx.ASGITransport`` does not keep chunk boundaries.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from anyio import to_thread

from tests.ai_stream.streaming import raw_post, read_stream, stream_like_the_client
from tests.client import Api, Tracking, User, assert_error, envelope
from tests.server import RunningServer

pytestmark = pytest.mark.anyio


@pytest.fixture
async def user(api: Api) -> User:
    return await api.signup()


async def project_data(api: Api, user: User, name: str) -> dict[str, Any]:
    response = await api.call("POST", "project/get-project-data", user, {"project_name": name})
    return dict(response.json()["response"]["project_data"])


def apply_like_the_client(root: dict[str, Any], mods: list[dict[str, Any]]) -> None:
    """The notebook client's append, the only mode the chat flow emits."""
    for mod in mods:
        node: Any = root
        for key in mod["key_path"][:-1]:
            node = node.setdefault(key, {})
        last = mod["key_path"][-1]
        if mod["mode"] == "append":
            if not isinstance(node.get(last), list):
                node[last] = []
            node[last].append(mod["value"])
        elif mod["mode"] == "create":
            node[last] = mod["value"]


# ---- a real server: the original client's code and the chunk framing -----------------


@pytest.fixture
async def make_run_api(make_run: RunningServer) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=make_run.url, timeout=30) as http:
        yield Api(http)


async def test_chat_flow_against_make_run(make_run: RunningServer, make_run_api: Api) -> None:
    """Contract 4.2: the client appends its own message, streams, applies every chunk's
    mods and counts one per chunk; afterwards its copy equals what the server stored."""
    api = make_run_api
    user = await api.signup()
    server = make_run
    name = await api.create_project(user, "chat project")
    local = {"projects": {name: await project_data(api, user, name)}}
    message = {"role": "user", "type": "text", "text": "How are my profiles doing?"}
    local["projects"][name]["chats"].append(message)
    local["projects"][name]["mod_count"] += 1

    chunks = await to_thread.run_sync(
        stream_like_the_client,
        server.url,
        user,
        "ai/respond",
        {"project_name": name, "message": message},
    )
    assert chunks and all(chunk["result"] is True for chunk in chunks)
    for chunk in chunks:
        assert set(chunk["response"]) == {"data_mods"}  # no token deltas (CR-12)
        apply_like_the_client(local, chunk["response"]["data_mods"])
        local["projects"][name]["mod_count"] += 1

    appended = [m["value"] for c in chunks for m in c["response"]["data_mods"]]
    assert [(m["role"], m["type"]) for m in appended] == [
        ("assistant", "event"),
        ("tool", "text"),
        ("assistant", "event"),
        ("assistant", "text"),
    ]
    assert appended[0]["event_type"] == "tool_calling"
    assert appended[1]["tool_name"] == "list_tracked"
    assert json.loads(appended[1]["text"]) == {"profiles": [], "reels": []}
    assert appended[-1]["text"].startswith("[offline assistant] ")
    assert message not in appended  # never echoed

    stored = await project_data(api, user, name)
    assert stored["chats"] == local["projects"][name]["chats"]
    assert stored["mod_count"] == local["projects"][name]["mod_count"] == 1 + 1 + len(chunks)


async def test_framing_one_object_per_chunk(server: RunningServer, server_api: Api) -> None:
    user = await server_api.signup()
    name = await server_api.create_project(user)
    answer = await to_thread.run_sync(
        raw_post, server.url, user, "ai/respond", {"project_name": name, "message": {"text": "hi"}}
    )
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in answer.headers and "content-encoding" not in answer.headers
    assert len(answer.chunks) >= 2
    for chunk in answer.chunks:
        assert chunk.endswith(b"\n") and chunk.count(b"\n") == 1
        body = json.loads(chunk)
        assert isinstance(body["response"]["data_mods"], list)


async def test_stream_test_route(server: RunningServer, server_api: Api) -> None:
    user = await server_api.signup()
    answer = await to_thread.run_sync(raw_post, server.url, user, "ai/respond-stream-test", {})
    assert [json.loads(chunk) for chunk in answer.chunks] == [{"a": f"{n}\n"} for n in range(5)]


# ---- in this process: what is stored, tools, errors ----------------------------------


async def test_empty_text_is_not_stored(api: Api, user: User) -> None:
    name = await api.create_project(user)
    chunks = await read_stream(
        api,
        user,
        "ai/respond",
        {"project_name": name, "message": {"role": "user", "type": "text", "text": ""}},
    )
    stored = await project_data(api, user, name)
    assert all(m["role"] != "user" for m in stored["chats"])
    assert stored["mod_count"] == 1 + len(chunks)


async def test_a_string_message_is_tolerated(api: Api, user: User) -> None:
    name = await api.create_project(user)
    await read_stream(api, user, "ai/respond", {"project_name": name, "message": "hello"})
    assert (await project_data(api, user, name))["chats"][0] == {
        "role": "user",
        "type": "text",
        "text": "hello",
    }


async def test_memory_note_through_a_tool(api: Api, user: User) -> None:
    name = await api.create_project(user)
    chunks = await read_stream(
        api,
        user,
        "ai/respond",
        {"project_name": name, "message": {"text": "Remember launch date is March 3"}},
    )
    mods = [m for c in chunks for m in c["response"]["data_mods"]]
    memory = [m for m in mods if m["key_path"][2] == "ai_memory"]
    assert len(memory) == 1 and memory[0]["mode"] == "create"
    stored = await project_data(api, user, name)
    assert stored["ai_memory"] == {memory[0]["key_path"][3]: memory[0]["value"]}


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"project_name": "ghost", "message": {"text": "hi"}}, 400, "Project not exists."),
        ({"message": {"text": "hi"}}, 400, "Missing required field: project_name"),
        ({"project_name": "p"}, 400, "Missing required field: message"),
        ({"project_name": "p", "message": {"text": 5}}, 400, None),
        ({"project_name": "p", "message": {"role": "assistant", "text": "x"}}, 400, None),
        ({"project_name": "p", "message": {"text": "x" * 20_001}}, 400, None),
        ({"project_name": "p", "message": {"text": "x" * 1_100_000}}, 413, None),
    ],
)
async def test_bad_requests_are_plain_envelopes(
    api: Api, user: User, data: dict[str, Any], status: int, message: str | None
) -> None:
    await api.create_project(user, "p")
    response = await api.http.post(
        "/codvid-ai/ai/respond", json=envelope(data), headers=user.headers
    )
    assert_error(response, status, message)
    # Not a stream: one body of a declared length (a server would chunk a stream, whose
    # length is not known in advance).
    assert "transfer-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
    assert (await project_data(api, user, "p"))["chats"] == []


async def test_another_users_project(api: Api, user: User) -> None:
    await api.create_project(user, "mine")
    other = await api.signup()
    response = await api.call(
        "POST", "ai/respond", other, {"project_name": "mine", "message": {"text": "hi"}}
    )
    assert_error(response, 400, "Project not exists.")
    assert (await project_data(api, user, "mine"))["chats"] == []


async def test_ai_routes_need_a_token(api: Api) -> None:
    for path in ("ai/respond", "ai/respond-stream-test"):
        assert_error(await api.call("POST", path, None, {}), 401)


def tool_results(chunks: list[Any]) -> list[dict[str, Any]]:
    return [
        json.loads(mod["value"]["text"])
        for chunk in chunks
        for mod in chunk["response"]["data_mods"]
        if mod["value"].get("role") == "tool"
    ]


async def test_tools_see_only_the_callers_data(api: Api, user: User) -> None:
    tracking = Tracking(api)
    name = await api.create_project(user)
    mine = await tracking.create_profile(user, "my_brand")
    other = await api.signup()
    theirs = await tracking.create_profile(other, "their_brand")

    async def say(words: str) -> list[dict[str, Any]]:
        data = {"project_name": name, "message": {"text": words}}
        return tool_results(await read_stream(api, user, "ai/respond", data))

    (listing,) = await say("what do I track?")
    assert [p["username"] for p in listing["profiles"]] == ["my_brand"]
    assert await say(f"scrape {mine}") == [{"ok": True, "task_id": mine, "status": "processing"}]
    assert await say(f"scrape {mine}") == [
        {"ok": False, "error": "Task is already being processed"}
    ]
    assert await say(f"scrape {theirs}") == [
        {"ok": False, "error": "Task not found or access denied"}
    ]
    assert await say(f"history of {theirs}") == [
        {"ok": False, "error": "Task not found or access denied"}
    ]
    await tracking.wait_idle(user, mine)
    (history,) = await say(f"history of {mine}")
    assert history["task"]["username"] == "my_brand" and len(history["history"]) == 1
    assert history["sentiment_summary"]["total_comments"] > 0
    assert (await tracking.status(other, theirs))["logs_count"] == 0  # never started by anyone
