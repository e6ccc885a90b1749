"""The data directory holds every user's data and the JWT secret: what the service
creates is its owner's alone, and wider permissions found at start are reported."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from tests.conftest import TEST_ENV
from tests.server import start_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_and_its_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "run" / "fresh"  # made by the service, not by the test
    env = {**TEST_ENV, "CODVID_DATA_DIR": str(data_dir)}
    with start_server(tmp_path / "run", env) as server:
        assert httpx.post(f"{server.url}/codvid-ai/auth/login").status_code == 400  # a write
        assert mode(data_dir) == 0o700
        files = sorted(data_dir.iterdir())
        names = {path.name for path in files}
        assert {"codvid.sqlite3", "codvid.sqlite3-wal", "jwt_secret"} <= names
        assert {path.name: mode(path) for path in files} == dict.fromkeys(names, 0o600)


def test_wider_permissions_found_at_start_are_reported(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    with start_server(data_dir, TEST_ENV):
        pass
    data_dir.chmod(0o755)
    (data_dir / "codvid.sqlite3").chmod(0o644)
    with start_server(data_dir, TEST_ENV) as server:
        log = server.log()
    assert f"{data_dir} is open to other users (mode 755)" in log
    assert f"{data_dir / 'codvid.sqlite3'} is open to other users (mode 644)" in log
