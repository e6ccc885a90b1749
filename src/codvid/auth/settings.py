"""Tokens, passwords and the throttles of the credential routes."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from codvid.kit.settings import SettingsGroup, setting

RATE_LIMIT_HELP = "a rate such as '10/minute' or '100 per hour'"


class AuthSettings(SettingsGroup):
    jwt_secret: SecretStr | None = setting("JWT_SECRET", None)
    jwt_lifetime_days: float = setting("JWT_LIFETIME_DAYS", 30, gt=0, le=3650)
    min_password_length: int = setting("MIN_PASSWORD_LENGTH", 8, ge=1, le=1024)
    login_rate_per_email: str = setting("LOGIN_RATE_PER_EMAIL", "10/minute")
    login_rate_per_client: str = setting("LOGIN_RATE_PER_CLIENT", "60/minute")
    signup_rate_per_client: str = setting("SIGNUP_RATE_PER_CLIENT", "30/minute")

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
