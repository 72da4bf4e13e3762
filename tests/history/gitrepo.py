"""A real git repository in tmp_path, committed to by several authors at fixed times."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

AUTHORS = {
    "alice": ("Alice Adams", "alice@example.org"),
    "bob": ("Bob Brown", "1234+bob@users.noreply.github.com"),
    "carol": ("Carol Chen", "Carol@Example.org"),
    "olga": ("Olga Operator", "olga@example.org"),
    "dan": ("Dan DPG", "dan@cern.example"),
    "eve": ("Eve Unknown", "eve@elsewhere.example"),
}


class GitRepo:
    """Commits files with a chosen author and date; ``None`` as content deletes a file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._clock = 1_700_000_000
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        full_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_COMMITTER_NAME": "CI",
            "GIT_COMMITTER_EMAIL": "ci@example.org",
            "GIT_AUTHOR_NAME": "CI",
            "GIT_AUTHOR_EMAIL": "ci@example.org",
            **(env or {}),
        }
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=full_env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def write(self, files: Mapping[str, str | None]) -> None:
        for path, text in files.items():
            target = self.root / path
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)

    def commit(
        self,
        message: str,
        files: Mapping[str, str | None] | None = None,
        *,
        author: str = "alice",
        renames: Mapping[str, str] | None = None,
    ) -> str:
        for old, new in (renames or {}).items():
            (self.root / new).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", old, new)
        self.write(files or {})
        self.git("add", "-A")
        self._clock += 3600
        name, email = AUTHORS[author]
        date = f"{self._clock} +0000"
        self.git(
            "commit",
            "-q",
            "-m",
            message,
            env={
                "GIT_AUTHOR_NAME": name,
                "GIT_AUTHOR_EMAIL": email,
                "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_DATE": date,
            },
        )
        return self.git("rev-parse", "HEAD").strip()
