"""Keys MongoDB refuses to store, stored safely: a key with a ``.``, a leading ``$`` (or a
``%``, the escape itself) is written percent-escaped and read back unchanged. Free-text
keys come from users (note names in ``ai_memory``); field paths the service queries are
identifiers and never change."""

from __future__ import annotations

import re
from typing import Any

_ESCAPES = (("%", "%25"), (".", "%2E"))
_ESCAPED = re.compile("%(25|2E|24)")
_PLAIN = {"25": "%", "2E": ".", "24": "$"}


def encode(value: Any) -> Any:
    """``value`` with every key of every nested object escaped where MongoDB needs it."""
    if isinstance(value, dict):
        return {_encode_key(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        return {_decode_key(key): decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def _encode_key(key: str) -> str:
    if "%" not in key and "." not in key and not key.startswith("$"):
        return key
    for plain, escaped in _ESCAPES:
        key = key.replace(plain, escaped)
    return "%24" + key[1:] if key.startswith("$") else key


def _decode_key(key: str) -> str:
    if "%" not in key:
        return key
    return _ESCAPED.sub(lambda found: _PLAIN[found.group(1)], key)
