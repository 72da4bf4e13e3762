from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hyperloop_gitops.state import LockedError, StateLock

HOLD = """
import sys, time
from pathlib import Path
from hyperloop_gitops.state import StateLock
with StateLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "locked\n"
    return proc


def test_second_reconciler_gets_a_message_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _hold(path, 30)
    try:
        with pytest.raises(LockedError) as caught:
            StateLock(path).acquire()
        message = str(caught.value)
        assert re.fullmatch(
            rf"another reconciler \(pid {holder.pid},"
            r" started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)"
            rf" holds the lock {re.escape(str(path))}; wait for it to finish, or run again with a"
            r" longer --wait",
            message,
        ), message
    finally:
        holder.kill()
        holder.wait()
    # the kernel released the dead holder's lock
    with StateLock(path) as lock:
        assert lock.holder().startswith("pid ")


def test_blocking_lock_waits_for_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _hold(path, 0.5)
    start = time.monotonic()
    with StateLock(path, blocking=True, timeout_s=20):
        waited = time.monotonic() - start
    holder.wait()
    assert 0.2 < waited < 20


def test_blocking_lock_times_out(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _hold(path, 30)
    try:
        with pytest.raises(LockedError, match=r"\(waited 0.3 s\)"):
            StateLock(path, blocking=True, timeout_s=0.3).acquire()
    finally:
        holder.kill()
        holder.wait()
