"""Whether the running task was asked to stop.

A library may turn the ``CancelledError`` it received into an error of its own (PyMongo
reports an operation it abandoned as a connection failure). Code that handles errors and
carries on must not carry on then: it would swallow the cancellation, and whatever waits
for the task to end (a stopping process) would wait forever."""

from __future__ import annotations

import asyncio


def cancelling() -> bool:
    """The current task has a cancellation pending (Python 3.11's ``Task.cancelling``)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
