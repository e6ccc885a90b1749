"""Every model provider by name (see :mod:`codvid.kit.providers`)."""

from __future__ import annotations

from codvid.ai.providers.base import ModelProvider
from codvid.kit.providers import ProviderRegistry

MODELS: ProviderRegistry[ModelProvider] = ProviderRegistry(
    "model",
    {
        "offline": "codvid.ai.providers.offline:from_settings",
        "openai": "codvid.ai.providers.openai_compat:from_settings",
    },
)
