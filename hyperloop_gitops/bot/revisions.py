"""Git at the bot's edge: a revision's configuration on disk, and what changed between two.

Revisions are exported with ``git archive`` (never checked out), so the bot reads exactly the
committed files of the base and the head, whatever the working tree holds. No shell; the tar
stream is unpacked with the ``data`` filter (no links out, no absolute paths, no devices).
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import tarfile
from pathlib import Path

from hyperloop_gitops.bot.forge import ChangedFile
from hyperloop_gitops.errors import GitError

_STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied"}


def _git(root: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=120,
            env=env,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed") from error
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        message = detail[-1] if detail else f"exit status {done.returncode}"
        raise GitError(f"git {args[0]} failed in {root}: {message}")
    return done.stdout


def resolve(root: Path, rev: str) -> str:
    """The full commit sha of ``rev``; a clear error when it is not in the clone."""
    try:
        return (
            _git(root, "rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}")
            .decode()
            .strip()
        )
    except GitError as error:
        raise GitError(
            f"revision {rev!r} is not in the repository at {root} (in GitHub Actions, check out"
            " with fetch-depth: 0 so the base branch is there)"
        ) from error


def export_config(root: Path, rev: str, dest: Path) -> Path:
    """Write the ``config/`` tree of ``rev`` under ``dest``; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    listed = _git(root, "ls-tree", "--name-only", rev, "--", "config")
    if not listed.strip():
        return dest  # no configuration at this revision (e.g. the first commit)
    data = _git(root, "archive", "--format=tar", rev, "--", "config")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(dest, filter="data")
    return dest


def changed_files(root: Path, base: str, head: str) -> list[ChangedFile]:
    """Files that differ between the merge base of ``base`` and ``head``, and ``head``.

    The merge base, as GitHub's pull-request diff does: changes on the base branch since the
    pull request started are not the pull request's.
    """
    out = _git(root, "diff", "--name-status", "-M", "-z", f"{base}...{head}")
    fields = out.decode("utf-8", errors="surrogateescape").split("\0")
    files: list[ChangedFile] = []
    i = 0
    while i < len(fields) - 1:
        code = fields[i]
        status = _STATUS.get(code[:1], "changed")
        if code[:1] in ("R", "C"):
            files.append(ChangedFile(fields[i + 2], status, previous_path=fields[i + 1]))
            i += 3
        else:
            files.append(ChangedFile(fields[i + 1], status))
            i += 2
    return files


def author_email(root: Path, rev: str) -> str:
    """The author email of commit ``rev``."""
    return _git(root, "log", "-1", "--format=%ae", rev).decode().strip()


def fetch(root: Path, *refspecs: str, remote: str = "origin", token: str | None = None) -> None:
    """Fetch ``refspecs`` from ``remote`` into the clone at ``root``.

    A ``token`` reaches only this one git process, through its environment
    (``GIT_CONFIG_*``): never the command line, never ``.git/config``, where a wagon test
    running later in the same checkout could read it.
    """
    env = None
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env = {
            **os.environ,
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
            "GIT_TERMINAL_PROMPT": "0",
        }
    _git(root, "fetch", "--quiet", "--no-tags", remote, *refspecs, env=env)


def has_commit(root: Path, sha: str) -> bool:
    """Whether the clone holds commit ``sha``."""
    try:
        _git(root, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True


def merge_base(root: Path, base: str, head: str) -> str:
    """Where ``head`` left ``base``: the commit a pull request's changes are measured from."""
    return _git(root, "merge-base", base, head).decode().strip()
