"""Pausing Python's cycle collector around work that builds many long-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the ``with`` block.

    Loading a repository or composing a plan allocates millions of small objects that all
    stay alive until the work ends (values, models, specs, file lists); the collector would
    rescan them, and everything already loaded, again and again, which grows with the square
    of the repository's size. That work makes no garbage cycles worth collecting early
    (reference counting frees the rest); the collector runs again as soon as the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
