"""Embedded wagons in a real configuration repository: option errors at their lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hyperloop_gitops.config import checks, load_repository
from hyperloop_gitops.runtime.validation import check_embedded_wagons

ROOT = Path(__file__).resolve().parents[2]

WAGON = """\
name: pt-spectrum
workflow: pt-spectrum
configuration:
  pt-spectrum:
    etaMax: two
    ptBins: {bins: 0, min: 0.0, max: 10.0}
dependencies: [service-common/event-selection, service-common/track-selection]
subwagons:
  - name: narrow-eta
    configuration:
      pt-spectrum: {etaMx: 0.5}
derived_data: {kind: standard, tables: [O2dttrack]}
enabled:
  - {dataset: LHC22o_pass6, tag: daily-20261127-0000-1}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    monkeypatch.setattr(checks, "EXTRA_CHECKS", [check_embedded_wagons])
    return tmp_path


def test_option_errors_point_at_their_lines(repo: Path) -> None:
    (repo / "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml").write_text(WAGON)
    (repo / "config/analyses/pwglf-spectra/wagons/phi-meson.yaml").unlink()
    result = load_repository(repo)
    file = "config/analyses/pwglf-spectra/wagons/pt-spectrum.yaml"
    assert [d.format() for d in result.diagnostics if d.file == file] == [
        f"{file}:5:13: error: configuration.pt-spectrum.etaMax: expected a number, found 'two'",
        # the model's shape check reports this one; the task's check does not repeat it
        f"{file}:6:20: error: configuration.pt-spectrum.ptBins.bins: expected a positive whole "
        "number, found the number 0",
        f"{file}:11:21: error: subwagons[0].configuration.pt-spectrum.etaMx: "
        "unknown option 'etaMx' (did you mean 'etaMax'?)",
        f"{file}:12:15: error: derived_data: task pt-spectrum writes no derived data",
    ]


def test_the_example_configuration_fits_the_tasks(repo: Path) -> None:
    result = load_repository(repo)
    assert [d.format() for d in result.diagnostics] == []
