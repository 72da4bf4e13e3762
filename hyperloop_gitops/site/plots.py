"""Plots of the site as SVG text, byte-identical for the same input.

matplotlib writes random ids and the date into SVG unless told otherwise: ``svg.hashsalt``
fixes the ids and ``metadata={"Date": None}`` drops the date, so two builds are identical.
Figures are made without pyplot: no global figure registry to fill and empty, and the same
drawing in a worker process (see graphjobs) as in the builder.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

# Any: matplotlib types rc keys as a Literal union that a plain dict cannot satisfy.
_STYLE: Any = {
    "svg.hashsalt": "hyperloop-site",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
_COLORS = (
    "#2b6cb0",
    "#dd6b20",
    "#38a169",
    "#c53030",
    "#805ad5",
    "#d69e2e",
    "#319795",
    "#b83280",
    "#4a5568",
    "#2c7a7b",
)


def _svg(fig: Any) -> str:
    # Fixed margins instead of bbox_inches="tight": "tight" lays the figure out twice, which
    # doubles the cost of every plot of a large site.
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.17, top=0.9)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def bar_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, ylabel: str
) -> str:
    """Grouped bars, one group per label (e.g. per week), one bar per series."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.4, 2.8))
        ax = fig.add_subplot()
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            positions = [x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))]
            ax.bar(positions, values, width=width, label=name, color=_COLORS[i % len(_COLORS)])
        ax.set_xticks(range(len(labels)), labels)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if len(series) > 1:
            ax.legend(frameon=False, loc="upper left")
        return _svg(fig)


def histogram(edges: Sequence[float], values: Sequence[float], *, title: str, xlabel: str) -> str:
    """A 1D histogram drawn as steps."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(4.8, 2.8))
        ax = fig.add_subplot()
        ax.stairs(values, edges, color=_COLORS[0], fill=True, alpha=0.35)
        ax.stairs(values, edges, color=_COLORS[0])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("entries")
        return _svg(fig)


def histogram_overlay(
    edges: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    *,
    title: str,
    xlabel: str,
) -> str:
    """Several histograms with the same binning, overlaid (comparison of two trains)."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(4.8, 2.8))
        ax = fig.add_subplot()
        for i, (name, values) in enumerate(curves.items()):
            ax.stairs(values, edges, label=name, color=_COLORS[i % len(_COLORS)])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("entries")
        ax.legend(frameon=False, fontsize=7, loc="upper left")
        return _svg(fig)
