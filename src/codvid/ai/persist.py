"""The assistant's ``data_mods`` applied to storage, so that storage ends up holding
exactly what a client gets by applying the same mods to its cache (contract 2.5.3).

Chat messages are documents of their own, numbered by an atomic counter on the project
(``chat_seq``). Notes and project info live in the project document, global notes in the
user document; free-text names cannot be field paths, so those are rewritten as whole
top-level objects under optimistic concurrency: each write is guarded by the
``data_version`` read with the data and bumps it, and is recomputed from a fresh read
when another writer got in between.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from codvid.ai.mods import DataMod, apply, check_allowed
from codvid.errors import CodvidError, Conflict, NotFound, ProjectError
from codvid.kit.ids import new_id
from codvid.projects import service as projects
from codvid.storage import Document, Store
from codvid.users import service as users

VERSION = "data_version"
CHAT_SEQ = "chat_seq"
MAX_ATTEMPTS = 10
RETRY_BACKOFF = 0.002  # seconds, times the attempt number


@dataclass(frozen=True)
class _Target:
    """One document the mods rewrite: ``fields`` are its top-level objects they may
    change, found in the client's tree after ``prefix`` keys of ``key_path``."""

    collection: str
    doc_id: str
    fields: tuple[str, ...]
    prefix: int
    mods: tuple[DataMod, ...]
    missing: Callable[[], CodvidError]

    async def plan(self, store: Store) -> tuple[Any, dict[str, Any]]:
        """Apply the mods to a fresh read; the version read and the changed fields.
        Raises ModError, as the client would, before anything is written."""
        document = await store.collection(self.collection).find_one(
            {"_id": self.doc_id}, projection=[*self.fields, VERSION]
        )
        if document is None:
            raise self.missing()
        view = {field: copy.deepcopy(document.get(field)) for field in self.fields}
        for mod in self.mods:
            apply(view, DataMod(mod.key_path[self.prefix :], mod.mode, mod.value))
        changed = {name: value for name, value in view.items() if value != document.get(name)}
        return document.get(VERSION), changed

    async def commit(self, store: Store, version: Any, changed: dict[str, Any]) -> bool:
        if not changed:
            return True
        written = await store.collection(self.collection).find_one_and_update(
            {"_id": self.doc_id, VERSION: version}, {"$set": changed, "$inc": {VERSION: 1}}
        )
        return written is not None


async def apply_to_storage(
    store: Store, user_id: str, project: Document, mods: Sequence[DataMod]
) -> None:
    """Store a batch of mods the assistant made while working on ``project``.

    Every mod is checked first: if one is refused, nothing is stored (ModRefused). A mod
    the client could not apply (``edit`` of a missing note) raises ModError, also before
    anything is written, unless a concurrent writer changed the data in between.
    Raises Conflict when the data kept changing under us for MAX_ATTEMPTS tries.
    """
    if project["user_id"] != user_id:
        raise ProjectError(projects.NOT_EXISTS)
    name = project["name"]
    for mod in mods:
        check_allowed(mod, name)
    chats = [mod for mod in mods if mod.key_path == ("projects", name, "chats")]
    targets = [
        target
        for target in (
            _Target(
                projects.PROJECTS,
                project["_id"],
                ("ai_memory", "project_info"),
                2,
                tuple(m for m in mods if m.key_path[0] == "projects" and m.key_path[2] != "chats"),
                partial(ProjectError, projects.NOT_EXISTS),
            ),
            _Target(
                users.USERS,
                user_id,
                ("global_data",),
                0,
                tuple(m for m in mods if m.key_path[0] == "global_data"),
                partial(NotFound, "User not found"),
            ),
        )
        if target.mods
    ]
    plans = [await target.plan(store) for target in targets]
    for target, plan in zip(targets, plans, strict=True):
        await _commit(store, target, plan)
    for mod in chats:
        await _append_chat(store, user_id, project["_id"], mod.value)


async def _commit(store: Store, target: _Target, plan: tuple[Any, dict[str, Any]]) -> None:
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            # Writers that lost together would collide again in lockstep; jitter parts them.
            await asyncio.sleep(random.uniform(0, RETRY_BACKOFF * attempt))
            plan = await target.plan(store)
        if await target.commit(store, *plan):
            return
    raise Conflict("The data kept changing while the assistant wrote to it; try again")


async def _append_chat(store: Store, user_id: str, project_id: str, message: Any) -> None:
    counted = await store.collection(projects.PROJECTS).find_one_and_update(
        {"_id": project_id}, {"$inc": {CHAT_SEQ: 1}}, projection=[CHAT_SEQ]
    )
    if counted is None:
        raise ProjectError(projects.NOT_EXISTS)
    await store.collection(projects.CHATS).insert_one(
        {
            "_id": new_id(),
            "project_id": project_id,
            "user_id": user_id,
            "seq": counted[CHAT_SEQ],
            "message": message,
        }
    )


async def bump(store: Store, project_id: str) -> int:
    """Add 1 to ``mod_count`` for a streamed chunk that touched the project (contract
    2.4.6, see ``mods.touches_project``); the new value."""
    bumped = await projects.bump_mod_count(store, project_id)
    if bumped is None:
        raise ProjectError(projects.NOT_EXISTS)
    return bumped


async def record_user_message(
    store: Store, user_id: str, project: Document, message: dict[str, Any]
) -> None:
    """Store the user's message and count it (contract 2.4.6). The caller skips empty
    text (CR-10): the client neither keeps nor counts it."""
    await _append_chat(store, user_id, project["_id"], message)
    await bump(store, project["_id"])


async def user_tree(store: Store, user_id: str) -> dict[str, Any]:
    """The client's cache root for this user: what ``data_mods`` address."""
    user = await users.get_user(store, user_id)
    if user is None:
        raise NotFound("User not found")
    return {
        "global_data": user["global_data"],
        "projects": {
            name: await projects.get_data(store, user_id, name)
            for name in await projects.list_names(store, user_id)
        },
    }
