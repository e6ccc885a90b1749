"""data_mods semantics (contract 2.5.3), the assistant's write policy (7.19) and what
counts towards mod_count (2.4.6)."""

from __future__ import annotations

from typing import Any

import pytest

from codvid.ai.mods import DataMod, ModError, ModRefused, apply, check_allowed, touches_project

P = "my.proj $1 🎬"
MSG = {"role": "assistant", "type": "text", "text": "Hello!"}


def applied(root: dict[str, Any], *mods: DataMod) -> dict[str, Any]:
    for mod in mods:
        apply(root, mod)
    return root


# --- wire form ---------------------------------------------------------------------------


def test_to_wire_has_value_except_for_del() -> None:
    assert DataMod(("projects", P, "chats"), "append", MSG).to_wire() == {
        "key_path": ["projects", P, "chats"],
        "mode": "append",
        "value": MSG,
    }
    assert DataMod(("a", 0), "del").to_wire() == {"key_path": ["a", 0], "mode": "del"}


def test_a_list_key_path_becomes_a_tuple() -> None:
    assert DataMod(["a", 1], "del").key_path == ("a", 1)  # type: ignore[arg-type]


# --- create ------------------------------------------------------------------------------


def test_create_sets_and_replaces() -> None:
    root = applied(
        {"a": {"b": 1}}, DataMod(("a", "b"), "create", 2), DataMod(("a", "c"), "create", 3)
    )
    assert root == {"a": {"b": 2, "c": 3}}


def test_create_makes_missing_intermediate_dicts() -> None:
    assert applied({}, DataMod(("x", "y", "z"), "create", "v")) == {"x": {"y": {"z": "v"}}}


def test_create_on_a_list_appends_at_length_and_replaces_below() -> None:
    root = applied({"l": [1, 2]}, DataMod(("l", 2), "create", 3), DataMod(("l", 0), "create", 0))
    assert root == {"l": [0, 2, 3]}


def test_create_past_the_end_of_a_list_raises() -> None:
    with pytest.raises(ModError):
        apply({"l": [1]}, DataMod(("l", 2), "create", 3))


def test_create_walks_through_lists_by_index() -> None:
    root = applied({"l": [{"a": 1}]}, DataMod(("l", 0, "b", "c"), "create", 2))
    assert root == {"l": [{"a": 1, "b": {"c": 2}}]}


def test_values_are_copied_in() -> None:
    value: dict[str, Any] = {"n": []}
    root = applied({}, DataMod(("a",), "create", value), DataMod(("a", "n"), "append", 1))
    assert root == {"a": {"n": [1]}} and value == {"n": []}


# --- edit --------------------------------------------------------------------------------


def test_edit_replaces_an_existing_key_and_index() -> None:
    root = applied(
        {"a": {"b": 1}, "l": [1, 2]},
        DataMod(("a", "b"), "edit", {"x": 1}),
        DataMod(("l", 1), "edit", 9),
    )
    assert root == {"a": {"b": {"x": 1}}, "l": [1, 9]}


@pytest.mark.parametrize(
    "path", [("a", "missing"), ("missing", "b"), ("l", 2), ("l", 5, "x")], ids=str
)
def test_edit_of_a_missing_key_raises(path: tuple[str | int, ...]) -> None:
    root = {"a": {"b": 1}, "l": [1, 2]}
    with pytest.raises(ModError):
        apply(root, DataMod(path, "edit", 1))
    assert root == {"a": {"b": 1}, "l": [1, 2]}


# --- del ---------------------------------------------------------------------------------


def test_del_removes_a_key_and_pops_an_index() -> None:
    root = applied(
        {"a": {"b": 1, "c": 2}, "l": [1, 2, 3]},
        DataMod(("a", "b"), "del"),
        DataMod(("l", 1), "del"),
    )
    assert root == {"a": {"c": 2}, "l": [1, 3]}


@pytest.mark.parametrize("path", [("a", "missing"), ("missing", "b"), ("l", 7)], ids=str)
def test_del_of_a_missing_key_is_a_no_op(path: tuple[str | int, ...]) -> None:
    root = applied({"a": {"b": 1}, "l": [1]}, DataMod(path, "del"))
    assert root == {"a": {"b": 1}, "l": [1]}


