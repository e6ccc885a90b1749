"""Identities of real processes on this machine, for code that tells live from gone."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from codvid.jobs.process import ProcessId, start_time, this_process


def _identity(pid: int) -> str:
    me = this_process()
    started = start_time(pid)
    assert started is not None, f"process {pid} is not running"
    return str(ProcessId(me.host, pid, me.node, started))


@contextmanager
def live_process() -> Iterator[str]:
    """The id of another process that runs until the block ends."""
    child = subprocess.Popen(["sleep", "60"])
    try:
        yield _identity(child.pid)
    finally:
        child.kill()
        child.wait()


def gone_process() -> str:
    """The id of a process that ran on this machine and has exited."""
    with live_process() as identity:
        pass
    return identity
