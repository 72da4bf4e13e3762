"""1D histograms of a merged AnalysisResults.root (one directory per task), read with uproot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_HISTOGRAMS = 40


@dataclass(frozen=True)
class Histogram:
    """One 1D histogram: its path in the file, bin edges and contents."""

    path: str
    edges: tuple[float, ...]
    values: tuple[float, ...]
    xlabel: str

    @property
    def entries(self) -> float:
        return sum(self.values)


def read_histograms(path: Path) -> list[Histogram]:
    """Every 1D histogram of ``path`` (sorted by path, at most ``MAX_HISTOGRAMS``).

    A file uproot cannot read gives no histograms: the train page then says so, and the build
    goes on.
    """
    import uproot

    try:
        with uproot.open(path) as handle:
            classes: dict[str, str] = handle.classnames()
            found: list[Histogram] = []
            for key in sorted(classes):
                if not classes[key].startswith("TH1"):
                    continue
                name = key.split(";")[0]
                if any(h.path == name for h in found):
                    continue  # an older cycle of the same histogram
                found.append(_histogram(name, handle[key]))
                if len(found) == MAX_HISTOGRAMS:
                    break
            return found
    except (OSError, ValueError, KeyError) as error:
        del error
        return []


def _histogram(name: str, obj: Any) -> Histogram:
    values, edges = obj.to_numpy(flow=False)
    try:
        xlabel = str(obj.member("fXaxis").member("fTitle")) or "x"
    except Exception:  # axis titles are optional; a missing one is not an error
        xlabel = "x"
    return Histogram(
        path=name,
        edges=tuple(float(e) for e in edges),
        values=tuple(float(v) for v in values),
        xlabel=xlabel,
    )
