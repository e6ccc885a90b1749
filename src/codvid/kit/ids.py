from __future__ import annotations

import uuid


def new_id() -> str:
    """A UUID4 string: the id of users, projects, tasks and runs."""
    return str(uuid.uuid4())
