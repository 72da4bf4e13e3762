"""A derived-data producer: slimmed collisions and tracks of selected events."""

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

DT_COLLISION = "O2dtcollision"
DT_TRACK = "O2dttrack"


class DerivedTracks(Task):
    """Writes O2dtcollision (vertex z, contributors, multiplicity) and O2dttrack (pT, eta, phi,
    sign, with an index into O2dtcollision) for selected collisions and tracks."""

    name = "derived-tracks"
    description = "Derived data: slim collisions and tracks of selected events"
    reads: ClassVar[Mapping[str, tuple[str, ...]]] = {
        layout.COLLISION: ("fPosZ", "fNumContrib"),
        layout.TRACK: ("fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha"),
    }
    requires = (COLLISION_SELECTED, TRACK_SELECTED)
    derived_tables: ClassVar[Mapping[str, Mapping[str, str]]] = {
        DT_COLLISION: {"fPosZ": "f4", "fNumContrib": "u2", "fMultiplicity": "u2"},
        DT_TRACK: {
            "fIndexDtCollisions": "i4",
            "fPt": "f4",
            "fEta": "f4",
            "fPhi": "f4",
            "fSign": "i1",
        },
    }
    derived_indices: ClassVar[Mapping[str, Mapping[str, str]]] = {
        DT_TRACK: {"fIndexDtCollisions": DT_COLLISION}
    }
    configurables = (
        Configurable("ptMin", "float", 0.0, "minimum pT of a written track (GeV/c)", 0.0),
        Configurable(
            "keepEmptyCollisions", "bool", False, "write selected collisions without kept tracks"
        ),
    )

    def setup(self) -> None:
        self.h_counter = self.h1("hCounter", "written: collisions, tracks", fixed(2, -0.5, 1.5))

    def process(self, frame: FrameView) -> None:
        pt = track_pt(frame)
        # Row numbers index the columns, not masks: numpy's boolean indexing is ~3x slower.
        kept = np.flatnonzero(good_tracks(frame) & (pt >= self.opt_float("ptMin")))
        index = frame.column(layout.TRACK, "fIndexCollisions")[kept]
        selected = frame.product(COLLISION_SELECTED)
        mult = np.bincount(index, minlength=selected.size)
        collisions = selected & (True if self.opt_bool("keepEmptyCollisions") else mult > 0)
        new_index = np.cumsum(collisions) - 1
        written = np.flatnonzero(collisions)
        frame.write(
            DT_COLLISION,
            {
                "fPosZ": frame.column(layout.COLLISION, "fPosZ")[written],
                "fNumContrib": frame.column(layout.COLLISION, "fNumContrib")[written],
                "fMultiplicity": mult[written].astype(np.uint16),
            },
        )
        frame.write(
            DT_TRACK,
            {
                "fIndexDtCollisions": new_index[index].astype(np.int32),
                "fPt": pt[kept].astype(np.float32),
                "fEta": track_eta(frame)[kept].astype(np.float32),
                "fPhi": track_phi(frame)[kept].astype(np.float32),
                "fSign": track_sign(frame)[kept],
            },
        )
        self.h_counter.fill([0.0, 1.0], weight=[written.size, kept.size])
