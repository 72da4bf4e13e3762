"""Wagon tests: run a workflow under limits, monitor it, judge it, keep the result.

``runner`` runs a process or an O2 pipe (no shell, scrubbed environment, limits); ``monitor``
samples the process trees into O2-style series (``perfmetrics`` reads and writes
performanceMetrics.json); ``metrics`` turns series and sizes into numbers; ``status`` applies the
policy's warning rules; ``store`` keeps results by content hash; ``graphs`` draws them.
"""

from __future__ import annotations
