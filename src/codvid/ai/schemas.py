from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from codvid.kit.schemas import Schema, documented
from codvid.projects.schemas import ProjectName


class UserMessage(Schema):
    """The user's chat message; ``role`` and ``type`` may be left out."""

    model_config = documented(
        {"role": "user", "type": "text", "text": "How did my reels do this week?"}
    )

    role: Literal["user"] = Field("user", examples=["user"])
    type: Literal["text"] = Field("text", examples=["text"])
    text: str = Field(examples=["How did my reels do this week?"])


def _tolerate_string(value: Any) -> Any:
    """Update 8 documents ``message`` as a bare string: read it as a text message."""
    return {"role": "user", "type": "text", "text": value} if isinstance(value, str) else value


class RespondRequest(Schema):
    """``data`` of ``/ai/respond``: the project to talk in and the user's message."""

    model_config = documented(
        {
            "project_name": "summer campaign",
            "message": {"role": "user", "type": "text", "text": "How are my profiles doing?"},
        },
        {"project_name": "summer campaign", "message": {"text": "Scrape my reels now"}},
    )

    project_name: ProjectName = Field(examples=["summer campaign"])
    message: Annotated[UserMessage, BeforeValidator(_tolerate_string)] = Field(
        examples=[{"role": "user", "type": "text", "text": "How are my profiles doing?"}]
    )


class StreamTestRequest(Schema):
    """``data`` of ``/ai/respond-stream-test``: nothing (an empty object, or no body)."""

    model_config = documented({})


class StreamChunk(BaseModel):
    """One object per HTTP chunk (contract 2.5.4); errors end the stream with
    ``{"result": false, "message": ...}``."""

    result: bool
    response: dict[str, Any] | None = None
    message: str | None = None
