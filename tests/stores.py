"""The stores the domain and storage tests run on, one fixture parameter each.

``sqlite-yielding`` is the SQLite adapter behind a wrapper that hands control back to the
event loop before and after every call. The plain adapter never suspends (its statements
run on the loop), so coroutines that "race" on it run one after another; with the
wrapper they interleave between any two storage calls, as they do on a networked
database, and races in the code under test can show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from codvid.storage import Collection, Document, Filter, IndexSpec, SortSpec, Store, Update

AfterRead = Callable[[str, Document | None], Awaitable[None]]
"""Called with the collection's name and the document after each ``find_one``: another
writer getting in between a read and the write that follows it."""


class YieldingCollection:
    def __init__(self, inner: Collection, after_read: AfterRead | None = None) -> None:
        self._inner = inner
        self._after_read = after_read
        self.name = inner.name

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        try:
            result = await getattr(self._inner, method)(*args, **kwargs)
        finally:
            await asyncio.sleep(0)
        if method == "find_one" and self._after_read is not None:
            await self._after_read(self.name, result)
        return result

    async def insert_one(self, document: Document) -> None:
        await self._call("insert_one", document)

    async def find_one(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        found: Document | None = await self._call(
            "find_one", filter, sort=sort, projection=projection
        )
        return found

    async def find(
        self,
        filter: Filter,
        *,
        sort: SortSpec | None = None,
        limit: int = 0,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        found: list[Document] = await self._call(
            "find", filter, sort=sort, limit=limit, skip=skip, projection=projection
        )
        return found

    async def count_documents(self, filter: Filter) -> int:
        counted: int = await self._call("count_documents", filter)
        return counted

    async def update_one(self, filter: Filter, update: Update) -> int:
        matched: int = await self._call("update_one", filter, update)
        return matched

    async def update_many(self, filter: Filter, update: Update) -> int:
        matched: int = await self._call("update_many", filter, update)
        return matched

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Update,
        *,
        sort: SortSpec | None = None,
        return_after: bool = True,
        projection: Sequence[str] | None = None,
    ) -> Document | None:
        found: Document | None = await self._call(
            "find_one_and_update",
            filter,
            update,
            sort=sort,
            return_after=return_after,
            projection=projection,
        )
        return found

    async def delete_one(self, filter: Filter) -> int:
        deleted: int = await self._call("delete_one", filter)
        return deleted

    async def delete_many(self, filter: Filter) -> int:
        deleted: int = await self._call("delete_many", filter)
        return deleted


class YieldingStore:
    def __init__(self, inner: Store, after_read: AfterRead | None = None) -> None:
        self._inner = inner
        self._after_read = after_read
        self._collections: dict[str, YieldingCollection] = {}

    def collection(self, name: str) -> YieldingCollection:
        if name not in self._collections:
            inner = self._inner.collection(name)
            self._collections[name] = YieldingCollection(inner, self._after_read)
        return self._collections[name]

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexSpec]]) -> None:
        await asyncio.sleep(0)
        await self._inner.ensure_indexes(indexes)

    async def ping(self) -> None:
        await asyncio.sleep(0)
        await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()
