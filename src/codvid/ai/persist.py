"""The assistant's ``data_mods`` applied to storage, so that storage ends up holding
exactly what a client gets by applying the same mods to its cache (contract 2.5.3).

Chat messages are appended through :mod:`codvid.projects.chats`. Notes and project info
live in the project document, global notes in the user document; free-text names cannot
be field paths, so those are rewritten as whole top-level objects under optimistic
concurrency (:class:`~codvid.storage.versioned.VersionedFields`, handed out by the
projects and users packages), recomputed from a fresh read when another writer got in
between.
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
from codvid.projects import chats
from codvid.projects import service as projects
from codvid.projects.documents import ProjectDocument
from codvid.storage import Document, Store
from codvid.storage.versioned import VersionedFields
from codvid.users import service as users

MAX_ATTEMPTS = 10
RETRY_BACKOFF = 0.002  # seconds, times the attempt number


@dataclass(frozen=True)
class _Target:
    """The fields of one document the mods rewrite, found in the client's tree after
    ``prefix`` keys of ``key_path``."""

    fields: VersionedFields
    prefix: int
    mods: tuple[DataMod, ...]
    missing: Callable[[], CodvidError]

    async def plan(self) -> tuple[Any, Document]:
        """Apply the mods to a fresh read; the version read and the changed fields.
        Raises ModError, as the client would, before anything is written."""
        read = await self.fields.read()
        if read is None:
            raise self.missing()
        version, stored = read
        view = copy.deepcopy(stored)
        for mod in self.mods:
            apply(view, DataMod(mod.key_path[self.prefix :], mod.mode, mod.value))
        changed = {name: value for name, value in view.items() if value != stored[name]}
        return version, changed


async def apply_to_storage(
    store: Store, user_id: str, project: ProjectDocument, mods: Sequence[DataMod]
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
    appended = [mod for mod in mods if mod.key_path == ("projects", name, "chats")]
    targets = [
        target
        for target in (
            _Target(
                projects.notes_and_info(store, project["_id"]),
                2,
                tuple(m for m in mods if m.key_path[0] == "projects" and m.key_path[2] != "chats"),
                partial(ProjectError, projects.NOT_EXISTS),
            ),
            _Target(
                users.global_data(store, user_id),
                0,
                tuple(m for m in mods if m.key_path[0] == "global_data"),
                partial(NotFound, "User not found"),
            ),
        )
        if target.mods
    ]
    plans = [await target.plan() for target in targets]
    for target, plan in zip(targets, plans, strict=True):
        await _commit(target, plan)
    for mod in appended:
        await chats.append(store, user_id, project["_id"], mod.value)


async def _commit(target: _Target, plan: tuple[Any, Document]) -> None:
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            # Writers that lost together would collide again in lockstep; jitter parts them.
            await asyncio.sleep(random.uniform(0, RETRY_BACKOFF * attempt))
            plan = await target.plan()
        if await target.fields.write(*plan):
            return
    raise Conflict("The data kept changing while the assistant wrote to it; try again")


async def bump(store: Store, project_id: str) -> int:
    """Add 1 to ``mod_count`` for a streamed chunk that touched the project (contract
    2.4.6, see ``mods.touches_project``); the new value."""
    bumped = await projects.bump_mod_count(store, project_id)
    if bumped is None:
        raise ProjectError(projects.NOT_EXISTS)
    return bumped


async def record_user_message(
    store: Store, user_id: str, project: ProjectDocument, message: dict[str, Any]
) -> None:
    """Store the user's message and count it (contract 2.4.6). The caller skips empty
    text (CR-10): the client neither keeps nor counts it."""
    await chats.append(store, user_id, project["_id"], message)
    await bump(store, project["_id"])
