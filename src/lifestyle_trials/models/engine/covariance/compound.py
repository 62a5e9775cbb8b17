"""Compound symmetry: a common correlation between every two visits (``cs``, ``csh``).

``csh`` has one variance per visit and a correlation ``ρ`` whose working parameter is a scaled
logistic onto ``(-1/(T-1), 1)``, the range in which ``Σ`` is positive definite. ``cs`` has a
common variance ``σ²`` and covariance ``c = σ² ρ``, linear in ``psi = (σ², c)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Structure, off_diagonal
from .correlated import Correlated

__all__ = ["CompoundSymmetry", "CompoundSymmetryHet"]


@dataclass(frozen=True)
class CompoundSymmetryHet(Correlated):
    """``csh``: one variance per visit and a common correlation ``ρ``."""

    name: ClassVar[str] = "csh"
    description: ClassVar[str] = "heterogeneous compound symmetry"
    heterogeneous: ClassVar[bool] = True

    def _lower(self) -> float:
        return -1.0 / (self.n_visits - 1)

    def _rho(self, z: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return z
        low = self._lower()
        return low + (1.0 - low) / (1.0 + np.exp(-z))

    def _z(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return rho
        low = self._lower()
        u = (rho - low) / (1.0 - low)
        return np.log(u / (1.0 - u))

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        t = self.n_visits
        r = rho[0] if t > 1 else 0.0
        return (1.0 - r) * np.eye(t) + r * np.ones((t, t))

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        t = self.n_visits
        return (np.ones((t, t)) - np.eye(t))[None, :, :][: self._n_rho()]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        off = off_diagonal(corr)
        low = self._lower()
        r = float(off.mean()) if off.size else 0.0
        return np.array([np.clip(r, low + 0.05 * (1 - low), 0.95)])


@dataclass(frozen=True)
class CompoundSymmetry(Structure):
    """``cs``: a common variance ``σ²`` and covariance ``c``; linear in ``psi = (σ², c)``."""

    name: ClassVar[str] = "cs"
    description: ClassVar[str] = "compound symmetry"
    linear: ClassVar[bool] = True

    def _het(self) -> CompoundSymmetryHet:
        return CompoundSymmetryHet(self.visits)

    def param_names(self) -> tuple[str, ...]:
        return ("var", "cov") if self.n_visits > 1 else ("var",)

    def psi(self, theta: np.ndarray) -> np.ndarray:
        var = np.exp(theta[:1])
        if self.n_visits == 1:
            return var
        rho = self._het()._rho(theta[1:])
        return np.concatenate([var, var * rho])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        cov = psi[1] if t > 1 else 0.0
        return (psi[0] - cov) * np.eye(t) + cov * np.ones((t, t))

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        eye = np.eye(t)
        return np.stack([eye, np.ones((t, t)) - eye])[: self.n_params]

    def start(self, s: np.ndarray) -> np.ndarray:
        het = self._het().start(s)
        var = np.exp(np.mean(het[: self.n_visits]))
        return np.concatenate([[np.log(var)], het[self.n_visits :]])
