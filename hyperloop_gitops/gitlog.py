"""Git plumbing for history and diffs: log records, blobs in bulk, trees, revisions.

GitPython opens the repository and runs git; the heavy lifting is two plumbing commands whose
output is parsed here: ``git log --raw -z`` (every change to ``config/`` with blob ids, renames
detected; streamed by :mod:`hyperloop_gitops.gitstream`) and ``git cat-file --batch`` (many
blobs from one process).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import git

from hyperloop_gitops.errors import GitError

CONFIG_DIR = "config"
COMMIT_START = re.compile(rb"\x01(?=[0-9a-f]{40,64}\x00)")
_NULL_SHA = re.compile(r"0+")
LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%s"


@dataclass(frozen=True)
class Commit:
    """One commit as history shows it."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    time: dt.datetime
    subject: str


@dataclass(frozen=True)
class FileChange:
    """One changed file of a commit: git's status letter, paths and blob ids (None if absent)."""

    status: str
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None


def open_repo(root: Path) -> git.Repo:
    """The git repository at ``root``; GitError when there is none."""
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise GitError(f"{root} is not a git repository ({error.__class__.__name__})") from error


def resolve(repo: git.Repo, rev: str) -> str:
    """The commit id ``rev`` names; GitError if it names none."""
    try:
        return str(repo.commit(rev).hexsha)
    except (git.BadName, ValueError, git.GitCommandError) as error:
        raise GitError(f"unknown revision '{rev}' in {repo.working_dir}") from error


def _run(repo: git.Repo, args: list[str], stdin: Path | None = None) -> bytes:
    try:
        if stdin is None:
            out = repo.git.execute(
                ["git", *args], stdout_as_string=False, strip_newline_in_stdout=False
            )
        else:
            with stdin.open("rb") as handle:
                out = repo.git.execute(
                    ["git", *args],
                    istream=handle,
                    stdout_as_string=False,
                    strip_newline_in_stdout=False,
                )
    except git.GitCommandError as error:
        detail = error.stderr.strip() if isinstance(error.stderr, str) else str(error)
        raise GitError(f"git {args[0]} failed: {detail}") from error
    assert isinstance(out, bytes)
    return out


def _path(raw: bytes) -> str:
    # Paths are bytes to git; a non-UTF-8 one cannot name an entity, but must not stop us.
    return raw.decode("utf-8", "surrogateescape")


def _blob(mode: str, blob: str) -> str | None:
    """The blob id of a file side, or None: absent (all zeros) or not a file (a submodule)."""
    if _NULL_SHA.fullmatch(blob) or mode == "160000":
        return None
    return blob


def parse_commit(chunk: bytes) -> tuple[Commit, list[FileChange]]:
    """One commit's record of ``git log -z --raw --format=LOG_FORMAT`` (after its ``\\x01``)."""
    tokens = chunk.split(b"\x00")
    sha, parents, name, email, stamp, subject = (t.decode("utf-8", "replace") for t in tokens[:6])
    commit = Commit(
        sha=sha,
        parents=tuple(parents.split()),
        author_name=name,
        author_email=email,
        time=dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC),
        subject=subject,
    )
    changes: list[FileChange] = []
    rest = tokens[6:]
    i = 0
    while i < len(rest):
        meta = rest[i].lstrip(b"\n").decode("ascii", "replace")
        i += 1
        if not meta.startswith(":"):
            continue
        old_mode, new_mode, old_blob, new_blob, status = meta[1:].split(" ")
        letter = status[0]
        if letter in "RC":
            old_path, new_path = _path(rest[i]), _path(rest[i + 1])
            i += 2
        else:
            old_path = new_path = _path(rest[i])
            i += 1
        changes.append(
            FileChange(
                status=letter,
                old_path=None if letter == "A" else old_path,
                new_path=None if letter == "D" else new_path,
                old_blob=_blob(old_mode, old_blob),
                new_blob=_blob(new_mode, new_blob),
            )
        )
    return commit, changes


def read_blobs(repo: git.Repo, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs, read by one ``git cat-file --batch`` process."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        request = Path(tmp) / "blobs"
        request.write_bytes("".join(f"{b}\n" for b in wanted).encode())
        out = _run(repo, ["cat-file", "--batch"], stdin=request)
    contents: dict[str, bytes] = {}
    pos = 0
    view = memoryview(out)
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split(" ")
        if header[-1] == "missing":
            raise GitError(f"blob {header[0]} is missing from the repository")
        size = int(header[2])
        contents[header[0]] = bytes(view[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return contents


def list_tree(repo: git.Repo, rev: str) -> dict[str, str]:
    """Path -> blob id of every file under ``config/`` at ``rev``."""
    sha = resolve(repo, rev)
    out = _run(repo, ["ls-tree", "-r", "-z", "--full-tree", sha, "--", CONFIG_DIR])
    tree: dict[str, str] = {}
    for entry in out.split(b"\x00"):
        if not entry:
            continue
        meta, path = entry.decode("utf-8", "surrogateescape").split("\t", 1)
        _, kind, blob = meta.split(" ")
        if kind == "blob":
            tree[path] = blob
    return tree


def blob_id(content: bytes) -> str:
    """The id git gives a blob with this content (SHA-1 repositories)."""
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()
