"""The log and its blobs as a stream: parse versions while git is still walking history.

``git log --reverse`` prints nothing until it has diffed every commit, so reading the log
first and the blobs after leaves this process idle for the whole walk. Here git prints the
log newest first as it goes; each commit's new blobs are requested at once from a
``git cat-file --batch`` process and handed to ``on_blob`` (the caller parses them) while git
keeps working on another core. The commits come back oldest first.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable
from typing import IO, Any

import git

from hyperloop_gitops.errors import GitError
from hyperloop_gitops.gitlog import (
    COMMIT_START,
    CONFIG_DIR,
    LOG_FORMAT,
    Commit,
    FileChange,
    parse_commit,
    resolve,
)

_CHUNK = 1 << 16


def _pump(stream: IO[bytes], out: queue.Queue[bytes]) -> None:
    # Runs in a thread: blocking reads release the GIL, so git never waits on a full pipe.
    while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
        out.put(chunk)
    out.put(b"")


class _Blobs:
    """Requests to, and answers from, one ``git cat-file --batch`` process."""

    def __init__(self, repo: git.Repo, on_blob: Callable[[str, bytes], None]) -> None:
        self._proc: Any = repo.git.execute(
            ["git", "cat-file", "--batch"], as_process=True, istream=subprocess.PIPE
        )
        self._answers: queue.Queue[bytes] = queue.Queue()
        self._thread = threading.Thread(
            target=_pump, args=(self._proc.stdout, self._answers), daemon=True
        )
        self._thread.start()
        self._buffer = b""
        self._pending = 0
        self._on_blob = on_blob
        self._done = False

    def request(self, blobs: list[str]) -> None:
        self._proc.stdin.write("".join(f"{b}\n" for b in blobs).encode())
        self._proc.stdin.flush()
        self._pending += len(blobs)

    def drain(self, *, wait: bool) -> None:
        """Hand over every complete answer; with ``wait``, until none is pending."""
        while self._pending and not self._done:
            try:
                chunk = self._answers.get(block=wait)
            except queue.Empty:
                return
            if not chunk:
                self._done = True
            self._buffer += chunk
            self._consume()

    def _consume(self) -> None:
        buffer, pos = self._buffer, 0
        while True:
            end = buffer.find(b"\n", pos)
            if end < 0:
                break
            header = buffer[pos:end].decode().split(" ")
            if header[-1] == "missing":
                raise GitError(f"blob {header[0]} is missing from the repository")
            size = int(header[2])
            if len(buffer) < end + 1 + size + 1:
                break
            self._on_blob(header[0], buffer[end + 1 : end + 1 + size])
            self._pending -= 1
            pos = end + 1 + size + 1
        self._buffer = buffer[pos:]

    def close(self) -> None:
        self._proc.stdin.close()
        self.drain(wait=True)
        self._proc.wait()


def stream_log(
    repo: git.Repo,
    rev: str,
    *,
    wanted: Callable[[FileChange], str | None],
    on_blob: Callable[[str, bytes], None],
) -> list[tuple[Commit, list[FileChange]]]:
    """Every commit that changed ``config/`` (oldest first), with ``on_blob`` called once for
    each blob ``wanted`` names, while the log is still being read."""
    sha = resolve(repo, rev)
    log: Any = repo.git.execute(
        ["git", "log", "-z", "--raw", "--no-abbrev", "-M", "--topo-order",
         f"--format={LOG_FORMAT}", sha, "--", CONFIG_DIR],
        as_process=True,
    )  # fmt: skip
    chunks: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_pump, args=(log.stdout, chunks), daemon=True).start()
    blobs = _Blobs(repo, on_blob)
    seen: set[str] = set()
    commits: list[tuple[Commit, list[FileChange]]] = []
    pending = b""
    try:
        while True:
            chunk = chunks.get()
            pending += chunk
            parts = COMMIT_START.split(pending)
            # The last part may be cut short, until the next commit or the end shows up.
            complete, pending = (parts, b"") if not chunk else (parts[:-1], parts[-1])
            new: list[str] = []
            for part in complete:
                if part:
                    commit = parse_commit(part)
                    commits.append(commit)
                    for f in commit[1]:
                        blob = wanted(f)
                        if blob is not None and blob not in seen:
                            seen.add(blob)
                            new.append(blob)
            if new:
                blobs.request(new)
            blobs.drain(wait=False)
            if not chunk:
                break
    finally:
        blobs.close()
        try:
            log.wait()
        except git.GitCommandError as error:
            raise GitError(f"git log failed: {error.stderr}") from error
    commits.reverse()
    return commits
