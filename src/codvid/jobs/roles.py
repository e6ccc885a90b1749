"""Process roles: what one process does.

``api`` serves requests and sends jobs; ``worker`` executes jobs; ``scheduler`` runs the
periodic work (due scrapes, the sweeper). ``codvid serve`` on the embedded default is all
three in one process; beside a broker between processes, any process may play any of
them (``codvid serve`` the API, ``codvid worker``, ``codvid scheduler``). The composition
root builds what each role needs and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from codvid.errors import ConfigurationError
from codvid.jobs.settings import JobSettings, is_in_process


class Role(StrEnum):
    API = "api"
    WORKER = "worker"
    SCHEDULER = "scheduler"


ALL_ROLES = frozenset(Role)


def check_roles(roles: Iterable[Role], settings: JobSettings) -> frozenset[Role]:
    """The roles, if one process can play them with these settings."""
    chosen = frozenset(roles)
    if not chosen:
        raise ConfigurationError("a process needs at least one role")
    if is_in_process(settings) and chosen != ALL_ROLES:
        raise ConfigurationError(
            "CODVID_BROKER_URL memory:// keeps jobs inside one process, which must then play "
            "every role (api, worker, scheduler)"
        )
    return chosen
