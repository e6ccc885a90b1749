"""SQLite implementation of the storage interface.

Calls run synchronously on the event loop: on a local file each statement takes
microseconds, far less than a thread hand-off would cost. Updates are single SQL
statements (``json_set``/``json_remove`` with ``RETURNING``), so an update is atomic
across connections and processes (the claim primitive) without reading the document
into Python; inserts and multi-statement work run in ``BEGIN IMMEDIATE`` transactions.
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
from codvid.storage.documents import split_path, validate_update
from codvid.storage.sqlite.migrations import migrate
from codvid.storage.sqlite.query import (
    field_sql,
    order_sql,
    projection_sql,
    update_sql,
    where_sql,
)

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

    def _ids(self, filter: Filter, sort: SortSpec | None, limit: int) -> tuple[str, list[Any]]:
        where, params = where_sql(filter)
        sql = f"SELECT id FROM {self._table} WHERE {where}{order_sql(sort)}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    async def insert_one(self, document: Document) -> None:
        identifier = document.get("_id")
        if not isinstance(identifier, str) or not identifier:
            raise StorageError("a document needs a string _id")
        with self._store.transaction() as db:
            db.execute(
                f"INSERT INTO {self._table} (id, doc) VALUES (?, ?)", (identifier, _dumps(document))
            )

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
            f"SELECT {projection_sql(projection)} FROM {self._table} WHERE {where}{order_sql(sort)}"
        )
        if limit or skip:
            sql += " LIMIT ? OFFSET ?"
            params += [limit if limit else -1, skip]
        rows = self._store.connection.execute(sql, params).fetchall()
        return [json.loads(doc) for (doc,) in rows]

    async def count_documents(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        row = self._store.connection.execute(
            f"SELECT COUNT(*) FROM {self._table} WHERE {where}", params
        ).fetchone()
        return int(row[0])

    async def update_one(self, filter: Filter, update: Update) -> int:
        return (await self._update(filter, update, None, 1, "1") and 1) or 0

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
        if not return_after:
            with self._store.transaction():
                before = await self.find_one(filter, sort=sort, projection=projection)
                if before is not None:
                    await self._update({"_id": before["_id"]}, update, None, 1, "1")
            return before
        rows = await self._update(filter, update, sort, 1, projection_sql(projection))
        return json.loads(rows[0]) if rows else None

    async def _update(
        self, filter: Filter, update: Update, sort: SortSpec | None, limit: int, returning: str
    ) -> list[Any]:
        """One UPDATE ... RETURNING over the matching ids; raise if a match misfits."""
        validate_update(update)
        expression, set_params, guard = update_sql(update)
        ids, id_params = self._ids(filter, sort, limit)
        sql = (
            f"UPDATE {self._table} SET doc = {expression} "
            f"WHERE id IN ({ids}) AND {guard} RETURNING {returning}"
        )
        try:
            rows = self._store.connection.execute(sql, [*set_params, *id_params]).fetchall()
        except sqlite3.IntegrityError as exc:
            raise DuplicateKeyError(str(exc)) from exc
        if not rows and guard != "1" and await self.find_one(filter, projection=()):
            raise StorageError(f"the update does not fit the document's shape: {dict(update)}")
        return [row[0] for row in rows]

    async def delete_one(self, filter: Filter) -> int:
        ids, params = self._ids(filter, None, 1)
        cursor = self._store.connection.execute(
            f"DELETE FROM {self._table} WHERE id IN ({ids})", params
        )
        return cursor.rowcount

    async def delete_many(self, filter: Filter) -> int:
        where, params = where_sql(filter)
        cursor = self._store.connection.execute(f"DELETE FROM {self._table} WHERE {where}", params)
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
        if db.in_transaction:  # nested: the outer transaction is the unit
            yield db
            return
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
