"""Reads AO2D files one data frame at a time, each needed column once.

The train asks for the union of its tasks' columns; the reader reads exactly those, per
``DF_`` directory, as numpy arrays, and counts what it read (reads per column, bytes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import uproot

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.fullconfig import InputError
from hyperloop_gitops.runtime.task import Frame


class Ao2dReader:
    """Iterate over ``Frame``s of ``files`` holding ``columns`` (tree -> branch names)."""

    def __init__(self, files: Sequence[Path], columns: Mapping[str, Sequence[str]]) -> None:
        self.files = list(files)
        self.columns = {table: list(cols) for table, cols in columns.items() if cols}
        self.reads: Counter[tuple[str, str]] = Counter()
        self.bytes_compressed = 0
        self.bytes_uncompressed = 0
        self.frames = 0
        self.rows: Counter[str] = Counter()
        self.metadata: dict[str, str] = {}

    def __iter__(self) -> Iterator[Frame]:
        for path in self.files:
            yield from self._read_file(path)

    def _read_file(self, path: Path) -> Iterator[Frame]:
        try:
            # Memory-mapped reads: no I/O thread, so the reader's CPU is all in this thread.
            handle = uproot.open(path, handler=uproot.MemmapSource)
        except FileNotFoundError as error:
            raise InputError(f"input file {path} does not exist") from error
        except (OSError, ValueError) as error:
            raise InputError(f"input file {path} is not a readable ROOT file: {error}") from error
        with handle:
            names = [
                k
                for k in handle.keys(recursive=False, cycle=False)
                if k.startswith(layout.DF_PREFIX)
            ]
            if not names:
                raise InputError(f"input file {path} has no DF_ directories (not an AO2D file?)")
            if not self.metadata and layout.METADATA in handle:
                meta = handle[layout.METADATA]
                self.metadata = {k: str(meta[k]) for k in meta.keys(cycle=False)}
            for name in names:
                yield self._read_frame(path, name, handle[name])

    def _read_frame(self, path: Path, name: str, directory: Any) -> Frame:
        tables = {}
        for table, columns in self.columns.items():
            if table not in directory:
                raise InputError(f"{path}: {name} has no tree {table}")
            tree = directory[table]
            missing = [c for c in columns if c not in tree]
            if missing:
                raise InputError(f"{path}: {name}/{table} has no branch {missing[0]}")
            arrays = tree.arrays(columns, library="np")
            for array in arrays.values():
                # Shared by every task of the train: one task must not change another's input.
                array.setflags(write=False)
            tables[table] = arrays
            for column in columns:
                branch = tree[column]
                self.bytes_compressed += branch.compressed_bytes
                self.bytes_uncompressed += branch.uncompressed_bytes
                self.reads[(table, column)] += 1
        for table in (layout.COLLISION, layout.TRACK):
            if table in directory:
                self.rows[table] += directory[table].num_entries
        self.frames += 1
        return Frame(file=str(path), name=name, tables=tables)
