"""A graph-drawing worker: ``python -m hyperloop_gitops.site.drawworker``.

:func:`hyperloop_gitops.site.graphjobs.draw_all` starts a few of these and hands each one job
at a time over its stdin; the worker answers on stdout. Messages are pickles preceded by their
length (8 bytes, big-endian): a :class:`~hyperloop_gitops.site.graphjobs.PlotJob` in, and
``("ok", [svg, ...])`` or ``("error", traceback text)`` out. End of input ends the worker.

Plain processes rather than :mod:`multiprocessing`: nothing re-imports the caller's main
module (which breaks for ``python -`` and reruns scripts without a main guard), and no thread
of the caller is copied by a fork.
"""

from __future__ import annotations

import pickle
import signal
import sys
import traceback
from typing import IO, Any

LENGTH_BYTES = 8


def send(stream: IO[bytes], message: Any) -> None:
    """Write one length-prefixed pickle and flush."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(LENGTH_BYTES, "big") + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """Read one length-prefixed pickle; raise EOFError at the end of the stream."""
    header = _read_exactly(stream, LENGTH_BYTES)
    return pickle.loads(_read_exactly(stream, int.from_bytes(header, "big")))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def main() -> None:
    """Draw jobs from stdin until it ends."""
    from hyperloop_gitops.site.graphjobs import draw

    # Ctrl-C reaches the whole process group: the parent handles it and closes our stdin,
    # which ends this loop after the current drawing (no traceback from every worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            job = receive(source)
        except EOFError:
            return
        try:
            send(sink, ("ok", draw(job)))
        except Exception:  # a drawing bug: the parent raises it with this traceback
            send(sink, ("error", traceback.format_exc()))


if __name__ == "__main__":
    main()
