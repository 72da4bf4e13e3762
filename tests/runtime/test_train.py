"""The train's outputs against an independent numpy computation on the same files."""

from __future__ import annotations

import itertools
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uproot

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.runtime.fullconfig import parse_full_config
from hyperloop_gitops.runtime.train import run_train

from .conftest import full_config, wagon

KAON = 0.493677


def frames(files: list[Path]) -> Iterator[dict[str, dict[str, np.ndarray]]]:
    """Every data frame, all columns, read with plain uproot."""
    for path in files:
        with uproot.open(path) as f:
            for df in [k for k in f.keys(recursive=False, cycle=False) if k.startswith("DF_")]:
                yield {t: f[f"{df}/{t}"].arrays(library="np") for t in f[df].keys(cycle=False)}


def selections(frame: dict[str, dict[str, np.ndarray]], **cuts: float) -> dict[str, np.ndarray]:
    """Event and track selection with the default cuts, computed here from the raw columns."""
    c = frame["O2collision_001"]
    trk, ext = frame["O2track_iu"], frame["O2trackextra_002"]
    event = (np.abs(c["fPosZ"]) < cuts.get("vertexZMax", 10.0)) & (c["fNumContrib"] >= 1)
    pt = 1.0 / np.abs(trk["fSigned1Pt"].astype(np.float64))
    eta = np.arcsinh(trk["fTgl"].astype(np.float64))
    phi = np.mod(np.arcsin(trk["fSnp"].astype(np.float64)) + trk["fAlpha"], 2 * np.pi)
    found = ext["fTPCNClsFindable"].astype(int) - ext["fTPCNClsFindableMinusFound"]
    its = sum(((ext["fITSClusterSizes"] >> (4 * layer)) & 15) > 0 for layer in range(7))
    track = (
        (pt >= cuts.get("ptMin", 0.15))
        & (np.abs(eta) < 0.8)
        & (found >= 70)
        & (ext["fTPCChi2NCl"] <= 4.0)
        & (its >= 4)
    )
    index = trk["fIndexCollisions"]
    in_event = np.array([i >= 0 and event[i] for i in index], dtype=bool)
    return {"event": event, "good": track & in_event, "pt": pt, "eta": eta, "phi": phi}


def kaon_pair_masses(
    frame: dict[str, dict[str, np.ndarray]], s: dict[str, np.ndarray], *, n_sigma: float
) -> tuple[list[float], list[float]]:
    """Opposite- and like-sign masses of every pair of kaon candidates (selected tracks within
    ``n_sigma`` of the kaon TPC dE/dx) in one collision, one pair at a time."""
    extra = frame["O2trackextra_002"]
    bg2 = (extra["fTPCInnerParam"].astype(np.float64) / KAON) ** 2
    expected = 50.0 / 1.6 * (1 + bg2) / bg2 * (0.6 + 0.1 * np.log1p(bg2))
    kaon = s["good"] & (np.abs(extra["fTPCSignal"] - expected) < n_sigma * 0.06 * expected)
    index = frame["O2track_iu"]["fIndexCollisions"]
    sign = np.sign(frame["O2track_iu"]["fSigned1Pt"])
    unlike: list[float] = []
    like: list[float] = []
    for collision in np.unique(index[kaon]):
        for i, j in itertools.combinations(np.flatnonzero(kaon & (index == collision)), 2):
            four = []
            for k in (i, j):
                px = s["pt"][k] * np.cos(s["phi"][k])
                py = s["pt"][k] * np.sin(s["phi"][k])
                pz = s["pt"][k] * np.sinh(s["eta"][k])
                four.append((np.sqrt(px**2 + py**2 + pz**2 + KAON**2), px, py, pz))
            e, x, y, z = (four[0][n] + four[1][n] for n in range(4))
            mass = float(np.sqrt(max(e**2 - x**2 - y**2 - z**2, 0.0)))
            (unlike if sign[i] != sign[j] else like).append(mass)
    return unlike, like


def results(path: Path) -> dict[str, Any]:
    with uproot.open(path) as f:
        return {k: f[k] for k in f.keys(cycle=False) if "/" in k}


