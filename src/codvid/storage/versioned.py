"""Top-level fields of one document, rewritten whole under optimistic concurrency.

For values whose keys cannot be field paths (free-text note names), a writer reads the
fields with the document's ``data_version``, computes the new values, and writes them
only if the version is unchanged, bumping it; on a lost race it reads again. The owner
of a collection hands out a :class:`VersionedFields` for the fields it allows to be
rewritten this way; the writer never learns the collection's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codvid.storage.base import Collection, Document

VERSION = "data_version"


@dataclass(frozen=True)
class VersionedFields:
    collection: Collection
    doc_id: str
    fields: tuple[str, ...]

    async def read(self) -> tuple[Any, Document] | None:
        """``(version, fields)``, or ``None`` if the document is gone."""
        document = await self.collection.find_one(
            {"_id": self.doc_id}, projection=[*self.fields, VERSION]
        )
        if document is None:
            return None
        return document.get(VERSION), {field: document.get(field) for field in self.fields}

    async def write(self, version: Any, changed: Document) -> bool:
        """Store ``changed`` if the version is still ``version``; ``False`` if another
        writer got in between (or the document is gone)."""
        if not changed:
            return True
        unknown = set(changed) - set(self.fields)
        if unknown:
            raise ValueError(f"not rewritable here: {sorted(unknown)}")
        written = await self.collection.find_one_and_update(
            {"_id": self.doc_id, VERSION: version},
            {"$set": changed, "$inc": {VERSION: 1}},
            projection=[],
        )
        return written is not None
