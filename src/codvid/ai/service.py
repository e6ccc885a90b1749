"""An assistant turn (contract 2.5.1): store the user's message, then let the model work
with its tools, storing and streaming every message it produces as data_mods.

Each chunk is stored before it is sent (the client re-reads the project, CR-8) and bumps
``mod_count`` once (CR-9); the user's own message is stored once and never echoed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from codvid.ai import persist, prompts, tools
from codvid.ai.limits import CONTINUE_NOTICE, Limits
from codvid.ai.mods import DataMod
from codvid.ai.providers.base import ChatMessage, ModelError, ModelProvider, ToolCall
from codvid.ai.registry import MODELS
from codvid.ai.schemas import RespondRequest
from codvid.ai.settings import AISettings
from codvid.errors import BadRequest
from codvid.jobs.ports import Enqueue
from codvid.kit.logging import request_id_var
from codvid.projects import chats
from codvid.projects import service as projects
from codvid.projects.documents import ProjectDocument
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import Document, Store

log = logging.getLogger(__name__)
Chunk = dict[str, Any]


@dataclass(frozen=True)
class Assistant:
    """What a turn needs besides the store; built once at start."""

    provider: ModelProvider
    limits: Limits
    scraping: ScrapingSettings
    """The scrapes its tools start are held to the same budgets as the routes'."""

    @classmethod
    def build(cls, settings: AISettings, scraping: ScrapingSettings) -> Assistant:
        return cls(
            MODELS.build(settings.provider, settings), Limits.from_settings(settings), scraping
        )


@dataclass
class Turn:
    store: Store
    assistant: Assistant
    user: Document
    project: ProjectDocument
    enqueue: Enqueue

    @property
    def name(self) -> str:
        return str(self.project["name"])

    async def chunks(self) -> AsyncIterator[Chunk]:
        """The stream; a failure after it started becomes its last chunk."""
        try:
            async for chunk in self._work():
                yield chunk
        except ModelError as exc:
            yield {"result": False, "message": f"AI model error: {exc.message}"}
        except Exception:
            log.exception("assistant turn failed")
            request_id = request_id_var.get()
            yield {
                "result": False,
                "message": f"Internal error during the AI response (request id {request_id})",
            }

    async def _work(self) -> AsyncIterator[Chunk]:
        limits = self.assistant.limits
        conversation = await self._context()
        context = tools.ToolContext(
            self.store, self.enqueue, self.assistant.scraping, self.user["_id"], self.name
        )
        for iteration in range(limits.max_iterations):
            if iteration:
                yield await self._emit(_event("loading", "Reading the results"))
            reply = await self.assistant.provider.complete(conversation, tools.SPECS)
            if not reply.tool_calls:
                yield await self._emit(
                    {"role": "assistant", "type": "text", "text": reply.text.strip() or "…"}
                )
                return
            conversation.append(ChatMessage("assistant", reply.text, tool_calls=reply.tool_calls))
            for call in reply.tool_calls:
                async for chunk in self._call(call, context, conversation):
                    yield chunk
        yield await self._emit(_event("info", CONTINUE_NOTICE.format(n=limits.max_iterations)))

    async def _call(
        self, call: ToolCall, context: tools.ToolContext, conversation: list[ChatMessage]
    ) -> AsyncIterator[Chunk]:
        try:
            arguments = tools.parse_arguments(call.arguments)
        except tools.ToolArgumentsError as exc:
            outcome = tools.ToolOutcome({"ok": False, "error": f"invalid arguments: {exc}"})
        else:
            yield await self._emit(
                _event("tool_calling", tools.progress_text(call.name, arguments))
            )
            outcome = await tools.run(call.name, arguments, context)
        text = json.dumps(outcome.result, ensure_ascii=False, default=str)
        text = text[: self.assistant.limits.tool_result_chars]
        message = {"role": "tool", "type": "text", "tool_name": call.name, "text": text}
        yield await self._emit(message, outcome.mods)
        conversation.append(ChatMessage("tool", text, tool_call_id=call.id, name=call.name))

    async def _emit(self, message: dict[str, Any], extra: Sequence[DataMod] = ()) -> Chunk:
        mods = [DataMod(("projects", self.name, "chats"), "append", message), *extra]
        await persist.apply_to_storage(self.store, self.user["_id"], self.project, mods)
        await persist.bump(self.store, self.project["_id"])
        return {"result": True, "response": {"data_mods": [mod.to_wire() for mod in mods]}}

    async def _context(self) -> list[ChatMessage]:
        limits = self.assistant.limits
        system = prompts.system_prompt(
            self.name, self.project, self.user.get("global_data", {}).get("ai_memory", {})
        )
        stored = await chats.messages(self.store, self.project["_id"])
        history = [_as_context(m, limits.history_chars) for m in stored]
        kept = [m for m in history if m is not None][-limits.history_messages :]
        return [ChatMessage("system", system), *kept]


def _event(event_type: str, text: str) -> dict[str, Any]:
    return {"role": "assistant", "type": "event", "event_type": event_type, "text": text}


def _as_context(message: dict[str, Any], limit: int) -> ChatMessage | None:
    """Stored chat messages as model context. Earlier tool results become assistant notes
    (their tool-call structure is not stored); UI events are left out."""
    text = str(message.get("text") or message.get("content") or "")[:limit]
    role, kind = message.get("role"), message.get("type")
    if kind == "event" or not text:
        return None
    if role == "user":
        return ChatMessage("user", text)
    if role == "tool":
        return ChatMessage("assistant", f"[result of {message.get('tool_name', 'a tool')}] {text}")
    return ChatMessage("assistant", text)


async def start_turn(
    store: Store, assistant: Assistant, user: Document, request: RespondRequest, enqueue: Enqueue
) -> Turn:
    """Everything that can fail with a plain error envelope, before streaming starts."""
    text = request.message.text
    if len(text) > assistant.limits.max_message_chars:
        raise BadRequest(
            f"Invalid message.text: must be at most {assistant.limits.max_message_chars} characters"
        )
    project = await projects.get(store, user["_id"], request.project_name)
    if text.strip():
        await persist.record_user_message(store, user["_id"], project, request.message.model_dump())
    return Turn(store, assistant, user, project, enqueue)


async def stream_test() -> AsyncIterator[Chunk]:
    for n in range(5):
        yield {"a": f"{n}\n"}
