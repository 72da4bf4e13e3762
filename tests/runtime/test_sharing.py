"""Work shared between the wagons of a train never changes what a wagon gets.

Tasks share per-frame work through ``FrameView.cached`` (kinematics, selected tracks of
subwagons that differ only in binning, track pairs); these tests check that each wagon's
outputs in a train are exactly those it gets alone, that the sharing really happens, and the
helpers that make it cheap against the plain numpy they replace.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import hist
import numpy as np
import pytest
import uproot

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.runtime import pairing
from hyperloop_gitops.runtime.fullconfig import parse_full_config
from hyperloop_gitops.runtime.kinematics import COLLISION_SELECTED, TRACK_SELECTED, wrap_angle
from hyperloop_gitops.runtime.reader import Ao2dReader
from hyperloop_gitops.runtime.task import Frame, FrameView, Task, TaskHist, fixed
from hyperloop_gitops.runtime.train import build_instances, run_train

from .conftest import full_config, wagon
from .test_train import KAON, frames, kaon_pair_masses, selections

PAIRS = "pair-invariant-mass"


def _bins(bins: int, low: float, high: float) -> dict[str, float]:
    return {"bins": bins, "min": low, "max": high}


# The benchmark's ten wagons (benchmarks/train_sharing.py), then pair wagons whose cuts make
# them share or filter one another's pairs, in an order where the loosest is not built first.
TEN = [
    wagon("lf/pt", "pt-spectrum"),
    wagon("lf/pt", "pt-spectrum", suffix="tight", options={"etaMax": 0.5}),
    wagon("lf/pt", "pt-spectrum", suffix="fine", options={"ptBins": _bins(400, 0, 10)}),
    wagon("pp/qa", "eta-phi-qa"),
    wagon("pp/qa", "eta-phi-qa", suffix="fine", options={"etaBins": _bins(90, -0.9, 0.9)}),
    wagon("cf/mult", "multiplicity"),
    wagon("cf/mult", "multiplicity", suffix="wide", options={"multBins": _bins(200, -0.5, 199.5)}),
    wagon("lf/phi", PAIRS),
    wagon("lf/phi", PAIRS, suffix="tight", options={"nSigmaTPC": 2.0}),
    wagon("lf/dt", "derived-tracks", options={"ptMin": 0.5}, derived={"kind": "standard"}),
]
PAIR_VARIANTS = [
    wagon("lf/phi", PAIRS, suffix="t2", options={"nSigmaTPC": 2.0}),
    wagon("lf/phi", PAIRS),
    wagon("lf/phi", PAIRS, suffix="t1", options={"nSigmaTPC": 1.0, "pairPtMin": 1.0}),
    wagon("lf/phi", PAIRS, suffix="all", options={"nSigmaTPC": 0.0, "unlikeSignOnly": True}),
    wagon("lf/phi", PAIRS, suffix="t25", options={"nSigmaTPC": 2.5}),
    wagon("lf/rho", PAIRS, suffix="pion", options={"daughterMass": 0.13957, "nSigmaTPC": 2.0}),
]


def contents(directory: Path) -> dict[str, Any]:
    """Every histogram (with flow bins and sums of weights) and derived tree of a run."""
    out: dict[str, Any] = {}
    for path in sorted(directory.glob("*.root")):
        with uproot.open(path) as f:
            for key, classname in f.classnames(cycle=False).items():
                if classname.startswith("TH"):
                    h = f[key]
                    out[f"{path.name}:{key}"] = [
                        h.values(flow=True).tolist(),
                        h.variances(flow=True).tolist(),
                        h.member("fEntries"),
                    ]
                elif classname == "TTree":
                    arrays = f[key].arrays(library="np")
                    out[f"{path.name}:{key}"] = {c: a.tolist() for c, a in arrays.items()}
    return out


def run(directory: Path, dataset: list[Path], *wagons: dict[str, Any]) -> dict[str, Any]:
    run_train(parse_full_config(full_config(*wagons)), dataset, directory)
    return contents(directory)


@pytest.mark.parametrize("mix", [TEN, PAIR_VARIANTS], ids=["benchmark-ten", "pair-variants"])
def test_each_wagon_gets_in_a_train_exactly_what_it_gets_alone(
    tmp_path: Path, dataset: list[Path], mix: list[dict[str, Any]]
) -> None:
    together = run(tmp_path / "train", dataset, *mix)
    for n, one in enumerate(mix):
        device = one["workflow"] + (f"_{one['suffix']}" if one["suffix"] else "")
        alone = run(tmp_path / f"alone{n}", dataset, one)
        mine = {k: v for k, v in alone.items() if f":{device}/" in k or k.startswith("AO2D")}
        assert mine, device
        assert {k: together[k] for k in mine} == mine, device


def test_the_ten_wagons_fill_what_they_would_without_sharing(
    tmp_path: Path, dataset: list[Path]
) -> None:
    # The subwagons that share their selected tracks with the base wagon (same cut, other
    # binning) see as many entries, and the train of ten has every histogram filled.
    h = run(tmp_path, dataset, *TEN)
    entries = {k.split(":")[1]: v[2] for k, v in h.items() if k.startswith("AnalysisResults")}
    assert entries["pt-spectrum_fine/hPt"] == entries["pt-spectrum/hPt"] > 5000
    assert entries["eta-phi-qa_fine/hEtaPhi"] == entries["eta-phi-qa/hEtaPhi"] > 5000
    assert entries["multiplicity_wide/hMultiplicity"] == entries["multiplicity/hMultiplicity"]
    assert entries["pt-spectrum_tight/hPt"] < 0.7 * entries["pt-spectrum/hPt"]
    assert 0 < entries[f"{PAIRS}_tight/hMassUnlikeSign"] < entries[f"{PAIRS}/hMassUnlikeSign"]


def test_a_tighter_pid_cut_is_filtered_from_the_pairs_already_built(
    tmp_path: Path, dataset: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[float] = []
    build = pairing._build

    def counting(view: FrameView, mass: float, cut: float) -> pairing.Pairs:
        builds.append(cut)
        return build(view, mass, cut)

    monkeypatch.setattr(pairing, "_build", counting)
    report = run_train(parse_full_config(full_config(*PAIR_VARIANTS)), dataset, tmp_path)
    # Per frame: kaons with 2 sigma (asked first), then 3 (looser: built), then no PID
    # (looser still: built); 1 and 2.5 sigma are filtered; pions are another mass.
    assert report["dataframes"] == 4
    assert builds == [2.0, 3.0, float("inf"), 2.0] * 4


def test_tight_pairs_equal_an_independent_numpy_computation(
    tmp_path: Path, dataset: list[Path]
) -> None:
    # The 2-sigma wagon runs after the 3-sigma one, so its pairs are the filtered ones.
    h = run(tmp_path, dataset, *TEN[7:9])
    masses: dict[bool, list[float]] = {True: [], False: []}
    for frame in frames(dataset):
        unlike, like = kaon_pair_masses(frame, selections(frame), n_sigma=2.0)
        masses[True] += unlike
        masses[False] += like
    edges = np.linspace(0.98, 1.12, 141)
    for unlike, name in ((True, "hMassUnlikeSign"), (False, "hMassLikeSign")):
        expected, _ = np.histogram(masses[unlike], bins=edges)
        got = h[f"AnalysisResults.root:{PAIRS}_tight/{name}"][0][1:-1]
        assert got == expected.tolist(), name
        assert sum(got) > 50, "the test is not trivially empty"


def _frame(dataset: list[Path], shuffle: int | None = None) -> Frame:
    """The first data frame with the selections made; ``shuffle``: tracks in a random order."""
    instances = build_instances(parse_full_config(full_config(wagon("lf/phi", PAIRS))))
    columns: dict[str, list[str]] = {}
    for instance in instances:
        for table, names in type(instance.task).reads.items():
            columns.setdefault(table, []).extend(n for n in names if n not in columns[table])
    frame = next(iter(Ao2dReader(dataset, columns)))
    if shuffle is not None:
        tracks = frame.tables["O2track_iu"]
        order = np.random.default_rng(shuffle).permutation(len(tracks["fSigned1Pt"]))
        tables = dict(frame.tables)
        for table in ("O2track_iu", "O2trackextra_002"):  # row-aligned: one permutation
            tables[table] = {c: a[order] for c, a in frame.tables[table].items()}
        frame = Frame(file=frame.file, name=frame.name, tables=tables)
    for instance in instances[:2]:  # the service wagons produce the selections
        instance.task.process(FrameView(frame, instance.task, instance.device, {}))
    return frame


def _view(frame: Frame) -> FrameView:
    task = build_instances(parse_full_config(full_config(wagon("lf/phi", PAIRS))))[2].task
    providers = {COLLISION_SELECTED: "event-selection", TRACK_SELECTED: "track-selection"}
    return FrameView(frame, task, PAIRS, providers)


@pytest.mark.parametrize("looser", [3.0, 0.0])
def test_filtered_pairs_are_the_pairs_of_a_fresh_build(dataset: list[Path], looser: float) -> None:
    shared = _view(_frame(dataset))
    parent = pairing.same_collision_pairs(shared, KAON, looser)
    filtered = pairing.same_collision_pairs(shared, KAON, 2.0)
    fresh = pairing.same_collision_pairs(_view(_frame(dataset)), KAON, 2.0)
    assert 0 < filtered.mass.size < parent.mass.size
    for field in ("first", "second", "mass", "pt", "unlike"):
        assert np.array_equal(getattr(filtered, field), getattr(fresh, field)), field
    assert pairing.same_collision_pairs(shared, KAON, 2.0) is filtered
    with pytest.raises(ValueError, match="read-only"):
        filtered.mass[0] = 0.0


def test_pairs_do_not_depend_on_the_order_of_the_tracks(dataset: list[Path]) -> None:
    # AO2D tracks come sorted by collision (no sort needed); shuffled ones are sorted first.
    sorted_, shuffled = (
        pairing.same_collision_pairs(_view(_frame(dataset, shuffle)), KAON, 3.0)
        for shuffle in (None, 11)
    )
    assert sorted_.mass.size > 1000
    assert sorted(zip(shuffled.mass, shuffled.pt, shuffled.unlike, strict=True)) == sorted(
        zip(sorted_.mass, sorted_.pt, sorted_.unlike, strict=True)
    )


def test_pairs_from_the_cache_still_need_the_columns_declared(dataset: list[Path]) -> None:
    frame = _frame(dataset)
    pairing.same_collision_pairs(_view(frame), KAON, 3.0)

    class NoPid(Task):
        name = "no-pid"
        reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
            "O2track_iu": ("fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha")
        }
        requires = (COLLISION_SELECTED, TRACK_SELECTED)

    providers = {COLLISION_SELECTED: "event-selection", TRACK_SELECTED: "track-selection"}
    view = FrameView(frame, NoPid({}), "no-pid", providers)
    with pytest.raises(WorkflowError) as error:
        pairing.same_collision_pairs(view, KAON, 3.0)
    assert str(error.value) == (
        "task 'no-pid' reads O2trackextra_002.fTPCSignal without declaring it in `reads`"
    )
    assert pairing.same_collision_pairs(view, KAON, 0.0).mass.size > 0  # no PID: no TPC


@pytest.mark.parametrize("sizes", [[], [1], [2], [1, 1, 1], [3, 1, 4, 0, 2], [7], [5, 5, 1, 2, 6]])
def test_pairs_in_groups_are_all_pairs_of_each_group(sizes: list[int]) -> None:
    group = np.repeat(np.arange(len(sizes)) * 3, sizes)  # group ids need not be contiguous
    first, second = pairing.pairs_in_groups(group)
    expected = [
        pair
        for g in np.unique(group)
        for pair in itertools.combinations(np.flatnonzero(group == g).tolist(), 2)
    ]
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected


def test_wrap_angle_is_np_mod_bit_for_bit() -> None:
    two_pi = 2 * np.pi
    rng = np.random.default_rng(5)
    edges = [-two_pi, -0.0, 0.0, -5e-324, 5e-324, np.nextafter(two_pi, 0), -np.nextafter(two_pi, 0)]
    inside = np.concatenate([rng.uniform(-two_pi, two_pi, 100_000), edges])
    for angles in (inside, np.r_[inside, 7.5], np.r_[inside, -two_pi * 3], np.r_[inside, np.nan]):
        with np.errstate(invalid="ignore"):
            assert wrap_angle(angles).tobytes() == np.mod(angles, two_pi).tobytes()
    assert wrap_angle(np.zeros(0)).size == 0


def test_task_histograms_fill_as_hist_does() -> None:
    x = np.array([0.5, 1.5, 1.5, 9.0, -1.0, 20.0])
    y = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    axes = (hist.axis.Regular(4, 0, 4, name="x"), hist.axis.Variable([0, 0.25, 1], name="y"))
    fast, plain = (cls(*axes, storage=hist.storage.Double()) for cls in (TaskHist, hist.Hist))
    fast.fill(x, y)
    plain.fill(x, y)
    fast.fill(x, y=y, weight=2.0)  # named axes and weights take hist's own path
    plain.fill(x, y=y, weight=2.0)
    assert fast.values(flow=True).tolist() == plain.values(flow=True).tolist()
    assert fast.values(flow=True).sum() == 18.0
    booked = Task({}).h1("h", "t", fixed(4, 0.0, 4.0))
    assert isinstance(booked, TaskHist)
    booked.fill(np.array([0.5, 0.5, 3.5]), weight=np.array([1.0, 2.0, 3.0]))
    assert booked.values().tolist() == [3.0, 0.0, 0.0, 3.0]


def test_cached_tuples_are_read_only(dataset: list[Path]) -> None:
    view = _view(_frame(dataset))
    a, b = view.cached("test.pair-of-arrays", lambda: (np.arange(3), np.ones(2)))
    assert view.cached("test.pair-of-arrays", lambda: (np.zeros(1), np.zeros(1)))[0] is a
    for array in (a, b):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 7
