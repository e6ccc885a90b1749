from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from codvid.kit.schemas import Schema, documented, omitted_if_none

NAME_MAX = 100


def _clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > NAME_MAX:
        raise ValueError(f"must be at most {NAME_MAX} characters")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise ValueError("must not contain control characters")
    if any(unicodedata.category(char) == "Cf" for char in value):
        raise ValueError("must not contain invisible or direction-changing characters")
    return value


# What the validator accepts, stated for the OpenAPI schema (and so for generated tests):
# no control characters, and no format characters (category Cf) of the Basic Multilingual
# Plane: soft hyphen, zero-width and direction marks, embeddings and overrides, BOM...
_REFUSED = (
    r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
NAME_SCHEMA = {
    "minLength": 1,
    "maxLength": NAME_MAX,
    "pattern": rf"^[^\s{_REFUSED}]([^{_REFUSED}]{{0,98}}[^\s{_REFUSED}])?$",
}
ProjectName = Annotated[
    str, AfterValidator(_clean_name), WithJsonSchema({"type": "string", **NAME_SCHEMA})
]


class ProjectRef(Schema):
    """``data`` of every project route that names a project."""

    model_config = documented({"project_name": "summer campaign"})
    project_name: ProjectName = Field(examples=["summer campaign"])


class ProjectInfo(BaseModel):
    description: str = ""
    keywords: list[str] = []


class ChatMessage(BaseModel):
    """One message of a project's chat, as the client keeps it (contract 2.5.3): the
    user's, the assistant's text or progress event, or a tool's result."""

    model_config = ConfigDict(extra="allow")

    role: Literal["user", "assistant", "tool"]
    type: str = Field(examples=["text", "event"])
    text: str
    event_type: str | None = omitted_if_none(
        description="For type event: loading, tool_calling, info", examples=["tool_calling"]
    )
    tool_name: str | None = omitted_if_none(description="For role tool: the tool that ran")


class ProjectFields(BaseModel):
    """A project's own fields (contract 3.2), without what it contains."""

    schema_version: str = Field(examples=["1.0"])
    mod_count: int = Field(examples=[1])
    date: str = Field(examples=["18-7-2025"])
    project_info: ProjectInfo
    ai_memory: dict[str, Any]


class ProjectList(BaseModel):
    project_list: list[str] = Field(examples=[["c1", "reel_tracking_demo"]])


class ModCount(BaseModel):
    mod_count: int = Field(examples=[5])


class MessageOk(BaseModel):
    """Shape B plus the update 8 ``message``."""

    result: Literal[True] = True
    message: str
