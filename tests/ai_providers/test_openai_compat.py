import json
import time
from collections.abc import Callable

import pytest

from codvid.ai.providers.base import (
    ChatMessage,
    ModelBadResponse,
    ModelError,
    ModelProvider,
    ModelReply,
    ModelTimeout,
    ModelUnavailable,
    ToolCall,
    ToolSpec,
)
from codvid.ai.providers.openai_compat import OpenAICompatibleProvider
from codvid.ai.registry import MODELS
from codvid.ai.settings import AISettings
from tests.ai_providers.fake_openai import (
    MODEL,
    FakeOpenAI,
    error_event,
    error_mid_stream,
    hang,
    http_error,
    raw_events,
    text,
    tool_call,
    tool_calls,
)

pytestmark = pytest.mark.anyio

MakeProvider = Callable[..., OpenAICompatibleProvider]
LIST = ToolSpec(
    "list_tracked",
    "List what the user tracks.",
    {"type": "object", "properties": {}, "additionalProperties": False},
)
HISTORY = ToolSpec(
    "get_task_history",
    "History of one task.",
    {"type": "object", "properties": {"task_id": {"type": "string"}}, "required": ["task_id"]},
)
CONVERSATION = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi there")]


async def test_plain_text_answer(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(text("Hello! How can I help with your reels today?", piece=3))
    reply = await provider.complete(CONVERSATION, [])
    assert reply == ModelReply("Hello! How can I help with your reels today?", (), "stop", MODEL)


async def test_request_is_streamed_with_the_model_messages_and_tools(
    fake_openai: FakeOpenAI, make_provider: MakeProvider
) -> None:
    fake_openai.script(text("ok"), text("ok"))
    provider = make_provider(model="llama3.1:8b", max_tokens=300, temperature=0.2)
    await provider.complete(CONVERSATION, [LIST, HISTORY])
    await provider.complete(CONVERSATION, [])
    with_tools, without_tools = fake_openai.requests
    assert with_tools == {
        "model": "llama3.1:8b",
        "stream": True,
        "max_tokens": 300,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi there"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "list_tracked",
                    "description": "List what the user tracks.",
                    "parameters": LIST.parameters,
                },
            },
            {
                "type": "function",
                "function": {
                    "name": "get_task_history",
                    "description": "History of one task.",
                    "parameters": HISTORY.parameters,
                },
            },
        ],
    }
    assert "tools" not in without_tools
    assert fake_openai.paths == ["/v1/chat/completions"] * 2
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-test"


async def test_options_not_given_are_not_sent(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(text("ok"))
    await provider.complete(CONVERSATION, [])
    assert set(fake_openai.requests[0]) == {"model", "messages", "stream"}


async def test_tool_call_arguments_are_assembled_from_fragments(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    arguments = {"task_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "note": "ünïcode ✅"}
    fake_openai.script(tool_call("get_task_history", arguments, call_id="call_abc", piece=3))
    reply = await provider.complete(CONVERSATION, [HISTORY])
    assert reply.finish_reason == "tool_calls"
    assert reply.text == ""
    assert reply.tool_calls == (ToolCall("call_abc", "get_task_history", json.dumps(arguments)),)


async def test_invalid_json_arguments_are_passed_through(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(tool_call("list_tracked", '{"a": 1,', call_id="call_x"))
    reply = await provider.complete(CONVERSATION, [LIST])
    assert reply.tool_calls == (ToolCall("call_x", "list_tracked", '{"a": 1,'),)


@pytest.mark.parametrize("interleave", [False, True], ids=["in-order", "interleaved"])
async def test_several_tool_calls_in_one_reply(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider, interleave: bool
) -> None:
    fake_openai.script(
        tool_calls(
            ("list_tracked", {}, "call_1"),
            ("get_task_history", {"task_id": "abc-123-def-456"}, "call_2"),
            ("get_task_history", {"task_id": "zzz"}, "call_3"),
            piece=4,
            text="Let me look.",
            interleave=interleave,
        )
    )
    reply = await provider.complete(CONVERSATION, [LIST, HISTORY])
    assert reply.text == "Let me look."
    assert reply.tool_calls == (
        ToolCall("call_1", "list_tracked", "{}"),
        ToolCall("call_2", "get_task_history", '{"task_id": "abc-123-def-456"}'),
        ToolCall("call_3", "get_task_history", '{"task_id": "zzz"}'),
    )


async def test_round_trip_sends_tool_calls_and_results_back(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(
        tool_calls(("list_tracked", {}, "call_1"), ("get_task_history", {"task_id": "t1"}, "c2")),
        text("You track one profile."),
    )
    conversation = list(CONVERSATION)
    first = await provider.complete(conversation, [LIST, HISTORY])
    conversation.append(ChatMessage("assistant", first.text, tool_calls=first.tool_calls))
    for call in first.tool_calls:
        result = json.dumps({"tool": call.name})
        conversation.append(ChatMessage("tool", result, tool_call_id=call.id, name=call.name))
    second = await provider.complete(conversation, [LIST, HISTORY])

    assert second.text == "You track one profile."
    assert fake_openai.requests[1]["messages"][2:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "list_tracked", "arguments": "{}"},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "get_task_history", "arguments": '{"task_id": "t1"}'},
                },
            ],
        },
        {"role": "tool", "content": '{"tool": "list_tracked"}', "tool_call_id": "call_1"},
        {"role": "tool", "content": '{"tool": "get_task_history"}', "tool_call_id": "c2"},
    ]


