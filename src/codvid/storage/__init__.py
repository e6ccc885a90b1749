"""Adapter-neutral document storage; see :mod:`codvid.storage.base`."""

from codvid.storage.base import (
    Collection,
    Document,
    DuplicateKeyError,
    Filter,
    IndexSpec,
    SortSpec,
    StorageError,
    Store,
    Update,
    update_or_insert,
)
from codvid.storage.factory import open_store

__all__ = [
    "Collection",
    "Document",
    "DuplicateKeyError",
    "Filter",
    "IndexSpec",
    "SortSpec",
    "StorageError",
    "Store",
    "Update",
    "open_store",
    "update_or_insert",
]