def run(tmp_path: Path, dataset: list[Path], config: dict[str, Any]) -> dict[str, Any]:
    return run_train(parse_full_config(config), dataset, tmp_path)


def test_histograms_equal_an_independent_numpy_computation(
    tmp_path: Path, dataset: list[Path]
) -> None:
    config = full_config(
        wagon("lf/pt", "pt-spectrum"),
        wagon(
            "lf/pt",
            "pt-spectrum",
            suffix="tight",
            options={"etaMax": 0.5, "ptBins": {"edges": [0, 0.5, 1, 2, 5]}},
        ),
        wagon("lf/qa", "eta-phi-qa"),
        wagon("lf/mult", "multiplicity"),
        wagon("lf/phi", "pair-invariant-mass"),
    )
    report = run(tmp_path, dataset, config)
    h = results(tmp_path / "AnalysisResults.root")
    pt_all, pt_tight, eta, phi, mult, contrib, masses_os, masses_ls = [], [], [], [], [], [], [], []
    events = 0
    for frame in frames(dataset):
        s = selections(frame)
        good = s["good"]
        pt_all.append(s["pt"][good])
        pt_tight.append(s["pt"][good & (np.abs(s["eta"]) < 0.5)])
        eta.append(s["eta"][good])
        phi.append(s["phi"][good])
        events += int(s["event"].sum())
        index = frame["O2track_iu"]["fIndexCollisions"]
        for collision in np.flatnonzero(s["event"]):
            mult.append(int(np.sum(good & (index == collision))))
            contrib.append(int(frame["O2collision_001"]["fNumContrib"][collision]))
        unlike, like = kaon_pair_masses(frame, s, n_sigma=3.0)
        masses_os += unlike
        masses_ls += like

    def same(name: str, values: list[np.ndarray] | list[float], edges: np.ndarray) -> None:
        expected, _ = np.histogram(
            np.concatenate(values) if isinstance(values[0], np.ndarray) else values, bins=edges
        )
        assert np.array_equal(h[name].values(), expected), name

    same("pt-spectrum/hPt", pt_all, np.linspace(0, 10, 101))
    same("pt-spectrum_tight/hPt", pt_tight, np.array([0, 0.5, 1, 2, 5]))
    same("eta-phi-qa/hEta", eta, np.linspace(-0.9, 0.9, 37))
    same("eta-phi-qa/hPhi", phi, np.linspace(0, 2 * np.pi, 73))
    expected_2d, _, _ = np.histogram2d(
        np.concatenate(eta),
        np.concatenate(phi),
        bins=[np.linspace(-0.9, 0.9, 37), np.linspace(0, 2 * np.pi, 73)],
    )
    assert np.array_equal(h["eta-phi-qa/hEtaPhi"].values(), expected_2d)
    same("multiplicity/hMultiplicity", [np.array(mult)], np.linspace(-0.5, 99.5, 101))
    same("multiplicity/hNumContrib", [np.array(contrib)], np.linspace(-0.5, 99.5, 101))
    same("pair-invariant-mass/hMassUnlikeSign", [np.array(masses_os)], np.linspace(0.98, 1.12, 141))
    same("pair-invariant-mass/hMassLikeSign", [np.array(masses_ls)], np.linspace(0.98, 1.12, 141))
    assert h["pt-spectrum/hEvents"].values().tolist() == [events]
    assert h["pt-spectrum/hPt"].classname == "TH1D"
    assert h["eta-phi-qa/hEtaPhi"].classname == "TH2D"
    assert h["pt-spectrum/hPt"].member("fXaxis").member("fTitle") == "p_{T} (GeV/c)"
    assert sum(len(v) for v in pt_all) > 5000, "the data is not trivially small"
    assert report["collisions"] == 1600


