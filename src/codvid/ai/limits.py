"""Every bound of an assistant turn, in one place (values come from settings)."""

from __future__ import annotations

from dataclasses import dataclass

from codvid.ai.settings import AISettings

#: The notice when the iteration cap is reached (contract 2.5.2, ``info`` event).
CONTINUE_NOTICE = (
    "AI have worked for {n} extra times. You can say 'continue' to allow me to continue"
)


@dataclass(frozen=True)
class Limits:
    max_iterations: int
    """Model calls per turn; tool rounds beyond it end with the continue notice."""
    max_message_chars: int
    """Longest user message accepted (longer is 400)."""
    history_messages: int = 40
    """Stored chat messages sent back to the model as context."""
    history_chars: int = 4000
    """Per stored message, longer text is cut when sent as context."""
    tool_result_chars: int = 8000
    """A tool result longer than this is cut before it reaches the model or the chat."""

    @classmethod
    def from_settings(cls, settings: AISettings) -> Limits:
        return cls(
            max_iterations=settings.max_iterations,
            max_message_chars=settings.max_message_chars,
        )