async def test_assistant_text_beside_tool_calls_is_kept(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(text("ok"))
    call = ToolCall("call_1", "list_tracked", "{}")
    await provider.complete(
        [*CONVERSATION, ChatMessage("assistant", "Looking.", tool_calls=(call,))], [LIST]
    )
    assert fake_openai.requests[0]["messages"][-1]["content"] == "Looking."


def chunk(delta: dict[str, object], finish_reason: str | None = None) -> dict[str, object]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }


async def test_whole_tool_calls_without_an_index(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    """Ollama's form: each call complete in one delta, no ``index``."""
    calls = [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "list_tracked", "arguments": "{}"},
        },
        {"id": "call_b", "type": "function", "function": {"name": "x", "arguments": '{"a":1}'}},
    ]
    fake_openai.script(
        raw_events(chunk({"role": "assistant", "tool_calls": calls}), chunk({}, "stop"))
    )
    reply = await provider.complete(CONVERSATION, [LIST])
    assert reply == ModelReply(
        "",
        (ToolCall("call_a", "list_tracked", "{}"), ToolCall("call_b", "x", '{"a":1}')),
        "stop",
        "m",
    )


async def test_usage_chunk_without_choices_is_ignored(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    fake_openai.script(
        raw_events(
            chunk({"content": "hi"}),
            chunk({}, "length"),
            {**chunk({}), "choices": [], "usage": usage},
        )
    )
    assert await provider.complete(CONVERSATION, []) == ModelReply("hi", (), "length", "m")


async def test_a_chunk_that_is_not_json(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(raw_events(chunk({"content": "hi"}), "{not json"))
    with pytest.raises(ModelBadResponse, match="sent a chunk that is not JSON"):
        await provider.complete(CONVERSATION, [])


async def test_a_tool_call_without_a_name(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    nameless = {"index": 0, "id": "call_1", "function": {"arguments": "{}"}}
    fake_openai.script(raw_events(chunk({"tool_calls": [nameless]}), chunk({}, "tool_calls")))
    with pytest.raises(ModelBadResponse, match="tool call without a name"):
        await provider.complete(CONVERSATION, [LIST])


async def test_connection_cut_mid_stream(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(error_mid_stream())
    with pytest.raises(ModelBadResponse, match=r"answer broke off after 3 chunks"):
        await provider.complete(CONVERSATION, [])


async def test_error_event_in_the_stream(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(error_event("The server had an error while processing your request."))
    with pytest.raises(ModelUnavailable) as caught:
        await provider.complete(CONVERSATION, [])
    assert caught.value.message == (
        "The AI model server reported an error: "
        "The server had an error while processing your request."
    )


async def test_stream_without_a_finish_reason(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(text("cut short", finish_reason=None))
    with pytest.raises(ModelBadResponse, match="ended without a finish reason"):
        await provider.complete(CONVERSATION, [])


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "AI model server error (HTTP 500): fake error"),
        (503, "AI model server error (HTTP 503): fake error"),
        (401, "AI model server: authentication failed (HTTP 401)"),
        (403, "AI model server: authentication failed (HTTP 403)"),
        (404, f"AI model server: model not found: {MODEL} (HTTP 404)"),
        (429, "AI model server: rate limited (HTTP 429): fake error"),
    ],
)
async def test_http_errors_mean_unavailable(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider, status: int, message: str
) -> None:
    fake_openai.script(http_error(status))
    with pytest.raises(ModelUnavailable) as caught:
        await provider.complete(CONVERSATION, [])
    assert caught.value.message == message
    assert len(fake_openai.requests) == 1, "no retries"


async def test_a_refused_request_is_a_model_error(
    fake_openai: FakeOpenAI, provider: OpenAICompatibleProvider
) -> None:
    fake_openai.script(http_error(400, "context too long"))
    with pytest.raises(ModelError) as caught:
        await provider.complete(CONVERSATION, [])
    assert type(caught.value) is ModelError
    assert caught.value.message == (
        "AI model server refused the request (HTTP 400): context too long"
    )


@pytest.mark.parametrize("before_headers", [False, True], ids=["after-headers", "no-headers"])
async def test_a_hanging_server_times_out(
    fake_openai: FakeOpenAI, make_provider: MakeProvider, before_headers: bool
) -> None:
    fake_openai.script(hang(3, before_headers=before_headers))
    provider = make_provider(timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ModelTimeout, match=r"did not answer within 0.5 s"):
        await provider.complete(CONVERSATION, [])
    assert time.monotonic() - started < 2


async def test_nothing_listening_is_unavailable(make_provider: MakeProvider) -> None:
    provider = make_provider(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ModelUnavailable, match=r"Cannot connect to the AI model server at http"):
        await provider.complete(CONVERSATION, [])


async def test_built_by_the_registry(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(text("hi"))
    settings = AISettings(provider="openai", base_url=fake_openai.base_url, model=MODEL, timeout=5)
    provider: ModelProvider = MODELS.build("openai", settings)
    assert isinstance(provider, OpenAICompatibleProvider)
    try:
        assert provider.name == "openai"
        assert (await provider.complete(CONVERSATION, [])).text == "hi"
    finally:
        await provider.close()


def test_a_tool_message_without_its_call_id_is_a_bug() -> None:
    from codvid.ai.providers.openai_compat import _message

    with pytest.raises(ValueError, match="tool_call_id"):
        _message(ChatMessage("tool", "{}"))
