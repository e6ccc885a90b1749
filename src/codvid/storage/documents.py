"""Checks on filters and updates shared by every adapter."""

from __future__ import annotations

import re

from codvid.storage.base import (
    UPDATE_OPERATORS,
    StorageError,
    Update,
)

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def split_path(path: str) -> list[str]:
    """Split a dotted path, refusing segments that are not plain identifiers.

    Keeping field names to identifiers keeps paths safe to embed in SQL JSON paths and
    unambiguous in MongoDB; user-chosen names (projects, notes) are stored as values.
    """
    parts = path.split(".")
    for part in parts:
        if not _FIELD.fullmatch(part):
            raise StorageError(f"invalid field path: {path!r}")
    return parts


def validate_update(update: Update) -> None:
    """Refuse unsupported operators and bad paths before anything is read or written."""
    unknown = set(update) - UPDATE_OPERATORS
    if unknown or not update:
        raise StorageError(f"unsupported update operator: {sorted(unknown) or 'empty'}")
    for fields in update.values():
        for path in fields:
            split_path(path)
