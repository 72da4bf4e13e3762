"""The command line: click lives only in this package (STYLE.md "Layout").

Each module registers its commands on ``main``; importing them here wires the CLI.
"""

from __future__ import annotations

from hyperloop_gitops.cli import (
    _bot,  # noqa: F401  (registers its commands)
    _codeowners,  # noqa: F401  (registers its commands)
    _completion,  # noqa: F401  (registers its commands)
    _data,  # noqa: F401  (registers its commands)
    _demo,  # noqa: F401  (registers its commands)
    _history,  # noqa: F401  (registers its commands)
    _reconcile,  # noqa: F401  (registers its commands)
    _site,  # noqa: F401  (registers its commands)
    _state,  # noqa: F401  (registers its commands)
    _test,  # noqa: F401  (registers its commands)
    _validate,  # noqa: F401  (registers its commands)
    _wagon,  # noqa: F401  (registers its commands)
    _wagon_config,  # noqa: F401  (registers its commands)
)
from hyperloop_gitops.cli._app import main

__all__ = ["main"]
