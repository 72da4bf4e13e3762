"""How sizes, durations and rates read in every test report.

One convention everywhere: sizes are decimal (1 GB = 10**9 bytes, as the policy thresholds are
written), shown with three significant digits; the ``kB`` of performanceMetrics.json are the
kibibytes /proc reports (1 kB = 1024 bytes), as in O2.
"""

from __future__ import annotations

import math

KB_IN_BYTES = 1024
"""performanceMetrics.json memory values are in /proc's kB (kibibytes)."""

TB = 10**12
GB = 10**9
MB = 10**6
SECONDS_PER_YEAR = 8766 * 3600
"""A CPU-year: 8766 hours (365.25 days), the figure the ALICE CO2 estimate uses."""

_UNITS = (("TB", 10**12), ("GB", GB), ("MB", MB), ("kB", 10**3))


def significant(value: float, digits: int = 3) -> str:
    """``1.4134 -> '1.41'``, ``412.3 -> '412'``, ``0.01849 -> '0.0185'``: no trailing zeros."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value))) + 1
    decimals = max(digits - magnitude, 0)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_bytes(size: float) -> str:
    """``1_410_000_000 -> '1.41 GB'``, ``14_200_000 -> '14.2 MB'``, ``512 -> '512 B'``."""
    for unit, factor in _UNITS:
        if abs(size) >= factor:
            return f"{significant(size / factor)} {unit}"
    return f"{significant(size)} B"


def format_duration(seconds: float) -> str:
    """``58.2 -> '58 s'``, ``0.42 -> '0.42 s'``, ``754 -> '12 min 34 s'``."""
    if seconds < 10:
        return f"{significant(seconds, 2)} s"
    if seconds < 600:
        return f"{round(seconds)} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 120:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
