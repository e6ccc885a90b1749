"""Validation failures in the service's own words, never the validation library's
("Input should be a valid string"): for API requests (a 400 naming the field) and for
settings (one line naming the variable)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# pydantic error type -> what is wrong, as the service says it; ``{name}`` from the context.
REASONS: Mapping[str, str] = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_pattern_mismatch": "has an invalid format",
    "enum": "must be one of {expected}",
}


def reason(error: Mapping[str, Any]) -> str:
    """Why one field failed, for ``Invalid <field>: <reason>``."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "value_error":  # our own validators' texts
        return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"must be {context.get('expected', 'one of the documented values')}"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    template = REASONS.get(kind)
    if template is None:
        return "is not valid"
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split(" {")[0]
