"""The assistant: which model answers, and the bounds of a turn."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from codvid.ai.registry import MODELS
from codvid.kit.settings import SettingsGroup, setting


class AISettings(SettingsGroup):
    provider: str = setting("AI_PROVIDER", "offline")
    base_url: str = setting("AI_BASE_URL", "https://api.openai.com/v1")
    api_key: SecretStr | None = setting("AI_API_KEY", None)
    model: str = setting("AI_MODEL", "gpt-4o-mini")
    timeout: float = setting("AI_TIMEOUT", 60, gt=0, le=600)
    max_iterations: int = setting("AI_MAX_ITERATIONS", 5, ge=1, le=50)
    max_message_chars: int = setting("AI_MAX_MESSAGE_CHARS", 20_000, ge=1, le=500_000)

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str) -> str:
        return MODELS.check(value)
