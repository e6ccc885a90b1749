import json

import pytest

from codvid.ai.providers.base import ChatMessage, ModelProvider, ToolCall, ToolSpec
from codvid.ai.providers.offline import LABEL, OfflineProvider
from codvid.ai.registry import MODELS
from codvid.ai.settings import AISettings

pytestmark = pytest.mark.anyio

UUID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
TOOL_NAMES = (
    "list_tracked",
    "get_task_history",
    "start_scrape",
    "save_memory_note",
    "update_project_info",
)
ALL_TOOLS = tuple(ToolSpec(name, f"the {name} tool", {"type": "object"}) for name in TOOL_NAMES)


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage("system", "You are the assistant."), ChatMessage("user", text)]


def tool_result(result: object, name: str = "list_tracked") -> list[ChatMessage]:
    content = result if isinstance(result, str) else json.dumps(result)
    call = ToolCall("offline-call-1", name, "{}")
    return [
        *user("what do I track?"),
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", content, tool_call_id=call.id, name=name),
    ]


async def call_for(text: str, tools: tuple[ToolSpec, ...] = ALL_TOOLS) -> tuple[str, object]:
    reply = await OfflineProvider().complete(user(text), tools)
    assert reply.finish_reason == "tool_calls"
    assert reply.text.startswith(LABEL)
    (call,) = reply.tool_calls
    return call.name, json.loads(call.arguments)


async def summary_of(result: object, name: str = "list_tracked") -> str:
    reply = await OfflineProvider().complete(tool_result(result, name), ALL_TOOLS)
    assert reply.tool_calls == ()
    assert reply.finish_reason == "stop"
    assert reply.text.startswith(LABEL)
    return reply.text.removeprefix(LABEL)


async def test_is_a_model_provider_and_built_by_the_registry() -> None:
    provider: ModelProvider = MODELS.build("offline", AISettings())
    assert isinstance(provider, OfflineProvider)
    assert provider.name == "offline"
    assert MODELS.names() == ("offline", "openai")
    await provider.close()


def test_unknown_provider_lists_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown model provider 'gpt'; known: offline, openai"):
        MODELS.build("gpt", AISettings())


async def test_empty_conversation_gets_a_greeting() -> None:
    reply = await OfflineProvider().complete([], ALL_TOOLS)
    assert reply.text.startswith(LABEL + "Hello!")
    assert (reply.tool_calls, reply.finish_reason, reply.model) == ((), "stop", "offline")


@pytest.mark.parametrize(
    ("text", "name", "arguments"),
    [
        (
            "Remember: our brand colour is teal, always",
            "save_memory_note",
            {"key": "our_brand_colour_is_teal", "text": "our brand colour is teal, always"},
        ),
        (
            "remember the supercalifragilisticexpialidocious campaign starts monday",
            "save_memory_note",
            {
                "key": "the_supercalifragilisticexpialidocious_c",
                "text": "the supercalifragilisticexpialidocious campaign starts monday",
            },
        ),
        (f"Please scrape {UUID.upper()} now", "start_scrape", {"task_id": UUID}),
        (f"show the history of {UUID}", "get_task_history", {"task_id": UUID}),
        (f"How is the SENTIMENT on {UUID}?", "get_task_history", {"task_id": UUID}),
        (
            "Set the project description: Vegan bakery in Leeds",
            "update_project_info",
            {"description": "Vegan bakery in Leeds"},
        ),
        ("what do I track?", "list_tracked", {}),
        ("scrape everything", "list_tracked", {}),
        ("description without a colon", "list_tracked", {}),
        ("Remember", "list_tracked", {}),
    ],
)
async def test_user_message_becomes_one_tool_call(
    text: str, name: str, arguments: dict[str, str]
) -> None:
    assert await call_for(text) == (name, arguments)


async def test_memory_key_is_at_most_40_characters() -> None:
    name, arguments = await call_for("remember " + "abcdefghij " * 5)
    assert name == "save_memory_note"
    assert isinstance(arguments, dict)
    assert arguments["key"] == "abcdefghij_abcdefghij_abcdefghij_abcdefg"