def test_the_resonance_peak_stands_out(tmp_path: Path, dataset: list[Path]) -> None:
    run(tmp_path, dataset, full_config(wagon("lf/phi", "pair-invariant-mass")))
    h = results(tmp_path / "AnalysisResults.root")
    unlike = h["pair-invariant-mass/hMassUnlikeSign"].values()
    like = h["pair-invariant-mass/hMassLikeSign"].values()
    centres = h["pair-invariant-mass/hMassUnlikeSign"].axis().centers()
    peak = centres[np.argmax(unlike - like)]
    assert 1.015 < peak < 1.024
    window = np.abs(centres - 1.0195) < 0.004
    sideband = (centres > 1.04) & (centres < 1.1)  # above: below, the phase space closes
    assert unlike[window].mean() > 2.5 * unlike[sideband].mean()


def test_each_column_is_read_once_per_data_frame(
    tmp_path: Path, dataset: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, tuple[str, ...]]] = []
    original = uproot.behaviors.TBranch.HasBranches.arrays

    def counting(self: Any, expressions: Any = None, *args: Any, **kwargs: Any) -> Any:
        calls.append((self.name, tuple(expressions)))
        return original(self, expressions, *args, **kwargs)

    monkeypatch.setattr(uproot.behaviors.TBranch.HasBranches, "arrays", counting)
    tasks = ["pt-spectrum", "eta-phi-qa", "multiplicity", "pair-invariant-mass", "derived-tracks"]
    config = full_config(*(wagon(f"a/{t}", t) for t in tasks))
    report = run(tmp_path, dataset, config)
    frames_read = report["dataframes"]
    assert frames_read == 4
    per_column = Counter((tree, column) for tree, columns in calls for column in columns)
    assert set(per_column.values()) == {frames_read}
    assert Counter(tree for tree, _ in calls) == {
        "O2bc_001": 4,
        "O2collision_001": 4,
        "O2track_iu": 4,
        "O2trackextra_002": 4,
    }
    assert sorted(c for t, c in per_column if t == "O2track_iu") == sorted(
        ["fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha"]
    )
    assert report["columns"]["O2bc_001"] == ["fTriggerMask"]


def test_subwagons_get_their_own_directory_and_configuration(
    tmp_path: Path, dataset: list[Path]
) -> None:
    config = full_config(
        wagon("lf/pt", "pt-spectrum"),
        wagon("lf/pt", "pt-spectrum", suffix="tight", options={"etaMax": 0.3}),
        wagon("lf/pt", "pt-spectrum", suffix="wide", options={"etaMax": 2.0}),
    )
    run(tmp_path, dataset, config)
    h = results(tmp_path / "AnalysisResults.root")
    assert sorted({k.split("/")[0] for k in h}) == [
        "event-selection",
        "pt-spectrum",
        "pt-spectrum_tight",
        "pt-spectrum_wide",
        "track-selection",
    ]
    base, tight, wide = (
        h[f"{d}/hPt"].values().sum()
        for d in ("pt-spectrum", "pt-spectrum_tight", "pt-spectrum_wide")
    )
    assert tight < 0.5 * base
    assert wide == base, "track selection's |eta| < 0.8 still applies"


