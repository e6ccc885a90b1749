"""``codvid migrate``: every collection copied, verified, safe to re-run."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from codvid.bootstrap import INDEXES
from codvid.storage.migrate import TargetNotEmpty, checksum, migrate
from codvid.storage.mongodb import MongoStore
from codvid.storage.sqlite import SQLiteStore
from tests.server import REPO

pytestmark = pytest.mark.anyio

CODVID = Path(sys.executable).with_name("codvid")
NOTES = {"$price": "12", "v1.2": {"a.b": ["%x"]}}


async def filled_sqlite(path: Path, users: int = 260) -> None:
    store = SQLiteStore(path)
    try:
        await store.ensure_indexes(INDEXES)
        for index in range(users):
            await store.collection("users").insert_one(
                {
                    "_id": f"u{index:05d}",
                    "profile": {"email": f"user{index}@example.com"},
                    "n": index,
                }
            )
        await store.collection("projects").insert_one(
            {"_id": "p1", "user_id": "u00001", "name": "launch", "ai_memory": NOTES}
        )
    finally:
        await store.close()


async def test_every_collection_is_copied_verified_and_safe_to_rerun(
    mongodb_url: str, tmp_path: Path
) -> None:
    await filled_sqlite(tmp_path / "codvid.sqlite3")
    source = SQLiteStore(tmp_path / "codvid.sqlite3")
    target = MongoStore(f"{mongodb_url}/codvid_{uuid.uuid4().hex}")
    seen: list[tuple[str, int, int]] = []
    try:
        copied = await migrate(
            source, target, INDEXES, progress=lambda *p: seen.append(p), batch=100
        )

        by_name = {done.collection: done for done in copied}
        assert set(by_name) == set(INDEXES)
        assert (by_name["users"].documents, by_name["users"].written) == (260, 260)
        assert [done for name, done, _ in seen if name == "users"] == [100, 200, 260]
        assert await checksum(target.collection("users")) == await checksum(
            source.collection("users")
        )
        project = await target.collection("projects").find_one({"_id": "p1"})
        assert project is not None and project["ai_memory"] == NOTES

        with pytest.raises(TargetNotEmpty, match="users"):
            await migrate(source, target, INDEXES)
        await target.collection("users").update_one({"_id": "u00007"}, {"$set": {"n": -1}})
        again = await migrate(source, target, INDEXES, into_non_empty=True)
        assert {done.collection: done.written for done in again}["users"] == 1  # the changed one
        assert (await target.collection("users").find_one({"_id": "u00007"}) or {})["n"] == 7
    finally:
        await source.close()
        await target.close()


async def test_the_command_copies_and_refuses_a_filled_target(
    mongodb_url: str, tmp_path: Path
) -> None:
    await filled_sqlite(tmp_path / "codvid.sqlite3", users=20)
    command = [
        str(CODVID),
        "migrate",
        "--from",
        f"sqlite:///{tmp_path / 'codvid.sqlite3'}",
        "--to",
        f"{mongodb_url}/codvid_{uuid.uuid4().hex}",
    ]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert first.returncode == 0, first.stderr
    assert "verified:" in first.stdout and "users" in first.stdout

    second = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        "codvid: migrate: the target already holds documents in projects, users "
        "(--into-non-empty to copy over them)"
    ]
