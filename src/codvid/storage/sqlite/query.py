"""Translate the interface's filters and sorts into SQL over JSON documents.

Every field is read as ``json_extract(doc, '$.a.b')``; indexes are built on the very same
expressions so the planner uses them. Paths were checked by ``split_path`` (identifiers
only) before they are embedded; values always travel as bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from codvid.storage.base import Filter, SortSpec, StorageError, Update
from codvid.storage.documents import split_path, validate_filter

_COMPARISONS = {"$eq": "=", "$ne": "!=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


def field_sql(path: str) -> str:
    if path == "_id":
        return "id"
    return f"json_extract(doc, '$.{'.'.join(split_path(path))}')"


def sql_value(value: Any) -> Any:
    """A Python value as SQLite compares it with json_extract's result."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | str):
        return value
    raise StorageError(f"unsupported filter value type: {type(value).__name__}")


def where_sql(filter: Filter) -> tuple[str, list[Any]]:
    validate_filter(filter)
    clauses: list[str] = []
    params: list[Any] = []
    for path, condition in filter.items():
        column = field_sql(path)
        if isinstance(condition, Mapping) and any(k.startswith("$") for k in condition):
            for operator, operand in condition.items():
                clause, values = _operator_sql(path, column, operator, operand)
                clauses.append(clause)
                params.extend(values)
        else:
            clause, values = _operator_sql(path, column, "$eq", condition)
            clauses.append(clause)
            params.extend(values)
    return (" AND ".join(clauses) or "1"), params


def _operator_sql(path: str, column: str, operator: str, operand: Any) -> tuple[str, list[Any]]:
    if operator == "$exists":
        type_sql = "id" if path == "_id" else column.replace("json_extract", "json_type", 1)
        return f"{type_sql} IS {'NOT ' if operand else ''}NULL", []
    if operator == "$in":
        if not isinstance(operand, list | tuple | set | frozenset):
            raise StorageError("$in needs a list")
        values = [sql_value(v) for v in operand if v is not None]
        parts = [f"{column} IN ({', '.join('?' * len(values))})"] if values else []
        if any(v is None for v in operand):
            parts.append(f"{column} IS NULL")
        return "(" + (" OR ".join(parts) or "0") + ")", values
    if operand is None:
        if operator == "$eq":
            return f"{column} IS NULL", []
        if operator == "$ne":
            return f"{column} IS NOT NULL", []
        raise StorageError(f"{operator} cannot compare with null")
    if operator == "$ne":
        return f"({column} IS NULL OR {column} != ?)", [sql_value(operand)]
    return f"{column} {_COMPARISONS[operator]} ?", [sql_value(operand)]


def order_sql(sort: SortSpec | None) -> str:
    if not sort:
        return ""
    terms = [f"{field_sql(path)} {'ASC' if direction == 1 else 'DESC'}" for path, direction in sort]
    return " ORDER BY " + ", ".join(terms)


def json_path(path: str) -> str:
    return "$." + ".".join(split_path(path))


def update_sql(update: Update) -> tuple[str, list[Any], str]:
    """The new ``doc`` as one SQL expression, its parameters, and a guard.

    The guard is a WHERE condition that holds when the update fits the document's shape
    (``$inc`` targets a number or nothing; every parent of a ``$set`` path is an object
    or missing), so a misfit changes nothing instead of being silently skipped.
    """
    expression = "doc"
    params: list[Any] = []
    guards: list[str] = []
    for path, value in update.get("$set", {}).items():
        if path == "_id":
            raise StorageError("the _id of a document cannot change")
        expression = f"json_set({expression}, '{json_path(path)}', json(?))"
        params.append(json.dumps(value, separators=(",", ":"), allow_nan=False))
        guards.extend(_parents_are_objects(path))
    for path, amount in update.get("$inc", {}).items():
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise StorageError(f"$inc needs a number for {path!r}")
        where = json_path(path)
        expression = (
            f"json_set({expression}, '{where}', coalesce(json_extract(doc, '{where}'), 0) + ?)"
        )
        params.append(amount)
        guards.append(f"coalesce(json_type(doc, '{where}'), 'integer') IN ('integer', 'real')")
        guards.extend(_parents_are_objects(path))
    for path in update.get("$unset", {}):
        expression = f"json_remove({expression}, '{json_path(path)}')"
    return expression, params, " AND ".join(guards) or "1"


def _parents_are_objects(path: str) -> list[str]:
    parts = split_path(path)
    return [
        f"coalesce(json_type(doc, '$.{'.'.join(parts[:n])}'), 'object') = 'object'"
        for n in range(1, len(parts))
    ]


def projection_sql(projection: Sequence[str] | None) -> str:
    """The selected document: whole, or ``_id`` plus the named top-level fields."""
    if projection is None:
        return "doc"
    fields = ", ".join(
        f"'{name}', json_extract(doc, '{json_path(name)}')" for name in projection if name != "_id"
    )
    return f"json_object('_id', id{', ' if fields else ''}{fields})"
