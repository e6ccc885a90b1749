"""Settings: one group per package that needs configuration, composed here.

Every group reads its own ``CODVID_*`` variables (or a ``.env`` file) and is validated
when it is built; :func:`load_settings` builds them all and turns the first problem into
one readable line, so a misconfiguration stops the start (exit code 2) before anything
runs. Each package receives only its group.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_type_hints

from dotenv import dotenv_values
from pydantic import BeforeValidator, ValidationError
from pydantic_settings import NoDecode

from codvid.ai.settings import AISettings
from codvid.alerts.settings import AlertSettings
from codvid.auth.settings import AuthSettings
from codvid.errors import ConfigurationError
from codvid.jobs.settings import JobSettings, is_in_process
from codvid.kit.messages import reason
from codvid.kit.ratelimits import CounterSettings
from codvid.kit.settings import ENV_PREFIX, SettingsGroup, comma_separated, setting
from codvid.scrapers.providers.apify.settings import ApifySettings
from codvid.scrapers.providers.graph.settings import GraphSettings
from codvid.scrapers.providers.instaloader.settings import InstaloaderSettings
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage.settings import MONGODB_SCHEMES, StorageSettings

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _origins(value: Any) -> Any:
    return comma_separated(value, "origins")


class HttpSettings(SettingsGroup):
    """The HTTP server itself."""

    host: str = setting("HOST", "127.0.0.1")
    port: int = setting("PORT", 8080, ge=1, le=65535)
    log_level: Annotated[
        LogLevel, BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)
    ] = setting("LOG_LEVEL", "info")
    cors_origins: Annotated[list[str], NoDecode, BeforeValidator(_origins)] = setting(
        "CORS_ORIGINS", []
    )
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
    counters: CounterSettings
    apify: ApifySettings
    graph: GraphSettings
    instaloader: InstaloaderSettings
    ai: AISettings
    alerts: AlertSettings

    def provider_settings(self) -> ApifySettings | GraphSettings | InstaloaderSettings | None:
        """The options group of the selected scraper provider, if it has one."""
        groups: dict[str, ApifySettings | GraphSettings | InstaloaderSettings] = {
            "apify": self.apify,
            "graph": self.graph,
            "instaloader": self.instaloader,
        }
        return groups.get(self.scraping.provider)


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


def variable_names() -> set[str]:
    """Every published ``CODVID_*`` variable."""
    return {env for model in GROUPS.values() for env in model.env_names().values()}


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning per ``CODVID_*`` variable (in the environment or ``.env``) that is no
    setting: a typo such as ``CODVID_PROT`` would otherwise pass unnoticed."""
    names = set(os.environ if environ is None else environ)
    if environ is None and Path(".env").is_file():
        names |= set(dotenv_values(".env"))
    known = variable_names()
    warnings = []
    for name in sorted(n for n in names if n.upper().startswith(ENV_PREFIX)):
        if name.upper() in known:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} is not a setting and is ignored{hint}")
    return warnings


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

    settings = Settings(
        http=build(HttpSettings),
        storage=build(StorageSettings),
        auth=build(AuthSettings),
        jobs=build(JobSettings),
        scraping=build(ScrapingSettings),
        counters=build(CounterSettings),
        apify=build(ApifySettings),
        graph=build(GraphSettings),
        instaloader=build(InstaloaderSettings),
        ai=build(AISettings),
        alerts=build(AlertSettings),
    )
    shared = settings.storage.database_url.startswith(MONGODB_SCHEMES)
    if not is_in_process(settings.jobs) and not shared:
        raise ConfigurationError(
            "invalid setting CODVID_BROKER_URL: a broker between processes needs a database "
            "they all share (CODVID_DATABASE_URL=mongodb://...)"
        )
    options = settings.provider_settings()
    missing = options.missing() if options is not None else None
    if missing:
        raise ConfigurationError(
            f"invalid setting CODVID_SCRAPER_PROVIDER: {settings.scraping.provider} needs {missing}"
        )
    return settings


def _describe(model: type[SettingsGroup], exc: ValidationError) -> str:
    first = exc.errors()[0]
    message = reason(first)
    location = [str(part) for part in first["loc"]]
    if not location:
        return f"invalid settings: {message}"
    name = model.env_names().get(location[0], location[0])
    return f"invalid setting {name}: {message}"
