"""The base of every settings group: read once from ``CODVID_*`` environment variables
(or a ``.env`` file in the working directory), frozen, validated when built.

Each package that needs configuration owns one group (``storage.settings``,
``auth.settings``, ...) and receives only that group; :mod:`codvid.config` composes them.
A field is declared with :func:`setting`, which names its environment variable in full:
the names were published flat (``CODVID_SCRAPE_TIMEOUT``), and they stay that way
whatever group a field moves to.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CODVID_"


class SettingsGroup(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field name -> its environment variable."""
        return {name: str(field.validation_alias) for name, field in cls.model_fields.items()}


def setting(env: str, default: Any, **constraints: Any) -> Any:
    """A field read from ``CODVID_<env>``; ``constraints`` as for ``pydantic.Field``."""
    return Field(default, validation_alias=ENV_PREFIX + env, **constraints)


def comma_separated(value: Any, items: str) -> Any:
    """A list setting as people write it in a shell (``a,b``) or as a JSON list; other
    values pass through for the field's own validation. ``items`` names them for the
    error message ("origins", "seconds")."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError(f"must be a JSON list or {items} separated by commas") from None
    return [part.strip() for part in text.split(",") if part.strip()]
