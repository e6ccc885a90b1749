"""Processes that serve no HTTP: ``codvid worker`` (the scrape runs from the broker) and
``codvid scheduler`` (due scrapes, the sweeper, expiry). Any number of each may run, on
any machine, beside one broker and one MongoDB database.

Each runs until SIGTERM or SIGINT, then stops the way every role stops
(:func:`codvid.bootstrap.running`): a worker takes no more runs, lets the running ones
finish within ``CODVID_SHUTDOWN_GRACE`` and ends the rest as failed with the reason; the
runs it had taken but not started go back to the queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterable

from codvid import bootstrap
from codvid.config import Settings
from codvid.errors import ConfigurationError
from codvid.jobs.roles import Role
from codvid.jobs.settings import is_in_process
from codvid.kit.logging import configure_logging

log = logging.getLogger(__name__)


def run_roles(settings: Settings, roles: Iterable[Role]) -> None:
    """Play ``roles`` until told to stop; bad settings or an unreachable database or broker
    at start are one line (:class:`ConfigurationError`)."""
    chosen = frozenset(roles)
    names = ", ".join(sorted(chosen))
    if is_in_process(settings.jobs):
        raise ConfigurationError(
            f"codvid {names} needs CODVID_BROKER_URL (RabbitMQ or Redis): with memory:// "
            "the jobs run inside codvid serve"
        )
    configure_logging(settings.http.log_level)
    os.umask(0o077)
    with bootstrap.start_errors():
        asyncio.run(_until_stopped(settings, chosen, names))


async def _until_stopped(settings: Settings, roles: frozenset[Role], names: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with bootstrap.running(settings, roles):
        sys.stdout.write(f"codvid: {names} ready (pid {os.getpid()})\n")
        sys.stdout.flush()
        await stop.wait()
        log.info("%s stopping", names)
