"""Tracking routes under both their update 6 and update 8 names (contract 2.6-2.10, CR-2).

One router, one level (cheaper to match on every request). Routes match in the order
they are added, so the modules that add them are imported busiest first.
"""

# isort: off
from codvid.tracking.endpoints import runs  # noqa: F401
from codvid.tracking.endpoints import profiles  # noqa: F401
from codvid.tracking.endpoints import reels  # noqa: F401
from codvid.tracking.endpoints import usage  # noqa: F401

# isort: on
from codvid.tracking.endpoints.router import router

__all__ = ["router"]
