"""Third-party tasks: an entry point of another distribution, and the docs' example task."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import uproot

from hyperloop_gitops.runtime import registry
from hyperloop_gitops.runtime.fullconfig import parse_full_config
from hyperloop_gitops.runtime.train import run_train

from .conftest import full_config, wagon

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution 'mean-pt-plugin' on sys.path whose entry point is the docs' example."""
    code = re.search(
        r"## Writing a task\n\n```python\n(.*?)```", (ROOT / "docs/runtime.md").read_text(), re.S
    )
    assert code is not None
    site = tmp_path / "site"
    (site / "meanpt_plugin").mkdir(parents=True)
    (site / "meanpt_plugin/__init__.py").write_text(code.group(1))
    info = site / "mean_pt_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mean-pt-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[hyperloop_gitops.tasks]\nmean-pt = meanpt_plugin:MeanPt\n"
    )
    monkeypatch.syspath_prepend(str(site))
    registry.available_tasks.cache_clear()
    yield site
    registry.available_tasks.cache_clear()


def test_a_task_registered_by_another_distribution_runs(
    plugin: Path, tmp_path: Path, dataset: list[Path]
) -> None:
    assert registry.available_tasks()["mean-pt"] == "meanpt_plugin:MeanPt"
    assert registry.check_configuration("mean-pt", {"minTrack": 3}) == [
        (("minTrack",), "unknown option 'minTrack' (did you mean 'minTracks'?)")
    ]
    config = full_config(wagon("a/mean", "mean-pt", options={"minTracks": 3}))
    report = run_train(parse_full_config(config), dataset, tmp_path / "out")
    assert "mean-pt" in report["devices"]
    with uproot.open(tmp_path / "out/AnalysisResults.root") as f:
        values = f["mean-pt/hMeanPt"].values()
    assert 1000 < values.sum() <= 1600  # selected collisions with >= 3 tracks, of 1600
