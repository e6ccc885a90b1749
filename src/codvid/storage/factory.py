"""Choose the storage adapter from settings: the only place that knows them all."""

from __future__ import annotations

from codvid.storage.base import Store
from codvid.storage.settings import MONGODB_SCHEMES, StorageSettings


def open_store(settings: StorageSettings) -> Store:
    if settings.database_url.startswith(MONGODB_SCHEMES):
        from codvid.storage.mongodb import MongoStore

        return MongoStore(settings.database_url, timeout=settings.busy_timeout)
    from codvid.storage.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path, settings.busy_timeout)
