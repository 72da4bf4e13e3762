"""Size-capped logs: keep the head and the tail of a stream, say what was cut.

A test's stdout and stderr can be huge (a wagon printing per track). The file keeps the first
and the last ``max_bytes / 2`` bytes with one marker line between them; the total is counted so
the log-size rule can still see how much was written.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import IO

from hyperloop_gitops.testing.units import format_bytes

_CHUNK = 64 * 1024


class CappedLog:
    """A file that keeps at most ``max_bytes`` of what is written to it (head and tail)."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.total_bytes = 0
        self._head_room = max_bytes - max_bytes // 2
        self._tail_room = max_bytes // 2
        self._tail: deque[bytes] = deque()
        self._tail_bytes = 0
        self._file = path.open("wb")
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        """Append ``data`` (thread-safe: several streams may share one log)."""
        with self._lock:
            if self._file.closed:
                return  # a straggler process outlived its test: its output is not kept
            self.total_bytes += len(data)
            if self._head_room > 0:
                head, data = data[: self._head_room], data[self._head_room :]
                self._file.write(head)
                self._head_room -= len(head)
            if data and self._tail_room > 0:
                self._tail.append(data)
                self._tail_bytes += len(data)
                while self._tail_bytes - len(self._tail[0]) >= self._tail_room:
                    self._tail_bytes -= len(self._tail.popleft())

    @property
    def truncated(self) -> bool:
        """Whether anything was dropped from the middle."""
        return self.total_bytes > self.max_bytes

    def close(self) -> None:
        """Write the tail (after a marker when the middle was cut) and close the file."""
        with self._lock:
            if self._file.closed:
                return
            tail = b"".join(self._tail)
            if len(tail) > self._tail_room:
                tail = tail[len(tail) - self._tail_room :]
            head = self.max_bytes - self.max_bytes // 2 - self._head_room
            dropped = self.total_bytes - head - len(tail)
            if dropped > 0:
                self._file.write(
                    f"\n[... {format_bytes(dropped)} ({dropped} bytes) of "
                    f"{format_bytes(self.total_bytes)} cut: this log keeps its first and last "
                    f"{format_bytes(self._tail_room)} ...]\n".encode()
                )
            self._file.write(tail)
            self._file.close()

    def pump(self, stream: IO[bytes]) -> threading.Thread:
        """Copy ``stream`` into this log in a thread until it ends; return the thread."""

        def _copy() -> None:
            with stream:
                while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
                    self.write(chunk)

        thread = threading.Thread(target=_copy, name=f"log-{self.path.name}", daemon=True)
        thread.start()
        return thread


def tail_text(path: Path, *, lines: int = 20, max_bytes: int = 4000) -> str:
    """The last ``lines`` lines of a log (at most ``max_bytes``), for a failure reason."""
    try:
        with path.open("rb") as file:
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(size - max_bytes, 0))
            data = file.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:]).strip()
