"""Where the reconciler keeps things under a repository: one place, so every command agrees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hyperloop_gitops.testing.store import DEFAULT_TESTS_DIR
from hyperloop_gitops.train.inputs import DATA_DIR


@dataclass(frozen=True)
class Layout:
    """The working folders of a deployment (all under ``.hyperloop/`` by default)."""

    root: Path
    """The repository root."""
    state_dir: Path
    tests_dir: Path
    data_dir: Path
    trains_dir: Path
    backend_dir: Path
    cache_dir: Path
    """What a plan keeps for the next one (``train.compositions``): an optimisation only."""

    @classmethod
    def for_repository(
        cls,
        root: Path,
        *,
        state_dir: Path | None = None,
        data_dir: Path | None = None,
        tests_dir: Path | None = None,
    ) -> Layout:
        base = root / ".hyperloop"
        return cls(
            root=root,
            state_dir=state_dir if state_dir is not None else base / "state",
            tests_dir=tests_dir if tests_dir is not None else root / DEFAULT_TESTS_DIR,
            data_dir=data_dir if data_dir is not None else root / DATA_DIR,
            trains_dir=base / "trains",
            backend_dir=base / "backend",
            cache_dir=base / "cache" / "reconcile",
        )

    @property
    def compositions_file(self) -> Path:
        return self.cache_dir / "compositions.json"

    def train_dir(self, train_id: str) -> Path:
        return self.trains_dir / train_id

    def job_dir(self, train_id: str, index: int) -> Path:
        return self.train_dir(train_id) / "jobs" / f"{index:04d}"

    def merged_dir(self, train_id: str) -> Path:
        return self.train_dir(train_id) / "merged"
