from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import awkward as ak
import hist
import numpy as np
import pytest
import uproot

from hyperloop_gitops.backends.merge import (
    MergeError,
    is_derived_file,
    merge_analysis_results,
    merge_derived,
    merge_folders,
)
from hyperloop_gitops.runtime.output import OutputWriter


def _results(path: Path, seed: int, bins: int = 20) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    pt = hist.Hist.new.Reg(bins, 0, 10, name="pt").Weight()
    pt.fill(rng.exponential(2.0, 500))
    eta_phi = hist.Hist.new.Reg(8, -1, 1).Reg(6, 0, 6.3).Weight()
    eta_phi.fill(rng.uniform(-1, 1, 300), rng.uniform(0, 6.3, 300))
    with uproot.recreate(path) as f:
        f["pt-spectrum/hPt"] = pt
        f["pt-spectrum/qa/hEtaPhi"] = eta_phi
        f["event-selection/hVtxZ"] = hist.Hist.new.Reg(4, -10, 10).Weight().fill([seed % 10 - 5])
    return {"pt": pt.values(), "etaphi": eta_phi.values(), "variances": pt.variances()}


def test_merged_histograms_are_the_sum_of_the_inputs(tmp_path: Path) -> None:
    inputs = [tmp_path / f"job{i}" / "AnalysisResults.root" for i in range(3)]
    expected = []
    for i, path in enumerate(inputs):
        path.parent.mkdir()
        expected.append(_results(path, seed=i))
    output = tmp_path / "merged" / "AnalysisResults.root"
    result = merge_analysis_results(inputs, output)
    assert (result.inputs, result.histograms, result.skipped) == (3, 3, [])
    with uproot.open(output) as merged:
        assert sorted(merged.keys(cycle=False, recursive=True)) == [
            "event-selection",
            "event-selection/hVtxZ",
            "pt-spectrum",
            "pt-spectrum/hPt",
            "pt-spectrum/qa",
            "pt-spectrum/qa/hEtaPhi",
        ]
        pt = merged["pt-spectrum/hPt"].to_hist()
        np.testing.assert_array_equal(pt.values(), sum(e["pt"] for e in expected))
        np.testing.assert_array_equal(pt.variances(), sum(e["variances"] for e in expected))
        np.testing.assert_array_equal(
            merged["pt-spectrum/qa/hEtaPhi"].values(), sum(e["etaphi"] for e in expected)
        )
        assert merged["event-selection/hVtxZ"].values().sum() == 3
    assert [p.name for p in output.parent.iterdir()] == ["AnalysisResults.root"]


def test_different_binning_is_an_error(tmp_path: Path) -> None:
    _results(tmp_path / "a.root", seed=1, bins=20)
    _results(tmp_path / "b.root", seed=2, bins=25)
    with pytest.raises(MergeError, match=r"b\.root:pt-spectrum/hPt: cannot add"):
        merge_analysis_results([tmp_path / "a.root", tmp_path / "b.root"], tmp_path / "o.root")
    assert not (tmp_path / "o.root").exists()


def test_a_non_root_input_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.root").write_text("not root")
    with pytest.raises(MergeError, match=r"bad\.root: not a readable ROOT file"):
        merge_analysis_results([tmp_path / "bad.root"], tmp_path / "o.root")


def _derived(path: Path, frames: dict[str, list[float]]) -> None:
    with uproot.recreate(path) as f:
        for df, values in frames.items():
            tracks = f.mktree(
                f"{df}/O2ptspectrum", {"fPt": "f4", "fIndexCollisions": "i4"}, title="O2ptspectrum"
            )
            tracks.extend(
                {"fPt": np.array(values, "f4"), "fIndexCollisions": np.zeros(len(values), "i4")}
            )
            jagged = f.mktree(
                f"{df}/O2bits",
                {"fBits": ak.types.from_datashape("var * int32", highlevel=False)},
                title="O2bits",
                counter_name=lambda name: f"{name}_size",
            )
            jagged.extend({"fBits": ak.Array([[1, 2], [], [int(values[0])]])})
        f["metaData"] = "not a dataframe"


def test_derived_dataframes_are_concatenated_with_unique_names(tmp_path: Path) -> None:
    _derived(tmp_path / "a.root", {"DF_1": [1.0, 2.0], "DF_7": [3.0]})
    _derived(tmp_path / "b.root", {"DF_1": [4.0, 5.0, 6.0]})
    output = tmp_path / "AO2D.root"
    result = merge_derived([tmp_path / "a.root", tmp_path / "b.root"], output)
    assert (result.dataframes, result.trees) == (3, 6)
    with uproot.open(output) as merged:
        assert sorted(k for k in merged.keys(cycle=False) if "/" not in k) == [
            "DF_1",
            "DF_7",
            "DF_8",
        ]
        assert merged["DF_8/O2ptspectrum"]["fPt"].array(library="np").tolist() == [4, 5, 6]
        assert merged["DF_7/O2ptspectrum"].title == "O2ptspectrum"
        bits = merged["DF_8/O2bits"]
        assert bits.keys() == ["fBits_size", "fBits"]
        assert bits["fBits"].array().tolist() == [[1, 2], [], [4]]


def test_merge_program_merges_folders(tmp_path: Path) -> None:
    for i in range(2):
        (tmp_path / f"j{i}").mkdir()
        _results(tmp_path / f"j{i}" / "AnalysisResults.root", seed=i)
        _derived(tmp_path / f"j{i}" / "AO2D.root", {"DF_1": [float(i + 1)]})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hyperloop_gitops.backends.merge",
            str(tmp_path / "out"),
            str(tmp_path / "j0"),
            str(tmp_path / "j1"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"{tmp_path}/out/AnalysisResults.root: 2 inputs, 3 histograms, 0 dataframes, 0 trees"
    )
    assert done.stdout.splitlines()[1] == (
        f"{tmp_path}/out/AO2D.root: 2 inputs, 0 histograms, 2 dataframes, 4 trees"
    )
    assert merge_folders([tmp_path / "nothing"], tmp_path / "o2") == []


def test_a_subwagons_derived_file_is_merged_under_its_own_name(tmp_path: Path) -> None:
    for i in range(2):
        (tmp_path / f"j{i}").mkdir()
        _derived(tmp_path / f"j{i}" / "AO2D.root", {"DF_1": [float(i)]})
        _derived(tmp_path / f"j{i}" / "AO2D_tight.root", {"DF_1": [10.0 + i, 20.0 + i]})
    (tmp_path / "j1" / "AO2D_old.root.tmp").write_bytes(b"not an output")
    results = merge_folders([tmp_path / "j0", tmp_path / "j1"], tmp_path / "out")
    assert [(r.output.name, r.inputs, r.dataframes) for r in results] == [
        ("AO2D.root", 2, 2),
        ("AO2D_tight.root", 2, 2),
    ]
    with uproot.open(tmp_path / "out" / "AO2D_tight.root") as merged:
        assert merged["DF_2/O2ptspectrum"]["fPt"].array(library="np").tolist() == [11.0, 21.0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["AO2D.root", "AO2D_tight.root"]
    # the names the runtime writes are the names the merge looks for
    assert all(is_derived_file(OutputWriter.derived_file_name(s)) for s in ("", "tight", "a_b"))
    assert [is_derived_file(n) for n in ("AO2D.root", "AO2D_a_b.root", "AO2D_.root", "x.root")] == [
        True,
        True,
        False,
        False,
    ]
