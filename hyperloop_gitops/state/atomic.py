"""Durable file writes: a reader sees the old document or the new one, never half of one.

A document is written to a temporary file in the same directory, flushed to disk, renamed over
the target (atomic on POSIX), and the directory is flushed so the rename itself survives a crash.
Event lines are appended with ``O_APPEND`` (one ``write`` per line, so concurrent appenders never
interleave inside a line) and flushed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry (a rename or a new file) to disk."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically, creating parent folders.

    ``durable`` also flushes the file and its directory to disk, so the write survives a power
    loss, not only a crash of the writer. A caller writing many files may pass ``False`` and
    call ``os.sync()`` once at the end.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        # a replaced file keeps its permissions (people's files are edited in place too)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp_name).unlink()
        raise
    if durable:
        fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Replace ``path`` with UTF-8 ``text`` atomically (and durably, see atomic_write_bytes)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def append_line(path: Path, line: str) -> None:
    """Append one line (a newline is added) with ``O_APPEND`` and flush it to disk."""
    if "\n" in line:
        raise ValueError("an appended line must not contain a newline")
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
