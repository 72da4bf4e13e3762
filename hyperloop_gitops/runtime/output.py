"""Writes the train's outputs: AnalysisResults.root and derived AO2D files.

AnalysisResults.root has one directory per task instance (``<task>`` or ``<task>_<suffix>``)
holding its histograms (TH1D / TH2D). Derived data goes to ``AO2D.root`` (subwagons:
``AO2D_<suffix>.root``) in ``DF_`` directories of TTrees (via ``mktree``). As Hyperloop merges
small derived data frames up to its "max DF size", consecutive input frames of one input file
are merged into one output DF until ``max_df_size`` bytes (uncompressed) are buffered; index
columns are shifted so they still point at the right rows. ``max_df_size <= 0`` keeps one
output DF per input frame.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import uproot

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.task import Array

RESULTS = "AnalysisResults.root"


@dataclass
class _Pending:
    """Derived rows buffered for one output DF."""

    file: str
    name: str
    metadata: Mapping[str, str]
    types: dict[str, Mapping[str, str]] = field(default_factory=dict)
    chunks: dict[str, list[dict[str, Array]]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    size: int = 0


class OutputWriter:
    """Owns the output files of one run; derived files are opened on first use."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self._derived: dict[str, Any] = {}
        self._pending: dict[str, _Pending] = {}

    @staticmethod
    def derived_file_name(suffix: str) -> str:
        return f"AO2D_{suffix}.root" if suffix else "AO2D.root"

    def add_derived(
        self,
        *,
        suffix: str,
        frame: str,
        file: str,
        tables: Mapping[str, Mapping[str, Array]],
        keep: Collection[str],
        types: Mapping[str, Mapping[str, str]],
        indices: Mapping[str, Mapping[str, str]],
        metadata: Mapping[str, str],
        max_df_size: int,
    ) -> None:
        """Buffer one input frame's derived ``tables`` (writing those in ``keep``).

        ``indices`` maps table -> index column -> the table it points into.
        """
        name = self.derived_file_name(suffix)
        pending = self._pending.get(name)
        if pending is not None and pending.file != file:
            self._flush(name)
            pending = None
        if pending is None:
            pending = self._pending[name] = _Pending(file=file, name=frame, metadata=metadata)
        before = dict(pending.rows)
        for table, columns in tables.items():
            rows = len(next(iter(columns.values()))) if columns else 0
            pending.rows[table] = pending.rows.get(table, 0) + rows
            if table not in keep:
                continue
            shifted = dict(columns)
            for column, target in indices.get(table, {}).items():
                offset = before.get(target, 0)
                if offset:
                    values = shifted[column]
                    shifted[column] = np.where(values >= 0, values + offset, values).astype(
                        values.dtype
                    )
            pending.chunks.setdefault(table, []).append(shifted)
            pending.types[table] = types[table]
            pending.size += sum(a.nbytes for a in shifted.values())
        if pending.size >= max_df_size:
            self._flush(name)

    def _flush(self, name: str) -> None:
        pending = self._pending.pop(name)
        out = self._derived.get(name)
        if out is None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            out = uproot.recreate(self.output_dir / name, compression=uproot.LZ4(1))
            for key, value in pending.metadata.items():
                out[f"{layout.METADATA}/{key}"] = value
            self._derived[name] = out
        for table, chunks in pending.chunks.items():
            types = pending.types[table]
            columns = {c: np.concatenate([chunk[c] for chunk in chunks]) for c in types}
            tree = out.mktree(f"{pending.name}/{table}", dict(types), title=table)
            tree.extend(columns)

    def write_results(self, results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """Write AnalysisResults.root, flush and close every derived file; return output names."""
        for name in list(self._pending):
            self._flush(name)
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
