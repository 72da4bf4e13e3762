"""Pausing Python's cycle collector around work that builds many long-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the ``with`` block; its objects leave as old ones.

    Loading a repository or composing a plan allocates millions of small objects that all
    stay alive until the work ends (values, models, specs, file lists); the collector would
    rescan them, and everything already loaded, again and again, which grows with the square
    of the repository's size. That work makes no garbage cycles worth collecting early
    (reference counting frees the rest).

    On the way out the block's objects go straight to the oldest generation (``gc.freeze()``
    then ``gc.unfreeze()``: two list splices, no scan). Left in the youngest, the first
    allocation after the block would scan them all at once (half a second for a plan of
    20,000 wagons), only to find them alive. In the oldest they are scanned by the next full
    collection, when Python's own rule calls for one, so a cycle among them is still freed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()
