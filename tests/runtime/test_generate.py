from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import uproot

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.generate import (
    GeneratorError,
    collisions_for_size,
    dataframe_name,
    generate_files,
)


def _frames(path: Path) -> list[str]:
    with uproot.open(path) as f:
        return [k for k in f.keys(recursive=False, cycle=False) if k.startswith("DF_")]


def _arrays(path: Path) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    with uproot.open(path) as f:
        for df in _frames(path):
            for tree in f[df].keys(cycle=False):
                out[f"{df}/{tree}"] = f[f"{df}/{tree}"].arrays(library="np")
    return out


def _generate(root: Path, runs: list[int], seed: int = 3, **kwargs: object) -> list[Path]:
    args: dict[str, object] = {
        "period": "LHC22o",
        "pass_name": "apass6",
        "runs": runs,
        "files_per_run": 2,
        "dataframes_per_file": 2,
        "collisions_per_dataframe": 50,
        "seed": seed,
    }
    args.update(kwargs)
    return generate_files(root, **args)  # type: ignore[arg-type]


def test_alice_layout_trees_and_metadata(tmp_path: Path) -> None:
    files = _generate(tmp_path, [526712, 526714])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "LHC22o/526712/apass6/0001/AO2D.root",
        "LHC22o/526712/apass6/0002/AO2D.root",
        "LHC22o/526714/apass6/0001/AO2D.root",
        "LHC22o/526714/apass6/0002/AO2D.root",
    ]
    assert _frames(files[1]) == [dataframe_name(526712, 2, 1), dataframe_name(526712, 2, 2)]
    assert _frames(files[1]) == ["DF_52671200020001", "DF_52671200020002"]
    with uproot.open(files[0]) as f:
        df = _frames(files[0])[0]
        assert {
            k: v
            for k, v in f.classnames(recursive=True, cycle=False).items()
            if k.startswith(df + "/")
        } == {f"{df}/{t}": "TTree" for t in layout.DATA_TABLES}
        for tree, columns in layout.DATA_TABLES.items():
            branches = f[f"{df}/{tree}"]
            assert branches.keys() == list(columns), tree
            assert {k: str(b.dtype) for k, b in branches.arrays(library="np").items()} == {
                k: str(np.dtype(t)) for k, t in columns.items()
            }
        meta = {k: str(f[f"metaData/{k}"]) for k in f["metaData"].keys(cycle=False)}
    assert meta["DataType"] == "RAW"
    assert meta["RunNumber"] == "526712"
    assert meta["RecoPassName"] == "apass6"
    assert meta["LPMProductionTag"] == "LHC22o"
    assert meta["Run"] == "3"


def test_index_columns_are_consistent(tmp_path: Path) -> None:
    (path,) = _generate(tmp_path, [526712], files_per_run=1, dataframes_per_file=1)
    a = _arrays(path)
    df = _frames(path)[0]
    bc, col, trk, extra = (a[f"{df}/{t}"] for t in layout.DATA_TABLES)
    assert np.array_equal(col["fIndexBCs"], np.arange(50))
    assert np.all(bc["fRunNumber"] == 526712)
    assert np.all(np.diff(bc["fGlobalBC"].astype(np.int64)) > 0)
    index = trk["fIndexCollisions"]
    assert np.all(np.diff(index) >= 0), "tracks are sorted by collision"
    assert index.min() >= -1 and index.max() < 50
    assert len(extra["fTPCSignal"]) == len(index), "trackextra is row-aligned with tracks"


def test_same_seed_same_arrays_other_seed_other_arrays(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a", [526712])
    again = _generate(tmp_path / "b", [526712, 526714])  # neighbours do not change a file
    other = _generate(tmp_path / "c", [526712], seed=4)
    for one, two in zip(first, again[:2], strict=True):
        x, y = _arrays(one), _arrays(two)
        assert x.keys() == y.keys()
        for key in x:
            for column in x[key]:
                assert np.array_equal(x[key][column], y[key][column]), (key, column)
    x, z = _arrays(first[0]), _arrays(other[0])
    key = next(k for k in x if k.endswith(layout.TRACK))
    assert not np.array_equal(x[key]["fSigned1Pt"][:20], z[key]["fSigned1Pt"][:20])


def test_distributions_are_plausible(dataset: list[Path]) -> None:
    vz, mult, eta, pt = [], [], [], []
    for path in dataset:
        for key, arrays in _arrays(path).items():
            if key.endswith(layout.COLLISION):
                vz.append(arrays["fPosZ"])
            if key.endswith(layout.TRACK):
                index = arrays["fIndexCollisions"]
                mult.append(np.bincount(index[index >= 0], minlength=400))
                eta.append(np.arcsinh(arrays["fTgl"][index >= 0]))
                pt.append(1.0 / np.abs(arrays["fSigned1Pt"]))
    z, n, e, p = (np.concatenate(v) for v in (vz, mult, eta, pt))
    assert z.size == 1600
    assert 5.5 < z.std() < 6.5
    assert abs(z.mean()) < 0.5
    assert 13.0 < n.mean() < 16.5  # 14 primaries + 0.3 x 2 decay daughters on average
    assert n.var() > 2 * n.mean(), "negative binomial: wider than Poisson"
    assert np.mean(np.abs(e) < 0.9) > 0.97
    assert 0.35 < np.median(p) < 0.45  # Levy-Tsallis, T = 0.16 GeV, n = 7
    assert np.mean(p > 2.0) < 0.05


def test_mc_adds_generated_particles_and_labels(tmp_path: Path) -> None:
    (path,) = _generate(
        tmp_path, [526712], files_per_run=1, dataframes_per_file=1, data_type="mc", anchor="LHC22o"
    )
    a = _arrays(path)
    df = _frames(path)[0]
    assert {k.split("/")[1] for k in a} == set(layout.DATA_TABLES) | set(layout.MC_TABLES)
    labels = a[f"{df}/{layout.MC_TRACK_LABEL}"]["fIndexMcParticles"]
    particles = a[f"{df}/{layout.MC_PARTICLE}"]
    tracks = a[f"{df}/{layout.TRACK}"]
    assert len(labels) == len(tracks["fSigned1Pt"]) == len(particles["fPdgCode"])
    assert set(np.unique(np.abs(particles["fPdgCode"]))) <= {211, 321, 2212}
    with uproot.open(path) as f:
        assert str(f["metaData/DataType"]) == "MC"
        assert str(f["metaData/AnchorProduction"]) == "LHC22o"


def test_bad_arguments_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match=r"^files_per_run must be at least 1, found 0$"):
        _generate(tmp_path, [1], files_per_run=0)
    with pytest.raises(GeneratorError, match=r"^invalid period or pass name '\.\./x'$"):
        _generate(tmp_path, [1], pass_name="../x")
    with pytest.raises(GeneratorError, match=r"^no runs to generate$"):
        _generate(tmp_path, [])


def test_collisions_for_size_hits_the_requested_size(tmp_path: Path) -> None:
    collisions = collisions_for_size(2.0, runs=1, files_per_run=2, dataframes_per_file=2)
    files = _generate(tmp_path, [526712], collisions_per_dataframe=collisions)
    size = sum(p.stat().st_size for p in files)
    assert 1.6e6 < size < 2.4e6
