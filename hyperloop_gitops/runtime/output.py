"""Writes the train's outputs: AnalysisResults.root and derived AO2D files.

AnalysisResults.root has one directory per task instance (``<task>`` or ``<task>_<suffix>``)
holding its histograms (TH1D / TH2D). Derived data goes to ``AO2D.root`` (subwagons:
``AO2D_<suffix>.root``), one ``DF_`` directory per input data frame, TTrees via ``mktree``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import uproot

from hyperloop_gitops.runtime import layout

RESULTS = "AnalysisResults.root"


class OutputWriter:
    """Owns the output files of one run; derived files are opened on first use."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self._derived: dict[str, Any] = {}

    @staticmethod
    def derived_file_name(suffix: str) -> str:
        return f"AO2D_{suffix}.root" if suffix else "AO2D.root"

    def write_derived(
        self,
        suffix: str,
        frame: str,
        tables: Mapping[str, Mapping[str, Any]],
        types: Mapping[str, Mapping[str, str]],
        metadata: Mapping[str, str],
    ) -> None:
        """Append one data frame's derived tables."""
        name = self.derived_file_name(suffix)
        out = self._derived.get(name)
        if out is None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            out = uproot.recreate(self.output_dir / name, compression=uproot.LZ4(1))
            for key, value in metadata.items():
                out[f"{layout.METADATA}/{key}"] = value
            self._derived[name] = out
        for table, columns in tables.items():
            branches = {column: types[table][column] for column in columns}
            out.mktree(f"{frame}/{table}", branches, title=table).extend(dict(columns))

    def write_results(self, results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """Write AnalysisResults.root, close every derived file; return the output names."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        with uproot.recreate(self.output_dir / RESULTS) as out:
            for device, histograms in results:
                if not histograms:
                    # An empty directory still shows that the task ran.
                    out.mkdir(device)
                for name, histogram in histograms.items():
                    out[f"{device}/{name}"] = histogram
        for handle in self._derived.values():
            handle.close()
        return [RESULTS, *sorted(self._derived)]
