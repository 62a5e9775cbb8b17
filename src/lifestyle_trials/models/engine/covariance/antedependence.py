"""First-order ante-dependence: a correlation per pair of adjacent visits (``ad``, ``adh``).

``Σ_ab = σ_a σ_b Π_{k=a}^{b-1} ρ_k`` for visit positions ``a < b``: the correlation of two
visits is the product of the correlations of the adjacent pairs between them (Gabriel 1962;
SAS ``TYPE=ANTE(1)``, R mmrm's ``adh``). ``adh`` has one variance per visit, ``ad`` a common
variance (mmrm's ``ad``). ``psi = (variances, ρ_1..ρ_{T-1})``; the working parameter of each
``ρ_k`` is ``arctanh ρ_k``, and any ``ρ_k`` in ``(-1, 1)`` gives a positive definite ``Σ``
(the covariance of a non-stationary first-order autoregression).

References
----------
Gabriel KR. Ante-dependence analysis of an ordered set of variables. Ann Math Stat
1962;33:201-12. doi:10.1214/aoms/1177704724
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .correlated import Correlated

__all__ = ["AnteDependence", "AnteDependenceHet"]


@dataclass(frozen=True)
class AnteDependenceHet(Correlated):
    """``adh``: one variance per visit and a correlation ``ρ_k`` between visits ``k`` and
    ``k + 1``; ``Σ_ab = σ_a σ_b Π_{a≤k<b} ρ_k``.

    Examples
    --------
    >>> s = AnteDependenceHet((1.0, 2.0, 3.0))
    >>> s.param_names()
    ('var[1]', 'var[2]', 'var[3]', 'rho[1,2]', 'rho[2,3]')
    >>> s.sigma(np.array([1.0, 4.0, 1.0, 0.5, 0.5]))
    array([[1.  , 1.  , 0.25],
           [1.  , 4.  , 1.  ],
           [0.25, 1.  , 1.  ]])
    """

    name: ClassVar[str] = "adh"
    description: ClassVar[str] = "heterogeneous first-order ante-dependence"
    heterogeneous: ClassVar[bool] = True

    def _n_rho(self) -> int:
        return self.n_visits - 1

    def _rho_names(self) -> list[str]:
        lab = self.labels()
        return [f"rho[{lab[k]},{lab[k + 1]}]" for k in range(self.n_visits - 1)]

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.arctanh(rho)

    def _between(self) -> np.ndarray:
        """``between[k, a, b]``: whether the adjacent pair ``(k, k+1)`` lies between visit
        positions ``a`` and ``b``."""
        t = self.n_visits
        idx = np.arange(t)
        low = np.minimum(idx[:, None], idx[None, :])
        high = np.maximum(idx[:, None], idx[None, :])
        k = np.arange(t - 1)[:, None, None]
        return (low[None] <= k) & (k < high[None])

    def _product(self, rho: np.ndarray, skip: tuple[int, ...] = ()) -> np.ndarray:
        """``Π ρ_k`` over the pairs between ``a`` and ``b``, leaving out the pairs in
        ``skip`` (which must lie between them; 0 elsewhere when ``skip`` is not empty)."""
        between = self._between()
        t = self.n_visits
        out = np.ones((t, t))
        for k in range(t - 1):
            if k in skip:
                continue
            out = out * np.where(between[k], rho[k], 1.0)
        for k in skip:
            out = out * between[k]
        return out

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        return self._product(np.asarray(rho, dtype=float))

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        rho = np.asarray(rho, dtype=float)
        return np.stack([self._product(rho, (k,)) for k in range(self._n_rho())]).reshape(
            self._n_rho(), self.n_visits, self.n_visits
        )

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        rho = np.asarray(rho, dtype=float)
        m, t = self._n_rho(), self.n_visits
        out = np.zeros((m, m, t, t))
        for k in range(m):
            for j in range(m):
                if j != k:
                    out[k, j] = self._product(rho, (k, j))
        return out

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        t = self.n_visits
        adjacent = np.array([corr[k, k + 1] for k in range(t - 1)], dtype=float)
        return np.clip(np.where(np.isfinite(adjacent), adjacent, 0.0), -0.9, 0.9)


@dataclass(frozen=True)
class AnteDependence(AnteDependenceHet):
    """``ad``: a common variance and a correlation per pair of adjacent visits.

    Examples
    --------
    >>> AnteDependence((1.0, 2.0, 3.0)).param_names()
    ('var', 'rho[1,2]', 'rho[2,3]')
    """

    name: ClassVar[str] = "ad"
    description: ClassVar[str] = "first-order ante-dependence"
    heterogeneous: ClassVar[bool] = False
