"""Synthetic events for one data frame: vectorised numpy, plausible pp-like distributions.

- vertex: x, y gaussian (sigma 100 / 150 um around a beam spot), z gaussian (sigma 6 cm);
- charged multiplicity per collision: negative binomial (mean 14, k 2), as in |eta| < 0.9;
- pT: a Levy-Tsallis spectrum (T = 0.16 GeV, n = 7), sampled by inverting its tabulated CDF;
- eta flat in |eta| < 0.9, phi uniform, charge +-1;
- in a fraction of collisions a phi(1020) -> K+ K- decay (Breit-Wigner mass, isotropic decay),
  so opposite-sign kaon pairs show a peak at 1.019 GeV on a combinatorial background;
- a 1 % momentum resolution on 1/pT, and a few orphan tracks (no collision, index -1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hyperloop_gitops.runtime import layout
from hyperloop_gitops.runtime.pid import TPC_RESOLUTION, expected_tpc_signal

F64 = npt.NDArray[np.float64]
Arrays = dict[str, npt.NDArray[np.generic]]

PION_MASS = 0.13957
KAON_MASS = 0.493677
PROTON_MASS = 0.938272
PHI_MASS = 1.019461
PHI_WIDTH = 0.004249
_SECTOR = 2.0 * np.pi / 18.0
_PDG_OF_MASS = {PION_MASS: 211, KAON_MASS: 321, PROTON_MASS: 2212}


@dataclass(frozen=True)
class FrameSpec:
    """What one data frame holds: how many collisions, from which run, starting at which BC."""

    collisions: int
    run: int
    first_bc: int
    resonance_fraction: float
    mc: bool


def _levy_cdf(mass: float) -> tuple[F64, F64]:
    pt = np.linspace(0.0, 20.0, 4001)
    mt = np.sqrt(pt**2 + mass**2)
    temperature, power = 0.16, 7.0
    density = pt * (1.0 + (mt - mass) / (power * temperature)) ** (-power)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(pt))])
    return cdf / cdf[-1], pt


_CDF_CACHE: dict[float, tuple[F64, F64]] = {}


def _sample_pt(rng: np.random.Generator, n: int, mass: float) -> F64:
    if mass not in _CDF_CACHE:
        _CDF_CACHE[mass] = _levy_cdf(mass)
    cdf, pt = _CDF_CACHE[mass]
    return np.interp(rng.random(n), cdf, pt)


def _phi_decays(rng: np.random.Generator, n: int) -> tuple[F64, F64, F64, F64]:
    """K+ K- daughters of n phi mesons: (pt, eta, phi, charge), daughters interleaved."""
    mass = PHI_MASS + 0.5 * PHI_WIDTH * np.tan(np.pi * (rng.random(n) - 0.5))
    mass = np.clip(mass, 2.0 * KAON_MASS + 1e-4, 1.08)
    pt = _sample_pt(rng, n, PHI_MASS)
    eta = rng.uniform(-0.8, 0.8, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    energy = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    # Decay isotropically in the rest frame, then boost both daughters to the lab.
    pstar = np.sqrt(mass**2 / 4.0 - KAON_MASS**2)
    cos_t = rng.uniform(-1.0, 1.0, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    phi_s = rng.uniform(0.0, 2.0 * np.pi, n)
    d = np.stack([sin_t * np.cos(phi_s), sin_t * np.sin(phi_s), cos_t]) * pstar
    estar = np.sqrt(pstar**2 + KAON_MASS**2)
    beta = np.stack([px, py, pz]) / energy
    b2 = np.sum(beta**2, axis=0)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    out = []
    for sign in (1.0, -1.0):
        p = sign * d
        bp = np.sum(beta * p, axis=0)
        factor = (gamma - 1.0) * bp / np.where(b2 > 0, b2, 1.0) + gamma * estar
        lab = p + beta * factor
        out.append(lab)
    lab = np.stack(out, axis=-1).reshape(3, 2 * n)  # interleave: K+ of phi 0, K- of phi 0, ...
    d_pt = np.hypot(lab[0], lab[1])
    d_eta = np.arcsinh(lab[2] / d_pt)
    d_phi = np.mod(np.arctan2(lab[1], lab[0]), 2.0 * np.pi)
    charge = np.tile([1.0, -1.0], n)
    return d_pt, d_eta, d_phi, charge


def _tpc_signal(rng: np.random.Generator, p: F64, mass: F64) -> F64:
    expected = expected_tpc_signal(p, mass)
    return expected * (1.0 + TPC_RESOLUTION * rng.standard_normal(p.size))


def generate_frame(rng: np.random.Generator, spec: FrameSpec) -> dict[str, Arrays]:
    """Every table of one data frame, as column arrays with the dtypes of ``layout``."""
    n_col = spec.collisions
    mult = rng.negative_binomial(2.0, 2.0 / (2.0 + 14.0), n_col)
    with_phi = rng.random(n_col) < spec.resonance_fraction
    n_phi = int(with_phi.sum())

    # Primary tracks, then the phi daughters, then orphans; sorted by collision afterwards.
    n_prim = int(mult.sum())
    prim_col = np.repeat(np.arange(n_col), mult)
    species = rng.choice(
        np.array([PION_MASS, KAON_MASS, PROTON_MASS]), size=n_prim, p=[0.82, 0.12, 0.06]
    )
    prim_pt = _sample_pt(rng, n_prim, PION_MASS)
    prim_eta = rng.uniform(-0.9, 0.9, n_prim)
    prim_phi = rng.uniform(0.0, 2.0 * np.pi, n_prim)
    prim_q = rng.choice(np.array([-1.0, 1.0]), n_prim)
    d_pt, d_eta, d_phi, d_q = _phi_decays(rng, n_phi)
    d_col = np.repeat(np.flatnonzero(with_phi), 2)
    n_orphan = int(rng.binomial(n_prim, 0.01))
    o_pt = _sample_pt(rng, n_orphan, PION_MASS)

    col = np.concatenate([prim_col, d_col, np.full(n_orphan, -1)])
    pt_true = np.concatenate([prim_pt, d_pt, o_pt])
    eta = np.concatenate([prim_eta, d_eta, rng.uniform(-0.9, 0.9, n_orphan)])
    phi = np.concatenate([prim_phi, d_phi, rng.uniform(0.0, 2.0 * np.pi, n_orphan)])
    charge = np.concatenate([prim_q, d_q, rng.choice(np.array([-1.0, 1.0]), n_orphan)])
    mass = np.concatenate([species, np.full(2 * n_phi, KAON_MASS), np.full(n_orphan, PION_MASS)])
    order = np.argsort(col, kind="stable")
    col, pt_true, eta, phi, charge, mass = (
        a[order] for a in (col, pt_true, eta, phi, charge, mass)
    )
    n_trk = col.size
    pt = pt_true / (1.0 + 0.01 * rng.standard_normal(n_trk))

    vz = rng.normal(0.0, 6.0, n_col)
    bc_step = rng.integers(1, 400, n_col)
    global_bc = spec.first_bc + np.cumsum(bc_step)
    contributors = np.bincount(col[col >= 0], minlength=n_col)
    # A few collisions lose their vertex contributors: event selection has something to cut.
    contributors = np.where(rng.random(n_col) < 0.02, 0, contributors)

    sector = np.floor(phi / _SECTOR)
    alpha = np.mod((sector + 0.5) * _SECTOR + np.pi, 2.0 * np.pi) - np.pi
    tgl = np.sinh(eta)
    track_vz = np.where(col >= 0, vz[np.maximum(col, 0)], rng.normal(0.0, 6.0, n_trk))
    radius = rng.uniform(2.2, 2.4, n_trk)
    p_total = pt * np.cosh(eta)

    findable = rng.integers(120, 160, n_trk)
    its_layers = rng.random((n_trk, 7)) < 0.88
    its_sizes = (rng.integers(1, 16, (n_trk, 7)) * its_layers).astype(np.uint32)
    its_word = np.zeros(n_trk, np.uint32)
    for layer in range(7):
        its_word |= its_sizes[:, layer] << np.uint32(4 * layer)

    tables: dict[str, Arrays] = {
        layout.BC: {
            "fRunNumber": np.full(n_col, spec.run, np.int32),
            "fGlobalBC": global_bc.astype(np.uint64),
            "fTriggerMask": rng.choice(np.array([1, 3, 5], np.uint64), n_col, p=[0.7, 0.2, 0.1]),
            "fInputMask": rng.integers(0, 2**16, n_col).astype(np.uint64),
        },
        layout.COLLISION: {
            "fIndexBCs": np.arange(n_col, dtype=np.int32),
            "fPosX": rng.normal(-0.02, 0.010, n_col).astype(np.float32),
            "fPosY": rng.normal(0.01, 0.015, n_col).astype(np.float32),
            "fPosZ": vz.astype(np.float32),
            "fCovXX": rng.uniform(1e-5, 1e-3, n_col).astype(np.float32),
            "fCovXY": rng.normal(0.0, 1e-5, n_col).astype(np.float32),
            "fCovYY": rng.uniform(1e-5, 1e-3, n_col).astype(np.float32),
            "fCovXZ": rng.normal(0.0, 1e-5, n_col).astype(np.float32),
            "fCovYZ": rng.normal(0.0, 1e-5, n_col).astype(np.float32),
            "fCovZZ": rng.uniform(1e-4, 1e-2, n_col).astype(np.float32),
            "fFlags": np.zeros(n_col, np.uint16),
            "fChi2": rng.gamma(2.0, 1.0, n_col).astype(np.float32),
            "fNumContrib": contributors.astype(np.uint16),
            "fCollisionTime": rng.normal(0.0, 200.0, n_col).astype(np.float32),
            "fCollisionTimeRes": rng.uniform(5.0, 50.0, n_col).astype(np.float32),
        },
        layout.TRACK: {
            "fIndexCollisions": col.astype(np.int32),
            "fTrackType": np.ones(n_trk, np.uint8),
            "fX": radius.astype(np.float32),
            "fAlpha": alpha.astype(np.float32),
            "fY": rng.normal(0.0, 0.01, n_trk).astype(np.float32),
            "fZ": (track_vz + radius * tgl).astype(np.float32),
            "fSnp": np.sin(phi - alpha).astype(np.float32),
            "fTgl": tgl.astype(np.float32),
            "fSigned1Pt": (charge / pt).astype(np.float32),
        },
        layout.TRACK_EXTRA: {
            "fTPCInnerParam": (p_total * 0.99).astype(np.float32),
            "fFlags": rng.integers(0, 4, n_trk).astype(np.uint32),
            "fITSClusterSizes": its_word,
            "fTPCNClsFindable": findable.astype(np.uint8),
            "fTPCNClsFindableMinusFound": rng.integers(0, 60, n_trk).astype(np.int8),
            "fTPCNClsFindableMinusCrossedRows": rng.integers(-5, 20, n_trk).astype(np.int8),
            "fTPCNClsShared": rng.poisson(0.5, n_trk).astype(np.uint8),
            "fTRDPattern": rng.integers(0, 64, n_trk).astype(np.uint8),
            "fITSChi2NCl": rng.gamma(2.0, 0.6, n_trk).astype(np.float32),
            "fTPCChi2NCl": rng.gamma(4.0, 0.4, n_trk).astype(np.float32),
            "fTRDChi2": rng.gamma(2.0, 1.0, n_trk).astype(np.float32),
            "fTOFChi2": rng.gamma(2.0, 1.0, n_trk).astype(np.float32),
            "fTPCSignal": _tpc_signal(rng, p_total, mass).astype(np.float32),
            "fTRDSignal": rng.gamma(3.0, 30.0, n_trk).astype(np.float32),
            "fLength": (370.0 * np.cosh(eta)).astype(np.float32),
            "fTOFExpMom": (p_total * 0.98).astype(np.float32),
            "fTrackTime": rng.normal(0.0, 300.0, n_trk).astype(np.float32),
            "fTrackTimeRes": rng.uniform(10.0, 200.0, n_trk).astype(np.float32),
        },
    }
    if spec.mc:
        tables.update(
            _mc_tables(
                rng,
                col=col,
                pt=pt_true,
                eta=eta,
                phi=phi,
                charge=charge,
                mass=mass,
                vz=vz,
                n_col=n_col,
            )
        )
    return tables


def _mc_tables(
    rng: np.random.Generator,
    *,
    col: npt.NDArray[np.int64],
    pt: F64,
    eta: F64,
    phi: F64,
    charge: F64,
    mass: F64,
    vz: F64,
    n_col: int,
) -> dict[str, Arrays]:
    """Generated particles (one per track, the truth before smearing) and the labels."""
    n = col.size
    pdg_abs = np.select([mass == PION_MASS, mass == KAON_MASS], [211, 321], default=2212).astype(
        np.int32
    )
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return {
        layout.MC_COLLISION: {
            "fIndexBCs": np.arange(n_col, dtype=np.int32),
            "fGeneratorsID": np.zeros(n_col, np.int16),
            "fPosX": np.zeros(n_col, np.float32),
            "fPosY": np.zeros(n_col, np.float32),
            "fPosZ": vz.astype(np.float32),
            "fT": np.zeros(n_col, np.float32),
            "fWeight": np.ones(n_col, np.float32),
            "fImpactParameter": np.zeros(n_col, np.float32),
        },
        layout.MC_PARTICLE: {
            "fIndexMcCollisions": col.astype(np.int32),
            "fPdgCode": (pdg_abs * np.sign(charge)).astype(np.int32),
            "fStatusCode": np.ones(n, np.int32),
            "fFlags": np.ones(n, np.uint8),
            "fPx": px.astype(np.float32),
            "fPy": py.astype(np.float32),
            "fPz": pz.astype(np.float32),
            "fE": np.sqrt(px**2 + py**2 + pz**2 + mass**2).astype(np.float32),
            "fVx": np.zeros(n, np.float32),
            "fVy": np.zeros(n, np.float32),
            "fVz": np.where(col >= 0, vz[np.maximum(col, 0)], 0.0).astype(np.float32),
            "fVt": np.zeros(n, np.float32),
        },
        layout.MC_TRACK_LABEL: {
            "fIndexMcParticles": np.arange(n, dtype=np.int32),
            "fMcMask": np.zeros(n, np.uint16),
        },
        layout.MC_COLLISION_LABEL: {
            "fIndexMcCollisions": np.arange(n_col, dtype=np.int32),
            "fMcMask": rng.integers(0, 1, n_col).astype(np.uint16),
        },
    }
