"""The SQLite adapter: one database file, WAL mode, one table per collection."""

from codvid.storage.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
