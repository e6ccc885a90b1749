"""The base model for request and response schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """Strict input (no silent coercion of ``1`` to ``"1"`` or ``"true"`` to ``True``);
    unknown fields are ignored so newer clients keep working."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


def documented(*examples: dict[str, Any]) -> ConfigDict:
    """``model_config`` of a request model: the base config of :class:`Schema` plus
    complete examples of the model, shown in the OpenAPI schema (valid input each)."""
    return ConfigDict(**Schema.model_config, json_schema_extra={"examples": list(examples)})


class MessageBody(BaseModel):
    """``{"message": ...}``, e.g. the ``response`` of shapes that confirm an action."""

    message: str


def _is_none(value: object) -> bool:
    return value is None


def omitted_if_none(**options: Any) -> Any:
    """A response field that is left out, not sent as ``null``, when it has no value:
    for fields a stored object only has once something happened (a first scrape)."""
    return Field(None, exclude_if=_is_none, **options)
