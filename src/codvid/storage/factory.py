"""Choose the storage adapter from settings: the only place that knows them all."""

from __future__ import annotations

from codvid.errors import ConfigurationError
from codvid.storage.base import Store
from codvid.storage.settings import MONGODB_SCHEMES, StorageSettings


def open_store(settings: StorageSettings) -> Store:
    if settings.database_url.startswith(MONGODB_SCHEMES):
        raise ConfigurationError(
            "CODVID_DATABASE_URL: the MongoDB adapter is not available in this version; "
            "leave it empty to use SQLite in the data directory"
        )
    from codvid.storage.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path, settings.busy_timeout)
