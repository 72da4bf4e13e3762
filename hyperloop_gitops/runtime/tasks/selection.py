"""Service tasks: event selection and track selection, whose masks other tasks require."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.configurables import Configurable
from hyperloop_gitops.runtime.kinematics import (
    COLLISION_SELECTED,
    TRACK_SELECTED,
    track_eta,
    track_pt,
)
from hyperloop_gitops.runtime.task import Array, FrameView, Task, fixed


class EventSelection(Task):
    """Selects collisions: trigger bits, |z| of the vertex, number of vertex contributors."""

    name = "event-selection"
    description = "Selects collisions by trigger, vertex z and vertex contributors"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.BC: ("fTriggerMask",),
        layout.COLLISION: ("fIndexBCs", "fPosZ", "fNumContrib"),
    }
    produces = (COLLISION_SELECTED,)
    configurables = (
        Configurable("vertexZMax", "float", 10.0, "maximum |z| of the primary vertex (cm)", 0.0),
        Configurable("minContributors", "int", 1, "minimum number of vertex contributors", 0),
        Configurable("triggerMask", "int", 0, "trigger bits all required (0: any trigger)", 0),
        Configurable(
            "vertexZBins", "binning", {"bins": 60, "min": -30.0, "max": 30.0}, "binning of hVertexZ"
        ),
    )

    def setup(self) -> None:
        z = self.opt_binning("vertexZBins")
        self.h_z_all = self.h1("hVertexZAll", "vertex z, all collisions", z, "z (cm)")
        self.h_z = self.h1("hVertexZ", "vertex z, selected collisions", z, "z (cm)")
        self.h_counter = self.h1(
            "hCounter", "collisions: all, trigger, vertex z, contributors", fixed(4, -0.5, 3.5)
        )

    def process(self, frame: FrameView) -> None:
        z = frame.column(layout.COLLISION, "fPosZ")
        mask = np.uint64(self.opt_int("triggerMask"))
        trigger = frame.column(layout.BC, "fTriggerMask")[
            frame.column(layout.COLLISION, "fIndexBCs")
        ]
        cut_trigger = (trigger & mask) == mask
        cut_z = cut_trigger & (np.abs(z) < self.opt_float("vertexZMax"))
        contributors = frame.column(layout.COLLISION, "fNumContrib")
        selected = cut_z & (contributors >= self.opt_int("minContributors"))
        self.h_z_all.fill(z)
        self.h_z.fill(z[selected])
        counts = [z.size, int(cut_trigger.sum()), int(cut_z.sum()), int(selected.sum())]
        self.h_counter.fill(np.arange(4), weight=counts)
        frame.produce(COLLISION_SELECTED, selected)


def its_clusters(sizes: Array) -> Array:
    """Number of ITS layers with a cluster: non-zero 4-bit cluster sizes in the 7 nibbles."""
    words = sizes.astype(np.uint32)
    count = np.zeros(words.size, dtype=np.int64)
    for layer in range(7):
        count += ((words >> np.uint32(4 * layer)) & np.uint32(0xF)) > 0
    return count


class TrackSelection(Task):
    """Selects tracks: kinematic acceptance and TPC / ITS quality."""

    name = "track-selection"
    description = "Selects tracks by pT, eta and TPC/ITS quality"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.TRACK: ("fSigned1Pt", "fTgl"),
        layout.TRACK_EXTRA: (
            "fTPCNClsFindable",
            "fTPCNClsFindableMinusFound",
            "fTPCChi2NCl",
            "fITSClusterSizes",
        ),
    }
    produces = (TRACK_SELECTED,)
    configurables = (
        Configurable("ptMin", "float", 0.15, "minimum pT (GeV/c)", 0.0),
        Configurable("ptMax", "float", 1000.0, "maximum pT (GeV/c)", 0.0),
        Configurable("etaMax", "float", 0.8, "maximum |eta|", 0.0),
        Configurable("minTPCClusters", "int", 70, "minimum found TPC clusters", 0, 159),
        Configurable("maxChi2PerCluster", "float", 4.0, "maximum TPC chi2 per cluster", 0.0),
        Configurable("minITSNCls", "int", 4, "minimum ITS layers with a cluster", 0, 7),
    )

    def setup(self) -> None:
        self.h_counter = self.h1(
            "hCounter", "tracks: all, kinematics, TPC, ITS", fixed(4, -0.5, 3.5)
        )

    def process(self, frame: FrameView) -> None:
        pt = track_pt(frame)
        eta = track_eta(frame)
        found = frame.column(layout.TRACK_EXTRA, "fTPCNClsFindable").astype(
            np.int64
        ) - frame.column(layout.TRACK_EXTRA, "fTPCNClsFindableMinusFound").astype(np.int64)
        kinematic = (
            (pt >= self.opt_float("ptMin"))
            & (pt < self.opt_float("ptMax"))
            & (np.abs(eta) < self.opt_float("etaMax"))
        )
        tpc = (
            kinematic
            & (found >= self.opt_int("minTPCClusters"))
            & (
                frame.column(layout.TRACK_EXTRA, "fTPCChi2NCl")
                <= self.opt_float("maxChi2PerCluster")
            )
        )
        its = its_clusters(frame.column(layout.TRACK_EXTRA, "fITSClusterSizes"))
        selected = tpc & (its >= self.opt_int("minITSNCls"))
        counts = [pt.size, int(kinematic.sum()), int(tpc.sum()), int(selected.sum())]
        self.h_counter.fill(np.arange(4), weight=counts)
        frame.produce(TRACK_SELECTED, selected)
