"""Settings: one group per package that needs configuration, composed here.

Every group reads its own ``CODVID_*`` variables (or a ``.env`` file) and is validated
when it is built; :func:`load_settings` builds them all and turns the first problem into
one readable line, so a misconfiguration stops the start (exit code 2) before anything
runs. Each package receives only its group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from pydantic import ValidationError

from codvid.ai.settings import AISettings
from codvid.auth.settings import AuthSettings
from codvid.errors import ConfigurationError
from codvid.jobs.settings import JobSettings
from codvid.kit.messages import reason
from codvid.kit.settings import ENV_PREFIX, SettingsGroup, setting
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage.settings import StorageSettings


class HttpSettings(SettingsGroup):
    """The HTTP server itself."""

    host: str = setting("HOST", "127.0.0.1")
    port: int = setting("PORT", 8080, ge=1, le=65535)
    log_level: str = setting("LOG_LEVEL", "info")
    cors_origins: list[str] = setting("CORS_ORIGINS", [])
    max_body_bytes: int = setting("MAX_BODY_BYTES", 1024 * 1024, ge=1024)
    request_head_timeout: float = setting("REQUEST_HEAD_TIMEOUT", 10, gt=0, le=300)
    """Seconds a connection may take to send a complete request head before it is closed."""


@dataclass(frozen=True)
class Settings:
    http: HttpSettings
    storage: StorageSettings
    auth: AuthSettings
    jobs: JobSettings
    scraping: ScrapingSettings
    ai: AISettings


GROUPS: dict[str, type[SettingsGroup]] = get_type_hints(Settings)
G = TypeVar("G", bound=SettingsGroup)


def _flat_names() -> dict[str, tuple[str, str]]:
    """``scrape_timeout`` (a variable's name without the prefix, lowercase) -> (group,
    field)."""
    return {
        env.removeprefix(ENV_PREFIX).lower(): (group, field)
        for group, model in GROUPS.items()
        for field, env in model.env_names().items()
    }


def load_settings(**overrides: Any) -> Settings:
    """Build every group; ``overrides`` win over the environment and are named like the
    variables, without the prefix: ``load_settings(scrape_timeout=5, port=9000)``."""
    flat = _flat_names()
    per_group: dict[type[SettingsGroup], dict[str, Any]] = {model: {} for model in GROUPS.values()}
    for key, value in overrides.items():
        if key not in flat:
            raise ConfigurationError(f"unknown setting {ENV_PREFIX}{key.upper()}")
        group, field = flat[key]
        per_group[GROUPS[group]][field] = value

    def build(model: type[G]) -> G:
        try:
            return model(**per_group[model])
        except ValidationError as exc:
            raise ConfigurationError(_describe(model, exc)) from None

    return Settings(
        http=build(HttpSettings),
        storage=build(StorageSettings),
        auth=build(AuthSettings),
        jobs=build(JobSettings),
        scraping=build(ScrapingSettings),
        ai=build(AISettings),
    )


def _describe(model: type[SettingsGroup], exc: ValidationError) -> str:
    first = exc.errors()[0]
    message = reason(first)
    location = [str(part) for part in first["loc"]]
    if not location:
        return f"invalid settings: {message}"
    name = model.env_names().get(location[0], location[0])
    return f"invalid setting {name}: {message}"
