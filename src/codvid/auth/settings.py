"""Tokens, passwords and the throttles of the credential routes."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from codvid.kit.ratelimits import check_rate
from codvid.kit.settings import SettingsGroup, setting


class AuthSettings(SettingsGroup):
    jwt_secret: SecretStr | None = setting("JWT_SECRET", None)
    jwt_lifetime_days: float = setting("JWT_LIFETIME_DAYS", 30, gt=0, le=3650)
    min_password_length: int = setting("MIN_PASSWORD_LENGTH", 8, ge=1, le=1024)
    # Login attempts are counted before the password is checked (see auth.service.login).
    login_rate_per_email_client: str = setting("LOGIN_RATE_PER_EMAIL_CLIENT", "10/minute")
    """Per (email, client address): the limit an attacker at one address meets."""
    login_rate_per_email: str = setting("LOGIN_RATE_PER_EMAIL", "100/minute")
    """Per email, across every address: higher, so one address cannot lock an owner out."""
    login_rate_per_client: str = setting("LOGIN_RATE_PER_CLIENT", "60/minute")
    lookup_rate_per_client: str = setting("LOOKUP_RATE_PER_CLIENT", "60/minute")
    """``get_uuid`` look-ups by email, counted apart from logins."""
    signup_rate_per_client: str = setting("SIGNUP_RATE_PER_CLIENT", "30/minute")
    password_hash_concurrency: int = setting("PASSWORD_HASH_CONCURRENCY", 2, ge=1, le=64)
    """Password hashes computed at once (each takes 64 MiB and a core for ~50 ms)."""

    @field_validator(
        "login_rate_per_email_client",
        "login_rate_per_email",
        "login_rate_per_client",
        "lookup_rate_per_client",
        "signup_rate_per_client",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        return check_rate(value)

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value