# --- append ------------------------------------------------------------------------------


def test_append_adds_one_element_even_a_list() -> None:
    root = applied({"l": [1]}, DataMod(("l",), "append", 2), DataMod(("l",), "append", [3, 4]))
    assert root == {"l": [1, 2, [3, 4]]}


@pytest.mark.parametrize("before", [{"l": "text"}, {"l": {"k": 1}}, {"l": None}, {}], ids=str)
def test_append_resets_a_non_list_target(before: dict[str, Any]) -> None:
    assert applied(before, DataMod(("l",), "append", 1)) == {"l": [1]}


def test_append_needs_the_parent_to_exist() -> None:
    with pytest.raises(ModError):
        apply({}, DataMod(("missing", "l"), "append", 1))


# --- malformed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("root", "mod"),
    [
        ({}, DataMod((), "create", 1)),
        ({"a": 1}, DataMod(("a",), "upsert", 1)),  # type: ignore[arg-type]
        ({"a": "text"}, DataMod(("a", "b"), "create", 1)),
        ({"a": "text"}, DataMod(("a", "b"), "del")),
        ({"l": [1]}, DataMod(("l", "0"), "edit", 1)),
        ({"l": [1]}, DataMod(("l", -1), "edit", 1)),
        ({"l": [1]}, DataMod(("l", True), "edit", 1)),
        ({"a": {}}, DataMod(("a", 0), "create", 1)),
    ],
    ids=[
        "empty-path",
        "unknown-mode",
        "into-scalar",
        "del-into-scalar",
        "str-index",
        "negative-index",
        "bool-index",
        "int-dict-key",
    ],
)
def test_malformed_mods_raise(root: dict[str, Any], mod: DataMod) -> None:
    with pytest.raises(ModError):
        apply(root, mod)


# --- policy (contract 7.19) --------------------------------------------------------------

ALLOWED = [
    DataMod(("projects", P, "chats"), "append", MSG),
    DataMod(
        ("projects", P, "chats"),
        "append",
        {
            "role": "assistant",
            "type": "event",
            "event_type": "show_reel_options",
            "text": "",
            "options": ["DH6ueY0tn0z"],
        },
    ),
    DataMod(
        ("projects", P, "chats"),
        "append",
        {"role": "tool", "type": "text", "text": "{}", "tool_name": "get_reel_video_content"},
    ),
    DataMod(("projects", P, "chats"), "append", {"role": "user", "type": "text", "text": ""}),
    DataMod(("projects", P, "ai_memory", "audience.$age"), "create", "18-24"),
    DataMod(("projects", P, "ai_memory", "k"), "edit", ""),
    DataMod(("projects", P, "ai_memory", "k"), "del"),
    DataMod(("projects", P, "project_info", "description"), "create", "Food reels"),
    DataMod(("projects", P, "project_info", "description"), "edit", ""),
    DataMod(("projects", P, "project_info", "keywords"), "edit", ["food", "ramen"]),
    DataMod(("projects", P, "project_info", "keywords"), "create", []),
    DataMod(("global_data", "ai_memory", "tone"), "create", "casual 😀"),
    DataMod(("global_data", "ai_memory", "x" * 100), "edit", "y" * 4000),
    DataMod(("global_data", "ai_memory", "tone"), "del"),
]


@pytest.mark.parametrize("mod", ALLOWED, ids=lambda mod: f"{mod.mode}:{mod.key_path[2:]}")
def test_allowed_mods_pass(mod: DataMod) -> None:
    check_allowed(mod, P)


