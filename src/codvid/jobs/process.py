"""Which process this is, and whether another one is provably gone.

Runs record the process that queued them and the one executing them. A heartbeat that
stops tells, after a while, that a process is lost; this tells at once, but only for a
process on this very machine and in this pid namespace: it is gone when its pid is not
running, or runs a program that started at another moment (the pid was reused). For a
process anywhere else nothing is known, and only its heartbeat can say.

An id reads ``host:pid:node:start`` where ``node`` names this boot of this kernel and
this pid namespace, and ``start`` is the process's start time in clock ticks since boot.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessId:
    host: str
    pid: int
    node: str
    start: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.node}:{self.start}"

    @classmethod
    def parse(cls, text: object) -> ProcessId | None:
        """The id written as ``text``, or ``None`` for anything else (an old or damaged
        value)."""
        if not isinstance(text, str):
            return None
        host, *rest = text.rsplit(":", 3)
        if len(rest) != 3 or not rest[0].isdigit():
            return None
        return cls(host, int(rest[0]), rest[1], rest[2])


def _node() -> str:
    """This boot of this kernel and this pid namespace, or ``""`` where /proc cannot say."""
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text().strip()
        namespace = (PROC / "self/ns/pid").stat().st_ino
    except OSError:
        return ""
    return hashlib.sha256(f"{boot}:{namespace}".encode()).hexdigest()[:12]


def start_time(pid: int) -> str | None:
    """Field 22 of ``/proc/<pid>/stat``; ``None`` if no such process is running (a zombie,
    killed and not yet reaped by its parent, runs nothing)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces.
    fields = stat.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):  # zombie, dead
        return None
    return fields[19]


@cache
def this_process() -> ProcessId:
    pid = os.getpid()
    return ProcessId(socket.gethostname(), pid, _node(), start_time(pid) or "")


def is_gone(process: object) -> bool:
    """True only when ``process`` provably no longer runs (see the module docstring)."""
    parsed = ProcessId.parse(process)
    me = this_process()
    if parsed is None or not me.node or parsed.node != me.node:
        return False
    return start_time(parsed.pid) != parsed.start
