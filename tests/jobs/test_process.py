"""Process identity: this process, a live one and a gone one, told apart on this machine;
anything from elsewhere is never taken for gone."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from codvid.jobs.process import ProcessId, is_gone, this_process
from tests.processes import gone_process, live_process


def test_this_process_round_trips_and_is_alive() -> None:
    me = this_process()
    assert ProcessId.parse(str(me)) == me
    assert me.node and me.start
    assert not is_gone(str(me))


def test_a_process_that_exited_is_gone_and_a_running_one_is_not() -> None:
    assert is_gone(gone_process())
    with live_process() as alive:
        assert not is_gone(alive)


def test_a_reused_pid_is_gone() -> None:
    me = this_process()
    assert is_gone(str(ProcessId(me.host, me.pid, me.node, me.start + "0")))


def test_nothing_is_known_of_other_machines_or_unreadable_ids() -> None:
    me = this_process()
    elsewhere = ProcessId(me.host, 2**22 + 7, "0" * 12, "1")  # another node: no such pid here
    for text in (str(elsewhere), "old-host:1234", "", None, "host:notapid:node:1"):
        assert not is_gone(text)


def test_a_killed_process_its_parent_has_not_reaped_yet_is_gone() -> None:
    """A zombie keeps its /proc entry and start time until its parent waits for it, but
    runs nothing: its runs are failed without waiting for their heartbeat to go stale."""
    child = subprocess.Popen(["sleep", "60"])
    try:
        me = this_process()
        started = (Path("/proc") / str(child.pid) / "stat").read_text()
        identity = ProcessId(me.host, child.pid, me.node, started.rpartition(")")[2].split()[19])
        assert not is_gone(str(identity))
        child.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 5
        while "Z" not in (Path("/proc") / str(child.pid) / "stat").read_text().split()[2]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert is_gone(str(identity))
    finally:
        child.kill()
        child.wait()
