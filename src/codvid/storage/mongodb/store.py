"""MongoDB implementation of the storage interface, on PyMongo's async API.

The interface is a subset of PyMongo's, so most calls pass through. What the adapter
adds: the same checks of filters and updates as the SQLite adapter (a bad query fails
alike on both); keys MongoDB refuses, stored escaped (:mod:`.keys`); projections applied
here as well as asked of the server (a wire-compatible test server ignores them); and the
driver's errors turned into the storage errors, without the driver's text or host names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo import errors as mongo_errors
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from codvid.kit.cancelling import cancelling
from codvid.storage.base import (
    Document,
    DuplicateKeyError,
    Filter,
    IndexSpec,
    SortSpec,
    StorageError,
    Update,
)
from codvid.storage.documents import split_path, validate_filter, validate_update
from codvid.storage.mongodb import keys

DEFAULT_TIMEOUT = 5.0
_DUPLICATE_CODES = frozenset({11000, 11001})


class MongoCollection:
    def __init__(self, collection: AsyncCollection[Document], name: str) -> None:
        self.name = name
        self._collection = collection

    async def insert_one(self, document: Document) -> None:
        identifier = document.get("_id")
        if not isinstance(identifier, str) or not identifier:
            raise StorageError("a document needs a string _id")
        async with _errors():
            # A copy: PyMongo would add to the caller's document what it sends.
            await self._collection.insert_one(keys.encode(document))

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
        validate_filter(filter)
        async with _errors():
            cursor = self._collection.find(
                dict(filter),
                projection=_projection(projection),
                sort=_sort(sort),
                limit=int(limit),
                skip=int(skip),
            )
            found = await cursor.to_list()
        return [_projected(keys.decode(document), projection) for document in found]

    async def count_documents(self, filter: Filter) -> int:
        validate_filter(filter)
        async with _errors():
            return int(await self._collection.count_documents(dict(filter)))

    async def update_one(self, filter: Filter, update: Update) -> int:
        _check(filter, update)
        async with _errors():
            result = await self._collection.update_one(dict(filter), _update(update))
        return int(result.matched_count)

    async def update_many(self, filter: Filter, update: Update) -> int:
        _check(filter, update)
        async with _errors():
            result = await self._collection.update_many(dict(filter), _update(update))
        return int(result.matched_count)

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Update,
        *,
        sort: SortSpec | None = None,
        return_after: bool = True,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        _check(filter, update)
        async with _errors():
            found = await self._collection.find_one_and_update(
                dict(filter),
                _update(update),
                sort=_sort(sort),
                projection=_projection(projection),
                return_document=ReturnDocument.AFTER if return_after else ReturnDocument.BEFORE,
            )
        return None if found is None else _projected(keys.decode(found), projection)

    async def delete_one(self, filter: Filter) -> int:
        validate_filter(filter)
        async with _errors():
            return int((await self._collection.delete_one(dict(filter))).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        validate_filter(filter)
        async with _errors():
            return int((await self._collection.delete_many(dict(filter))).deleted_count)


class MongoStore:
    """A MongoDB database; the database name comes from the URL's path (default
    ``codvid``). Retryable writes are on; every wait is bounded by ``timeout``."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        milliseconds = max(1, int(timeout * 1000))
        self._client: AsyncMongoClient[Document] = AsyncMongoClient(
            url,
            retryWrites=True,
            serverSelectionTimeoutMS=milliseconds,
            connectTimeoutMS=milliseconds,
            socketTimeoutMS=milliseconds * 6,
            tz_aware=False,
        )
        default = self._client.get_default_database(default="codvid")
        self._db: AsyncDatabase[Document] = default

    @property
    def database_name(self) -> str:
        return self._db.name

    def collection(self, name: str) -> MongoCollection:
        split_path(name)  # identifiers only, as on SQLite
        return MongoCollection(self._db[name], name)

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexSpec]]) -> None:
        async with _errors():
            for name, specs in indexes.items():
                collection = self.collection(name)._collection
                for spec in specs:
                    for path, _ in spec.keys:
                        split_path(path)
                    await collection.create_index(
                        list(spec.keys), name=spec.name, unique=spec.unique
                    )

    async def ping(self) -> None:
        async with _errors():
            await self._db.command("ping")

    async def close(self) -> None:
        await self._client.close()


def _check(filter: Filter, update: Update) -> None:
    validate_filter(filter)
    validate_update(update)
    if "_id" in update.get("$set", {}) or "_id" in update.get("$unset", {}):
        raise StorageError("the _id of a document cannot change")
    for path, amount in update.get("$inc", {}).items():
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise StorageError(f"$inc needs a number for {path!r}")


def _update(update: Update) -> dict[str, Any]:
    """The update as sent: the values of ``$set`` with their keys stored safely."""
    return {
        operator: {path: keys.encode(value) for path, value in fields.items()}
        if operator == "$set"
        else dict(fields)
        for operator, fields in update.items()
    }


def _sort(sort: SortSpec | None) -> list[tuple[str, int]] | None:
    if not sort:
        return None
    for path, _ in sort:
        split_path(path)
    return [(path, int(direction)) for path, direction in sort]


def _projection(projection: Sequence[str] | None) -> dict[str, int] | None:
    if projection is None:
        return None
    for field in projection:
        split_path(field)
    return {"_id": 1, **dict.fromkeys(projection, 1)}


def _projected(document: Document, projection: Sequence[str] | None) -> Document:
    """The named top-level fields (and ``_id``) of ``document``, whatever the server sent."""
    if projection is None:
        return document
    wanted = {"_id", *projection}
    return {key: value for key, value in document.items() if key in wanted}


class _errors:
    """Driver errors as storage errors, in the service's words: a unique index clash is
    DuplicateKeyError; an update that does not fit the document is refused; the server
    unreachable, or any other fault, is a StorageError naming no host."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, error: Any, _: Any) -> None:
        if error is None or not isinstance(error, mongo_errors.PyMongoError):
            return
        if cancelling():  # the driver's word for the cancellation it was given
            raise asyncio.CancelledError() from None
        if isinstance(error, mongo_errors.DuplicateKeyError) or (
            isinstance(error, mongo_errors.OperationFailure) and error.code in _DUPLICATE_CODES
        ):
            raise DuplicateKeyError("a unique index refused the write") from None
        if isinstance(error, mongo_errors.WriteError | mongo_errors.OperationFailure):
            raise StorageError("the database refused the operation") from None
        if isinstance(
            error, mongo_errors.ConnectionFailure | mongo_errors.ServerSelectionTimeoutError
        ):
            raise StorageError("the database cannot be reached") from None
        raise StorageError(f"database error ({type(error).__name__})") from None
