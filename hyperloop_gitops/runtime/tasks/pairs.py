"""Invariant mass of track pairs of one collision: a resonance on a combinatorial background."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import Configurable
from hyperloop_gitops.runtime.kinematics import COLLISION_SELECTED, TRACK_SELECTED
from hyperloop_gitops.runtime.pairing import same_collision_pairs
from hyperloop_gitops.runtime.task import FrameView, Task


class PairInvariantMass(Task):
    """Opposite- and like-sign pair mass of selected tracks, with an optional TPC PID cut."""

    name = "pair-invariant-mass"
    description = "Invariant mass of track pairs (e.g. phi(1020) -> K+ K-)"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.TRACK: ("fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha"),
        layout.TRACK_EXTRA: ("fTPCSignal", "fTPCInnerParam"),
    }
    requires = (COLLISION_SELECTED, TRACK_SELECTED)
    configurables = (
        Configurable(
            "daughterMass", "float", 0.493677, "mass hypothesis of both daughters (GeV)", 0.0
        ),
        Configurable(
            "nSigmaTPC",
            "float",
            3.0,
            "TPC PID cut for the daughter mass, in sigmas (0: no PID)",
            0.0,
        ),
        Configurable(
            "massBins", "binning", {"bins": 140, "min": 0.98, "max": 1.12}, "mass binning (GeV)"
        ),
        Configurable("ptBins", "binning", {"bins": 10, "min": 0.0, "max": 5.0}, "pair pT binning"),
        Configurable("pairPtMin", "float", 0.0, "minimum pT of the pair (GeV/c)", 0.0),
        Configurable(
            "unlikeSignOnly", "bool", False, "only opposite-sign pairs (no like-sign background)"
        ),
    )

    def setup(self) -> None:
        mass, pt = self.opt_binning("massBins"), self.opt_binning("ptBins")
        label = "m_{inv} (GeV/c^{2})"
        self.h_unlike = self.h1("hMassUnlikeSign", "opposite-sign pairs", mass, label)
        self.h_like = None
        if not self.opt_bool("unlikeSignOnly"):
            self.h_like = self.h1("hMassLikeSign", "like-sign pairs", mass, label)
        self.h_vs_pt = self.h2(
            "hMassVsPt", "opposite-sign pairs", mass, pt, xlabel=label, ylabel="p_{T} (GeV/c)"
        )

    def process(self, frame: FrameView) -> None:
        # Built once per frame for all pair wagons with the same mass, selections and cut
        # (or filtered from a looser cut's pairs): see runtime/pairing.py.
        pairs = same_collision_pairs(
            frame, self.opt_float("daughterMass"), self.opt_float("nSigmaTPC")
        )
        keep = pairs.pt >= self.opt_float("pairPtMin")
        # Row numbers index the pairs, not masks: numpy's boolean indexing is ~3x slower.
        opposite = np.flatnonzero(pairs.unlike & keep)
        self.h_vs_pt.fill(pairs.mass[opposite], pairs.pt[opposite])
        if self.h_like is not None:
            self.h_like.fill(pairs.mass[np.flatnonzero(~pairs.unlike & keep)])

    def finish(self) -> None:
        # hMassUnlikeSign is hMassVsPt's projection on the mass (the same pairs and mass
        # binning, flow bins included): made once here instead of one more fill per frame.
        self.h_unlike.view(flow=True)[...] = self.h_vs_pt.project(0).view(flow=True)
