"""Same-collision track pairs, built once per data frame for every task that asks for them.

The pairs of a frame depend only on the daughter mass hypothesis, the track and event
selections (named by the devices that produce them) and the TPC PID cut, so they are cached in
the frame under exactly that: two wagons with the same inputs share one build. A tighter cut
is served by filtering the pairs of a looser cut already built in the same frame (a pair
passes a cut when both of its daughters do), which gives exactly the pairs, with exactly the
per-pair values, that a build from scratch gives: the values are computed once per pair and
only selected, never recomputed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.kinematics import (
    good_rows,
    selection_key,
    track_eta,
    track_phi,
    track_pt,
    track_sign,
)
from hyperloop_gitops.runtime.pid import n_sigma_tpc
from hyperloop_gitops.runtime.task import Array, FrameView

_TRACK_COLUMNS = ("fIndexCollisions", "fSigned1Pt", "fTgl", "fSnp", "fAlpha")
_PID_COLUMNS = ("fTPCSignal", "fTPCInnerParam")


def pairs_in_groups(group: Array) -> tuple[Array, Array]:
    """All index pairs (i < j) of rows with the same value of ``group`` (rows sorted by group).

    Pairs come ordered by ``i``, then ``j``.
    """
    n = group.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    rows = np.arange(n)
    partners = np.repeat(starts + sizes, sizes) - rows - 1  # rows after this one in its group
    first = np.repeat(rows, partners)
    # Pair k belongs to row first[k]; its partner is the row (k - that row's first pair) + 1
    # after it: second = k + shift[first], with shift constant per row.
    shift = rows + 1 - (np.cumsum(partners) - partners)
    return first, np.arange(first.size) + np.repeat(shift, partners)


@dataclass(frozen=True)
class Pairs:
    """Pairs of good tracks of one collision and the quantities the pair tasks histogram.

    ``first`` and ``second`` are positions in the frame's good tracks
    (``kinematics.good_rows``); ``mass`` is the invariant mass under the daughter mass
    hypothesis, ``pt`` the pair's transverse momentum, ``unlike`` true for opposite signs.
    Shared by every task that asks, so the arrays are read-only.
    """

    first: Array
    second: Array
    mass: Array
    pt: Array
    unlike: Array

    def __post_init__(self) -> None:
        for array in (self.first, self.second, self.mass, self.pt, self.unlike):
            array.setflags(write=False)

    def subset(self, keep: Array) -> Pairs:
        """The pairs where ``keep`` (a bool per pair) is true, in the same order."""
        # Row numbers, not the mask: numpy's boolean indexing is ~3x slower (five arrays here).
        rows = np.flatnonzero(keep)
        return Pairs(
            first=self.first[rows],
            second=self.second[rows],
            mass=self.mass[rows],
            pt=self.pt[rows],
            unlike=self.unlike[rows],
        )


def good_n_sigma(view: FrameView, mass: float) -> Array:
    """TPC n-sigma of every good track for a particle of ``mass`` (cached per frame).

    PID uses the momentum at the TPC's inner wall, as O2's TPC response does.
    """
    signal = view.column(layout.TRACK_EXTRA, "fTPCSignal")
    momentum = view.column(layout.TRACK_EXTRA, "fTPCInnerParam")
    rows = good_rows(view)
    return view.cached(
        f"pid.tpc-n-sigma/{mass!r}/{selection_key(view)}",
        lambda: n_sigma_tpc(signal[rows], momentum[rows], mass),
    )


def same_collision_pairs(view: FrameView, mass: float, n_sigma_cut: float) -> Pairs:
    """Every pair of good tracks of one collision whose daughters both pass the TPC PID cut
    ``|n-sigma| < n_sigma_cut`` for ``mass`` (a cut of 0: no PID, every good track)."""
    cut = n_sigma_cut if n_sigma_cut > 0 else math.inf
    _check_declared(view, pid=not math.isinf(cut))
    # One table per (mass, selections), from PID cut to its pairs; filled as tasks ask.
    built: dict[float, Pairs] = view.cached(f"pairs/{mass!r}/{selection_key(view)}", dict)
    pairs = built.get(cut)
    if pairs is None:
        looser = [c for c in built if c > cut]
        if looser:
            parent = built[min(looser)]  # the fewest pairs to filter
            passed = np.abs(good_n_sigma(view, mass)) < cut
            pairs = parent.subset(passed[parent.first] & passed[parent.second])
        else:
            pairs = _build(view, mass, cut)
        built[cut] = pairs
    return pairs


def _check_declared(view: FrameView, *, pid: bool) -> None:
    """Ask for every column a build reads, so that a task which does not declare one fails
    alike whether its pairs are built or come from the cache."""
    for column in _TRACK_COLUMNS:
        view.column(layout.TRACK, column)
    for column in _PID_COLUMNS if pid else ():
        view.column(layout.TRACK_EXTRA, column)


def _build(view: FrameView, mass: float, cut: float) -> Pairs:
    rows = good_rows(view)
    # Work on the candidates only: most good tracks fail the PID cut.
    if math.isinf(cut):
        candidates = np.arange(rows.size)
    else:
        candidates = np.flatnonzero(np.abs(good_n_sigma(view, mass)) < cut)
    tracks = rows[candidates]
    pt, eta, phi = track_pt(view)[tracks], track_eta(view)[tracks], track_phi(view)[tracks]
    collision = view.column(layout.TRACK, "fIndexCollisions")[tracks]
    if np.any(collision[1:] < collision[:-1]):
        order = np.argsort(collision, kind="stable")
        a, b = (order[i] for i in pairs_in_groups(collision[order]))
    else:  # AO2D tracks come sorted by collision: no sort, no reordering
        a, b = pairs_in_groups(collision)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    sx, sy, sz = px[a] + px[b], py[a] + py[b], pz[a] + pz[b]
    m2 = (energy[a] + energy[b]) ** 2 - sx**2 - sy**2 - sz**2
    sign = track_sign(view)[tracks]
    return Pairs(
        first=candidates[a],
        second=candidates[b],
        mass=np.sqrt(np.maximum(m2, 0.0)),
        pt=np.hypot(sx, sy),
        unlike=sign[a] != sign[b],
    )
