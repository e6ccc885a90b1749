"""Settings, read once from the environment (prefix ``CODVID_``) or a ``.env`` file.

Misconfiguration fails at start with one clear line (see :func:`load_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from codvid.errors import ConfigurationError

RATE_LIMIT_HELP = "a rate such as '10/minute' or '100 per hour'"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CODVID_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = Path("./codvid-data")
    database_url: str = Field(
        default="",
        description="Storage URL; empty means a SQLite file in the data directory.",
    )
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    log_level: str = "info"

    jwt_secret: SecretStr | None = None
    jwt_lifetime_days: Annotated[float, Field(gt=0, le=3650)] = 30

    min_password_length: Annotated[int, Field(ge=1, le=1024)] = 8
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024

    login_rate_per_email: str = "10/minute"
    login_rate_per_client: str = "60/minute"
    signup_rate_per_client: str = "30/minute"

    cors_origins: list[str] = []

    # Scraping and jobs (see codvid.jobs).
    broker_url: str = "memory://"
    scraper_provider: str = "demo"
    scraper_step_delay: Annotated[float, Field(ge=0, le=60)] = 0.5
    scrape_timeout: Annotated[float, Field(gt=0, le=3600)] = 120
    scrape_max_posts: Annotated[int, Field(ge=1, le=100)] = 12
    scrape_max_comments: Annotated[int, Field(ge=0, le=100)] = 10
    job_concurrency: Annotated[int, Field(ge=1, le=256)] = 4
    heartbeat_interval: Annotated[float, Field(gt=0, le=300)] = 2
    stale_after: Annotated[float, Field(gt=0, le=3600)] = 15
    sweeper_interval: Annotated[float, Field(gt=0, le=3600)] = 5
    scheduler_enabled: bool = True
    scheduler_interval: Annotated[float, Field(gt=0, le=86400)] = 30
    scheduler_batch: Annotated[int, Field(ge=1, le=10000)] = 100
    failure_backoff: Annotated[float, Field(gt=0, le=86400)] = 300

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", "mongodb://", "mongodb+srv://")):
            raise ValueError("must start with sqlite:///, mongodb:// or mongodb+srv://")
        return value

    @field_validator("login_rate_per_email", "login_rate_per_client", "signup_rate_per_client")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"must be {RATE_LIMIT_HELP}") from exc
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    # AI assistant (see codvid.ai).
    ai_provider: str = "offline"
    ai_base_url: str = "https://api.openai.com/v1"
    ai_api_key: SecretStr | None = None
    ai_model: str = "gpt-4o-mini"
    ai_timeout: Annotated[float, Field(gt=0, le=600)] = 60
    ai_max_iterations: Annotated[int, Field(ge=1, le=50)] = 5
    ai_max_message_chars: Annotated[int, Field(ge=1, le=500_000)] = 20_000

    @model_validator(mode="after")
    def _heartbeat_fits(self) -> Settings:
        if self.stale_after <= 2 * self.heartbeat_interval:
            raise ValueError("stale_after must be more than twice heartbeat_interval")
        return self

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file, from ``database_url`` or the data directory."""
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "codvid.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigurationError(
            f"invalid setting CODVID_{field.upper()}: {first['msg'].removeprefix('Value error, ')}"
        ) from None
