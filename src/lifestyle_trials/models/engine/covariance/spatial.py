"""Spatial exponential covariance over the visit times (``sp_exp``).

``Σ_ab = σ² exp(-d_ab / θ)`` with ``d_ab = |t_a - t_b|`` the distance between the times of
the visits (the visit values themselves, e.g. months since randomisation, not their
positions), as SAS's ``TYPE=SP(EXP)(time)``: ``psi = (σ², θ)``, ``θ > 0`` the range, working
parameters ``log σ²`` and ``log θ``. With equally spaced visits one unit apart this is
``ar1`` with ``ρ = exp(-1/θ) > 0``; with unequal spacing the correlation decays with the
time between visits. R mmrm's ``sp_exp`` reports ``ρ = exp(-1/θ)`` (the correlation at
distance 1) instead of ``θ``; the fits are the same.

Times are the visits' values, common to all subjects: subjects seen at their own times (R
mmrm's ``sp_exp(time | subject)`` with subject-specific times, SAS's ``SP(EXP)`` on a
per-observation coordinate) are not supported; record the scheduled visit as the time.

References
----------
Littell RC, Pendergast J, Natarajan R. Modelling covariance structure in the analysis of
repeated measures data. Stat Med 2000;19:1793-819.
doi:10.1002/1097-0258(20000715)19:13<1793::AID-SIM482>3.0.CO;2-Q
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .correlated import Correlated, lag_means

__all__ = ["SpatialExponential"]


@dataclass(frozen=True)
class SpatialExponential(Correlated):
    """``sp_exp``: ``σ² exp(-|t_a - t_b| / θ)`` over the visit times ``t``.

    Examples
    --------
    >>> s = SpatialExponential((0.0, 1.0, 3.0))
    >>> s.param_names()
    ('var', 'range')
    >>> s.sigma(np.array([2.0, 1.0 / np.log(2.0)]))
    array([[2.  , 1.  , 0.25],
           [1.  , 2.  , 0.5 ],
           [0.25, 0.5 , 2.  ]])
    """

    name: ClassVar[str] = "sp_exp"
    description: ClassVar[str] = "spatial exponential"
    heterogeneous: ClassVar[bool] = False

    def _distance(self) -> np.ndarray:
        t = np.asarray(self.visits, dtype=float)
        return np.abs(t[:, None] - t[None, :])

    def _rho_names(self) -> list[str]:
        return ["range"] if self.n_visits > 1 else []

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z)

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.log(rho)

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.ones((1, 1))
        return np.exp(-self._distance() / rho[0])

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 1, 1))
        d, theta = self._distance(), rho[0]
        return (d / theta**2 * np.exp(-d / theta))[None]

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 0, 1, 1))
        d, theta = self._distance(), rho[0]
        return ((d**2 / theta**4 - 2.0 * d / theta**3) * np.exp(-d / theta))[None, None]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        r = float(np.clip(lag_means(corr)[0], 0.05, 0.95))
        gap = float(np.mean(np.diff(np.asarray(self.visits, dtype=float))))
        return np.array([-gap / np.log(r)])
