"""Password hashing with argon2id, off the event loop and bounded.

Each hash takes 64 MiB and a core for tens of milliseconds, on purpose. So at most
``concurrency`` run at once (the rest of the service keeps its memory and its cores), a
few more may wait their turn, and any beyond that are refused at once with 429, instead
of queueing without end while every waiting one holds a request open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from codvid.errors import TooManyRequests

_hasher = PasswordHasher()

# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("codvid-timing-equaliser")

BUSY = "Too many sign-ins at once, please try again in a moment"
WAITING_PER_SLOT = 4


class PasswordHashing:
    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._room = concurrency * (1 + WAITING_PER_SLOT)
        self._inside = 0

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._inside >= self._room:
            raise TooManyRequests(BUSY, retry_after=1)
        self._inside += 1
        try:
            async with self._slots:
                yield
        finally:
            self._inside -= 1

    async def hash(self, password: str) -> str:
        async with self._turn():
            return await anyio.to_thread.run_sync(_hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash (an unknown email) the check still
        takes as long, and fails."""

        def verify() -> bool:
            try:
                matches = _hasher.verify(password_hash or _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                return False
            return matches and bool(password_hash)

        async with self._turn():
            return await anyio.to_thread.run_sync(verify)