async def test_call_id_counts_assistant_messages() -> None:
    history = [
        ChatMessage("user", "hi"),
        ChatMessage("assistant", "hello"),
        ChatMessage("user", "again"),
        ChatMessage("assistant", "hello again"),
        ChatMessage("user", "list please"),
    ]
    reply = await OfflineProvider().complete(history, ALL_TOOLS)
    assert reply.tool_calls == (ToolCall("offline-call-3", "list_tracked", "{}"),)


async def test_a_tool_that_is_not_offered_is_never_called() -> None:
    only_list = tuple(t for t in ALL_TOOLS if t.name == "list_tracked")
    assert await call_for(f"scrape {UUID}", only_list) == ("list_tracked", {})
    no_list = tuple(t for t in ALL_TOOLS if t.name != "list_tracked")
    reply = await OfflineProvider().complete(user("what do I track?"), no_list)
    assert reply.tool_calls == ()
    assert reply.text == (
        LABEL + 'No AI model is configured, so I cannot really answer. You said: "what do I track?"'
    )


async def test_without_tools_it_echoes_the_last_user_message() -> None:
    long = "word " * 100
    reply = await OfflineProvider().complete(user(long), [])
    assert reply.tool_calls == ()
    assert reply.text.startswith(LABEL + "No AI model is configured")
    assert reply.text.endswith(f'You said: "{" ".join(long.split())[:200]}"')


async def test_after_an_assistant_message_it_answers_with_text() -> None:
    history = [*user("hello there"), ChatMessage("assistant", "hi")]
    reply = await OfflineProvider().complete(history, ALL_TOOLS)
    assert reply.tool_calls == ()
    assert reply.text.endswith('You said: "hello there"')


async def test_only_a_system_message_gets_a_greeting() -> None:
    reply = await OfflineProvider().complete([ChatMessage("system", "rules")], ALL_TOOLS)
    assert reply.tool_calls == ()
    assert reply.text.startswith(LABEL + "Hello!")


async def test_summarises_tracked_profiles_and_reels() -> None:
    result = {
        "profiles": [
            {"username": "maya.bakes", "followers": 1200},
            {"username": "leo_runs", "followers": None, "posts_count": 7},
            {"username": "nasa"},
            {"username": "fourth", "followers": 1},
        ],
        "reels": [{"reel_id": "DH6ueY0tn0z", "views": 5000, "likes": 12}],
    }
    assert await summary_of(result) == (
        "4 profiles: maya.bakes (1200 followers), leo_runs (7 posts_count), nasa and 1 more; "
        "1 reel: DH6ueY0tn0z (5000 views)."
    )
    assert await summary_of({"profiles": [], "reels": []}) == "0 profiles; 0 reels."


async def test_summarises_a_done_action_and_a_failure() -> None:
    done = await summary_of({"ok": True, "saved": "brand"}, "save_memory_note")
    assert done == "Done: save_memory_note succeeded (saved: brand)."
    assert await summary_of({"ok": True}, "start_scrape") == "Done: start_scrape succeeded."
    failed = await summary_of({"ok": False, "error": "task not found"}, "start_scrape")
    assert failed == "start_scrape failed: task not found."


async def test_summarises_a_task_history() -> None:
    result = {
        "task": {"task_id": UUID, "username": "maya.bakes", "followers": 1200},
        "history": [{}, {}],
        "sentiment_summary": {"overall_sentiment": "positive"},
    }
    summary = await summary_of(result, "get_task_history")
    assert summary == "maya.bakes (1200 followers): 2 scrapes recorded, overall sentiment positive."


async def test_quotes_other_results() -> None:
    truncated = '{"profiles": [{"username": "x"' + "y" * 400
    assert await summary_of(truncated) == f"list_tracked returned: {truncated[:300]}…"
    assert await summary_of([1, 2]) == "list_tracked returned: [1, 2]"
    assert await summary_of("plain words") == "list_tracked returned: plain words"


async def test_is_deterministic() -> None:
    provider = OfflineProvider()
    for conversation in (user("remember x y z"), user(f"scrape {UUID}"), tool_result({"a": 1})):
        replies = {await provider.complete(conversation, ALL_TOOLS) for _ in range(3)}
        assert len(replies) == 1
