"""The base model for request and response schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Strict input (no silent coercion of ``1`` to ``"1"`` or ``"true"`` to ``True``);
    unknown fields are ignored so newer clients keep working."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)
