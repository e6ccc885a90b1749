from __future__ import annotations

from codvid.errors import NotFound


class TaskNotFound(NotFound):
    """Missing and someone else's are the same answer, so ids cannot be probed."""

    message = "Task not found or access denied"
