"""Build the assistant from settings: the only place that maps settings to a provider."""

from __future__ import annotations

from codvid.ai.limits import Limits
from codvid.ai.providers.registry import build_model_provider
from codvid.ai.service import Assistant
from codvid.config import Settings


def build_assistant(settings: Settings) -> Assistant:
    options: dict[str, object] = {}
    if settings.ai_provider == "openai":
        options = {
            "base_url": settings.ai_base_url,
            "api_key": settings.ai_api_key.get_secret_value() if settings.ai_api_key else "",
            "model": settings.ai_model,
            "timeout": settings.ai_timeout,
        }
    return Assistant(
        build_model_provider(settings.ai_provider, **options), Limits.from_settings(settings)
    )


async def close_assistant(assistant: Assistant) -> None:
    close = getattr(assistant.provider, "close", None)
    if close is not None:
        await close()
