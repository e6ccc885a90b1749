"""Translate the interface's filters and sorts into SQL over JSON documents.

Every field is read as ``json_extract(doc, '$.a.b')``; indexes are built on the very same
expressions so the planner uses them. Paths were checked by ``split_path`` (identifiers
only) before they are embedded; values always travel as bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from codvid.storage.base import FILTER_OPERATORS, Filter, SortSpec, StorageError, Update
from codvid.storage.documents import split_path

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
    """The WHERE clause and its parameters. The SQL text depends only on the filter's
    shape (paths, operators, which operands are null, ``$in`` sizes), so it is built once
    per shape; requests that differ only in values reuse it."""
    conditions = [
        (path, operator, operand)
        for path, condition in filter.items()
        for operator, operand in _conditions(condition)
    ]
    shape = tuple((path, op, _operand_shape(op, operand)) for path, op, operand in conditions)
    params = [value for _, op, operand in conditions for value in _params(op, operand)]
    return _clauses(shape), params


def _conditions(condition: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(condition, Mapping) and any(key.startswith("$") for key in condition):
        return condition.items()
    return [("$eq", condition)]


def _operand_shape(operator: str, operand: Any) -> Hashable:
    if operator == "$exists":
        return bool(operand)
    if operator == "$in":
        if not isinstance(operand, list | tuple | set | frozenset):
            raise StorageError("$in needs a list")
        return (sum(v is not None for v in operand), any(v is None for v in operand))
    return operand is None


def _params(operator: str, operand: Any) -> list[Any]:
    if operator == "$exists" or operand is None:
        return []
    if operator == "$in":
        return [sql_value(v) for v in operand if v is not None]
    return [sql_value(operand)]


@lru_cache(maxsize=1024)
def _clauses(shape: tuple[tuple[str, str, Hashable], ...]) -> str:
    clauses = []
    for path, operator, operand_shape in shape:
        if operator not in FILTER_OPERATORS:
            raise StorageError(f"unsupported filter operator: {operator}")
        clauses.append(_operator_sql(path, field_sql(path), operator, operand_shape))
    return " AND ".join(clauses) or "1"


def _operator_sql(path: str, column: str, operator: str, shape: Any) -> str:
    if operator == "$exists":
        type_sql = "id" if path == "_id" else column.replace("json_extract", "json_type", 1)
        return f"{type_sql} IS {'NOT ' if shape else ''}NULL"
    if operator == "$in":
        values, has_null = shape
        parts = [f"{column} IN ({', '.join('?' * values)})"] if values else []
        if has_null:
            parts.append(f"{column} IS NULL")
        return "(" + (" OR ".join(parts) or "0") + ")"
    if shape:  # the operand is null
        if operator == "$eq":
            return f"{column} IS NULL"
        if operator == "$ne":
            return f"{column} IS NOT NULL"
        raise StorageError(f"{operator} cannot compare with null")
    if operator == "$ne":
        return f"({column} IS NULL OR {column} != ?)"
    return f"{column} {_COMPARISONS[operator]} ?"


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
    """The selected document: whole, or ``_id`` plus the named top-level fields. ``->``
    hands each field over as the JSON text it is stored as: ``json_extract`` would turn a
    number into an SQL REAL, which ``json_object`` writes with 15 digits only (a time in
    epoch seconds would lose its last microseconds)."""
    if projection is None:
        return "doc"
    fields = ", ".join(
        f"'{name}', doc -> '{json_path(name)}'" for name in projection if name != "_id"
    )
    return f"json_object('_id', id{', ' if fields else ''}{fields})"
