"""The TPC energy-loss response: the generator's "detector" and the tasks' "calibration".

A Bethe-Bloch-like shape in beta*gamma: a 1/beta^2 fall, a logarithmic rise, the minimum
ionising particle at about 50 a.u., with a relative resolution of ``TPC_RESOLUTION``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

TPC_RESOLUTION = 0.06


def expected_tpc_signal(
    momentum: npt.ArrayLike, mass: float | npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Mean TPC dE/dx (a.u.) of a particle of ``mass`` (GeV) at ``momentum`` (GeV/c)."""
    bg = np.asarray(momentum, dtype=np.float64) / np.asarray(mass, dtype=np.float64)
    bg2 = bg**2
    beta2 = bg2 / (1.0 + bg2)
    return np.asarray(50.0 / 1.6 * (1.0 / beta2) * (0.6 + 0.1 * np.log1p(bg2)))


def n_sigma_tpc(
    signal: npt.ArrayLike, momentum: npt.ArrayLike, mass: float
) -> npt.NDArray[np.float64]:
    """Distance of the measured signal from the expectation for ``mass``, in resolutions."""
    expected = expected_tpc_signal(momentum, mass)
    return np.asarray(
        (np.asarray(signal, dtype=np.float64) - expected) / (TPC_RESOLUTION * expected)
    )
