"""The storage interface every adapter implements.

It is deliberately a small subset of PyMongo's async API so the MongoDB adapter is a thin
pass-through: documents are JSON-like dicts keyed by a UUID string ``_id``; filters and
updates use MongoDB's query language, restricted to what both adapters support:

* filters: ``{"a.b": value}`` equality (``None`` also matches a missing field), and the
  operators ``$eq $ne $lt $lte $gt $gte $in $exists`` on a dotted path;
* updates: ``$set`` (creates intermediate objects), ``$inc`` and ``$unset``; an update
  that does not fit the document (``$inc`` of a string, ``$set`` below a number) raises
  and changes nothing;
* one document is updated atomically (``find_one_and_update``), across processes.

Nothing outside an adapter writes SQL or knows which adapter is in use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Document = dict[str, Any]
Filter = Mapping[str, Any]
Update = Mapping[str, Mapping[str, Any]]
SortSpec = Sequence[tuple[str, Literal[1, -1]]]

FILTER_OPERATORS = frozenset({"$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$exists"})
UPDATE_OPERATORS = frozenset({"$set", "$inc", "$unset"})


class StorageError(Exception):
    """A storage fault the caller cannot fix by changing its input."""


class DuplicateKeyError(StorageError):
    """An insert or update would break a unique index."""


class StorageBusy(StorageError):
    """The database stayed locked by another writer for longer than allowed."""

    def __init__(self, message: str = "Storage busy, try again") -> None:
        super().__init__(message)


class StorageFull(StorageError):
    """The disk (or the database's size limit) is full."""

    def __init__(self, message: str = "Storage is full") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class IndexSpec:
    """An index on one collection; ``keys`` are dotted field paths with a direction."""

    name: str
    keys: tuple[tuple[str, Literal[1, -1]], ...]
    unique: bool = False


class Collection(Protocol):
    name: str

    async def insert_one(self, document: Document) -> None:
        """Insert a document that has an ``_id``; raise DuplicateKeyError on a clash."""

    async def find_one(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        projection: Sequence[str] | None = None,
    ) -> Document | None: ...

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        limit: int = 0,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        """All matching documents; ``limit=0`` means no limit (as in PyMongo). With a
        ``projection``, only ``_id`` and the named top-level fields of each."""

    async def count_documents(self, filter: Filter) -> int: ...

    async def update_one(self, filter: Filter, update: Update) -> int:
        """Update the first match atomically; return how many matched (0 or 1)."""

    async def update_many(self, filter: Filter, update: Update) -> int:
        """Update every match, each atomically; return how many matched."""

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Update,
        *,
        sort: SortSpec | None = None,
        return_after: bool = True,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        """Update the first match and return it (after or before the update).

        Claims use a conditional :meth:`update_one` instead: of many concurrent callers
        with the same filter exactly one modifies the document, on every store and on
        every MongoDB-compatible server the tests use, which this is not atomic on.
        """

    async def delete_one(self, filter: Filter) -> int: ...

    async def delete_many(self, filter: Filter) -> int: ...


class Store(Protocol):
    """A database: named collections plus the lifecycle the service needs."""

    def collection(self, name: str) -> Collection: ...

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexSpec]]) -> None:
        """Create the collections and indexes that do not exist yet (idempotent)."""

    async def ping(self) -> None:
        """A cheap round trip to the database; StorageError if it cannot answer."""

    async def close(self) -> None: ...


async def update_or_insert(collection: Collection, document: Document, update: Update) -> None:
    """Apply ``update`` to the document with ``document["_id"]``, or insert ``document``
    if there is none yet; of two first callers at once, the one whose insert clashes
    applies its update instead."""
    key = {"_id": document["_id"]}
    if await collection.update_one(key, update):
        return
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        await collection.update_one(key, update)
