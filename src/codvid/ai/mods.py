"""``data_mods``: changes to the client's cache root, applied as the original client does.

The root is ``{"global_data": {...}, "projects": {<name>: <project data>}}`` (contract
2.5.3). :func:`apply` is the reference semantics both sides share; :func:`check_allowed`
is the policy on what the assistant may write (contract 7.19).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

Mode = Literal["create", "edit", "del", "append"]
Key = str | int

MODES: frozenset[str] = frozenset(get_args(Mode))
ROLES = frozenset({"user", "assistant", "tool"})
MAX_KEY_CHARS = 100
MAX_NOTE_CHARS = 4000
MAX_DESCRIPTION_CHARS = 4000
MAX_KEYWORDS = 100
MAX_KEYWORD_CHARS = 200
MAX_MESSAGE_CHARS = 1_000_000  # serialised; tool results carry whole JSON documents


class ModError(Exception):
    """A modification that cannot be applied to the data it addresses."""


class ModRefused(ModError):
    """A modification the assistant is not allowed to make (contract 7.19)."""


@dataclass(frozen=True)
class DataMod:
    key_path: tuple[Key, ...]
    mode: Mode
    value: Any = None

    def __post_init__(self) -> None:
        # Callers build mods from JSON lists; a tuple keeps comparisons of paths exact.
        object.__setattr__(self, "key_path", tuple(self.key_path))

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"key_path": list(self.key_path), "mode": self.mode}
        if self.mode != "del":
            wire["value"] = self.value
        return wire


class _Missing(Exception):
    """A key on the way is absent (``del`` treats that as nothing to do)."""


def apply(root: dict[str, Any], mod: DataMod) -> None:
    """Apply ``mod`` to ``root`` in place, with the original client's semantics.

    ``key_path`` walks from the root: string keys through dicts, integer indexes
    (0 <= index) through lists. The last key names the target in its parent.

    * ``create``: missing intermediate keys are created as empty dicts; the target is
      set to ``value``. On a list parent, index == length appends, index < length
      replaces.
    * ``edit``: every key, the target included, must exist; the target is replaced.
    * ``del``: the target is removed (popped from a list parent); a missing target, or a
      missing key on the way, is a no-op.
    * ``append``: every key on the way must exist; if the target is not a list (or is
      missing) it becomes an empty list first; ``value`` is appended as ONE element.

    ``value`` is copied in, as the client gets a fresh object per mod from JSON. Anything
    else (empty path, unknown mode, a string index into a list, an int key into a dict,
    walking into a scalar, an index past the end) raises :class:`ModError`; ``root`` may
    then be partly changed only by ``create`` having made intermediate dicts.
    """
    if not mod.key_path:
        raise ModError("key_path is empty")
    if mod.mode not in MODES:
        raise ModError(f"unknown mode {mod.mode!r}")
    *walk, last = mod.key_path
    try:
        parent = _walk(root, walk, create=mod.mode == "create")
        present = _has(parent, last)
    except _Missing:
        if mod.mode == "del":
            return
        raise ModError(f"key_path {list(mod.key_path)!r} does not exist") from None
    if mod.mode == "create":
        _set(parent, last, copy.deepcopy(mod.value))
    elif mod.mode == "edit":
        if not present:
            raise ModError(f"key_path {list(mod.key_path)!r} does not exist")
        _set(parent, last, copy.deepcopy(mod.value))
    elif mod.mode == "del":
        if present:
            _delete(parent, last)
    else:
        target = _get(parent, last) if present else None
        if not isinstance(target, list):
            target = []
            _set(parent, last, target)
        target.append(copy.deepcopy(mod.value))


def _walk(node: Any, keys: Iterable[Key], *, create: bool) -> dict[str, Any] | list[Any]:
    for key in keys:
        if not _has(node, key):
            if not create or not isinstance(node, dict):
                raise _Missing
            node[key] = {}
        node = node[key]
    if not isinstance(node, dict | list):
        raise ModError(f"cannot address a key inside a {type(node).__name__}")
    return node


def _has(node: Any, key: Key) -> bool:
    """Whether ``node`` holds ``key``; a key of the wrong kind for ``node`` is an error."""
    if isinstance(node, dict):
        if not isinstance(key, str):
            raise ModError(f"dict keys are strings, got {key!r}")
        return key in node
    if isinstance(node, list):
        if not _is_index(key):
            raise ModError(f"list indexes are integers >= 0, got {key!r}")
        return isinstance(key, int) and key < len(node)
    raise ModError(f"cannot address a key inside a {type(node).__name__}")


def _is_index(key: object) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and key >= 0


# The helpers below run after _has, which checked that the key suits its container.
def _get(parent: dict[str, Any] | list[Any], key: Key) -> Any:
    if isinstance(parent, dict) and isinstance(key, str):
        return parent[key]
    if isinstance(parent, list) and isinstance(key, int):
        return parent[key]
    raise ModError(f"bad key {key!r}")


def _set(parent: dict[str, Any] | list[Any], key: Key, value: Any) -> None:
    if isinstance(parent, dict) and isinstance(key, str):
        parent[key] = value
    elif isinstance(parent, list) and isinstance(key, int) and key == len(parent):
        parent.append(value)
    elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        parent[key] = value
    else:
        raise ModError(f"index {key!r} is past the end of the list")


def _delete(parent: dict[str, Any] | list[Any], key: Key) -> None:
    if isinstance(parent, dict) and isinstance(key, str):
        del parent[key]
    elif isinstance(parent, list) and isinstance(key, int):
        parent.pop(key)


def touches_project(mods: Iterable[DataMod], project_name: str) -> bool:
    """Whether a chunk with these mods counts towards the project's ``mod_count``
    (contract 2.4.6): it touches ``projects/<name>/...`` other than ``mod_count`` itself."""
    counter = ("projects", project_name, "mod_count")
    return any(
        tuple(mod.key_path[:2]) == ("projects", project_name) and tuple(mod.key_path) != counter
        for mod in mods
    )


def check_allowed(mod: DataMod, project_name: str) -> None:
    """Raise :class:`ModRefused` unless the assistant may make ``mod`` while working on
    ``project_name``. Allowed (contract 7.19):

    * ``["projects", <project_name>, "chats"]``, ``append`` of a message object;
    * ``["projects", <project_name>, "ai_memory", <key>]`` and
      ``["global_data", "ai_memory", <key>]``, ``create``/``edit`` of a string note or
      ``del``;
    * ``["projects", <project_name>, "project_info", "description"]`` (a string) and
      ``... "keywords"`` (a list of strings), ``create``/``edit``.

    Values must survive a JSON round trip unchanged, so storage and client agree.
    """
    path = tuple(mod.key_path)
    if mod.mode not in MODES:
        raise ModRefused(f"unknown mode {mod.mode!r}")
    if mod.mode == "del":
        if mod.value is not None:
            raise ModRefused("del carries no value")
    elif not _json_safe(mod.value):
        raise ModRefused("value must be plain JSON (string keys, no tuples, finite numbers)")
    if len(path) >= 2 and path[0] == "projects":
        if path[1] != project_name:
            raise ModRefused(f"only project {project_name!r} may be changed, not {path[1]!r}")
        _check_project(mod, path[2:])
    elif path[:2] == ("global_data", "ai_memory"):
        _check_note(mod, path[2:])
    else:
        raise ModRefused(f"key_path {list(path)!r} may not be written")


def _check_project(mod: DataMod, rest: tuple[Key, ...]) -> None:
    if rest == ("chats",):
        if mod.mode != "append":
            raise ModRefused("chats only take append")
        _check_message(mod.value)
    elif rest[:1] == ("ai_memory",):
        _check_note(mod, rest[1:])
    elif rest == ("project_info", "description"):
        _check_mode(mod, {"create", "edit"})
        if not isinstance(mod.value, str) or len(mod.value) > MAX_DESCRIPTION_CHARS:
            raise ModRefused(f"description must be a string of at most {MAX_DESCRIPTION_CHARS}")
    elif rest == ("project_info", "keywords"):
        _check_mode(mod, {"create", "edit"})
        if (
            not isinstance(mod.value, list)
            or len(mod.value) > MAX_KEYWORDS
            or not all(isinstance(k, str) and len(k) <= MAX_KEYWORD_CHARS for k in mod.value)
        ):
            raise ModRefused(
                f"keywords must be a list of at most {MAX_KEYWORDS} strings"
                f" of at most {MAX_KEYWORD_CHARS} characters"
            )
    else:
        raise ModRefused(f"project field {list(rest)!r} may not be written")


def _check_note(mod: DataMod, rest: tuple[Key, ...]) -> None:
    if len(rest) != 1:
        raise ModRefused("ai_memory is written one note at a time: [..., 'ai_memory', <key>]")
    key = rest[0]
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
        raise ModRefused(f"an ai_memory key is a string of 1 to {MAX_KEY_CHARS} characters")
    _check_mode(mod, {"create", "edit", "del"})
    if mod.mode != "del" and (not isinstance(mod.value, str) or len(mod.value) > MAX_NOTE_CHARS):
        raise ModRefused(f"an ai_memory note is a string of at most {MAX_NOTE_CHARS} characters")


def _check_mode(mod: DataMod, allowed: set[str]) -> None:
    if mod.mode not in allowed:
        raise ModRefused(f"mode {mod.mode!r} not allowed here; use one of {sorted(allowed)}")


def _check_message(value: Any) -> None:
    if not (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and value["role"] in ROLES
        and isinstance(value.get("type"), str)
        and isinstance(value.get("text"), str)
    ):
        raise ModRefused(
            "a chat message is an object with role user|assistant|tool, a string type"
            " and a string text"
        )
    if len(json.dumps(value, ensure_ascii=False)) > MAX_MESSAGE_CHARS:
        raise ModRefused(f"a chat message is at most {MAX_MESSAGE_CHARS} characters of JSON")


def _json_safe(value: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(value, allow_nan=False)) == value)
    except (TypeError, ValueError):
        return False
