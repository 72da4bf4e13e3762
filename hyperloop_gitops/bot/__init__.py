"""The pull-request bot (DESIGN decision 10): decide what to say, purely; then say it.

Deciding: ``permissions``, ``commands``, ``pipeline`` (a ``view.PrView`` from two loaded
revisions), ``comment`` and ``report`` (markdown, statuses, annotations). Speaking: ``forge``
(the interface) and ``github`` (PyGithub). Edges: ``revisions`` (git), ``run`` and
``respond`` (one pull request, one comment), ``wagontests`` (running the affected tests),
``webhook`` and ``service`` (the webhook server).
"""

from __future__ import annotations

from hyperloop_gitops.bot.forge import COMMENT_MARKER, Forge

__all__ = ["COMMENT_MARKER", "Forge"]
