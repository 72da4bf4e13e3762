"""The one family of errors a user reads.

Every subclass says who raises it. ``str(error)`` is the whole message a user sees: the CLI's
error boundary prints it and exits 1, without a traceback. Anything else that escapes is a bug
and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hyperloop_gitops.diagnostics import Diagnostic


class HyperloopError(Exception):
    """Base of every error caused by the user's input or environment, not by a bug."""


class ConfigError(HyperloopError):
    """Raised by the configuration loader when a repository does not validate.

    Carries every diagnostic found (never just the first); ``str()`` lists the errors.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics if d.is_error))


class NotFoundError(HyperloopError):
    """Raised by any command asked about an entity (wagon, dataset, train...) that is not there."""


class GitError(HyperloopError):
    """Raised by the git wrappers when a revision, a path or the repository is not usable."""


class BackendError(HyperloopError):
    """Raised by a batch backend (local, slurm, jalien) when it cannot do what was asked."""


class StateError(HyperloopError):
    """Raised by the state store: a locked store, a corrupt document, an impossible transition."""


class WorkflowError(HyperloopError):
    """Raised when a workflow cannot be built or run (unknown task, O2Physics not available)."""


class ForgeError(HyperloopError):
    """Raised by the forge client (GitHub) when a request fails in a way the user can act on."""
