"""Forward-only schema migrations, tracked in SQLite's ``user_version``.

Migration N brings the database from version N-1 to N. Collections (tables) and their
indexes are created by ``ensure_indexes`` from each domain's declarations (gathered by
``codvid.bootstrap``); migrations here handle what that cannot: tables of the adapter's
own, table layout changes and data rewrites. A database newer than this code is refused
rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from codvid.storage.base import StorageError

Migration = Callable[[sqlite3.Connection], None]


def _v1_meta(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS codvid_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )
    connection.execute(
        "INSERT OR IGNORE INTO codvid_meta (key, value) VALUES ('created_by', 'codvid')"
    )


def _v2_quarantine(connection: sqlite3.Connection) -> None:
    """Where unreadable documents are moved aside, as they were (``sqlite.database``)."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS codvid_quarantine (collection TEXT NOT NULL, id TEXT NOT NULL,"
        " doc TEXT NOT NULL, reason TEXT NOT NULL, moved_at REAL NOT NULL,"
        " PRIMARY KEY (collection, id))"
    )


MIGRATIONS: list[Migration] = [_v1_meta, _v2_quarantine]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection) -> int:
    """Apply pending migrations in one transaction each; return the final version."""
    current = connection.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StorageError(
            f"database schema version {current} is newer than this codvid "
            f"(knows {SCHEMA_VERSION}); upgrade codvid"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](connection)
            connection.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return SCHEMA_VERSION
