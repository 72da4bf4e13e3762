"""One reconciler at a time: an ``flock`` on the state directory's lock file.

The holder writes its pid and start time into the lock file, so whoever finds it taken can say
who holds it. The kernel releases an ``flock`` when its holder dies, so a crashed reconciler never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from hyperloop_gitops.errors import StateError


class LockedError(StateError):
    """Raised by :class:`StateLock` when another process holds the lock."""


class StateLock:
    """An exclusive lock on ``path``; use as a context manager or call acquire/release."""

    def __init__(
        self,
        path: Path,
        *,
        blocking: bool = False,
        timeout_s: float = 0.0,
        what: str = "reconciler",
    ) -> None:
        self.path = path
        self.blocking = blocking
        self.timeout_s = timeout_s
        self.what = what
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as written by its holder ("pid N, started at T")."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
            return f"pid {info['pid']}, started at {info['started']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "unknown holder"

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockedError` (at once, or after ``timeout_s``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not self.blocking or time.monotonic() >= deadline:
                    holder = self.holder()
                    os.close(fd)
                    waited = f" (waited {self.timeout_s:g} s)" if self.blocking else ""
                    raise LockedError(
                        f"another {self.what} ({holder}) holds the lock {self.path}{waited};"
                        " wait for it to finish, or run again with a longer --wait"
                    ) from None
                time.sleep(0.05)
        info = {"pid": os.getpid(), "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (the file stays; its content is only informative)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
