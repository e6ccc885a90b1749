"""The model provider interface: a chat model that may answer with tool calls.

The shapes follow OpenAI's chat-completions API (the lingua franca of hosted and local
model servers), kept free of any client library so the assistant and its tests never
import one.

Errors a provider raises; each message is short enough to show to the user::

    ModelError                any failure of the model or its server
    ├── ModelTimeout          no complete answer in time
    ├── ModelUnavailable      cannot connect, server error, authentication failed,
    │                         model not found, or the server reported an error
    └── ModelBadResponse      an answer we cannot use (broken or incomplete stream)

Anything else a provider raises is a bug, not a model failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from codvid.kit.providers import Provider, ProviderError

Role = Literal["system", "user", "assistant", "tool"]


class ModelError(ProviderError):
    message = "The AI model failed"


class ModelTimeout(ModelError):
    message = "The AI model did not answer in time"


class ModelUnavailable(ModelError):
    message = "The AI model is unavailable"


class ModelBadResponse(ModelError):
    message = "The AI model sent an unusable answer"


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """JSON text as the model produced it: it may be invalid JSON, callers validate."""


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    """Only on assistant messages: the calls the model asked for."""
    tool_call_id: str | None = None
    """Only on tool messages: the call this message answers."""
    name: str | None = None
    """Only on tool messages: the tool's name."""


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments object."""


@dataclass(frozen=True)
class ModelReply:
    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    """As the server said it: ``stop``, ``tool_calls``, ``length``, ``content_filter``..."""
    model: str


class ModelProvider(Provider, Protocol):
    """A chat model. ``complete`` answers one turn of the conversation.

    Implementations must not block the event loop, raise only :class:`ModelError`
    subclasses for failures of the model or its server, and leave retries to the caller.
    """

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> ModelReply: ...