@pytest.mark.parametrize(
    ("max_df_size", "frames_per_df"),
    [(None, 2), (0, 1)],  # default 100 MB: the two frames of each input file merge; 0: 1 to 1
)
def test_derived_data_is_a_readable_ao2d(
    tmp_path: Path, dataset: list[Path], max_df_size: int | None, frames_per_df: int
) -> None:
    limit = {} if max_df_size is None else {"max_df_size": max_df_size}
    config = full_config(
        wagon("lf/dt", "derived-tracks", derived={"kind": "standard", **limit}),
        wagon(
            "lf/dt",
            "derived-tracks",
            suffix="collonly",
            derived={"kind": "slim", "tables": ["O2dtcollision"]},
        ),
        wagon("lf/pt", "pt-spectrum"),
    )
    report = run(tmp_path, dataset, config)
    assert report["outputs"] == ["AnalysisResults.root", "AO2D.root", "AO2D_collonly.root"]
    pt_all, vz_all, mult_all = [], [], []
    input_frames = []
    for path in dataset:
        with uproot.open(path) as f:
            input_frames += [k for k in f.keys(recursive=False, cycle=False) if k.startswith("DF_")]
    for frame in frames(dataset):
        s = selections(frame)
        pt_all.append(s["pt"][s["good"]])
        index = frame["O2track_iu"]["fIndexCollisions"][s["good"]]
        mult = np.bincount(index, minlength=len(s["event"]))
        vz_all.append(frame["O2collision_001"]["fPosZ"][mult > 0])
        mult_all.append(mult[mult > 0])
    with uproot.open(tmp_path / "AO2D.root") as f:
        dfs = [k for k in f.keys(recursive=False, cycle=False) if k.startswith("DF_")]
        assert dfs == input_frames[::frames_per_df]  # an output DF is named after its first input
        assert f.classnames(recursive=True, cycle=False)[f"{dfs[0]}/O2dttrack"] == "TTree"
        assert str(f["metaData/DataType"]) == "RAW"
        tracks = [f[f"{d}/O2dttrack"].arrays(library="np") for d in dfs]
        collisions = [f[f"{d}/O2dtcollision"].arrays(library="np") for d in dfs]
    got = np.concatenate([t["fPt"] for t in tracks])
    assert np.array_equal(got, np.concatenate(pt_all).astype(np.float32))
    assert np.array_equal(np.concatenate([c["fPosZ"] for c in collisions]), np.concatenate(vz_all))
    for t, c in zip(tracks, collisions, strict=True):
        # Indices point into the same output DF's collisions, also after merging.
        assert np.array_equal(
            np.bincount(t["fIndexDtCollisions"], minlength=len(c["fPosZ"])), c["fMultiplicity"]
        )
    assert np.array_equal(
        np.concatenate([c["fMultiplicity"] for c in collisions]), np.concatenate(mult_all)
    )
    with uproot.open(tmp_path / "AO2D_collonly.root") as f:
        assert sorted(
            {k.split("/")[-1] for k in f.keys(cycle=False) if k.startswith("DF_") and "/" in k}
        ) == ["O2dtcollision"]


def test_runtime_report(tmp_path: Path, dataset: list[Path]) -> None:
    report = run(tmp_path, dataset, full_config(wagon("lf/pt", "pt-spectrum", suffix="x")))
    tracks = sum(len(f["O2track_iu"]["fSigned1Pt"]) for f in frames(dataset))
    assert (report["events"], report["collisions"], report["tracks"]) == (1600, 1600, tracks)
    assert report["input_files"] == [str(p) for p in dataset]
    assert list(report["devices"]) == [
        "internal-dpl-aod-reader",
        "event-selection",
        "track-selection",
        "pt-spectrum_x",
        "internal-dpl-aod-writer",
    ]
    for device in report["devices"].values():
        samples = device["samples"]
        assert len(samples) >= 2
        assert samples[-1][1] == pytest.approx(device["cpu_s"], abs=1e-6)
        assert all(b[0] >= a[0] and b[1] >= a[1] for a, b in itertools.pairwise(samples))
    assert report["devices"]["internal-dpl-aod-reader"]["cpu_s"] > 0
    assert 0 < report["bytes_read"] < sum(p.stat().st_size for p in dataset)
    assert report["wall_s"] > 0


