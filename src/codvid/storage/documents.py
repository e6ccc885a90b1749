"""Checks on filters and updates shared by every adapter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from codvid.storage.base import (
    FILTER_OPERATORS,
    UPDATE_OPERATORS,
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


def validate_update(update: Update) -> None:
    """Refuse unsupported operators and bad paths before anything is read or written."""
    unknown = set(update) - UPDATE_OPERATORS
    if unknown or not update:
        raise StorageError(f"unsupported update operator: {sorted(unknown) or 'empty'}")
    for fields in update.values():
        for path in fields:
            split_path(path)


def validate_filter(filter: Filter) -> None:
    """Refuse what the interface does not support (operators, paths, values), alike on
    every adapter; a SQL adapter also checks this as it builds the query."""
    for path, condition in filter.items():
        split_path(path)
        operations = (
            condition.items()
            if isinstance(condition, Mapping) and any(str(key).startswith("$") for key in condition)
            else [("$eq", condition)]
        )
        for operator, operand in operations:
            if operator not in FILTER_OPERATORS:
                raise StorageError(f"unsupported filter operator: {operator}")
            if operator == "$exists":
                continue
            if operator == "$in":
                if not isinstance(operand, list | tuple | set | frozenset):
                    raise StorageError("$in needs a list")
                for value in operand:
                    _filter_value(value)
                continue
            if operand is None and operator not in ("$eq", "$ne"):
                raise StorageError(f"{operator} cannot compare with null")
            _filter_value(operand)


def _filter_value(value: Any) -> None:
    if value is not None and not isinstance(value, bool | int | float | str):
        raise StorageError(f"unsupported filter value type: {type(value).__name__}")
