"""One connection to one SQLite file, used from the event loop without ever blocking it.

Statements run synchronously on the loop: on a local file each takes microseconds, far
less than a thread hand-off would cost. What could block is waiting for another
connection's write lock, so SQLite's own busy wait is off (``busy_timeout`` 0) and
:meth:`SQLiteDatabase.run` waits instead, asynchronously, retrying with back-off until
``busy_timeout`` seconds have passed; meanwhile every other request keeps being served.

Failures become the storage error tree: the lock still held after the wait is
:class:`StorageBusy`, a full disk :class:`StorageFull`, a broken unique index
:class:`DuplicateKeyError`. A document that is not valid JSON (a damaged file, an edit
by hand) would make every query that reads it fail: it is moved aside into the
``codvid_quarantine`` table, logged with its collection and id, and the statement runs
again without it; nothing is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from codvid.kit.clock import now
from codvid.storage.base import DuplicateKeyError, StorageBusy, StorageError, StorageFull
from codvid.storage.sqlite.migrations import migrate

T = TypeVar("T")
log = logging.getLogger(__name__)
FIRST_RETRY, LONGEST_RETRY = 0.002, 0.05  # seconds between tries while the file is locked
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL = 5, 6, 13  # primary result codes
TABLE_PREFIX = "c_"


class SQLiteDatabase:
    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=0
            )
            self.connection.execute("PRAGMA busy_timeout=0")
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.schema_version = migrate(self.connection)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot use SQLite database {path}: {_reason(exc)}") from None

    async def run(self, operation: Callable[[sqlite3.Connection], T], table: str = "") -> T:
        """``operation(connection)``: one synchronous unit of work (a statement, or a
        transaction it opens and closes itself), retried while the file is locked, and
        once more after moving aside ``table``'s invalid documents if it met one."""
        deadline = time.monotonic() + self.busy_timeout
        delay = FIRST_RETRY
        quarantined = False
        while True:
            try:
                return operation(self.connection)
            except sqlite3.IntegrityError as exc:
                raise DuplicateKeyError(str(exc)) from exc
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
                    if time.monotonic() >= deadline:
                        raise StorageBusy() from None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, LONGEST_RETRY)
                    continue
                if "malformed JSON" in str(exc) and table and not quarantined:
                    self.quarantine_invalid(table)
                    quarantined = True
                    continue
                raise _mapped(exc) from exc
            except sqlite3.Error as exc:
                raise _mapped(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error); nested, the
        outer transaction is the unit."""
        db = self.connection
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def quarantine(self, table: str, ids: list[str], reason: str) -> None:
        """Move these documents of ``table`` aside, as they are, and say so."""
        collection = table.removeprefix(TABLE_PREFIX)
        with self.transaction() as db:
            for identifier in ids:
                db.execute(
                    "INSERT OR REPLACE INTO codvid_quarantine (collection, id, doc, reason, "
                    f"moved_at) SELECT ?, id, doc, ?, ? FROM {table} WHERE id = ?",
                    (collection, reason, now(), identifier),
                )
                db.execute(f"DELETE FROM {table} WHERE id = ?", (identifier,))
        for identifier in ids:
            log.error(
                "document %s of %s is unreadable (%s); moved to codvid_quarantine, skipped",
                identifier,
                collection,
                reason,
            )

    def quarantine_invalid(self, table: str) -> None:
        rows = self.connection.execute(f"SELECT id FROM {table} WHERE NOT json_valid(doc)")
        self.quarantine(table, [identifier for (identifier,) in rows], "not valid JSON")

    def close(self) -> None:
        self.connection.close()


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _mapped(exc: sqlite3.Error) -> StorageError:
    if getattr(exc, "sqlite_errorcode", 0) & 0xFF == SQLITE_FULL:
        return StorageFull()
    return StorageError(str(exc))
