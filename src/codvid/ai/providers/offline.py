"""A model stand-in that follows fixed rules, for running without any model server.

Every answer is a pure function of the conversation and the offered tools, and every text
starts with :data:`LABEL` so nobody mistakes it for a model's words. The rules look at the
last message only:

- a tool result is summarised in one sentence, with no further call;
- a user message, when tools are offered, becomes one tool call chosen from its words
  (see :func:`_candidates`): the first candidate whose tool is offered wins, the catch-all
  being ``list_tracked``; with none offered, a plain text reply;
- anything else gets a short reply that says the assistant is offline and echoes the last
  user message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from codvid.ai.providers.base import ChatMessage, ModelReply, ToolCall, ToolSpec

LABEL = "[offline assistant] "
MODEL = "offline"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DESCRIPTION = re.compile(r"description[^:\n]*:(.*)", re.I | re.S)
_WORD = re.compile(r"\w+")
_LIST_KEYS = ("profiles", "reels")
_NAME_KEYS = ("username", "reel_id", "shortcode", "name", "task_id", "id")
_METRIC_KEYS = ("followers", "views", "plays", "likes", "comments", "posts_count")


class OfflineProvider:
    name = "offline"

    async def close(self) -> None:
        """Nothing to release."""

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> ModelReply:
        return reply_to(messages, tools)


def from_settings(_: object) -> OfflineProvider:
    """The offline provider reads no settings."""
    return OfflineProvider()


def reply_to(messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> ModelReply:
    """The offline answer (synchronous: there is nothing to wait for)."""
    if not messages:
        return _text(
            "Hello! No AI model is configured, so I follow simple rules: ask me to list "
            "what you track, to scrape or show the history of a task by its id, or start "
            "with 'remember' to save a note."
        )
    last = messages[-1]
    if last.role == "tool":
        return _text(_summary(last))
    if last.role == "user" and tools:
        offered = {tool.name for tool in tools}
        for name, arguments in _candidates(last.content):
            if name in offered:
                number = sum(message.role == "assistant" for message in messages) + 1
                call = ToolCall(f"offline-call-{number}", name, json.dumps(arguments))
                return ModelReply(_label(f"Calling {name}."), (call,), "tool_calls", MODEL)
    return _text(_echo(messages))


def _candidates(text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The tool calls a user message may mean, best first."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered.startswith("remember"):
        note = stripped[len("remember") :].lstrip(" \t\n:,-").rstrip()
        if note:
            words = _WORD.findall(note.lower())[:5]
            key = "_".join(words)[:40].strip("_") or "note"
            yield "save_memory_note", {"key": key, "text": note}
    uuid = _UUID.search(stripped)
    if uuid and "scrape" in lowered:
        yield "start_scrape", {"task_id": uuid.group().lower()}
    if uuid and ("history" in lowered or "sentiment" in lowered):
        yield "get_task_history", {"task_id": uuid.group().lower()}
    description = _DESCRIPTION.search(stripped)
    if description and description.group(1).strip():
        yield "update_project_info", {"description": description.group(1).strip()}
    yield "list_tracked", {}


def _summary(message: ChatMessage) -> str:
    tool = message.name or "the tool"
    try:
        result = json.loads(message.content)
    except ValueError:
        result = None
    if isinstance(result, dict):
        lists = [key for key in _LIST_KEYS if isinstance(result.get(key), list)]
        if lists:
            return "; ".join(_describe_list(key, result[key]) for key in lists) + "."
        if result.get("ok") is True:
            details = ", ".join(
                f"{key}: {_scalar(value)}" for key, value in result.items() if key != "ok"
            )
            return f"Done: {tool} succeeded" + (f" ({details})." if details else ".")
        if result.get("ok") is False and "error" in result:
            return f"{tool} failed: {_scalar(result['error'])}."
        if isinstance(result.get("task"), dict) and isinstance(result.get("history"), list):
            return _describe_history(result)
    quoted = message.content[:300] + ("…" if len(message.content) > 300 else "")
    return f"{tool} returned: {quoted}"


def _describe_list(key: str, items: list[Any]) -> str:
    named = [_describe_item(item) for item in items[:3]]
    shown = f": {', '.join(named)}" if named else ""
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    noun = key.removesuffix("s") if len(items) == 1 else key
    return f"{len(items)} {noun}{shown}{more}"


def _describe_item(item: Any) -> str:
    if not isinstance(item, dict):
        return _scalar(item)
    name = next((str(item[key]) for key in _NAME_KEYS if item.get(key)), "?")
    metric = next((key for key in _METRIC_KEYS if isinstance(item.get(key), int | float)), None)
    return f"{name} ({item[metric]} {metric})" if metric else name


def _describe_history(result: dict[str, Any]) -> str:
    text = f"{_describe_item(result['task'])}: {len(result['history'])} scrapes recorded"
    summary = result.get("sentiment_summary")
    if isinstance(summary, dict) and summary.get("overall_sentiment"):
        text += f", overall sentiment {summary['overall_sentiment']}"
    return text + "."


def _scalar(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:100]


def _echo(messages: Sequence[ChatMessage]) -> str:
    said = next((m.content for m in reversed(messages) if m.role == "user"), None)
    if said is None:
        return "Hello! No AI model is configured, so I can only follow simple rules."
    gist = " ".join(said.split())[:200]
    return f'No AI model is configured, so I cannot really answer. You said: "{gist}"'


def _label(text: str) -> str:
    return LABEL + text


def _text(text: str) -> ModelReply:
    return ModelReply(_label(text), (), "stop", MODEL)
