"""Translate the interface's filters and sorts into SQL over JSON documents.

Every field is read as ``json_extract(doc, '$.a.b')``; indexes are built on the very same
expressions so the planner uses them. Paths were checked by ``split_path`` (identifiers
only) before they are embedded; values always travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codvid.storage.base import Filter, SortSpec, StorageError
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
