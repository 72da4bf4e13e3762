"""Invariant mass of track pairs of one collision: a resonance on a combinatorial background."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import Configurable
from hyperloop_gitops.runtime.kinematics import (
    COLLISION_SELECTED,
    TRACK_SELECTED,
    good_tracks,
    track_eta,
    track_phi,
    track_pt,
    track_sign,
)
from hyperloop_gitops.runtime.pid import n_sigma_tpc
from hyperloop_gitops.runtime.task import Array, FrameView, Task


def pairs_in_groups(group: Array) -> tuple[Array, Array]:
    """All index pairs (i < j) of rows with the same value of ``group`` (rows sorted by group)."""
    if group.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, group.size])
    position = np.arange(group.size) - np.repeat(starts, sizes)
    partners = np.repeat(sizes, sizes) - position - 1
    first = np.repeat(np.arange(group.size), partners)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    return first, first + offsets


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
        mass = self.opt_float("daughterMass")
        # Work on the candidates only: most tracks fail the selection or the PID cut. PID uses
        # the momentum at the TPC's inner wall, as O2's TPC response does.
        rows = np.flatnonzero(good_tracks(frame))
        cut = self.opt_float("nSigmaTPC")
        if cut > 0:
            signal = frame.column(layout.TRACK_EXTRA, "fTPCSignal")[rows]
            momentum = frame.column(layout.TRACK_EXTRA, "fTPCInnerParam")[rows]
            rows = rows[np.abs(n_sigma_tpc(signal, momentum, mass)) < cut]
        pt, eta, phi = track_pt(frame)[rows], track_eta(frame)[rows], track_phi(frame)[rows]
        collision = frame.column(layout.TRACK, "fIndexCollisions")[rows]
        order = np.argsort(collision, kind="stable")
        a, b = (order[i] for i in pairs_in_groups(collision[order]))
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
        sx, sy, sz = px[a] + px[b], py[a] + py[b], pz[a] + pz[b]
        m2 = (energy[a] + energy[b]) ** 2 - sx**2 - sy**2 - sz**2
        m = np.sqrt(np.maximum(m2, 0.0))
        pair_pt = np.hypot(sx, sy)
        sign = track_sign(frame)[rows]
        unlike = sign[a] != sign[b]
        keep = pair_pt >= self.opt_float("pairPtMin")
        opposite = unlike & keep
        self.h_unlike.fill(m[opposite])
        if self.h_like is not None:
            self.h_like.fill(m[~unlike & keep])
        self.h_vs_pt.fill(m[opposite], pair_pt[opposite])