REFUSED = {
    "other-project": DataMod(("projects", "other", "chats"), "append", MSG),
    "other-project-memory": DataMod(("projects", "other", "ai_memory", "k"), "create", "v"),
    "mod_count": DataMod(("projects", P, "mod_count"), "edit", 5),
    "reel_tracking_tasks": DataMod(("projects", P, "reel_tracking_tasks"), "append", {}),
    "reel-task-field": DataMod(("projects", P, "reel_tracking_tasks", 0, "reel_id"), "edit", "x"),
    "date": DataMod(("projects", P, "date"), "edit", "1-1-2025"),
    "schema_version": DataMod(("projects", P, "schema_version"), "edit", "2.0"),
    "whole-project": DataMod(("projects", P), "del"),
    "projects": DataMod(("projects",), "edit", {}),
    "empty": DataMod((), "create", 1),
    "root-key": DataMod(("profile",), "edit", {}),
    "video_reflections": DataMod(("global_data", "video_reflections", "R1"), "create", {}),
    "whole-global-memory": DataMod(("global_data", "ai_memory"), "edit", {}),
    "append-non-message": DataMod(("projects", P, "chats"), "append", "hi"),
    "append-bad-role": DataMod(("projects", P, "chats"), "append", {**MSG, "role": "system"}),
    "append-unhashable-role": DataMod(("projects", P, "chats"), "append", {**MSG, "role": []}),
    "append-no-text": DataMod(
        ("projects", P, "chats"), "append", {"role": "assistant", "type": "text"}
    ),
    "append-int-type": DataMod(("projects", P, "chats"), "append", {**MSG, "type": 1}),
    "append-tuple-inside": DataMod(("projects", P, "chats"), "append", {**MSG, "options": ("a",)}),
    "append-nan": DataMod(("projects", P, "chats"), "append", {**MSG, "score": float("nan")}),
    "create-chats": DataMod(("projects", P, "chats"), "create", []),
    "chat-index": DataMod(("projects", P, "chats", 0), "edit", MSG),
    "memory-list": DataMod(("projects", P, "ai_memory", "k"), "create", ["a"]),
    "memory-dict": DataMod(("global_data", "ai_memory", "k"), "edit", {"a": "b"}),
    "memory-too-long": DataMod(("projects", P, "ai_memory", "k"), "create", "x" * 4001),
    "memory-empty-key": DataMod(("projects", P, "ai_memory", ""), "create", "v"),
    "memory-long-key": DataMod(("global_data", "ai_memory", "k" * 101), "create", "v"),
    "memory-int-key": DataMod(("projects", P, "ai_memory", 0), "create", "v"),
    "global-int-key": DataMod(("global_data", "ai_memory", 1), "create", "v"),
    "memory-nested": DataMod(("projects", P, "ai_memory", "k", "sub"), "create", "v"),
    "memory-append": DataMod(("projects", P, "ai_memory", "k"), "append", "v"),
    "del-with-value": DataMod(("projects", P, "ai_memory", "k"), "del", "v"),
    "int-project-key": DataMod(("projects", 0, "chats"), "append", MSG),
    "description-list": DataMod(("projects", P, "project_info", "description"), "edit", ["x"]),
    "description-del": DataMod(("projects", P, "project_info", "description"), "del"),
    "keywords-string": DataMod(("projects", P, "project_info", "keywords"), "edit", "food"),
    "keywords-ints": DataMod(("projects", P, "project_info", "keywords"), "edit", [1]),
    "keywords-append": DataMod(("projects", P, "project_info", "keywords"), "append", "food"),
    "project_info-whole": DataMod(("projects", P, "project_info"), "edit", {}),
    "project_info-other": DataMod(("projects", P, "project_info", "owner"), "create", "x"),
    "unknown-mode": DataMod(("projects", P, "ai_memory", "k"), "upsert", "v"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("mod", REFUSED.values(), ids=REFUSED.keys())
def test_everything_else_is_refused(mod: DataMod) -> None:
    with pytest.raises(ModRefused) as refused:
        check_allowed(mod, P)
    assert str(refused.value)


def test_a_refusal_is_a_mod_error() -> None:
    assert issubclass(ModRefused, ModError)


# --- mod_count (contract 2.4.6) ----------------------------------------------------------


def test_touches_project() -> None:
    chat = DataMod(("projects", P, "chats"), "append", MSG)
    counter = DataMod(("projects", P, "mod_count"), "edit", 3)
    memory = DataMod(("global_data", "ai_memory", "k"), "create", "v")
    other = DataMod(("projects", "other", "chats"), "append", MSG)
    assert touches_project([chat], P)
    assert touches_project([memory, chat], P)
    assert touches_project([counter, chat], P)
    assert touches_project([DataMod(("projects", P), "del")], P)
    assert not touches_project([counter], P)
    assert not touches_project([memory, other], P)
    assert not touches_project([DataMod(("projects",), "edit", {})], P)
    assert not touches_project([], P)
