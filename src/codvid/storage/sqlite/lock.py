"""One process per SQLite database: an OS lock held for the life of the process.

SQLite lets several processes open one file, but this service's in-process jobs assume a
single process owns the data: a second server would take the first one's runs for
abandoned work. The lock is ``flock`` on ``<database>.lock``; the kernel releases it when
the process exits or is killed, so a crash never leaves the data directory locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codvid.errors import ConfigurationError


@contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold the database for this process, or raise ConfigurationError naming the
    process that holds it."""
    path = database.with_name(database.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigurationError(f"cannot lock {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
            raise ConfigurationError(
                f"{database} is in use by another codvid process (pid {holder}); "
                "stop it, or give this one another CODVID_DATA_DIR"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)
