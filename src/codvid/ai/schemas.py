from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from codvid.kit.schemas import Schema
from codvid.projects.schemas import ProjectName


class UserMessage(Schema):
    role: Literal["user"] = "user"
    type: Literal["text"] = "text"
    text: str = Field(examples=["How did my reels do this week?"])


def _tolerate_string(value: Any) -> Any:
    """Update 8 documents ``message`` as a bare string: read it as a text message."""
    return {"role": "user", "type": "text", "text": value} if isinstance(value, str) else value


class RespondRequest(Schema):
    project_name: ProjectName
    message: Annotated[UserMessage, BeforeValidator(_tolerate_string)]


class StreamTestRequest(Schema):
    pass


class StreamChunk(BaseModel):
    """One object per HTTP chunk (contract 2.5.4); errors end the stream with
    ``{"result": false, "message": ...}``."""

    result: bool
    response: dict[str, Any] | None = None
    message: str | None = None