@pytest.mark.parametrize(
    ("wagons", "message"),
    [
        (
            [wagon("lf/pt", "pt-spectrum", dependencies=[])],
            "wagon lf/pt: task pt-spectrum needs 'collision.selected', which none of its "
            "dependencies produces (add a dependency on a wagon running event-selection)\n"
            "wagon lf/pt: task pt-spectrum needs 'track.selected', which none of its "
            "dependencies produces (add a dependency on a wagon running track-selection)",
        ),
        (
            [
                wagon("lf/pt", "pt-spectrm"),
                wagon("lf/x", "pt-spectrum", options={"etaMx": 1, "ptBins": 3}),
            ],
            "wagon lf/pt: unknown task 'pt-spectrm' (did you mean 'pt-spectrum'?)\n"
            "wagon lf/x: configuration.pt-spectrum.etaMx: unknown option 'etaMx' "
            "(did you mean 'etaMax'?)\n"
            "wagon lf/x: configuration.pt-spectrum.ptBins: expected a binning {bins, min, max} "
            "or {edges: [...]}, found 3",
        ),
        (
            [wagon("lf/pt", "pt-spectrum", dependencies=["lf/nope"])],
            "wagon lf/pt depends on lf/nope, which is not in the train",
        ),
        (
            [wagon("a/x", "pt-spectrum"), wagon("b/y", "pt-spectrum")],
            "wagons a/x and b/y both run device 'pt-spectrum'",
        ),
        (
            [wagon("a/x", "pt-spectrum", derived={"kind": "standard"})],
            "wagon a/x: task pt-spectrum writes no derived data",
        ),
        (
            [wagon("a/x", "derived-tracks", derived={"tables": ["O2dtv0"]})],
            "wagon a/x: derived_data.tables: derived-tracks does not write O2dtv0 "
            "(it writes O2dtcollision, O2dttrack)",
        ),
    ],
)
def test_bad_trains_are_reported_whole(
    tmp_path: Path, dataset: list[Path], wagons: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(WorkflowError) as error:
        run(tmp_path, dataset, full_config(*wagons))
    assert str(error.value) == message


def test_dependency_cycle(tmp_path: Path, dataset: list[Path]) -> None:
    config = full_config(
        wagon("a/x", "pt-spectrum", dependencies=["a/y"]),
        wagon("a/y", "eta-phi-qa", dependencies=["a/x"]),
        with_service=False,
    )
    with pytest.raises(WorkflowError, match=r"^dependency cycle among wagons: a/x, a/y$"):
        run(tmp_path, dataset, config)


def test_dependencies_run_first_whatever_the_order(tmp_path: Path, dataset: list[Path]) -> None:
    config = full_config(wagon("lf/pt", "pt-spectrum"), with_service=False)
    config["wagons"] += full_config()["wagons"]
    report = run(tmp_path, dataset, config)
    assert list(report["devices"])[1:4] == ["event-selection", "track-selection", "pt-spectrum"]


def test_a_leaking_task_keeps_what_it_allocates(tmp_path: Path, dataset: list[Path]) -> None:
    config = full_config(
        wagon("qa/leak", "fault-injection", options={"leakMbPerChunk": 25.0}, dependencies=[])
    )
    tracemalloc.start()
    try:
        run(tmp_path, dataset, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 4 * 25e6  # four data frames, nothing released before the end


def test_tasks_cannot_change_the_shared_input(tmp_path: Path, dataset: list[Path]) -> None:
    from hyperloop_gitops.runtime.reader import Ao2dReader

    frame = next(iter(Ao2dReader(dataset, {"O2track_iu": ["fSigned1Pt"]})))
    with pytest.raises(ValueError, match="read-only"):
        frame.tables["O2track_iu"]["fSigned1Pt"][0] = 0.0


def test_products_come_from_the_wagons_own_dependencies(
    tmp_path: Path, dataset: list[Path]
) -> None:
    # Two wagons run track-selection (as the train builder names them: task, task_<wagon>);
    # each consumer gets the mask of the one it depends on.
    config = full_config(
        wagon(
            "dq/dq-cuts",
            "track-selection",
            suffix="dq-cuts",
            options={"ptMin": 1.0},
            dependencies=["service-common/event-selection"],
        ),
        wagon(
            "dq/pt", "pt-spectrum", dependencies=["service-common/event-selection", "dq/dq-cuts"]
        ),
        wagon("lf/pt", "pt-spectrum", suffix="lf"),
    )
    run(tmp_path, dataset, config)
    h = results(tmp_path / "AnalysisResults.root")
    edges = h["pt-spectrum/hPt"].axis().edges()
    dq, lf = h["pt-spectrum/hPt"].values(), h["pt-spectrum_lf/hPt"].values()
    assert dq[edges[:-1] < 1.0].sum() == 0 < dq.sum()
    assert lf[edges[:-1] < 1.0].sum() > 0
    assert np.array_equal(dq[edges[:-1] >= 1.0], lf[edges[:-1] >= 1.0])
