"""``hyperloop state sync``: keep the state directory on a git branch of the same repository.

The state is committed to branch B (an orphan branch: its history never mixes with the
configuration's) through a temporary index, so the user's checkout, index and HEAD are never
touched. Then B is merged with the remote's B and the result is written back into the state
directory. ``events.jsonl`` merges as a union of lines (git's built-in ``union`` driver); any
other document changed on both sides is a conflict, reported with the files.

Only the reconciler that holds the lock should sync (the lock file is never committed).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hyperloop_gitops.errors import GitError, StateError
from hyperloop_gitops.state.atomic import atomic_write_bytes

ATTRIBUTES = "events.jsonl merge=union\n"
_EXCLUDED = (":(exclude)lock", ":(exclude,glob)**/.*.tmp")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "hyperloop",
    "GIT_AUTHOR_EMAIL": "hyperloop@localhost",
    "GIT_COMMITTER_NAME": "hyperloop",
    "GIT_COMMITTER_EMAIL": "hyperloop@localhost",
}


@dataclass
class SyncResult:
    """What a sync did: the branch's new commit and what changed on each side."""

    branch: str
    commit: str
    committed: bool = False  # local changes were committed
    merged: bool = False  # the remote had other changes, merged
    pushed: bool = False
    pulled: list[str] = field(default_factory=list)  # files written into the state directory


def _git(
    args: list[str], *, cwd: Path, env: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **_IDENTITY, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in ok:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise GitError(f"`git {' '.join(args)}` failed: {said[-1] if said else done.returncode}")
    return done


def _rev(ref: str, *, cwd: Path) -> str | None:
    done = _git(["rev-parse", "-q", "--verify", f"{ref}^{{commit}}"], cwd=cwd, ok=(0, 1))
    return done.stdout.strip() or None


def _is_ancestor(a: str, b: str, *, cwd: Path) -> bool:
    return _git(["merge-base", "--is-ancestor", a, b], cwd=cwd, ok=(0, 1)).returncode == 0


def sync_state(
    state_dir: Path,
    *,
    repo: Path,
    branch: str,
    remote: str | None = "origin",
    message: str = "hyperloop: state",
) -> SyncResult:
    """Commit ``state_dir`` to ``branch``, merge the remote's branch, push, and pull back."""
    _git(["check-ref-format", "--branch", branch], cwd=repo)
    git_dir = Path(_git(["rev-parse", "--absolute-git-dir"], cwd=repo).stdout.strip())
    state_dir.mkdir(parents=True, exist_ok=True)
    local_ref = f"refs/heads/{branch}"
    remote_tip = None
    if remote is not None:
        tracking = f"refs/remotes/{remote}/{branch}"
        fetched = _git(["fetch", "-q", remote, f"+{local_ref}:{tracking}"], cwd=repo, ok=(0, 128))
        if fetched.returncode == 128 and "couldn't find remote ref" not in fetched.stderr:
            raise GitError(f"cannot fetch {branch} from {remote}: {fetched.stderr.strip()}")
        remote_tip = _rev(tracking, cwd=repo)
    base = _rev(local_ref, cwd=repo)

    attributes = state_dir / ".gitattributes"
    if not attributes.exists() or attributes.read_text() != ATTRIBUTES:
        atomic_write_bytes(attributes, ATTRIBUTES.encode())
    with tempfile.TemporaryDirectory(prefix="hyperloop-sync-") as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        plumbing = ["--git-dir", str(git_dir), "--work-tree", str(state_dir)]
        _git([*plumbing, "add", "-A", "-f", "--", ".", *_EXCLUDED], cwd=state_dir, env=index)
        tree = _git([*plumbing, "write-tree"], cwd=state_dir, env=index).stdout.strip()
    result = SyncResult(branch=branch, commit=base or "")
    if (
        base is not None
        and _git(["rev-parse", f"{base}^{{tree}}"], cwd=repo).stdout.strip() == tree
    ):
        local = base
    elif base is None and remote_tip is not None and not _adds_anything(repo, remote_tip, tree):
        local = remote_tip  # a new deployment with nothing of its own yet: take the remote's
    else:
        parents = ["-p", base] if base else []
        local = _git(["commit-tree", tree, *parents, "-m", message], cwd=repo).stdout.strip()
        result.committed = True

    new = local
    if remote_tip is not None and remote_tip != local:
        if _is_ancestor(local, remote_tip, cwd=repo):
            new = remote_tip
        elif not _is_ancestor(remote_tip, local, cwd=repo):
            new = _merge(repo, local, remote_tip, branch=branch)
            result.merged = True
    _git(["update-ref", local_ref, new, *([base] if base else [])], cwd=repo)
    if remote is not None and new != remote_tip:
        pushed = _git(["push", "-q", remote, f"{new}:{local_ref}"], cwd=repo, ok=(0, 1))
        if pushed.returncode != 0:
            raise StateError(
                f"the remote's {branch} moved while syncing ({pushed.stderr.strip()});"
                " run `hyperloop state sync` again"
            )
        result.pushed = True
    # what the state directory holds is `tree`; bring it to `new`
    result.pulled = _write_back(repo, state_dir, tree, new)
    result.commit = new
    return result


def _adds_anything(repo: Path, commit: str, tree: str) -> bool:
    """True if ``tree`` has a file that ``commit`` lacks or holds with other content."""
    diff = _git(["diff-tree", "-r", "--name-only", "--diff-filter=AM", commit, tree], cwd=repo)
    return bool(diff.stdout.strip())


def _merge(repo: Path, local: str, remote_tip: str, *, branch: str) -> str:
    """Merge ``remote_tip`` into ``local`` in a throw-away worktree; return the merge commit."""
    with tempfile.TemporaryDirectory(prefix="hyperloop-merge-") as scratch:
        worktree = Path(scratch) / "wt"
        _git(["worktree", "add", "-q", "--detach", str(worktree), local], cwd=repo)
        try:
            merged = _git(
                [
                    "merge",
                    "-q",
                    "--no-edit",
                    "--allow-unrelated-histories",  # a first sync of a deployment
                    "-m",
                    f"hyperloop: merge state of {branch}",
                    remote_tip,
                ],
                cwd=worktree,
                ok=(0, 1),
            )
            if merged.returncode != 0:
                conflicts = _git(["diff", "--name-only", "--diff-filter=U"], cwd=worktree)
                files = ", ".join(conflicts.stdout.split()) or merged.stdout.strip()
                raise StateError(
                    f"the state on {branch} diverged: both sides changed {files}."
                    " Decide which is right, fix the state directory, and sync again"
                )
            return _git(["rev-parse", "HEAD"], cwd=worktree).stdout.strip()
        finally:
            _git(["worktree", "remove", "--force", str(worktree)], cwd=repo, ok=(0, 128))


def _write_back(repo: Path, state_dir: Path, old: str, new: str) -> list[str]:
    """Write the files that differ between tree-ish ``old`` and ``new`` into the state dir."""
    changed = _git(["diff", "--name-only", "--no-renames", old, new], cwd=repo).stdout.split()
    written = []
    for name in changed:
        target = state_dir / name
        content = subprocess.run(
            ["git", "cat-file", "blob", f"{new}:{name}"],
            cwd=repo,
            capture_output=True,
            check=False,
        )
        if content.returncode != 0:
            target.unlink(missing_ok=True)  # deleted on the other side
        else:
            atomic_write_bytes(target, content.stdout)
        written.append(name)
    return written
