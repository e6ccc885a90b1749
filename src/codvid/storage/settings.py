"""Where the data lives."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from codvid.kit.settings import SettingsGroup, setting

SQLITE_SCHEME = "sqlite:///"
MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")


class StorageSettings(SettingsGroup):
    data_dir: Path = setting("DATA_DIR", Path("./codvid-data"))
    database_url: str = setting(
        "DATABASE_URL", "", description="Storage URL; empty means a SQLite file in data_dir."
    )
    busy_timeout: float = setting("STORAGE_BUSY_TIMEOUT", 5, ge=0, le=60)
    """Seconds a write waits for another writer's lock (without blocking other requests)
    before it answers 503."""

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith((SQLITE_SCHEME, *MONGODB_SCHEMES)):
            raise ValueError("must start with sqlite:///, mongodb:// or mongodb+srv://")
        return value

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file, from ``database_url`` or the data directory."""
        if self.database_url.startswith(SQLITE_SCHEME):
            return Path(self.database_url.removeprefix(SQLITE_SCHEME))
        return self.data_dir / "codvid.sqlite3"
