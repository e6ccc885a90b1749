"""Pure helpers on JSON-like documents shared by adapters that update in Python."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from typing import Any

from codvid.storage.base import (
    FILTER_OPERATORS,
    UPDATE_OPERATORS,
    Document,
    Filter,
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


def validate_filter(filter: Filter) -> None:
    for path, condition in filter.items():
        split_path(path)
        if isinstance(condition, Mapping) and any(k.startswith("$") for k in condition):
            unknown = set(condition) - FILTER_OPERATORS
            if unknown:
                raise StorageError(f"unsupported filter operator: {sorted(unknown)}")


def validate_update(update: Update) -> None:
    """Refuse unsupported operators and bad paths before anything is read or written."""
    unknown = set(update) - UPDATE_OPERATORS
    if unknown or not update:
        raise StorageError(f"unsupported update operator: {sorted(unknown) or 'empty'}")
    for fields in update.values():
        for path in fields:
            split_path(path)


def apply_update(document: Document, update: Update) -> Document:
    """Return a copy of ``document`` with a ``$set``/``$inc``/``$unset`` update applied."""
    validate_update(update)
    result = copy.deepcopy(document)
    for path, value in update.get("$set", {}).items():
        parent, key = _parent(result, path, create=True)
        parent[key] = copy.deepcopy(value)
    for path, amount in update.get("$inc", {}).items():
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise StorageError(f"$inc needs a number for {path!r}")
        parent, key = _parent(result, path, create=True)
        current = parent.get(key, 0)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise StorageError(f"$inc on a non-number at {path!r}")
        total = current + amount
        if isinstance(total, float) and not math.isfinite(total):
            raise StorageError(f"$inc overflow at {path!r}")
        parent[key] = total
    for path in update.get("$unset", {}):
        try:
            parent, key = _parent(result, path, create=False)
        except KeyError:
            continue
        parent.pop(key, None)
    if result.get("_id") != document.get("_id"):
        raise StorageError("the _id of a document cannot change")
    return result


def _parent(document: Document, path: str, *, create: bool) -> tuple[dict[str, Any], str]:
    parts = split_path(path)
    node: dict[str, Any] = document
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            if not create:
                raise KeyError(path)
            child = node[part] = {}
        if not isinstance(child, dict):
            raise StorageError(f"cannot descend into a non-object at {path!r}")
        node = child
    return node, parts[-1]
