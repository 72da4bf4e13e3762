"""The foundation benchmark's scale configuration, and a history of text edits over it.

Used by ``history_scale.py --scale foundation``: the initial configuration is the one
``validate_scale.py`` generates (thousands of analyses with realistic wagons, hundreds of
datasets and runlists); each later commit edits one file's text the way people do.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import validate_scale  # type: ignore[import-not-found]

_ETA = re.compile(r"(    etaMax: )[0-9.]+")
_ENTRY = re.compile(r"  - dataset: [^\n]+\n    tag: [^\n]+\n")
_EXCLUDE = re.compile(r"exclude_runs: \[[^\]]*\]")
_RUNS = re.compile(r"(runs: \[[^\]]*)\]")
_NAME = re.compile(r"^name: [^\n]+$", re.MULTILINE)


def initial_files(analyses: int, wagons: int, datasets: int, seed: int) -> dict[str, str]:
    """Every file of the foundation benchmark's configuration, by repository path."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        validate_scale.generate(root, analyses, wagons, datasets, seed)
        return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.yaml"))}


class Editor:
    """Picks and makes one edit; returns the commit message and fast-import operations."""

    def __init__(
        self, files: dict[str, str], rng: random.Random, put: Callable[[str, str], bytes]
    ) -> None:
        self.files, self.rng, self.put = files, rng, put
        self.wagons = [p for p in files if "/wagons/" in p]
        self.datasets = [p for p in files if p.startswith("config/datasets/")]
        self.runlists = [p for p in files if p.startswith("config/runlists/")]
        self.tags = validate_scale.TAGS

    def _write(self, path: str, text: str) -> list[bytes]:
        self.files[path] = text
        return [self.put(path, text)]

    def edit(self, n: int) -> tuple[str, list[bytes]]:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.70:
            path = rng.choice(self.wagons)
            text, what = self.files[path], rng.random()
            if what < 0.5:
                text = _ETA.sub(lambda m: f"{m[1]}{rng.uniform(0.5, 0.9):.2f}", text, count=1)
            elif what < 0.8:
                dataset = Path(rng.choice(self.datasets)).stem
                text += f"  - dataset: {dataset}\n    tag: {rng.choice(self.tags)}\n"
            else:
                entries = list(_ENTRY.finditer(text))
                if entries:
                    last = entries[-1]
                    text = text[: last.start()] + text[last.end() :]
            return f"Update {path}", self._write(path, text)
        if roll < 0.85:
            path = rng.choice(self.datasets)
            runs = ", ".join(str(rng.randrange(500_000, 562_000)) for _ in range(rng.randrange(4)))
            text = _EXCLUDE.sub(f"exclude_runs: [{runs}]", self.files[path], count=1)
            return f"Exclude runs in {path}", self._write(path, text)
        if roll < 0.95:
            path = rng.choice(self.runlists)
            text = _RUNS.sub(
                lambda m: f"{m[1]}, {rng.randrange(562_000, 600_000)}]", self.files[path], count=1
            )
            return f"Runlist {path}", self._write(path, text)
        old = rng.choice(self.wagons)
        new = old.replace(".yaml", f"-{n}.yaml")
        text = _NAME.sub(f"name: {Path(new).stem}", self.files[old], count=1)
        if roll < 0.98:
            del self.files[old]
            self.wagons[self.wagons.index(old)] = new
            return f"Rename {old}", [f"R {old} {new}\n".encode(), *self._write(new, text)]
        self.wagons.append(new)
        return f"Clone {old}", self._write(new, text)
