"""The site builder's user error, in a module of its own: graph workers import it without the
templates machinery."""

from __future__ import annotations

from hyperloop_gitops.errors import HyperloopError


class SiteError(HyperloopError):
    """Raised by the site builder when its templates cannot be found or the output not written."""
