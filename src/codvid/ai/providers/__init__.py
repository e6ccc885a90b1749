"""Model providers for the assistant: one interface (:mod:`.base`), one module per provider.

:class:`~codvid.ai.providers.openai_compat.OpenAICompatibleProvider` is not re-exported
here, so importing this package does not import the OpenAI client library.
"""

from codvid.ai.providers.base import (
    ChatMessage,
    ModelBadResponse,
    ModelError,
    ModelProvider,
    ModelReply,
    ModelTimeout,
    ModelUnavailable,
    Role,
    ToolCall,
    ToolSpec,
)
from codvid.ai.providers.offline import OfflineProvider
from codvid.ai.providers.registry import build_model_provider, model_provider_names

__all__ = [
    "ChatMessage",
    "ModelBadResponse",
    "ModelError",
    "ModelProvider",
    "ModelReply",
    "ModelTimeout",
    "ModelUnavailable",
    "OfflineProvider",
    "Role",
    "ToolCall",
    "ToolSpec",
    "build_model_provider",
    "model_provider_names",
]
