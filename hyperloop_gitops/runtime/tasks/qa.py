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
    selection_key,
    track_eta,
    track_phi,
    track_pt,
    track_sign,
)
from hyperloop_gitops.runtime.task import Array, FrameView, Task, fixed


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
        eta_max = self.opt_float("etaMax")
        # Subwagons that differ only in binning share the selected tracks.
        pt, positive, negative = frame.cached(
            f"{self.name}.pt/{selection_key(frame)}/{eta_max!r}",
            lambda: self._pt_by_sign(frame, eta_max),
        )
        self.h_pt.fill(pt)
        self.h_pos.fill(positive)
        self.h_neg.fill(negative)
        self.h_events.fill(0.0, weight=int(frame.product(COLLISION_SELECTED).sum()))

    @staticmethod
    def _pt_by_sign(frame: FrameView, eta_max: float) -> tuple[Array, Array, Array]:
        # Row numbers index the columns, not masks: numpy's boolean indexing is ~3x slower.
        rows = np.flatnonzero(good_tracks(frame) & (np.abs(track_eta(frame)) < eta_max))
        pt = track_pt(frame)[rows]
        sign = track_sign(frame)[rows]
        return pt, pt[np.flatnonzero(sign > 0)], pt[np.flatnonzero(sign < 0)]


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
        pt_min = self.opt_float("ptMin")
        # Subwagons that differ only in binning share the selected tracks.
        eta, phi = frame.cached(
            f"{self.name}.eta-phi/{selection_key(frame)}/{pt_min!r}",
            lambda: self._eta_phi(frame, pt_min),
        )
        self.h_eta_phi.fill(eta, phi)

    def finish(self) -> None:
        # hEta and hPhi are hEtaPhi's projections (the same tracks and binnings, flow bins
        # included): made once here instead of two more fills per data frame.
        self.h_eta.view(flow=True)[...] = self.h_eta_phi.project(0).view(flow=True)
        self.h_phi.view(flow=True)[...] = self.h_eta_phi.project(1).view(flow=True)

    @staticmethod
    def _eta_phi(frame: FrameView, pt_min: float) -> tuple[Array, Array]:
        rows = np.flatnonzero(good_tracks(frame) & (track_pt(frame) >= pt_min))
        return track_eta(frame)[rows], track_phi(frame)[rows]


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
        eta_max = self.opt_float("etaMax")
        # Subwagons that differ only in binning share the counts.
        mult, contrib = frame.cached(
            f"{self.name}.counts/{selection_key(frame)}/{eta_max!r}",
            lambda: self._counts(frame, eta_max),
        )
        self.h_mult.fill(mult)
        self.h_contrib.fill(contrib)
        self.h_2d.fill(mult, contrib)

    @staticmethod
    def _counts(frame: FrameView, eta_max: float) -> tuple[Array, Array]:
        """Per selected collision: counted tracks and vertex contributors."""
        selected = frame.product(COLLISION_SELECTED)
        index = frame.column(layout.TRACK, "fIndexCollisions")
        counted = np.flatnonzero(good_tracks(frame) & (np.abs(track_eta(frame)) < eta_max))
        rows = np.flatnonzero(selected)
        mult = np.bincount(index[counted], minlength=selected.size)[rows]
        return mult, frame.column(layout.COLLISION, "fNumContrib")[rows]
