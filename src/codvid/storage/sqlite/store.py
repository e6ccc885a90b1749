"""SQLite implementation of the storage interface.

Documents are JSON text in one table per collection. Updates are single SQL statements
(``json_set``/``json_remove`` with ``RETURNING``), so an update is atomic across
connections and processes (the claim primitive) without reading the document into
Python; inserts and multi-statement work run in ``BEGIN IMMEDIATE`` transactions. Every
statement goes through :meth:`SQLiteDatabase.run` (``sqlite.database``): the waits for a
lock never block the event loop, and unreadable documents are moved aside.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from codvid.storage.base import Document, Filter, IndexSpec, SortSpec, StorageError, Update
from codvid.storage.documents import split_path, validate_update
from codvid.storage.sqlite.database import TABLE_PREFIX, SQLiteDatabase
from codvid.storage.sqlite.query import (
    field_sql,
    order_sql,
    projection_sql,
    update_sql,
    where_sql,
)

DEFAULT_BUSY_TIMEOUT = 5.0


def _dumps(document: Document) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _table(name: str) -> str:
    split_path(name)  # identifiers only
    return TABLE_PREFIX + name


class SQLiteCollection:
    def __init__(self, store: SQLiteStore, name: str) -> None:
        self.name = name
        self._db = store.database
        self._table = _table(name)

    def _ids(self, filter: Filter, sort: SortSpec | None, limit: int) -> tuple[str, list[Any]]:
        where, params = where_sql(filter)
        sql = f"SELECT id FROM {self._table} WHERE {where}{order_sql(sort)}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def _decoded(self, rows: list[tuple[str, str]]) -> list[Document]:
        """The documents of ``(id, json)`` rows; one that does not decode is moved aside."""
        documents, unreadable = [], []
        for identifier, text in rows:
            try:
                documents.append(json.loads(text))
            except ValueError:
                unreadable.append(identifier)
        if unreadable:
            self._db.quarantine(self._table, unreadable, "does not decode as JSON")
        return documents

    async def insert_one(self, document: Document) -> None:
        identifier = document.get("_id")
        if not isinstance(identifier, str) or not identifier:
            raise StorageError("a document needs a string _id")
        text = _dumps(document)

        def insert(db: sqlite3.Connection) -> None:
            db.execute(f"INSERT INTO {self._table} (id, doc) VALUES (?, ?)", (identifier, text))

        await self._db.run(insert, self._table)

    async def find_one(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        found = await self.find(filter, sort=sort, limit=1, projection=projection)
        return found[0] if found else None

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        limit: int = 0,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        where, params = where_sql(filter)
        sql = (
            f"SELECT id, {projection_sql(projection)} FROM {self._table} "
            f"WHERE {where}{order_sql(sort)}"
        )
        if limit or skip:
            sql += " LIMIT ? OFFSET ?"
            params += [limit if limit else -1, skip]
        rows = await self._db.run(lambda db: db.execute(sql, params).fetchall(), self._table)
        return self._decoded(rows)

    async def count_documents(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        sql = f"SELECT COUNT(*) FROM {self._table} WHERE {where}"
        row = await self._db.run(lambda db: db.execute(sql, params).fetchone(), self._table)
        return int(row[0])

    async def update_one(self, filter: Filter, update: Update) -> int:
        return min(1, len(await self._update(filter, update, None, 1, "1")))

    async def update_many(self, filter: Filter, update: Update) -> int:
        return len(await self._update(filter, update, None, 0, "1"))

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Update,
        *,
        sort: SortSpec | None = None,
        return_after: bool = True,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        if return_after:
            rows = await self._update(filter, update, sort, 1, projection_sql(projection))
            return self._decoded(rows)[0] if rows else None
        validate_update(update)
        expression, set_params, _ = update_sql(update)
        ids, id_params = self._ids(filter, sort, 1)
        select = f"SELECT id, {projection_sql(projection)} FROM {self._table} WHERE id IN ({ids})"

        def swap(db: sqlite3.Connection) -> list[tuple[str, str]]:
            with self._db.transaction():
                before: list[tuple[str, str]] = db.execute(select, id_params).fetchall()
                if before:
                    db.execute(
                        f"UPDATE {self._table} SET doc = {expression} WHERE id = ?",
                        [*set_params, before[0][0]],
                    )
                return before

        before = await self._db.run(swap, self._table)
        return self._decoded(before)[0] if before else None

    async def _update(
        self, filter: Filter, update: Update, sort: SortSpec | None, limit: int, returning: str
    ) -> list[Any]:
        """One UPDATE ... RETURNING over the matching ids; raise if a match misfits."""
        validate_update(update)
        expression, set_params, guard = update_sql(update)
        ids, id_params = self._ids(filter, sort, limit)
        sql = (
            f"UPDATE {self._table} SET doc = {expression} "
            f"WHERE id IN ({ids}) AND {guard} RETURNING id, {returning}"
        )
        params = [*set_params, *id_params]
        rows: list[Any] = await self._db.run(
            lambda db: db.execute(sql, params).fetchall(), self._table
        )
        if not rows and guard != "1" and await self.find_one(filter, projection=()):
            raise StorageError(f"the update does not fit the document's shape: {dict(update)}")
        return rows

    async def delete_one(self, filter: Filter) -> int:
        ids, params = self._ids(filter, None, 1)
        sql = f"DELETE FROM {self._table} WHERE id IN ({ids})"
        return int(await self._db.run(lambda db: db.execute(sql, params).rowcount, self._table))

    async def delete_many(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        sql = f"DELETE FROM {self._table} WHERE {where}"
        return int(await self._db.run(lambda db: db.execute(sql, params).rowcount, self._table))


class SQLiteStore:
    def __init__(self, path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = path
        self.database = SQLiteDatabase(path, busy_timeout)
        self._collections: dict[str, SQLiteCollection] = {}

    @property
    def schema_version(self) -> int:
        return self.database.schema_version

    def collection(self, name: str) -> SQLiteCollection:
        if name not in self._collections:
            self.database.connection.execute(_create_table(name))
            self._collections[name] = SQLiteCollection(self, name)
        return self._collections[name]

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexSpec]]) -> None:
        for name, specs in indexes.items():
            statements = [_create_table(name), *(_create_index(name, spec) for spec in specs)]

            def create(db: sqlite3.Connection, statements: list[str] = statements) -> None:
                with self.database.transaction():
                    for statement in statements:
                        db.execute(statement)

            await self.database.run(create, _table(name))

    async def ping(self) -> None:
        await self.database.run(lambda db: db.execute("PRAGMA user_version").fetchone())

    async def close(self) -> None:
        self.database.close()


def _create_table(name: str) -> str:
    return f"CREATE TABLE IF NOT EXISTS {_table(name)} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)"


def _create_index(name: str, spec: IndexSpec) -> str:
    columns = ", ".join(
        f"{field_sql(path)} {'ASC' if direction == 1 else 'DESC'}" for path, direction in spec.keys
    )
    return (
        f"CREATE {'UNIQUE ' if spec.unique else ''}INDEX IF NOT EXISTS "
        f"ix_{name}_{split_path(spec.name)[0]} ON {_table(name)} ({columns})"
    )
