"""The environment a job starts with: only what a program needs to run, never a token."""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Variables passed through from the reconciler's environment; everything else is dropped
#: (GITHUB_TOKEN, cloud credentials, ... must never reach a wagon's code).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME")


def scrubbed_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: the pass-through variables that are set, plus ``extra``."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra or {})
    return env
