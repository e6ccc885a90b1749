"""What a domain needs of the queue: a way to send a job without knowing who runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Enqueue = Callable[[str], Awaitable[None]]
"""Send one job (its argument, e.g. a run id) to whichever process executes that job."""

Handler = Callable[[str], Awaitable[None]]
"""Execute one job, given its argument; delivery is at least once, so it is idempotent."""
