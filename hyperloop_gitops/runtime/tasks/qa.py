"""Analysis tasks filling histograms of selected tracks and collisions."""

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
from hyperloop_gitops.runtime.task import FrameView, Task, fixed


class PtSpectrum(Task):
    """Inclusive charged-particle pT spectrum of selected tracks in selected collisions."""

    name = "pt-spectrum"
    description = "Charged-particle pT spectrum (all, positive, negative)"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.TRACK: ("fIndexCollisions", "fSigned1Pt", "fTgl")
    }
    requires = (COLLISION_SELECTED, TRACK_SELECTED)
    configurables = (
        Configurable(
            "ptBins", "binning", {"bins": 100, "min": 0.0, "max": 10.0}, "pT binning (GeV/c)"
        ),
        Configurable("etaMax", "float", 0.8, "maximum |eta| (on top of the track selection)", 0.0),
    )

    def setup(self) -> None:
        bins = self.opt_binning("ptBins")
        self.h_pt = self.h1("hPt", "pT, selected tracks", bins, "p_{T} (GeV/c)")
        self.h_pos = self.h1("hPtPositive", "pT, positive tracks", bins, "p_{T} (GeV/c)")
        self.h_neg = self.h1("hPtNegative", "pT, negative tracks", bins, "p_{T} (GeV/c)")
        self.h_events = self.h1("hEvents", "selected collisions", fixed(1, -0.5, 0.5))

    def process(self, frame: FrameView) -> None:
        good = good_tracks(frame) & (np.abs(track_eta(frame)) < self.opt_float("etaMax"))
        pt = track_pt(frame)[good]
        sign = track_sign(frame)[good]
        self.h_pt.fill(pt)
        self.h_pos.fill(pt[sign > 0])
        self.h_neg.fill(pt[sign < 0])
        self.h_events.fill(0.0, weight=int(frame.product(COLLISION_SELECTED).sum()))


class EtaPhiQa(Task):
    """Track eta and phi distributions (and their 2D map) for acceptance QA."""

    name = "eta-phi-qa"
    description = "Eta, phi and eta-phi maps of selected tracks"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.TRACK: ("fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha")
    }
    requires = (COLLISION_SELECTED, TRACK_SELECTED)
    configurables = (
        Configurable("etaBins", "binning", {"bins": 36, "min": -0.9, "max": 0.9}, "eta binning"),
        Configurable("ptMin", "float", 0.0, "minimum pT (on top of the track selection)", 0.0),
        Configurable(
            "phiBins",
            "binning",
            {"bins": 72, "min": 0.0, "max": 6.283185307179586},
            "phi binning (rad)",
        ),
    )

    def setup(self) -> None:
        eta, phi = self.opt_binning("etaBins"), self.opt_binning("phiBins")
        self.h_eta = self.h1("hEta", "eta, selected tracks", eta, "#eta")
        self.h_phi = self.h1("hPhi", "phi, selected tracks", phi, "#varphi (rad)")
        self.h_eta_phi = self.h2(
            "hEtaPhi", "eta vs phi", eta, phi, xlabel="#eta", ylabel="#varphi (rad)"
        )

    def process(self, frame: FrameView) -> None:
        good = good_tracks(frame) & (track_pt(frame) >= self.opt_float("ptMin"))
        eta, phi = track_eta(frame)[good], track_phi(frame)[good]
        self.h_eta.fill(eta)
        self.h_phi.fill(phi)
        self.h_eta_phi.fill(eta, phi)


class Multiplicity(Task):
    """Selected tracks per selected collision, and the vertex contributors."""

    name = "multiplicity"
    description = "Charged-track multiplicity per selected collision"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.TRACK: ("fIndexCollisions", "fTgl"),
        layout.COLLISION: ("fNumContrib",),
    }
    requires = (COLLISION_SELECTED, TRACK_SELECTED)
    configurables = (
        Configurable(
            "multBins", "binning", {"bins": 100, "min": -0.5, "max": 99.5}, "multiplicity binning"
        ),
        Configurable("etaMax", "float", 0.8, "maximum |eta| of counted tracks", 0.0),
    )

    def setup(self) -> None:
        bins = self.opt_binning("multBins")
        self.h_mult = self.h1("hMultiplicity", "selected tracks per collision", bins, "N_{trk}")
        self.h_contrib = self.h1("hNumContrib", "vertex contributors", bins, "N_{contrib}")
        self.h_2d = self.h2(
            "hMultVsNumContrib",
            "tracks vs contributors",
            bins,
            bins,
            xlabel="N_{trk}",
            ylabel="N_{contrib}",
        )

    def process(self, frame: FrameView) -> None:
        selected = frame.product(COLLISION_SELECTED)
        index = frame.column(layout.TRACK, "fIndexCollisions")
        counted = good_tracks(frame) & (np.abs(track_eta(frame)) < self.opt_float("etaMax"))
        mult = np.bincount(index[counted], minlength=selected.size)[selected]
        contrib = frame.column(layout.COLLISION, "fNumContrib")[selected]
        self.h_mult.fill(mult)
        self.h_contrib.fill(contrib)
        self.h_2d.fill(mult, contrib)
