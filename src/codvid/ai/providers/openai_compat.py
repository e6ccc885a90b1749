"""Any server that speaks OpenAI's chat-completions API, streamed.

That covers OpenAI itself, Azure OpenAI (its ``/openai/v1/`` base URL), vLLM, Ollama
(``http://localhost:11434/v1``) and the llama.cpp server. The reply is always streamed and
assembled here, so a slow model keeps the connection alive and a broken stream is noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai
from openai.types.chat import (
    ChatCompletionChunk,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)
from pydantic import SecretStr

from codvid.ai.providers.base import (
    ChatMessage,
    ModelBadResponse,
    ModelError,
    ModelReply,
    ModelTimeout,
    ModelUnavailable,
    ToolCall,
    ToolSpec,
)


class OpenAICompatibleProvider:
    """One model on one OpenAI-compatible server.

    ``timeout`` bounds the whole call, from connecting to the last streamed chunk; the
    client gets the same value for each network step. ``max_tokens`` and ``temperature``
    are sent only when given, so the server's defaults apply otherwise.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self._options: dict[str, Any] = {}
        if max_tokens is not None:
            self._options["max_tokens"] = max_tokens
        if temperature is not None:
            self._options["temperature"] = temperature
        # Local servers ignore the key, but the client refuses an empty one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=0
        )

    async def close(self) -> None:
        await self._client.close()

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> ModelReply:
        request: dict[str, Any] = {
            **self._options,
            "messages": [_message(message) for message in messages],
        }
        if tools:
            request["tools"] = [_tool(spec) for spec in tools]
        reply = _Assembly()
        try:
            async with asyncio.timeout(self.timeout):
                await self._stream(request, reply)
        except (TimeoutError, openai.APITimeoutError):
            raise ModelTimeout(f"The AI model did not answer within {self.timeout:g} s") from None
        except openai.APIConnectionError:
            if reply.chunks:
                raise ModelBadResponse(
                    f"The AI model's answer broke off after {reply.chunks} chunks"
                ) from None
            raise ModelUnavailable(
                f"Cannot connect to the AI model server at {self.base_url}"
            ) from None
        except openai.APIStatusError as exc:
            raise _status_error(exc, self.model) from None
        except openai.APIResponseValidationError:
            raise ModelBadResponse("The AI model server sent a malformed chunk") from None
        except openai.APIError as exc:
            # An error event inside the stream: the server gave up mid-answer.
            raise ModelUnavailable(
                f"The AI model server reported an error: {exc.message}"
            ) from None
        except ValueError:
            raise ModelBadResponse("The AI model server sent a chunk that is not JSON") from None
        return reply.finish(self.model)

    async def _stream(self, request: dict[str, Any], reply: _Assembly) -> None:
        stream = await self._client.chat.completions.create(
            model=self.model, stream=True, **request
        )
        async with stream:
            async for chunk in stream:
                reply.add(chunk)


class OpenAIOptions(Protocol):
    """What this provider reads of the AI settings (``codvid.ai.settings``)."""

    @property
    def base_url(self) -> str: ...
    @property
    def api_key(self) -> SecretStr | None: ...
    @property
    def model(self) -> str: ...
    @property
    def timeout(self) -> float: ...


def from_settings(settings: OpenAIOptions) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        base_url=settings.base_url,
        api_key=settings.api_key.get_secret_value() if settings.api_key else "",
        model=settings.model,
        timeout=settings.timeout,
    )


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _Assembly:
    """The reply as the chunks arrive."""

    chunks: int = 0
    model: str = ""
    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish_reason: str | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        self.chunks += 1
        self.model = self.model or chunk.model or ""
        # Usage-only chunks have no choices; we ask for one choice, index 0.
        for choice in chunk.choices or ():
            if choice.index not in (0, None):
                continue
            delta = choice.delta
            if delta is not None:
                if delta.content:
                    self.text.append(delta.content)
                for piece in delta.tool_calls or ():
                    self._add_call_piece(piece.index, piece.id, piece.function)
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason

    def _add_call_piece(self, index: int | None, call_id: str | None, function: Any) -> None:
        if index is None:
            # Some servers omit the index: a new id starts a call, the rest continue it.
            last = max(self.calls, default=-1)
            index = last + 1 if call_id or last < 0 else last
        call = self.calls.setdefault(index, _PartialCall())
        if call_id:
            call.id = call_id
        if function is not None:
            if function.name:
                call.name = function.name
            if function.arguments:
                call.arguments.append(function.arguments)

    def finish(self, model: str) -> ModelReply:
        if self.finish_reason is None:
            raise ModelBadResponse("The AI model's answer ended without a finish reason")
        calls = []
        for index, call in sorted(self.calls.items()):
            if not call.name:
                raise ModelBadResponse("The AI model asked for a tool call without a name")
            arguments = "".join(call.arguments)
            calls.append(ToolCall(call.id or f"call_{index}", call.name, arguments))
        return ModelReply("".join(self.text), tuple(calls), self.finish_reason, self.model or model)


def _status_error(exc: openai.APIStatusError, model: str) -> ModelError:
    status = exc.status_code
    detail = _detail(exc.body)
    if status in (401, 403):
        return ModelUnavailable(f"AI model server: authentication failed (HTTP {status})")
    if status == 404:
        return ModelUnavailable(f"AI model server: model not found: {model} (HTTP 404)")
    if status == 429:
        return ModelUnavailable(f"AI model server: rate limited (HTTP 429){detail}")
    if status >= 500:
        return ModelUnavailable(f"AI model server error (HTTP {status}){detail}")
    return ModelError(f"AI model server refused the request (HTTP {status}){detail}")


def _detail(body: object) -> str:
    """The server's own words, if short and readable."""
    if isinstance(body, dict):
        body = body.get("message") or body.get("error")
    if isinstance(body, str) and body.strip():
        return f": {body.strip()[:200]}"
    return ""


def _tool(spec: ToolSpec) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }


def _message(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "user":
        return {"role": "user", "content": message.content}
    if message.role == "tool":
        if message.tool_call_id is None:
            raise ValueError("a tool message needs the tool_call_id it answers")
        return {"role": "tool", "content": message.content, "tool_call_id": message.tool_call_id}
    if not message.tool_calls:
        return {"role": "assistant", "content": message.content}
    return {
        "role": "assistant",
        # OpenAI's own form: no content beside tool calls is null, not "".
        "content": message.content or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.tool_calls
        ],
    }
