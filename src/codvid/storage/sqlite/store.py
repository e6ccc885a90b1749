"""SQLite implementation of the storage interface.

Calls run synchronously on the event loop: on a local file each statement takes
microseconds, far less than a thread hand-off would cost. Every write runs in a
``BEGIN IMMEDIATE`` transaction, which takes SQLite's single write lock up front, so a
read-modify-write is atomic across connections and processes (the claim primitive).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from codvid.storage.base import (
    Document,
    DuplicateKeyError,
    Filter,
    IndexSpec,
    SortSpec,
    StorageError,
    Update,
)
from codvid.storage.documents import apply_update, split_path, validate_update
from codvid.storage.sqlite.migrations import migrate
from codvid.storage.sqlite.query import field_sql, order_sql, where_sql

BUSY_TIMEOUT_MS = 5000


def _dumps(document: Document) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _table(name: str) -> str:
    split_path(name)  # identifiers only
    return f"c_{name}"


class SQLiteCollection:
    def __init__(self, store: SQLiteStore, name: str) -> None:
        self.name = name
        self._store = store
        self._table = _table(name)

    def _select(
        self, filter: Filter, sort: SortSpec | None, limit: int, skip: int
    ) -> tuple[str, list[Any]]:
        where, params = where_sql(filter)
        sql = f"SELECT id, doc FROM {self._table} WHERE {where}{order_sql(sort)}"
        if limit or skip:
            sql += " LIMIT ? OFFSET ?"
            params += [limit if limit else -1, skip]
        return sql, params

    async def insert_one(self, document: Document) -> None:
        identifier = document.get("_id")
        if not isinstance(identifier, str) or not identifier:
            raise StorageError("a document needs a string _id")
        with self._store.transaction() as db:
            db.execute(
                f"INSERT INTO {self._table} (id, doc) VALUES (?, ?)", (identifier, _dumps(document))
            )

    async def find_one(self, filter: Filter, *, sort: SortSpec | None = None) -> Document | None:
        found = await self.find(filter, sort=sort, limit=1)
        return found[0] if found else None

    async def find(
        self, filter: Filter, *, sort: SortSpec | None = None, limit: int = 0, skip: int = 0
    ) -> list[Document]:
        sql, params = self._select(filter, sort, limit, skip)
        rows = self._store.connection.execute(sql, params).fetchall()
        return [json.loads(doc) for _, doc in rows]

    async def count_documents(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        row = self._store.connection.execute(
            f"SELECT COUNT(*) FROM {self._table} WHERE {where}", params
        ).fetchone()
        return int(row[0])

    async def update_one(self, filter: Filter, update: Update) -> int:
        return 0 if await self.find_one_and_update(filter, update) is None else 1

    async def update_many(self, filter: Filter, update: Update) -> int:
        validate_update(update)
        sql, params = self._select(filter, None, 0, 0)
        with self._store.transaction() as db:
            rows = db.execute(sql, params).fetchall()
            for identifier, doc in rows:
                self._write(db, identifier, apply_update(json.loads(doc), update))
        return len(rows)

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Update,
        *,
        sort: SortSpec | None = None,
        return_after: bool = True,
    ) -> Document | None:
        validate_update(update)
        sql, params = self._select(filter, sort, 1, 0)
        with self._store.transaction() as db:
            row = db.execute(sql, params).fetchone()
            if row is None:
                return None
            before = json.loads(row[1])
            after = apply_update(before, update)
            self._write(db, row[0], after)
        return after if return_after else before

    def _write(self, db: sqlite3.Connection, identifier: str, document: Document) -> None:
        db.execute(f"UPDATE {self._table} SET doc = ? WHERE id = ?", (_dumps(document), identifier))

    async def delete_one(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        with self._store.transaction() as db:
            cursor = db.execute(
                f"DELETE FROM {self._table} WHERE id IN "
                f"(SELECT id FROM {self._table} WHERE {where} LIMIT 1)",
                params,
            )
        return cursor.rowcount

    async def delete_many(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        with self._store.transaction() as db:
            cursor = db.execute(f"DELETE FROM {self._table} WHERE {where}", params)
        return cursor.rowcount


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite database {path}: {exc}") from exc
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.schema_version = migrate(self.connection)
        self._collections: dict[str, SQLiteCollection] = {}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.connection
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except sqlite3.IntegrityError as exc:
            db.execute("ROLLBACK")
            raise DuplicateKeyError(str(exc)) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def collection(self, name: str) -> SQLiteCollection:
        if name not in self._collections:
            self._create_table(name)
            self._collections[name] = SQLiteCollection(self, name)
        return self._collections[name]

    def _create_table(self, name: str) -> None:
        self.connection.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(name)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)"
        )

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexSpec]]) -> None:
        with self.transaction() as db:
            for name, specs in indexes.items():
                self._create_table(name)
                for spec in specs:
                    columns = ", ".join(
                        f"{field_sql(path)} {'ASC' if direction == 1 else 'DESC'}"
                        for path, direction in spec.keys
                    )
                    db.execute(
                        f"CREATE {'UNIQUE ' if spec.unique else ''}INDEX IF NOT EXISTS "
                        f"ix_{name}_{split_path(spec.name)[0]} ON {_table(name)} ({columns})"
                    )

    async def close(self) -> None:
        self.connection.close()
