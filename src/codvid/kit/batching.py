"""Many callers, one batched call: :class:`Coalescer`.

Each caller asks for one key. The first key of a new batch opens a window; the batch goes
out when the window closes or ``max_size`` keys have come, whichever is first. Every
caller gets its own key's answer, or its own key's error; a failure of the whole call
reaches every caller of that batch. A key already gathered or in flight is not asked
again: its caller joins the request under way.

As a batch goes out, ``fill(room)`` may add up to ``room`` keys whose callers have not
asked yet but will (work already queued elsewhere); their answers are kept for them for
``keep`` seconds. Batches in flight at once are bounded by ``max_batches``: a batch that
would exceed it waits, and keeps gathering keys meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Call = Callable[[list[K]], Awaitable[Mapping[K, V]]]
Fill = Callable[[int], Awaitable[Sequence[K]]]


class Coalescer(Generic[K, V]):
    def __init__(
        self,
        call: Call[K, V],
        *,
        window: float,
        max_size: int,
        fill: Fill[K] | None = None,
        keep: float = 120.0,
        max_batches: int = 4,
    ) -> None:
        if max_size < 1 or window < 0 or max_batches < 1:
            raise ValueError("max_size and max_batches must be positive, window not negative")
        self._call = call
        self._window = window
        self.max_size = max_size
        self.fill = fill
        """May be set after construction (before the first batch goes out)."""
        self._keep = keep
        self._slots = asyncio.Semaphore(max_batches)
        self._gathering: dict[K, asyncio.Future[V]] = {}
        self._in_flight: dict[K, asyncio.Future[V]] = {}
        self._kept: dict[K, tuple[asyncio.Future[V], float]] = {}
        self._waiting: dict[K, asyncio.Future[V]] | None = None
        """The batch waiting for a free slot: keys asked meanwhile join it."""
        self._timer: asyncio.TimerHandle | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self.sent = 0
        """Batched calls made."""

    async def get(self, key: K) -> V:
        self._forget_expired()
        future = self._in_flight.get(key) or self._gathering.get(key)
        if future is None and key in self._kept:
            future = self._kept.pop(key)[0]
        if future is None:
            future = asyncio.get_running_loop().create_future()
            if self._waiting is not None and len(self._waiting) < self.max_size:
                self._waiting[key] = future
                self._in_flight[key] = future
            else:
                self._gathering[key] = future
                if len(self._gathering) >= self.max_size:
                    self._send()
                elif self._timer is None:
                    self._timer = asyncio.get_running_loop().call_later(self._window, self._send)
        # A caller that gives up must not cancel the answer others wait for.
        return await asyncio.shield(future)

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._gathering:
            return
        batch, self._gathering = self._gathering, {}
        # In flight from now on, not from when its task starts: a caller of one of its
        # keys meanwhile joins it instead of asking again.
        self._in_flight.update(batch)
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._batches.add(task)
        task.add_done_callback(self._batches.discard)

    async def _run(self, batch: dict[K, asyncio.Future[V]]) -> None:
        kept: dict[K, asyncio.Future[V]] = {}
        if self._waiting is None and self._slots.locked():
            self._waiting = batch
        try:
            async with self._slots:
                if self._waiting is batch:
                    self._waiting = None
                if self.fill is not None and len(batch) < self.max_size:
                    for key in await self.fill(self.max_size - len(batch)):
                        if key not in self._in_flight and key not in self._gathering:
                            kept[key] = asyncio.get_running_loop().create_future()
                    self._in_flight.update(kept)
                    batch.update(kept)
                self.sent += 1
                answers = await self._call(list(batch))
            for key, future in batch.items():
                if future.done():
                    continue
                if key in answers:
                    future.set_result(answers[key])
                else:
                    _reject(future, LookupError(f"the batched call left out {key!r}"))
        except BaseException as exc:
            for future in batch.values():
                _reject(future, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            if self._waiting is batch:
                self._waiting = None
            for key in batch:
                self._in_flight.pop(key, None)
            expires = time.monotonic() + self._keep
            self._kept.update((key, (future, expires)) for key, future in kept.items())

    def _forget_expired(self) -> None:
        moment = time.monotonic()
        for key in [key for key, (_, expires) in self._kept.items() if expires < moment]:
            del self._kept[key]

    async def close(self) -> None:
        """Cancel what is gathering or in flight; callers see ``CancelledError``."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for future in self._gathering.values():
            future.cancel()
        self._gathering.clear()
        # Including those of a batch whose task is cancelled before it started.
        for future in self._in_flight.values():
            future.cancel()
        for task in list(self._batches):
            task.cancel()
        for task in list(self._batches):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._in_flight.clear()
        self._waiting = None
        self._kept.clear()


def _reject(future: asyncio.Future[V], error: BaseException) -> None:
    if future.done():
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
        return
    future.set_exception(error)
    # A kept answer may never be claimed: mark it seen so asyncio does not warn.
    future.exception()
